"""The symbolic and numeric engines agree on loss conventions and on the shared vec layout:
exact Hessians (lambdified) against the numeric engine's Hessians at the same flat vectors."""

import numpy as np
import pytest
import sympy as sp

from symflat.models import DeepLinear, DeepNetwork, LinearWithOutput, Moments, Points, ReluOneHidden, ScalarChain
from symflat.symbolic import derive, random_matrix

numeric = pytest.importorskip("symflat.numeric.objective")


def _cases(rng):
    r = lambda rows, cols: random_matrix(rng, rows, cols, low=-3, high=3, den=2)  # noqa: E731
    X2 = r(5, 2)
    return [
        (DeepLinear([2, 3, 2]), Moments(sp.Matrix([[2, 1], [1, 3]]), r(2, 2), sp.eye(2))),
        (ScalarChain(3), Moments([[2]], [[3]], [[5]])),
        (LinearWithOutput([2, 3, 2], output=(1, -2)), Points(X2, r(5, 1))),
        (ReluOneHidden(2), Points(r(4, 1), r(4, 1))),
        (DeepNetwork([2, 2, 1], activation="leaky_relu", negative_slope=0.25), Points(r(3, 2), r(3, 1))),
    ]


def _floats(data):
    """The same data as floats for the numeric engine."""
    conv = lambda a: None if a is None else np.array(sp.Matrix(a).evalf(), dtype=float)  # noqa: E731
    if isinstance(data, Moments):
        return Moments(conv(data.sigma_x), conv(data.sigma_yx), conv(data.sigma_y))
    return Points(conv(data.X), conv(data.Y).reshape(-1) if sp.Matrix(data.Y).shape[1] == 1 else conv(data.Y))


@pytest.mark.parametrize("index", range(5))
def test_symbolic_hessian_matches_numeric_engine(index):
    rng = np.random.default_rng(100 + index)
    model, data = _cases(rng)[index]
    d = derive(model, data)
    obj = numeric.objective(model, _floats(data))
    for _ in range(2):
        w = rng.uniform(-1, 1, model.num_params)
        assert np.isclose(d.lambdify("loss")(w), obj.loss(w), rtol=1e-10, atol=1e-12)
        H_sym = d.lambdify("hessian")(w)
        assert np.allclose(H_sym, obj.hessian(w), rtol=1e-8, atol=1e-10)
