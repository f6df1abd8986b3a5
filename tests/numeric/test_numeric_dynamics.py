"""Gradient descent, SGD and gradient flow against closed forms and conservation laws."""

import mpmath
import numpy as np
import pytest

from symflat.models import DeepLinear, DeepNetwork, LinearWithOutput, Moments, Points, ReluOneHidden, ScalarChain
from symflat.numeric import NumericError, problems
from symflat.numeric.dynamics import balancedness, gd_vs_gf, gradient_descent, gradient_flow, sgd


def test_gd_on_a_quadratic_matches_closed_form():
    """Depth 1: l(W) = tr(W Sx W^T) - 2 tr(W Syx^T) + c, so W_k - W* = (W_0 - W*)(I - 2 eta Sx)^k."""
    rng = np.random.default_rng(0)
    M = rng.standard_normal((3, 3))
    sx, syx = M @ M.T + np.eye(3), rng.standard_normal((2, 3))
    model, data = DeepLinear((3, 2)), Moments(sx, syx)
    W0 = rng.standard_normal((2, 3))
    eta, k = 0.05, 37
    traj = gradient_descent(model, W0.T.reshape(-1), data, eta, k, keep_weights=True)
    Wstar = syx @ np.linalg.inv(sx)
    expected = Wstar + (W0 - Wstar) @ np.linalg.matrix_power(np.eye(3) - 2 * eta * sx, k)
    assert traj.status == "max_steps" and traj.steps == k
    np.testing.assert_allclose(traj.final.reshape(3, 2).T, expected, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(traj.times, eta * np.arange(k + 1))


def logistic_solution(t, tau, u0, sx2=1.0):
    """Balanced scalar two-layer GF, w1 = w2 = u: (u^2)' = 4 sx2 (tau - u^2) u^2, a logistic curve."""
    return tau / (1 + (tau / u0**2 - 1) * np.exp(-4 * sx2 * tau * t))


def test_gradient_flow_matches_scalar_two_layer_closed_form():
    tau, u0 = 2.0, 0.3
    data = Moments([[1.0]], [[tau]], [[tau**2]])
    traj = gradient_flow(ScalarChain(2), [u0, u0], data, 1.5)
    assert traj.status == "finished"
    np.testing.assert_allclose(traj.weights[:, 0] ** 2, logistic_solution(traj.times, tau, u0), rtol=1e-9)
    np.testing.assert_allclose(traj.loss, (tau - logistic_solution(traj.times, tau, u0)) ** 2, atol=1e-9)


def test_high_precision_gradient_flow_matches_closed_form_to_25_digits():
    tau, u0 = mpmath.mpf(2), mpmath.mpf(3) / 10
    data = Moments([[1]], [[2]])
    traj = gradient_flow(ScalarChain(2), [u0, u0], data, 0.5, t_eval=[0.0, 0.5], dps=30)
    with mpmath.workdps(30):
        exact = tau / (1 + (tau / u0**2 - 1) * mpmath.exp(-4 * tau * mpmath.mpf("0.5")))
        got = traj.extra["mp_final"][0] ** 2
        assert abs(got - exact) < mpmath.mpf(10) ** -25


def test_gradient_flow_conserves_balancedness():
    model = DeepLinear((3, 5, 4, 2))
    data = problems.synthetic_regression(50, 3, 2, seed=1)
    w0 = problems.random_weights(model, 0.5, seed=3)
    traj = gradient_flow(model, w0, data, 3.0, balancedness=True, rtol=1e-11, atol=1e-13)
    assert traj.status == "finished" and traj.loss[-1] < traj.loss[0]
    assert np.max(traj.balancedness) < 1e-8
    gd = gradient_descent(model, w0, data, 0.05, 60, balancedness=True)  # GD only approximately conserves it
    assert np.max(gd.balancedness) > 1e-4


def test_gradient_flow_in_the_residual_parametrisation_conserves_balancedness_of_the_w():
    """theta_k = L (W_k - base_k) makes the flow in theta a time-rescaled flow in W (Marion &
    Chizat eq. 8 with Lemma 1), so W_{k+1}^T W_{k+1} - W_k W_k^T stays constant."""
    rng = np.random.default_rng(0)
    d, L = 2, 3
    model = LinearWithOutput((d,) * (L + 1), output=(1.0, -0.5), residual=True,
                             noise=rng.standard_normal((L, d, d)), scale=0.5)
    data = problems.synthetic_regression(30, d, 1, seed=3)
    traj = gradient_flow(model, np.zeros(model.num_params), data, 2.0, balancedness=True, rtol=1e-11, atol=1e-13)
    assert traj.status == "finished" and traj.loss[-1] < traj.loss[0]
    assert np.max(traj.balancedness) < 1e-8
    assert np.max(np.abs(balancedness(model, np.zeros(model.num_params))[0])) > 0.1  # not trivially zero


def _small_step_gd(obj, w, t_final, lr):
    for _ in range(int(round(t_final / lr))):
        w = w - lr * obj.grad(w)
    return w


def test_relu_flow_is_integrated_region_by_region_and_matches_small_step_descent():
    """Between kinks the flow is smooth; crossing them by events keeps the solver fast and the
    trajectory right: against explicit Euler with a tiny step (an independent integrator)."""
    from symflat.numeric import objective

    relu = ReluOneHidden(8)
    x = np.linspace(-1, 1, 20)
    data = Points(x, np.sin(3 * x))
    w0 = problems.random_weights(relu, 0.8, seed=2)
    traj = gradient_flow(relu, w0, data, 4.0, rtol=1e-10, atol=1e-12)
    assert traj.status == "finished" and "kink crossings" in traj.message
    assert int(traj.message.split(", ")[-1].split()[0]) > 0  # kinks were crossed
    euler = _small_step_gd(objective(relu, data), w0, 4.0, 1e-4)
    assert np.linalg.norm(traj.final - euler) < 2e-3 * np.linalg.norm(euler)


def test_a_sliding_mode_stops_the_flow_with_a_named_unit():
    """A leaky-ReLU network whose hidden unit (1, 33, 5) is pulled onto its kink from both sides at
    t ~ 1.95: the flow reports it instead of grinding; small-step descent confirms the unit then
    stays at its kink (pre-activation ~ 0)."""
    from symflat.numeric import objective
    from symflat.numeric.objective import unpack

    model = DeepNetwork((3, 16, 16, 1), activation="leaky_relu", negative_slope=0.1, loss="half_square")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 3))
    data = Points(X, np.sin(X[:, :1]))
    w0 = problems.random_weights(model, 0.8, seed=1)
    traj = gradient_flow(model, w0, data, 5.0, rtol=1e-8, atol=1e-10)
    assert traj.status == "stalled" and "(1, 33, 5)" in traj.message and "sliding mode" in traj.message
    t_stop = float(traj.message.rsplit("t = ", 1)[1])
    assert 1.8 < t_stop < 2.1
    obj = objective(model, data)
    w = _small_step_gd(obj, w0, 2.4, 5e-4)
    zs = []
    obj._forward(unpack(model, w, obj._layout), zs=zs)
    assert abs(float(zs[1][33, 5])) < 1e-4  # on the kink, where it was at 0.16 at t = 0


def test_relu_network_conserves_diagonal_balancedness():
    pytest.importorskip("torch")
    model = DeepNetwork((2, 4, 3, 1), activation="relu", loss="half_square")
    rng = np.random.default_rng(2)
    X = rng.standard_normal((20, 2))
    data = Points(X, np.tanh(X[:, :1]))
    w0 = problems.random_weights(model, 0.7, seed=1)
    traj = gradient_flow(model, w0, data, 1.0, balancedness=True, t_eval=[0.0, 0.5, 1.0])
    assert traj.status == "finished" and np.max(traj.balancedness) < 1e-7
    assert all(b.ndim == 1 for b in balancedness(model, w0))


def test_gd_tracks_gf_and_the_gap_shrinks_with_the_step():
    model = DeepLinear((3, 4, 4, 2))
    data = problems.synthetic_regression(40, 3, 2, seed=4)
    w0 = problems.random_weights(model, 0.4, seed=5)
    gaps = [gd_vs_gf(model, w0, data, lr, round(1.0 / lr)).max_distance for lr in (0.02, 0.01)]
    assert gaps[1] < 0.6 * gaps[0] and gaps[1] < 0.05  # first-order method: gap ~ O(lr)


def test_divergence_nan_and_overflow_end_runs_with_a_status():
    data = Moments([[1.0]], [[2.0]])
    traj = gradient_descent(ScalarChain(2), [3.0, 3.0], data, 0.5, 100)
    assert traj.status == "diverged" and not traj.ok and traj.steps < 100
    with pytest.raises(NumericError, match="w0"):  # a NaN start is bad input (issue 17), not a run
        gradient_descent(ScalarChain(2), [np.nan, 1.0], data, 0.1, 10)
    traj = gradient_descent(ScalarChain(2), [1e200, 1e200], data, 0.1, 10, divergence=np.inf)
    assert traj.status in ("overflow", "nan")
    gf = gradient_flow(ScalarChain(3), [3.0, 3.0, 3.0], Moments([[1.0]], [[-50.0]]), 10.0, blowup=1e3)
    assert gf.status in ("finished", "diverged")


def test_gd_converges_to_a_minimum_with_sharpness_below_two_over_eta():
    """GD that converges must end at a minimum with lambda_max <= 2 / eta (minima stability)."""
    model = DeepLinear((2, 3, 3, 1))
    data = problems.synthetic_regression(50, 2, 1, seed=0)
    w0 = problems.random_weights(model, 0.5, seed=1)
    eta = 0.1
    traj = gradient_descent(model, w0, data, eta, 5000, grad_tol=1e-9, sharpness_every=1000)
    assert traj.status == "converged"
    from symflat.numeric import sharpness

    assert sharpness(model, traj.final, data).eigenvalue <= 2 / eta


def test_sgd_with_full_batch_is_gd_and_validates_batch_size():
    model = DeepLinear((2, 3, 1))
    data = problems.synthetic_regression(16, 2, 1, seed=0)
    w0 = problems.random_weights(model, 0.5, seed=0)
    a = sgd(model, w0, data, 0.05, 20, batch_size=16)
    b = gradient_descent(model, w0, data, 0.05, 20)
    np.testing.assert_allclose(a.final, b.final, rtol=1e-12)
    small = sgd(model, w0, data, 0.05, 200, batch_size=4, seed=1, record_every=50)
    assert small.ok and small.loss[-1] < small.loss[0]
    with pytest.raises(NumericError, match="batch_size"):
        sgd(model, w0, data, 0.05, 10, batch_size=0)
    with pytest.raises(NumericError, match="step size"):
        gradient_descent(model, w0, data, -1.0, 10)
    with pytest.raises(NumericError, match="t_final"):
        gradient_flow(model, w0, data, 0.0)
    with pytest.raises(NumericError, match="linear models"):
        gradient_flow(ReluOneHidden(2), np.ones(7), Points([0.1, 0.2], [1.0, 2.0]), 1.0, dps=20)


def test_early_stop_is_recorded_even_between_record_points():
    model = DeepLinear((2, 3, 1))
    data = problems.synthetic_regression(32, 2, 1, seed=0)
    w0 = problems.random_weights(model, 0.5, seed=0)
    traj = gradient_descent(model, w0, data, 0.05, 10_000, grad_tol=1e-8, record_every=1000)
    assert traj.status == "converged" and traj.steps < 10_000
    assert traj.times[-1] == pytest.approx(traj.steps * 0.05) and traj.grad_norm[-1] <= 1e-8
    np.testing.assert_allclose(traj.loss[-1], gradient_descent(model, traj.final, data, 0.05, 0).loss[0])
