"""Marion & Chizat 2024: the paper's mathematics against independent computations
(finite-difference Hessians of the risk itself, closed forms, brute-force integration)."""

import sys
from pathlib import Path

import numpy as np
import pytest

from symflat.claims import Context, Status
from symflat.discovery import load_claims

PROOFS = Path(__file__).resolve().parents[2] / "proofs"
PKG = PROOFS / "marion_chizat_2024"
sys.path.insert(0, str(PROOFS))

from marion_chizat_2024 import _lib as lib  # noqa: E402


def fd_hessian_of_risk(prob, Ws, w, h=1e-4):
    """Hessian by second differences of R^L itself (no use of eq. (5))."""
    shapes = [W.shape for W in Ws]
    x0 = lib.flatten(Ws)
    p = x0.size
    f = lambda x: lib.risk(prob, lib.unflatten(x, shapes), w)  # noqa: E731
    H = np.empty((p, p))
    E = np.eye(p) * h
    for i in range(p):
        for j in range(i, p):
            H[i, j] = H[j, i] = (f(x0 + E[i] + E[j]) - f(x0 + E[i] - E[j]) - f(x0 - E[i] + E[j]) + f(x0 - E[i] - E[j])) / (4 * h * h)
    return H


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_registry_has_every_claim():
    reg = load_claims([str(PKG)])
    assert not reg.errors, reg.errors
    ids = set(reg.claims)
    for label in ["definition-model", "definition-risk", "a1", "a2", "a3", "a4", "definition-gradient-flow", "eq-5", "eq-6", "eq-7",
                  "eq-7-at-minimizers", "definition-epsilon", "definition-residual-init", "theorem-1", "theorem-2", "theorem-2-corrected",
                  "theorem-3", "theorem-4", "theorem-5", "corollary-1", "corollary-2", "corollary-3", "corollary-4",
                  "corollary-4-corrected", "lemma-1", "lemma-2", "lemma-3", "lemma-4", "lemma-5", "lemma-6", "lemma-7",
                  "lemma-7-corrected", "lemma-8", "lemma-9", "eq-36", "eq-36-corrected", "eq-43", "remark-a3-norm-needed",
                  "remark-a3-scale-needed", "remark-a2-needed", "remark-sqrt-l-needed"]:
        assert f"marion-chizat-2024/{label}" in ids
    for label in ["theorem-2", "eq-7", "lemma-7", "corollary-4", "eq-36"]:
        assert reg.get(f"marion-chizat-2024/{label}").expect is Status.REFUTED
    assert reg.get("marion-chizat-2024/theorem-2-corrected").corrects == "marion-chizat-2024/theorem-2"
    # issue 16: every refuted claim has a corrected claim beside it
    refuted = {c.id for c in reg.claims.values() if c.expect is Status.REFUTED}
    corrected = {c.corrects for c in reg.claims.values() if c.corrects}
    assert refuted <= corrected, refuted - corrected
    prose = [c for c in reg.claims.values() if c.label.startswith("prose-")]
    assert len(prose) >= 3 and all(c.where.split(";")[0].split(" ")[0] in ("Abstract", "Introduction", "Conclusion") for c in prose)


def test_gradient_formula_matches_finite_differences(rng):
    prob = lib.random_problem(rng, 9, 3)
    w = rng.standard_normal(2)
    Ws = [rng.standard_normal((4, 3)), rng.standard_normal((2, 4))]
    g = lib.flatten(lib.grads(prob, Ws, w))
    x0, shapes = lib.flatten(Ws), [W.shape for W in Ws]
    h = 1e-6
    fd = [(lib.risk(prob, lib.unflatten(x0 + h * e, shapes), w) - lib.risk(prob, lib.unflatten(x0 - h * e, shapes), w)) / (2 * h)
          for e in np.eye(x0.size)]
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7)


def test_sharpness_at_minimizer_equals_hessian_eigenvalue(rng):
    prob = lib.random_problem(rng, 10, 2)
    dims, w = (2, 3, 2, 1), np.ones(1)
    Ws = lib.random_minimizer(rng, prob, dims, w)
    assert lib.risk(prob, Ws, w) == pytest.approx(prob.r_min, abs=1e-12)
    S_fd = np.linalg.eigvalsh(fd_hessian_of_risk(prob, Ws, w))[-1]
    assert lib.sharpness_at_minimizer(prob, Ws, w) == pytest.approx(S_fd, rel=1e-5)
    assert S_fd >= lib.s_min(prob, 3) * (1 - 1e-6)  # Theorem 1


def test_theorem2_fails_for_small_output_vector_and_corrected_bound_is_tight():
    """Scalar chain, w = 1/2, x = y = 1: flattest minimiser a = b = sqrt 2 has S = 2 < S_min = 4;
    the corrected bound 2 L lambda ||w||^(2/L) ||w*||^(2-2/L) = 2 is attained."""
    prob = lib.Problem(np.array([[1.0]]), np.array([1.0]))
    w = np.array([0.5])
    Ws = [np.array([[np.sqrt(2)]]), np.array([[np.sqrt(2)]])]
    S = np.linalg.eigvalsh(fd_hessian_of_risk(prob, Ws, w))[-1]
    assert S == pytest.approx(2.0, rel=1e-6)
    assert lib.s_min(prob, 2) == pytest.approx(4.0)
    corrected = 2 * 2 * prob.lam * 0.5 ** (2 / 2) * 1.0
    assert S == pytest.approx(corrected, rel=1e-6)


def test_balanced_minimizer_attains_s_min_for_white_data(rng):
    X = np.sqrt(8) * np.linalg.qr(rng.standard_normal((8, 3)))[0]
    prob = lib.Problem(X, X @ np.array([1.0, -2.0, 0.5]))
    dims = (3, 3, 3, 3, 1)
    S = np.linalg.eigvalsh(fd_hessian_of_risk(prob, lib.balanced_rank_one(prob, dims), np.ones(1)))[-1]
    assert S == pytest.approx(lib.s_min(prob, 4), rel=1e-5)


def test_lemma1_conservation_under_small_step_gradient_descent(rng):
    """Euler steps of size h conserve W_{k+1}^T W_{k+1} - W_k W_k^T up to O(h) per unit time."""
    prob = lib.random_problem(rng, 10, 2)
    Ws0 = [0.5 * rng.standard_normal((2, 2)), 0.5 * rng.standard_normal((2, 2)), 0.5 * rng.standard_normal((1, 2))]
    Ws, h = [W.copy() for W in Ws0], 1e-4
    for _ in range(5000):
        Ws = [W - h * G for W, G in zip(Ws, lib.grads(prob, Ws, np.ones(1)))]
    for k in range(2):
        drift = (Ws[k + 1].T @ Ws[k + 1] - Ws0[k + 1].T @ Ws0[k + 1]) - (Ws[k] @ Ws[k].T - Ws0[k] @ Ws0[k].T)
        assert np.max(np.abs(drift)) < 5e-3


def test_lemma7_counterexample_by_integration():
    """x' = -4x^3 from x = 1 (flow of x^4): f(x(10)) matches (1+80)^-2 and exceeds e^-10."""
    from scipy.integrate import solve_ivp

    sol = solve_ivp(lambda t, x: -4 * x ** 3, (0, 10), [1.0], rtol=1e-12, atol=1e-14)
    f10 = sol.y[0, -1] ** 4
    assert f10 == pytest.approx(1 / 81 ** 2, rel=1e-8)
    assert f10 > np.exp(-10)


def test_lemma3_u_needed_by_brute_force(rng):
    d, L, s = 3, 5, 0.7
    Ws = lib.residual_weights(lib.residual_noise(rng, d, L), s)
    u = lib.lemma3_u_needed(Ws, s)
    P, tops, bottoms = np.eye(d), [], []
    for W in Ws:
        P = W @ P
        sv = np.linalg.svd(P, compute_uv=False)
        tops.append(sv[0])
        bottoms.append(sv[-1])
    assert max(tops) <= 4 * np.exp(s ** 2 / 2 + u) * (1 + 1e-12)
    assert min(bottoms) >= np.exp(-2 * s ** 2 / d - u) / 4 * (1 - 1e-12)
    assert max(tops) == pytest.approx(4 * np.exp(s ** 2 / 2 + u)) or min(bottoms) == pytest.approx(np.exp(-2 * s ** 2 / d - u) / 4)


def test_bad_input_is_named():
    with pytest.raises(lib.SettingError, match="A1"):
        lib.Problem(np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]), np.ones(3))
    with pytest.raises(lib.SettingError, match="columns"):
        lib.check_weights([np.ones((2, 3)), np.ones((1, 3))], np.ones(1))
    with pytest.raises(lib.SettingError, match="n x d"):
        lib.Problem(np.ones((3, 2)), np.ones(4))


@pytest.mark.parametrize("label,status", [("theorem-2", Status.REFUTED), ("eq-7", Status.REFUTED), ("lemma-7", Status.REFUTED),
                                          ("theorem-2-corrected", Status.CERTIFIED), ("lemma-5", Status.PROVED),
                                          ("eq-36", Status.REFUTED), ("eq-36-corrected", Status.PROVED)])
def test_fast_checks_reach_their_status(label, status):
    reg = load_claims([str(PKG)])
    claim = reg.get(f"marion-chizat-2024/{label}")
    found = [c(Context(claim.id, c.name, seed=0, dps=30)) for c in claim.checks]
    assert claim.own_status(found) is status, [e.detail for e in found]


@pytest.mark.parametrize("label,check", [("eq-7-at-minimizers", "eq7_min_general"), ("remark-eq-7-depth-2", "shallow_general"),
                                         ("lemma-5-c-optimal", "lemma5_opt_general")])
def test_general_derivations_are_proved(label, check):
    claim = load_claims([str(PKG)]).get(f"marion-chizat-2024/{label}")
    ev = claim.get_check(check)(Context(claim.id, check, seed=0, dps=30))
    assert ev.status is Status.PROVED and ev.scope == "general", ev.detail


@pytest.mark.parametrize("label,check", [("eq-5", "eq5_symbolic"), ("eq-6", "eq6_symbolic"), ("lemma-1", "lemma1_symbolic"),
                                         ("lemma-8", "lemma8_exact"), ("eq-7-at-minimizers", "eq7_min_exact"),
                                         ("remark-scalar-product", "scalar_exact"), ("remark-eq-7-depth-2", "shallow_exact")])
def test_exact_computation_at_listed_shapes_is_certified_not_proved(label, check):
    """Issue 13: exact SymPy work at finitely many shapes is rigorous on those instances only."""
    claim = load_claims([str(PKG)]).get(f"marion-chizat-2024/{label}")
    ev = claim.get_check(check)(Context(claim.id, check, seed=0, dps=30))
    assert ev.status is Status.CERTIFIED and ev.scope == "instances"
    assert ev.instances >= 1 and ev.data.get("cases")


def test_scalar_product_hessian_top_eigenvalue_is_l_minus_1_by_brute_force():
    """Hessian of x_1...x_L at the all-ones point by finite differences: top eigenvalue L - 1 (independent of SymPy)."""
    for L in (2, 5, 9):
        f = lambda x: float(np.prod(x))  # noqa: E731
        h, one, E = 1e-4, np.ones(L), np.eye(L) * 1e-4
        H = np.array([[(f(one + E[i] + E[j]) - f(one + E[i] - E[j]) - f(one - E[i] + E[j]) + f(one - E[i] - E[j])) / (4 * h * h)
                       for j in range(L)] for i in range(L)])
        assert np.linalg.eigvalsh(H)[-1] == pytest.approx(L - 1, rel=1e-6)


def test_every_evidence_states_its_scope_and_instances():
    """Every check of the fast claims returns evidence whose scope is set; instance evidence counts its instances."""
    reg = load_claims([str(PKG)])
    for label in ["eq-5", "eq-6", "lemma-1", "lemma-4", "lemma-6", "lemma-8", "remark-scalar-product", "remark-a2-needed"]:
        claim = reg.get(f"marion-chizat-2024/{label}")
        found = [c(Context(claim.id, c.name, seed=0, dps=30)) for c in claim.checks if not c.name.startswith("search")]
        for ev in found:
            assert not ev.is_error, (label, ev.detail)
            assert ev.scope in ("general", "instances")
            if ev.scope == "instances":
                assert isinstance(ev.instances, int) and ev.data.get("cases"), (label, ev.detail)
        assert claim.own_status(found) is Status.PROVED, label


def test_theorem4_constant_slip_numerically():
    """(39) with both products at the bound 4 e^{s^2/2 + C} of (35) is 2 * 4 * 4 = 32 times the rest, not 16;
    and with C_3 of (36) the final bound exceeds (1/128) e^{-2s^2-4C} at d = C2 (here s = 1.3, C = 0.7)."""
    s, C, C2 = 1.3, 0.7, 10.0
    prods = (4 * np.exp(s ** 2 / 2 + C)) ** 2
    assert 2 * prods == pytest.approx(32 * np.exp(s ** 2 + 2 * C))
    C3 = 2.0 ** -36 * np.exp(-4 * s ** 2 - 16 * s ** 2 / C2 - 20 * C)
    final = 2.0 ** 11 * np.exp(s ** 2 + 8 * s ** 2 / C2 + 6 * C) * np.sqrt(C3)
    assert final > np.exp(-2 * s ** 2 - 4 * C) / 128
    assert final / (np.exp(-2 * s ** 2 - 4 * C) / 128) == pytest.approx(np.exp(s ** 2))


def test_prose_init_sharpness_at_depth_2_stays_above_2_by_finite_differences():
    """Introduction's 'sharpness at initialization can be made arbitrarily small' fails at L = 2: second differences
    of R(a, b) = (1 - ab)^2 at (0, c) give a top eigenvalue c^2 + sqrt(c^4 + 4) >= 2 for every scale c."""
    prob = lib.Problem(np.array([[1.0]]), np.array([1.0]))
    for c in (1.0, 1e-2, 1e-4):
        H = fd_hessian_of_risk(prob, [np.array([[0.0]]), np.array([[c]])], np.ones(1), h=1e-3)
        assert np.linalg.eigvalsh(H)[-1] == pytest.approx(c ** 2 + np.sqrt(c ** 4 + 4), rel=1e-5)
        assert np.linalg.eigvalsh(H)[-1] >= 2 - 1e-6
    # depth 3: the sharpness at (0, c, c) does go to 0 with c
    H3 = fd_hessian_of_risk(prob, [np.array([[0.0]]), np.array([[1e-3]]), np.array([[1e-3]])], np.ones(1), h=1e-3)
    assert np.linalg.eigvalsh(H3)[-1] < 1e-2


def test_prose_lower_bound_is_not_monotone_in_depth_for_small_w_star():
    """S_min(L) = 2 L lambda ||w*||^(2 - 2/L) with ||w*|| = 0.1: decreasing on L < -2 log 0.1 = 4.6, increasing after;
    always between 2 lambda min(1, ||w*||^2) L and 2 lambda max(1, ||w*||^2) L."""
    a = 0.1
    s = [2 * L * a ** (2 - 2 / L) for L in range(1, 9)]
    assert s[0] > s[1] > s[2] > s[3] > s[4] and s[4] < s[5] < s[6] < s[7]
    for L, v in enumerate(s, start=1):
        assert 2 * min(1, a * a) * L <= v <= 2 * max(1, a * a) * L


def test_gaussian_mgf_by_quadrature_refutes_the_printed_value():
    """E exp(lambda S), S ~ N(0, 4 s^2/d), by numerical quadrature: exp(2 s^2 lambda^2/d), not the printed exp(4 s^2 lambda^2/d)."""
    from scipy.integrate import quad
    from scipy.stats import norm

    for s, d, lam in [(1.0, 1.0, 1.0), (0.5, 4.0, 3.0)]:
        sd = 2 * s / np.sqrt(d)
        val = quad(lambda x: np.exp(lam * x) * norm.pdf(x, scale=sd), -60, 60, limit=200)[0]
        assert val == pytest.approx(np.exp(2 * s ** 2 * lam ** 2 / d), rel=1e-8)
        assert val < np.exp(4 * s ** 2 * lam ** 2 / d)


def test_multivariate_risk_with_transpose_is_the_row_loss(rng):
    n, d = 7, 3
    X, Y, P = rng.standard_normal((n, d)), rng.standard_normal((n, d)), rng.standard_normal((d, d))
    rows = sum(np.sum((Y[i] - P @ X[i]) ** 2) for i in range(n)) / n
    assert np.sum((Y.T - P @ X.T) ** 2) / n == pytest.approx(rows)
    assert Y.shape != (P @ X.T).shape          # the printed Y - W X^T does not even type-check for n != d


def test_widened_lemma4_and_lemma5_counterexamples_in_floats():
    """Independent float evaluation of the widening counterexamples (Lemma 4 without signs, Lemma 5 with C = 1/4),
    and the threshold x* = 1 + log(4/L)/(1 - sqrt L) beyond which Lemma 5 fails for L < 1."""
    assert (1 - 0.25) ** -1 < 1 - 2 * -1 * 0.25 and 2 ** 0.25 < 1 - 2 * 0.25 * -1
    assert 2.0 ** -1 > 1 + 2 * -1 * 1 and 0.5 ** 0.5 > 1 + 2 * 0.5 * -0.5
    assert 0.25 * np.exp(-0.5 * 6) > 4 * np.exp(-6)
    for L in (0.01, 0.25, 0.9):
        xs = 1 + np.log(4 / L) / (1 - np.sqrt(L))
        assert L * np.exp(-np.sqrt(L) * xs) > 4 * np.exp(-xs)
        assert L * np.exp(-np.sqrt(L) * 1.0) <= 4 * np.exp(-1.0)       # fine at x = 1: the failure needs large x


def test_widening_claims_are_linked_to_their_lemmas():
    reg = load_claims([str(PKG)])
    for wide, fixed, lemma in [("lemma-4-widened", "lemma-4-widened-corrected", "lemma-4"),
                               ("lemma-5-widened", "lemma-5-c-optimal", "lemma-5")]:
        assert reg.get(f"marion-chizat-2024/{wide}").expect is Status.REFUTED
        c = reg.get(f"marion-chizat-2024/{fixed}")
        assert c.corrects == f"marion-chizat-2024/{wide}" and c.outline == [f"marion-chizat-2024/{lemma}"]


def test_prose_arbitrarily_large_sharpness_grows_like_c_squared(rng):
    """Second differences of R^L at W^C = (C W_1, W_2 / C, W_3): a minimiser for every C, sharpness at least
    2 lambda C^2 ||v_2||^2 ||W_1||_2^2 (v_2 = W_3^T w)."""
    prob = lib.random_problem(rng, 10, 2)
    Ws = lib.random_minimizer(rng, prob, (2, 2, 2, 1), np.ones(1))
    v2 = Ws[2].T @ np.ones(1)
    for C in (1.0, 4.0):
        WC = [C * Ws[0], Ws[1] / C, Ws[2]]
        assert lib.risk(prob, WC, np.ones(1)) == pytest.approx(prob.r_min, abs=1e-10)
        S = np.linalg.eigvalsh(fd_hessian_of_risk(prob, WC, np.ones(1)))[-1]
        assert S >= 2 * prob.lam * C ** 2 * float(v2 @ v2) * np.linalg.norm(Ws[0], 2) ** 2 * (1 - 1e-4)
