"""Mulayoff & Michaeli 2020: the paper's mathematics against independent computations
(finite-difference Hessians of the loss itself, torch autograd, scipy matrix roots, brute force)."""

import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg as sla
import sympy as sp

from symflat.claims import Context, Status
from symflat.discovery import load_claims
from symflat.models import DeepLinear, Moments
from symflat.numeric import get_backend, objective
from symflat.numeric import minimum_set as NM
from symflat.numeric.objective import layer_product, pack
from symflat.symbolic import minimum_set as OM
from symflat.symbolic.exact import rational_orthogonal

PROOFS = Path(__file__).resolve().parents[2] / "proofs"
PKG = PROOFS / "mulayoff_michaeli_2020"
sys.path.insert(0, str(PROOFS))

from mulayoff_michaeli_2020 import _linear as L  # noqa: E402
from mulayoff_michaeli_2020 import _scalar as S  # noqa: E402

ID = "mulayoff-michaeli-2020/"


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def fd_hessian(f, x0, h=1e-4):
    """Hessian of a scalar function by central second differences."""
    p = x0.size
    H = np.empty((p, p))
    Id = np.eye(p) * h
    for i in range(p):
        for j in range(i, p):
            H[i, j] = H[j, i] = (f(x0 + Id[i] + Id[j]) - f(x0 + Id[i] - Id[j]) - f(x0 - Id[i] + Id[j])
                                 + f(x0 - Id[i] - Id[j])) / (4 * h * h)
    return H


def points_loss(X, Y, shapes):
    """The empirical loss (2) over explicit samples, as a function of the column-major parameter vector."""
    def f(w):
        mats, o = [], 0
        for r, c in shapes:
            mats.append(w[o:o + r * c].reshape(c, r).T)
            o += r * c
        P = mats[0]
        for M in mats[1:]:
            P = M @ P
        R = Y - X @ P.T
        return float(np.mean(np.sum(R * R, axis=1)))
    return f


# ----------------------------------------------------------------------------- registry

def test_registry_has_every_claim():
    reg = load_claims([str(PKG)])
    assert not reg.errors, reg.errors
    expected = ["eq-1", "eq-4", "eq-5", "a1", "a2", "lemma-1-i", "lemma-1-ii", "eq-8", "eq-9", "eq-10", "eq-11", "eq-12",
                "eq-13", "omega0-cardinality", "lemma-2", "claim-s1", "lemma-3", "eq-19", "eq-20", "eq-21", "lemma-4",
                "eq-23", "eq-24", "eq-25", "eq-26", "eq-27", "eq-28", "eq-29", "theorem-1", "theorem-2-i", "theorem-2-ii",
                "theorem-2-iii", "theorem-2-iv", "theorem-3-i", "theorem-3-ii", "theorem-3-remark", "theorem-4",
                "lemma-s1", "lemma-s2", "definition-s1", "eq-s4", "conjecture-nonwhite"]
    for label in expected:
        assert reg.get(ID + label).id == ID + label
    assert set(reg.get(ID + "theorem-1").proof_uses) >= {ID + "eq-29", ID + "lemma-4"}
    assert reg.get(ID + "lemma-1-ii-earlier-bound").expect is Status.REFUTED


# ----------------------------------------------------------------------------- scalar networks (Sec. 3)

@pytest.mark.parametrize("m", [2, 3, 5])
def test_scalar_hessian_rank_one_against_finite_differences(m, rng):
    """Eqs. (8)-(10), (13) against a finite-difference Hessian of the empirical loss over samples."""
    x = rng.normal(size=200)
    tau = 1.7
    y = tau * x + 0.3 * rng.normal(size=200)
    sx2, sxy = np.mean(x * x), np.mean(x * y)
    tau_hat = sxy / sx2
    w = np.exp(rng.normal(0, 0.4, size=m))
    w[-1] = tau_hat / np.prod(w[:-1])
    f = lambda v: float(np.mean((y - np.prod(v) * x) ** 2))  # noqa: E731
    H = fd_hessian(f, w, h=1e-4)
    z = 1 / w
    np.testing.assert_allclose(H, 2 * sx2 * tau_hat**2 * np.outer(z, z), rtol=1e-5, atol=1e-6)
    lam = np.linalg.eigvalsh(H)[-1]
    assert lam == pytest.approx(2 * sx2 * tau_hat**2 * np.sum(z * z), rel=1e-5)
    assert lam >= 2 * m * sx2 * abs(tau_hat) ** (2 * (1 - 1 / m)) * (1 - 1e-6)          # eq. (13) is the minimum
    flat = np.full(m, abs(tau_hat) ** (1 / m))
    Hf = fd_hessian(f, flat, h=1e-4)
    assert np.linalg.eigvalsh(Hf)[-1] == pytest.approx(2 * m * sx2 * abs(tau_hat) ** (2 * (1 - 1 / m)), rel=1e-5)


def test_lemma2_swap_by_finite_differences(rng):
    """Lemma 2 / eq. (S29) numerically for m = 5: the w3 = w1^2 / w2 line shows the w1-w2 curvatures swapped."""
    m, tau = 5, 2.0
    f = lambda v: (np.prod(v) - tau) ** 2  # noqa: E731  (sigma_x^2 = 1)
    w1 = np.full(m, tau ** (1 / m))
    w2 = w1 * np.exp(rng.normal(0, 0.5, m))
    w2[-1] = tau / np.prod(w2[:-1])
    w3 = w1**2 / w2

    def curv(a, b, at, h=1e-4):
        p = a if at == 0 else b
        dvec = b - a
        return (f(p + h * dvec) - 2 * f(p) + f(p - h * dvec)) / h**2

    assert np.prod(w3) == pytest.approx(tau)
    assert curv(w1, w3, 0) == pytest.approx(curv(w1, w2, 1), rel=1e-5)
    assert curv(w1, w3, 1) == pytest.approx(curv(w1, w2, 0), rel=1e-5)


def test_scalar_helpers_reject_bad_depth():
    with pytest.raises(ValueError, match="depth"):
        S.weights(0)


# ----------------------------------------------------------------------------- Lemma 3 and Theorem 1

def test_lemma3_against_finite_differences_on_samples(rng):
    """H_w = 2 Phi Phi^T (eq. 15-16) at a global minimum of a sample loss with non-white data."""
    dims = [3, 4, 2]
    X = rng.normal(size=(400, 3)) @ rng.normal(size=(3, 3))
    Y = X @ rng.normal(size=(2, 3)).T + 0.5 * rng.normal(size=(400, 2))
    sx, syx = X.T @ X / 400, Y.T @ X / 400
    T = syx @ np.linalg.inv(sx)
    W2 = rng.normal(size=(2, 4))
    W1 = np.linalg.pinv(W2) @ T + (np.eye(4) - np.linalg.pinv(W2) @ W2) @ rng.normal(size=(4, 3))
    Ws = [W1, W2]
    np.testing.assert_allclose(layer_product(Ws, 1, len(Ws), Ws[0].shape[1]), T, atol=1e-10)
    f = points_loss(X, Y, [W.shape for W in Ws])
    H = fd_hessian(f, pack(get_backend("numpy"), Ws), h=1e-3)
    h = NM.psd_sqrt(sx)
    Phi = np.vstack([np.kron(layer_product(Ws, 1, k - 1, 3) @ h, layer_product(Ws, k + 1, 2, 2).T) for k in (1, 2)])
    np.testing.assert_allclose(H, 2 * Phi @ Phi.T, atol=1e-5 * np.abs(H).max())


def test_full_hessian_helper_against_autograd(rng):
    """The closed-form Hessian used away from minima matches torch autograd."""
    torch = pytest.importorskip("torch")
    dims = [2, 3, 2, 3]
    Ws = [rng.normal(size=(dims[j], dims[j - 1])) for j in range(1, 4)]
    A = rng.normal(size=(2, 2))
    sx, syx = A @ A.T + np.eye(2), rng.normal(size=(3, 2))
    shapes = [W.shape for W in Ws]

    def f(w):
        mats, o = [], 0
        for r, c in shapes:
            mats.append(w[o:o + r * c].reshape(c, r).T)
            o += r * c
        P = mats[2] @ mats[1] @ mats[0]
        return -2 * torch.trace(P @ torch.tensor(syx).T) + torch.trace(P @ torch.tensor(sx) @ P.T)

    Ht = torch.autograd.functional.hessian(f, torch.tensor(pack(get_backend("numpy"), Ws))).numpy()
    np.testing.assert_allclose(L.reference_full_hessian(Ws, sx, syx), Ht, atol=1e-10)


def test_reference_full_hessian_matches_the_engine(rng):
    """The paper folder's closed-form Hessian (kept as a reference) equals ``Objective.hessian`` of the engine
    (Hessian-vector products) at a point off the minimum set, non-white data, mixed widths."""
    dims = [2, 3, 2, 3]
    Ws = [rng.normal(size=(dims[j], dims[j - 1])) for j in range(1, 4)]
    A = rng.normal(size=(2, 2))
    sx, syx = A @ A.T + np.eye(2), rng.normal(size=(3, 2))
    obj = objective(DeepLinear(tuple(dims)), Moments(sx, syx), backend="numpy")
    engine = obj.hessian(pack(get_backend("numpy"), Ws))
    np.testing.assert_allclose(L.reference_full_hessian(Ws, sx, syx), engine, atol=1e-10 * np.abs(engine).max())


@pytest.mark.parametrize("d,m", [(2, 2), (3, 3), (2, 5)])
def test_theorem1_value_and_eigenvector_with_dense_hessian(d, m, rng):
    """Eq. (17) and b = Phi(v kron u) at a rotated, uneven flattest minimum, from the dense Hessian of the loss."""
    T = rng.normal(size=(d, d))
    Ws = NM.layer_gains_minimum(T, m, rng)
    H = L.reference_full_hessian(Ws, np.eye(d), T)
    lam, vecs = np.linalg.eigh(H)
    value = 2 * m * np.linalg.norm(T, 2) ** (2 * (1 - 1 / m))
    assert lam[-1] == pytest.approx(value, rel=1e-10)
    U, s, Vt = np.linalg.svd(T)
    b = np.concatenate([X.reshape(-1, order="F") for X in NM.phi_times(Ws, np.eye(d), np.outer(U[:, 0], Vt[0]))])
    np.testing.assert_allclose(H @ b, value * b, atol=1e-9 * value * np.linalg.norm(b))


def test_random_minima_are_never_flatter_than_eq29(rng):
    for _ in range(30):
        d, m = int(rng.integers(2, 4)), int(rng.integers(2, 5))
        T = rng.normal(size=(d, d))
        Ws = NM.random_minimum(T, m, rng, 0.7)
        lam = np.linalg.eigvalsh(L.reference_full_hessian(Ws, np.eye(d), T))[-1]
        assert lam >= NM.flattest_sharpness(T, m) * (1 - 1e-10)


def test_lemma4_brute_force(rng):
    for _ in range(300):
        m = int(rng.integers(1, 6))
        dims = rng.integers(1, 4, size=m + 1)
        Psis = [rng.normal(size=(dims[k + 1], dims[k])) * np.exp(rng.normal()) for k in range(m)]
        P = Psis[0]
        for Q in Psis[1:]:
            P = Q @ P
        assert sum(np.sum(Q * Q) for Q in Psis) >= m * np.linalg.norm(P, 2) ** (2 / m) * (1 - 1e-12)


# ----------------------------------------------------------------------------- Theorems 2-4 at exact minima

def test_unbalanced_flattest_minimum_is_flattest_and_sharpens_theorem2(rng):
    """A diagonal flattest minimum with sigma_max(W_1) close to sqrt(m - 1) (> sigma^(1/m) = 1): dense Hessian
    confirms it is flattest, so Theorem 4's condition is not necessary and sqrt(m) in Theorem 2(ii) is not attained."""
    m = 4
    c, delta = 1.72, 0.005                                   # c^2 = 2.9584 < m - 1 = 3
    gains = [c, delta] + [1.0] * (m - 2)
    Ws = [np.diag([1.0, g]) for g in gains]
    T = layer_product(Ws, 1, len(Ws), Ws[0].shape[1])
    lam = np.linalg.eigvalsh(L.reference_full_hessian(Ws, np.eye(2), T))[-1]
    assert lam == pytest.approx(2 * m, rel=1e-12)
    assert np.sqrt(m - 1) * 0.99 < np.linalg.norm(Ws[0], 2) <= np.sqrt(m - 1)


def test_theorem4_without_largest_dense():
    Ws = [np.diag([1.0, 3.0]), np.diag([1.0, 1 / 3])]
    lam = np.linalg.eigvalsh(L.reference_full_hessian(Ws, np.eye(2), np.eye(2)))[-1]
    assert lam == pytest.approx(20.0)                       # > 4 = eq. (17): not flattest


def test_exact_constructions(rng):
    U, V = rational_orthogonal(rng, 3).T, rational_orthogonal(rng, 3).T
    assert U * U.T == sp.eye(3)
    roots = [sp.Rational(3, 2), sp.Rational(1, 2), sp.Rational(1, 3)]
    Ws = OM.canonical_minimum(U, roots, V, [3, 4, 3, 3])
    assert layer_product(Ws, 1, 3, 3) == OM.target(U, roots, V, 3)
    with pytest.raises(ValueError, match="m >= 2"):
        OM.canonical_minimum(U, roots, V, [3, 3])


# ----------------------------------------------------------------------------- Lemma 1

def test_lemma1_ii_gd_reaches_principal_root(rng):
    A = rng.normal(size=(3, 3))
    T = A @ A.T / 3 + 0.4 * np.eye(3)
    m = 4
    eta = 1 / (2 * m) * min(1, np.linalg.norm(T, 2) ** (-2 * (1 - 1 / m)))
    Ws, h = L.gradient_descent([np.eye(3)] * m, np.eye(3), T, eta, 100000, tol=1e-12)
    root = np.real(sla.fractional_matrix_power(T, 1 / m))
    for W in Ws:
        np.testing.assert_allclose(W, root, atol=1e-9)


# ----------------------------------------------------------------------------- a few checks end to end

@pytest.mark.parametrize("label,status,scope", [
    ("eq-8", Status.CERTIFIED, "instances"),                 # exact at m = 2..8: rigorous on those depths only
    ("lemma-1-ii-earlier-bound", Status.REFUTED, "instances"),
    ("theorem-2-sharp", Status.CERTIFIED, "instances"),
    ("theorem-4-without-largest", Status.PROVED, "general"),  # about one object: the example is its whole scope
    ("remark-step-size-depth", Status.PROVED, "general"),     # an identity in symbolic m and sigma
])
def test_checks_reach_expected_status(label, status, scope):
    claim = load_claims([str(PKG)]).get(ID + label)
    ev = claim.checks[0](Context(claim.id, claim.checks[0].name))
    assert ev.status is status, ev.detail
    assert ev.data["scope"] == scope
    if scope == "instances":
        assert ev.data["instances"] >= 1 and (ev.data.get("cases") or ev.data.get("counterexample")), ev.data


def test_conjecture_estimators_recover_white_closed_form(rng):
    """The two estimators of conjecture.py bracket the known answer for white data (eqs. 26 and 29)."""
    from mulayoff_michaeli_2020.conjecture import max_nu, min_sharpness
    T = rng.normal(size=(2, 2))
    value = NM.flattest_sharpness(T, 2)
    assert max_nu(np.eye(2), T, 2, rng, restarts=2) == pytest.approx(value, rel=1e-8)
    assert min_sharpness(np.eye(2), T, 2, rng, restarts=2) == pytest.approx(value, rel=1e-6)


@pytest.mark.parametrize("label,corrected", [("eq-12", "eq-12-corrected"), ("eq-13", "eq-13-corrected"),
                                             ("omega0-cardinality", "omega0-cardinality-corrected")])
def test_printed_scalar_formulas_refuted_and_corrected_in_general(label, corrected):
    claims = load_claims([str(PKG)])
    printed, fixed = claims.get(ID + label), claims.get(ID + corrected)
    ev = printed.checks[-1](Context(printed.id, printed.checks[-1].name))
    assert ev.status is Status.REFUTED and ev.data["counterexample"]
    assert fixed.corrects == printed.id
    general = fixed.checks[-1](Context(fixed.id, fixed.checks[-1].name))
    assert general.status is Status.PROVED and general.data["scope"] == "general", general.detail


def test_eq13_counterexample_by_hand():
    """m = 3, tau = 1: at w = 0 every second derivative of sigma_x^2 (w1 w2 w3 - 1)^2 vanishes (finite differences)."""
    f = lambda x: (x[0] * x[1] * x[2] - 1.0) ** 2  # noqa: E731
    H = fd_hessian(f, np.zeros(3))
    assert np.abs(H).max() < 1e-6 < 6.0


# ----------------------------------------------------------------------------- prose claims and printed statements

@pytest.mark.parametrize("label,status", [
    ("prose-resnet-flattest", Status.REFUTED), ("prose-deeper-sharper", Status.REFUTED), ("eq-s2", Status.REFUTED),
    ("prose-deeper-sharper-corrected", Status.PROVED), ("prose-gd-only-flattest", Status.PROVED),
    ("prose-coupled-layers", Status.CERTIFIED), ("eq-s2-corrected", Status.CHECKED),
])
def test_prose_and_printed_claims(label, status):
    claim = load_claims([str(PKG)]).get(ID + label)
    ev = claim.checks[0](Context(claim.id, claim.checks[0].name))
    assert ev.status is status, ev.detail
    assert claim.where


def test_every_refuted_claim_has_a_corrected_claim_beside_it():
    registry = load_claims([str(PKG)])
    claims = [c for c in (registry.claims.values() if isinstance(registry.claims, dict) else registry.claims)
              if c.paper == "mulayoff-michaeli-2020"]
    refuted = {c.id for c in claims if c.expect is Status.REFUTED}
    corrected = {c.corrects for c in claims if c.corrects}
    assert refuted and refuted <= corrected, refuted - corrected


def test_deeper_sharper_counterexample_numerically():
    """sigma_max(T) = 0.1: the flattest sharpness 2 m sigma^(2(1-1/m)) falls until m = -2 log(0.1) = 4.6, then rises."""
    values = [NM.flattest_sharpness(np.diag([0.1, 0.05]), m) for m in (2, 3, 4, 5, 6, 10)]
    assert values[0] > values[1] > values[2] > values[3] and values[3] < values[4] < values[5]


def test_resnet_counterexample_by_gd(rng):
    """T = diag(1, -1), identity initialisation, eta = 1/4: GD ends at a saddle (loss 1), not a global minimum."""
    T = np.diag([1.0, -1.0])
    Ws, h = L.gradient_descent([np.eye(2)] * 2, np.eye(2), T, 0.25, 200, tol=1e-13)
    assert abs(Ws[1][1, 1] * Ws[0][1, 1]) < 1e-12 and np.allclose(Ws[1] @ Ws[0], np.diag([1.0, 0.0]))
