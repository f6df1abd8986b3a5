"""Wrong answers are bugs (issue 17, part 2): what a function returns as a minimum or a trajectory
is verified, or the function raises. Checked here against computations independent of the
engine's objective code (products of the unpacked matrices, the loss written out by hand)."""

from __future__ import annotations

import numpy as np
import pytest

from symflat.models import DeepLinear, LinearWithOutput, Moments, ScalarChain
from symflat.numeric import problems
from symflat.numeric.dynamics import gd_vs_gf, gradient_descent, gradient_flow
from symflat.numeric.errors import DivergenceError, NotAMinimum


def _layers(dims, w):
    """W_1..W_m from the column-major vec layout, written out independently of objective.unpack."""
    mats, k = [], 0
    for j in range(1, len(dims)):
        r, c = dims[j], dims[j - 1]
        mats.append(np.asarray(w[k:k + r * c]).reshape(c, r).T)
        k += r * c
    return mats


def _loss(A, sx, syx):
    """tr(A Sx A^T) - 2 tr(A Syx^T) (Mulayoff & Michaeli eq. 3 without the constant tr Sigma_y)."""
    return float(np.trace(A @ sx @ A.T) - 2 * np.trace(A @ syx.T))


@pytest.mark.parametrize("dims, seed", [((3, 4, 2), 0), ((4, 6, 6, 3), 1), ((2, 2, 2, 2, 1), 2), ((5, 3, 3), 3)])
def test_deep_linear_minimum_satisfies_the_normal_equations(dims, seed):
    data = problems.synthetic_regression(40, dims[0], dims[-1], seed=seed)
    X, Y = np.asarray(data.X), np.asarray(data.Y).reshape(40, -1)
    sx, syx = X.T @ X / 40, Y.T @ X / 40
    for scales in (None, [3.0] + [1.0] * (len(dims) - 2)):
        w = problems.deep_linear_minimum(DeepLinear(dims), data, seed=seed, layer_scales=scales)
        A = np.linalg.multi_dot(_layers(dims, w)[::-1]) if len(dims) > 2 else _layers(dims, w)[0]
        assert np.linalg.norm(A @ sx - syx) <= 1e-10 * np.linalg.norm(syx)


def test_singular_sigma_x_with_sigma_yx_outside_its_range_has_no_minimum():
    """Sigma_x = diag(1, 0), Sigma_yx = [[1, 2], [3, 4]]: along A = t [[0, 1], [0, 1]] the loss is
    -2 t (2 + 4) -> -inf, so no minimum exists and the function must not return one."""
    sx, syx = np.diag([1.0, 0.0]), np.array([[1.0, 2.0], [3.0, 4.0]])
    direction = np.array([[0.0, 1.0], [0.0, 1.0]])
    assert _loss(1e6 * direction, sx, syx) == pytest.approx(-12e6)
    with pytest.raises(NotAMinimum, match="unbounded below"):
        problems.deep_linear_minimum(DeepLinear((2, 3, 2)), Moments(sx.tolist(), syx.tolist()))


def test_singular_sigma_x_with_sigma_yx_in_its_range_gives_a_true_minimum():
    sx, syx = np.diag([1.0, 0.0]), np.array([[1.0, 0.0], [3.0, 0.0]])
    w = problems.deep_linear_minimum(DeepLinear((2, 3, 2)), Moments(sx.tolist(), syx.tolist()))
    W1, W2 = _layers((2, 3, 2), w)
    A = W2 @ W1
    assert np.allclose(A @ sx, syx, atol=1e-12)
    # the loss there is the least value: tr(T Sx T^T) - 2 tr(T Syx^T) with T = [[1, 0], [3, 0]] gives -10
    assert _loss(A, sx, syx) == pytest.approx(-10.0, abs=1e-12)


def test_linear_with_output_minimum_fits_the_least_squares_map():
    model = LinearWithOutput((3, 4, 2), output=(1.0, -2.0))
    data = problems.synthetic_regression(30, 3, 1, seed=4)
    w = problems.linear_with_output_minimum(model, data, seed=4)
    W1, W2 = _layers((3, 4, 2), w)
    X, y = np.asarray(data.X), np.asarray(data.Y).reshape(-1)
    a = np.array([1.0, -2.0]) @ W2 @ W1
    assert np.allclose(a, np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-10)


def test_a_diverging_run_is_never_reported_as_a_success():
    """GD on l(w) = (2 - w1 w2)^2 - 4 (Sigma_x = 1, Sigma_yx = 2) with step 0.5 from (3, 3): the
    curvature there is far above 2 / 0.5, so the iterates blow up."""
    traj = gradient_descent(ScalarChain(2), [3.0, 3.0], Moments([[1.0]], [[2.0]]), 0.5, 100)
    assert traj.status == "diverged" and not traj.ok
    with pytest.raises(DivergenceError, match="diverged"):
        traj.require_ok()
    compared = gd_vs_gf(ScalarChain(2), [3.0, 3.0], Moments([[1.0]], [[2.0]]), 0.5, 20)
    assert not compared.ok
    with pytest.raises(DivergenceError, match="gd run"):
        compared.require_ok()
    flow = gradient_flow(ScalarChain(3), [3.0, 3.0, 3.0], Moments([[1.0]], [[-50.0]]), 10.0, blowup=1e3)
    if flow.status != "finished":
        with pytest.raises(DivergenceError):
            flow.require_ok()
    else:
        assert np.all(np.isfinite(flow.final)) and flow.require_ok() is flow
