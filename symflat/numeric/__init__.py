"""The numeric engine: array backends, Hessian-vector products, sharpness, GD/SGD/GF.

Usable on its own::

    from symflat.models import DeepLinear
    from symflat.numeric import sharpness, problems
    model = DeepLinear((8, 16, 16, 4))
    data = problems.synthetic_regression(256, 8, 4)
    w = problems.deep_linear_minimum(model, data)
    print(sharpness(model, w, data))            # auto -> structured at this minimum
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
)
from symflat.numeric.structured import NotApplicable

__all__ = [
    "Backend",
    "BackendError",
    "METHODS",
    "NotApplicable",
    "NotConvergedError",
    "NotConvergedWarning",
    "NumericError",
    "Objective",
    "SharpnessResult",
    "TraceEstimate",
    "directional_curvature",
    "get_backend",
    "hessian",
    "hessian_trace",
    "objective",
    "sharpness",
    "smallest_eigenvalue",
    "torch_available",
]
