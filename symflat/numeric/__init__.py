"""The numeric engine: array backends, Hessian-vector products, sharpness, GD/SGD/GF.

Usable on its own::

    from symflat.models import DeepLinear
    from symflat.numeric import gradient_descent, hessian_operator, problems, sharpness
    model = DeepLinear((8, 16, 16, 4))
    data = problems.synthetic_regression(256, 8, 4)
    w = problems.deep_linear_minimum(model, data)
    print(sharpness(model, w, data))            # auto -> structured at this minimum
    H = hessian_operator(model, w, data)        # a scipy LinearOperator for any scipy solver
    run = gradient_descent(model, problems.random_weights(model, 0.3), data, lr=0.05, steps=500)
"""

from symflat.numeric.backend import Backend, BackendError, get_backend, torch_available
from symflat.numeric.objective import NumericError, Objective, objective
from symflat.numeric.sharpness import (
    METHODS,
    NotConvergedError,
    NotConvergedWarning,
    SharpnessResult,
    TraceEstimate,
    directional_curvature,
    hessian,
    hessian_trace,
    sharpness,
    smallest_eigenvalue,
    spectral_density,
)
from symflat.numeric.module import ModuleError, ModuleObjective, module_objective
from symflat.numeric.module_dynamics import ModuleFlow, ModuleTrajectory, gradient_flow_module, train_module
from symflat.numeric.spectrum import Eigenpairs, SpectralDensity
from symflat.numeric.structured import NotApplicable
from symflat.numeric.operators import CurvatureOperator, GramOperator, gram_operator, hessian_operator
from symflat.numeric.dynamics import Trajectory, balancedness, gd_vs_gf, gradient_descent, gradient_flow, sgd

__all__ = [
    "Backend",
    "BackendError",
    "Eigenpairs",
    "CurvatureOperator",
    "GramOperator",
    "METHODS",
    "NotApplicable",
    "NotConvergedError",
    "NotConvergedWarning",
    "NumericError",
    "ModuleError",
    "ModuleObjective",
    "ModuleFlow",
    "ModuleTrajectory",
    "Objective",
    "SharpnessResult",
    "SpectralDensity",
    "TraceEstimate",
    "Trajectory",
    "balancedness",
    "directional_curvature",
    "gd_vs_gf",
    "get_backend",
    "gradient_descent",
    "gradient_flow",
    "gradient_flow_module",
    "gram_operator",
    "hessian",
    "hessian_operator",
    "hessian_trace",
    "module_objective",
    "objective",
    "sgd",
    "sharpness",
    "smallest_eigenvalue",
    "spectral_density",
    "torch_available",
    "train_module",
]
