"""The minimum set of a deep linear network as an engine object (Mulayoff & Michaeli 2020, eq. 4, 17, 20, 27),
checked against independent computations: dense Hessians of the numeric engine, NumPy products, SymPy
eigenvalues and the scalar closed form of eq. (13)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from symflat.models import DeepLinear, Moments, ScalarChain
from symflat.numeric import hessian
from symflat.numeric import minimum_set as NM
from symflat.numeric.objective import layer_product, pack
from symflat.numeric.backend import get_backend
from symflat.symbolic import spectral
from symflat.symbolic.closed_forms import scalar_widest_sharpness
from symflat.symbolic.errors import SymbolicError
from symflat.symbolic.minimum_set import MinimumSet, balanced_flattest, certified_flattest, phi_gram

NP = get_backend("numpy")


def _dense_top(model, Ws, sx, syx) -> float:
    """lambda_max of the full Hessian from the numeric engine's Hessian-vector products."""
    H = hessian(model, pack(NP, [np.asarray(W, float) for W in Ws]), Moments(sx, syx))
    return float(np.linalg.eigvalsh(np.asarray(H, float))[-1])


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_layer_product_matches_numpy_and_sympy(rng):
    Ws = [rng.normal(size=(3, 2)), rng.normal(size=(4, 3)), rng.normal(size=(2, 4))]
    np.testing.assert_allclose(layer_product(Ws, 1, 3, 2), Ws[2] @ Ws[1] @ Ws[0])
    np.testing.assert_allclose(layer_product(Ws, 2, 3, 2), Ws[2] @ Ws[1])
    np.testing.assert_array_equal(layer_product(Ws, 3, 2, 4), np.eye(4))
    S = [sp.Matrix([[1, 2], [0, 1]]), sp.Matrix([[sp.Rational(1, 2), 0], [1, 1]])]
    assert layer_product(S, 1, 2, 2) == S[1] * S[0]
    assert layer_product(S, 2, 1, 2) == sp.eye(2)


def test_exact_spectral_certificates_against_sympy_eigenvalues(rng):
    Q = sp.Matrix([[3, -4], [4, 3]]) / 5
    S = Q * sp.diag(5, 2) * Q.T
    assert spectral.count_eigs_above(S, 2) == 1 and spectral.count_eigs_above(S, 1) == 2
    assert spectral.count_eigs_above(S, 5) == 0
    assert spectral.is_top_eigenpair(S, Q[:, 0], 5) and not spectral.is_top_eigenpair(S, Q[:, 1], 2)
    assert spectral.is_psd(S) and not spectral.is_psd(S - 3 * sp.eye(2))
    assert spectral.sigma_max_equals(sp.Matrix([[3, 0], [0, 1]]) * Q, 3)
    assert not spectral.sigma_max_equals(sp.Matrix([[3, 0], [0, 1]]), 2)


def test_membership_and_exact_points(rng):
    T = sp.Matrix([[2, 1], [0, 1]])
    omega = MinimumSet(DeepLinear((2, 3, 2)), Moments(sp.eye(2), T))
    Ws = omega.exact_point(rng)
    assert Ws[1] * Ws[0] == T and omega.contains(Ws)
    Ws[0][0, 0] += 1
    assert not omega.contains(Ws)


def test_parametrisation_is_the_whole_chart():
    T = sp.Matrix([[2, 1], [-1, 3]])
    omega = MinimumSet(DeepLinear((2, 2, 2, 2)), Moments(sp.eye(2), T))
    chart = omega.parametrisation()
    W1, W2, W3 = chart.weights
    assert (W3 * W2 * W1 - T).applyfunc(sp.simplify).is_zero_matrix
    values = {s: sp.Rational(k + 2, 3) * (-1) ** k for k, s in enumerate(sorted(chart.determinant.free_symbols | set().union(
        *[M.free_symbols for M in chart.free]), key=str))}
    assert chart.determinant.subs(values) != 0
    assert omega.contains([W.subs(values) for W in chart.weights])


def test_flattest_sharpness_eq17_against_the_dense_hessian():
    T = sp.Matrix([[2, 1], [0, 1]])
    model = DeepLinear((2, 2, 2, 2))
    omega = MinimumSet(model, Moments(sp.eye(2), T))
    value = float(omega.flattest_sharpness())
    Tf = np.array(T, dtype=float)
    assert value == pytest.approx(2 * 3 * np.linalg.svd(Tf, compute_uv=False)[0] ** (4 / 3), rel=1e-12)
    Wflat = [np.array(W.evalf(30), dtype=float) for W in omega.flattest_point()]
    assert _dense_top(model, Wflat, np.eye(2), Tf) == pytest.approx(value, rel=1e-10)


def test_scalar_chain_flattest_matches_eq13():
    omega = MinimumSet(ScalarChain(3), Moments([[1]], [[sp.Rational(-8, 27)]]))
    assert sp.simplify(omega.flattest_sharpness() - scalar_widest_sharpness(3, 1, sp.Rational(-8, 27))) == 0


def test_random_float_points_are_minima_and_never_flatter(rng):
    T = sp.Matrix([[1, 2], [-1, 1]])
    model = DeepLinear((2, 2, 2, 2))
    omega = MinimumSet(model, Moments(sp.eye(2), T))
    Tf = np.array(T, dtype=float)
    flattest = float(omega.flattest_sharpness())
    for _ in range(5):
        Ws = omega.sample(rng, scale=0.6)
        np.testing.assert_allclose(Ws[2] @ Ws[1] @ Ws[0], Tf, atol=1e-10)
        lam = omega.sharpness(Ws)
        assert lam == pytest.approx(_dense_top(model, Ws, np.eye(2), Tf), rel=1e-8)
        assert lam >= flattest * (1 - 1e-10)


def test_sharpness_at_minimum_with_coloured_data_against_the_dense_hessian(rng):
    A = rng.normal(size=(3, 3))
    sx = A @ A.T + np.eye(3)
    T = rng.normal(size=(3, 3))
    Ws = NM.random_minimum(T, 3, rng, 0.5)
    lam, B = NM.sharpness_at_minimum(Ws, sx)
    assert lam == pytest.approx(_dense_top(DeepLinear((3, 3, 3, 3)), Ws, sx, T @ sx), rel=1e-8)
    Rs, Ss = NM.gram_factors(Ws, sx)
    np.testing.assert_allclose(2 * sum(R @ B @ S for R, S in zip(Rs, Ss)), lam * B, atol=1e-9 * lam)


def test_layer_gains_minimum_meets_theorem4_hypothesis(rng):
    T = rng.normal(size=(3, 3))
    Ws = NM.layer_gains_minimum(T, 4, rng)
    np.testing.assert_allclose(layer_product(Ws, 1, 4, 3), T, atol=1e-10)
    top = np.linalg.svd(T, compute_uv=False)[0] ** 0.25
    assert all(np.linalg.norm(W, 2) == pytest.approx(top, rel=1e-12) for W in Ws)
    assert NM.sharpness_at_minimum(Ws, np.eye(3))[0] == pytest.approx(NM.flattest_sharpness(T, 4), rel=1e-10)


def test_exact_balanced_flattest_is_certified_and_matches_floats(rng):
    Ws, T, u, v, r = balanced_flattest(rng, 2, 3)
    assert certified_flattest(Ws, T, u, v, r, 3)
    top = max(phi_gram(Ws, sp.eye(2)).eigenvals())
    assert top == 2 * 3 * r**4
    assert not certified_flattest(Ws, T, u, v, r * 2, 3)


def test_bad_input_is_named():
    with pytest.raises(SymbolicError, match="singular"):
        MinimumSet(DeepLinear((2, 2)), Moments(sp.zeros(2, 2), sp.eye(2)))
    with pytest.raises(SymbolicError, match="capacity"):
        MinimumSet(DeepLinear((2, 1, 2)), Moments(sp.eye(2), sp.eye(2)))
    with pytest.raises(SymbolicError, match="DeepLinear"):
        MinimumSet("net", Moments(sp.eye(2), sp.eye(2)))
    coloured = MinimumSet(DeepLinear((2, 2, 2)), Moments(sp.diag(1, 2), sp.eye(2)))
    with pytest.raises(SymbolicError, match="Sigma_x = I"):
        coloured.flattest_sharpness()
    with pytest.raises(SymbolicError, match="square"):
        MinimumSet(DeepLinear((2, 3, 2)), Moments(sp.eye(2), sp.eye(2))).sample(np.random.default_rng(0))
    with pytest.raises(SymbolicError, match="shapes"):
        coloured.contains([sp.eye(3), sp.eye(2)])
