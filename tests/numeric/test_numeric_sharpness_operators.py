"""Spectral functions applied to an operator instead of (model, weights, data) (STYLE E2)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.linalg import aslinearoperator

from symflat.models import DeepLinear, Moments
from symflat.numeric import (
    NumericError, directional_curvature, gram_operator, hessian, hessian_operator, hessian_trace, problems,
    sharpness, smallest_eigenvalue,
)


@pytest.fixture
def matrix():
    rng = np.random.default_rng(3)
    Q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    return Q @ np.diag([-2.0, -0.5, 0.0, 1.0, 3.0, 7.5]) @ Q.T


@pytest.mark.parametrize("method", ["dense", "lanczos", "eigsh", "power", "auto"])
def test_linear_operator_and_callable_give_the_known_extremes(matrix, method):
    op = aslinearoperator(matrix)
    assert sharpness(op, method=method).eigenvalue == pytest.approx(7.5, rel=1e-7)
    assert sharpness(lambda v: matrix @ v, method=method, dim=6).eigenvalue == pytest.approx(7.5, rel=1e-7)
    if method != "power":
        assert smallest_eigenvalue(op, method=method).eigenvalue == pytest.approx(-2.0, rel=1e-7)


def test_trace_and_directional_curvature_of_an_operator(matrix):
    est = hessian_trace(aslinearoperator(matrix), samples=400, seed=1)
    assert abs(est.estimate - np.trace(matrix)) <= 5 * est.stderr + 1e-9
    u = np.arange(1.0, 7.0)
    want = u @ matrix @ u / (u @ u)
    assert directional_curvature(aslinearoperator(matrix), None, None, u) == pytest.approx(want, rel=1e-12)
    assert directional_curvature(lambda v: matrix @ v, None, None, u) == pytest.approx(want, rel=1e-12)


def test_curvature_operators_match_the_model_form():
    """A HessianOperator and the small GramOperator 2 Phi^T Phi (eq. 20) at a deep-linear minimum give the
    dense Hessian's top eigenvalue."""
    model = DeepLinear((2, 3, 2))
    data = Moments(np.diag([1.0, 2.0]), np.array([[1.0, 0.5], [-0.3, 2.0]]))
    w = problems.deep_linear_minimum(model, data, seed=0, layer_scales=[1.0, 2.0])
    top = float(np.linalg.eigvalsh(hessian(model, w, data))[-1])
    assert sharpness(hessian_operator(model, w, data)).eigenvalue == pytest.approx(top, rel=1e-9)
    assert sharpness(gram_operator(model, w, data)).eigenvalue == pytest.approx(top, rel=1e-9)


def test_bad_operator_input_is_named(matrix):
    with pytest.raises(NumericError, match="dim="):
        sharpness(lambda v: matrix @ v)
    with pytest.raises(NumericError, match="weights=None"):
        sharpness(aslinearoperator(matrix), np.zeros(6))
    with pytest.raises(NumericError, match="square"):
        sharpness(aslinearoperator(np.ones((2, 3))))
    with pytest.raises(NumericError, match="backend"):
        sharpness(aslinearoperator(matrix), backend="torch")
    with pytest.raises(NumericError, match="shape"):
        sharpness(lambda v: v[:2], dim=6, method="dense")
    with pytest.raises(NumericError, match="dim must be a positive integer"):
        sharpness(lambda v: v, dim=0)
