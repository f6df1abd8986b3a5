"""Every sharpness method against the dense Hessian; structured results against closed forms."""

import warnings

import numpy as np
import pytest

from symflat.models import DeepLinear, LinearWithOutput, Moments, Points, ReluOneHidden, ScalarChain
from symflat.numeric import (
    NotApplicable,
    NotConvergedError,
    NotConvergedWarning,
    NumericError,
    directional_curvature,
    hessian,
    hessian_trace,
    problems,
    sharpness,
    smallest_eigenvalue,
)
from symflat.numeric.linalg import SolverError, lanczos, power_iteration
from symflat.numeric.backend import get_backend

ITERATIVE = ["lanczos", "eigsh", "power"]


def dense_spectrum(model, w, data):
    return np.linalg.eigvalsh(hessian(model, w, data))


@pytest.mark.parametrize("method", ITERATIVE + ["dense"])
@pytest.mark.parametrize("seed", [0, 1])
def test_methods_match_dense_away_from_minima(method, seed):
    model = DeepLinear((3, 5, 4, 2))
    data = problems.synthetic_regression(60, 3, 2, seed=seed)
    w = problems.random_weights(model, 0.8, seed=seed + 10)
    ev = dense_spectrum(model, w, data)
    top = sharpness(model, w, data, method, tol=1e-10)
    assert top.converged and top.method == method
    assert top.eigenvalue == pytest.approx(ev[-1], rel=1e-8)
    assert top.residual <= 1e-6 * abs(ev[-1])
    bottom = smallest_eigenvalue(model, w, data, method, tol=1e-10)
    assert bottom.eigenvalue == pytest.approx(ev[0], rel=1e-7, abs=1e-8 * abs(ev[-1]))


@pytest.mark.parametrize("dims", [(3, 4, 4, 2), (4, 6, 5, 4, 3), (1, 1, 1, 1, 1)])
@pytest.mark.parametrize("method", ITERATIVE + ["structured"])
def test_methods_match_dense_at_global_minima(dims, method):
    model = DeepLinear(dims)
    data = problems.synthetic_regression(80, dims[0], dims[-1], seed=2)
    w = problems.deep_linear_minimum(model, data, seed=5, layer_scales=np.linspace(0.7, 1.4, model.depth))
    ev = dense_spectrum(model, w, data)
    if method in ITERATIVE and model.num_params < 3 + (method == "eigsh"):
        pytest.skip("operator too small for this solver")
    res = sharpness(model, w, data, method, tol=1e-10)
    assert res.converged
    assert res.eigenvalue == pytest.approx(ev[-1], rel=1e-9)
    assert res.residual <= 1e-7 * ev[-1]


def test_structured_matches_dense_on_large_small_operator():
    """d_x d_y = 300 > DENSE_LIMIT: the small operator is solved matrix-free by Lanczos."""
    model = DeepLinear((20, 20, 15))
    data = problems.synthetic_regression(200, 20, 15, seed=3)
    w = problems.deep_linear_minimum(model, data, seed=1)
    res = sharpness(model, w, data, "structured")
    assert res.dimension == 300 and res.hvps > 0
    assert res.eigenvalue == pytest.approx(dense_spectrum(model, w, data)[-1], rel=1e-10)
    with pytest.warns(NotConvergedWarning):  # a starved small-operator solve is reported, not hidden
        starved = sharpness(model, w, data, "structured", tol=1e-14, maxiter=3)
    assert not starved.converged


def _small_operator(dims, seed):
    from symflat.numeric.objective import objective
    from symflat.numeric.structured import deep_linear_operator

    model = DeepLinear(dims)
    data = problems.synthetic_regression(300, dims[0], dims[-1], seed=seed)
    w = problems.deep_linear_minimum(model, data, seed=seed + 1, layer_scales=np.linspace(0.6, 1.5, model.depth))
    obj = objective(model, data)
    Rs, Ss, *_ = deep_linear_operator(obj, obj.weights(w))
    M = 2 * sum(np.kron(Rs[k], Ss[k]) for k in range(Rs.shape[0]))  # on B (d_y x d_x) read row-major
    return Rs, Ss, M, obj.backend, dense_spectrum(model, w, data)


def test_small_operator_has_the_hessian_top_eigenvalue():
    """The factors of 2 Phi^T Phi, assembled densely here, give the dense Hessian's top eigenvalue."""
    _, _, M, _, ev = _small_operator((6, 7, 8, 7), seed=0)
    assert np.linalg.eigvalsh(M)[-1] == pytest.approx(ev[-1], rel=1e-11)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rank_one_start_is_close_to_the_top_eigenvector(seed):
    from symflat.numeric.structured import RANDOM_SHARE, rank_one_start

    Rs, Ss, M, bk, _ = _small_operator((8, 8, 8, 8, 8), seed)
    top = np.linalg.eigh(M)[1][:, -1]
    b = rank_one_start(Rs, Ss, bk, seed)
    cos = abs(b @ top) / np.linalg.norm(b)
    # the random share bounds the overlap from above; the rank-one part carries the rest
    assert 0.9 < cos <= 1 / np.sqrt(1 + RANDOM_SHARE**2 * 0.9)


def test_lanczos_from_a_wrong_eigenvector_plus_the_random_share_finds_the_top():
    """The safety argument of rank_one_start: even when the rank-one guess is exactly a lower
    eigenvector, the random share lets Lanczos reach the top eigenvalue before it can stop."""
    from symflat.numeric.structured import RANDOM_SHARE

    Rs, Ss, M, bk, _ = _small_operator((9, 9, 10, 8), seed=3)
    vals, vecs = np.linalg.eigh(M)
    g = np.random.default_rng(0).standard_normal(M.shape[0])
    for wrong in (-2, -3, M.shape[0] // 2):
        start = vecs[:, wrong] + RANDOM_SHARE * g / np.linalg.norm(g)
        pair = lanczos(lambda v: M @ v, M.shape[0], bk, tol=1e-8, v0=start)
        assert pair.converged and pair.value == pytest.approx(vals[-1], rel=1e-12)


def test_scalar_chain_closed_forms_eq10_eq13():
    """eq. (10): lambda_max = 2 sigma^2 tau^2 sum_j w_j^-2; eq. (13) at the balanced minimum."""
    sx2, tau, m = 1.3, 2.5, 4
    data = Moments([[sx2]], [[tau * sx2]])
    w = np.array([1.0, 2.0, 0.5, tau])
    res = sharpness(ScalarChain(m), w, data, "structured")
    assert res.eigenvalue == pytest.approx(2 * sx2 * tau**2 * np.sum(w**-2.0), rel=1e-13)
    wb = np.full(m, tau ** (1 / m))
    assert sharpness(ScalarChain(m), wb, data).eigenvalue == pytest.approx(2 * m * sx2 * tau ** (2 * (1 - 1 / m)), rel=1e-13)


def test_structured_with_fixed_output_vector():
    model = LinearWithOutput((3, 5, 4), output=(1.0, -2.0, 0.5, 1.0))
    data = problems.synthetic_regression(50, 3, 1, seed=7)
    w = problems.linear_with_output_minimum(model, data, seed=2)
    res = sharpness(model, w, data)
    assert res.method == "structured"
    assert res.eigenvalue == pytest.approx(dense_spectrum(model, w, data)[-1], rel=1e-10)


def test_structured_for_the_residual_parametrisation():
    """Marion & Chizat eq. (2): the Hessian in the theta_k is the Hessian in the W_k over L^2."""
    rng = np.random.default_rng(4)
    d, L = 3, 4
    model = LinearWithOutput((d,) * (L + 1), output=tuple(rng.standard_normal(d)), residual=True,
                             noise=rng.standard_normal((L, d, d)), scale=0.8)
    data = problems.synthetic_regression(40, d, 1, seed=2)
    theta = problems.linear_with_output_minimum(model, data)
    assert np.allclose(theta[: (L - 1) * d * d], 0)  # the first layers sit at the initialisation
    res = sharpness(model, theta, data)
    assert res.method == "structured"
    assert res.eigenvalue == pytest.approx(dense_spectrum(model, theta, data)[-1], rel=1e-10)


def test_structured_refuses_points_off_the_minimum_and_auto_falls_back():
    model = DeepLinear((3, 8, 8, 2))
    data = problems.synthetic_regression(40, 3, 2, seed=1)
    w = problems.deep_linear_minimum(model, data) + 1e-3
    with pytest.raises(NotApplicable, match="not a global minimum"):
        sharpness(model, w, data, "structured")
    res = sharpness(model, w, data, "auto")
    assert res.method == "lanczos" and "not at a global minimum" in res.note
    assert res.eigenvalue == pytest.approx(dense_spectrum(model, w, data)[-1], rel=1e-8)
    with pytest.raises(NotApplicable, match="largest"):
        smallest_eigenvalue(model, problems.deep_linear_minimum(model, data), data, "structured")


def test_near_saddle_largest_algebraic_is_not_largest_magnitude():
    """Near the saddle w = 0 of a depth-3 linear network the Hessian is indefinite with its
    dominant eigenvalue negative (about -2x the largest): the sharpness is the smaller-magnitude end."""
    model = DeepLinear((3, 4, 4, 3))
    data = problems.synthetic_regression(64, 3, 3, seed=0)
    w = problems.near_saddle(model, data, scale=0.05, seed=1)
    ev = dense_spectrum(model, w, data)
    assert ev[0] == pytest.approx(-2 * ev[-1], rel=1e-2) and ev[-1] > 0
    for method in ITERATIVE + ["dense", "auto"]:
        res = sharpness(model, w, data, method, tol=1e-10)
        assert res.eigenvalue == pytest.approx(ev[-1], rel=1e-7), method


def test_relu_gram_at_interpolating_minimum():
    rng = np.random.default_rng(0)
    model = ReluOneHidden(8)
    x = np.linspace(-1, 1, 12) + 0.01
    w = rng.standard_normal(model.num_params)
    w1, b1, w2, b2 = w[:8], w[8:16], w[16:24], w[24]
    y = np.maximum(np.outer(x, w1) + b1, 0) @ w2 + b2  # labels the network fits exactly
    data = Points(x, y)
    res = sharpness(model, w, data)
    assert res.method == "structured" and res.dimension == 12
    assert res.eigenvalue == pytest.approx(dense_spectrum(model, w, data)[-1], rel=1e-11)
    with pytest.raises(NotApplicable, match="interpolating"):
        sharpness(model, w, Points(x, y + 0.1), "structured")


def test_trace_and_directional_curvature():
    model = DeepLinear((3, 4, 2))
    data = problems.synthetic_regression(30, 3, 2, seed=3)
    w = problems.random_weights(model, 0.5, seed=1)
    H = hessian(model, w, data)
    est = hessian_trace(model, w, data, samples=400, seed=1)
    assert abs(est.estimate - np.trace(H)) <= 5 * est.stderr + 1e-12
    u = np.random.default_rng(4).standard_normal(model.num_params)
    assert directional_curvature(model, w, data, u) == pytest.approx(u @ H @ u / (u @ u), rel=1e-12)
    with pytest.raises(NumericError, match="nonzero"):
        directional_curvature(model, w, data, np.zeros_like(u))


def test_non_convergence_is_loud():
    model = DeepLinear((4, 6, 6, 3))
    data = problems.synthetic_regression(50, 4, 3, seed=0)
    w = problems.random_weights(model, 0.7)
    with pytest.warns(NotConvergedWarning):
        res = sharpness(model, w, data, "power", tol=1e-14, maxiter=3)
    assert not res.converged and "NOT CONVERGED" in str(res)
    with pytest.raises(NotConvergedError), warnings.catch_warnings():
        warnings.simplefilter("ignore", NotConvergedWarning)
        sharpness(model, w, data, "lanczos", tol=1e-14, maxiter=2).require_converged()


def test_lanczos_restarts_and_bad_arguments():
    bk = get_backend("numpy")
    rng = np.random.default_rng(1)
    A = rng.standard_normal((150, 150))
    A = A + A.T
    pair = lanczos(lambda v: A @ v, 150, bk, tol=1e-10, max_basis=20, maxiter=5000)
    assert pair.converged and pair.value == pytest.approx(np.linalg.eigvalsh(A)[-1], rel=1e-10)
    assert power_iteration(lambda v: A @ v, 150, bk, which="SA", tol=1e-6, maxiter=20000).value == pytest.approx(
        np.linalg.eigvalsh(A)[0], rel=1e-6)
    with pytest.raises(SolverError, match="which"):
        lanczos(lambda v: v, 3, bk, which="LM")
    with pytest.raises(NumericError, match="NaN"):
        sharpness(DeepLinear((1, 1)), [np.nan], Moments([[1.0]], [[1.0]]))
    with pytest.raises(NumericError, match="unknown sharpness method"):
        sharpness(DeepLinear((1, 1)), [1.0], Moments([[1.0]], [[1.0]]), "magic")


@pytest.mark.parametrize("dims", [(4, 6, 5, 3), (3, 3, 3, 3, 3, 2)])
def test_balanced_minimum_attains_theorem1_and_others_are_sharper(dims):
    """Mulayoff & Michaeli Thm 1 (A2: Sigma_x = I): the widest minima have
    lambda_max = 2 m sigma_max(T)^{2(1 - 1/m)}; every other minimum is at least as sharp."""
    rng = np.random.default_rng(11)
    model = DeepLinear(dims)
    T = rng.standard_normal((dims[-1], dims[0]))
    data = Moments(np.eye(dims[0]), T)
    m, smax = model.depth, np.linalg.svd(T, compute_uv=False)[0]
    widest = 2 * m * smax ** (2 * (1 - 1 / m))
    balanced = sharpness(model, problems.deep_linear_minimum(model, data, seed=1), data)
    assert balanced.method == "structured" and balanced.eigenvalue == pytest.approx(widest, rel=1e-12)
    for seed in range(3):
        scales = np.exp(rng.normal(0, 0.4, m))
        other = sharpness(model, problems.deep_linear_minimum(model, data, seed=seed, layer_scales=scales), data)
        assert other.eigenvalue >= widest * (1 - 1e-12)
