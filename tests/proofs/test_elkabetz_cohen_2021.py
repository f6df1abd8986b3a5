"""Elkabetz & Cohen 2021: the paper's mathematics against independent computations (finite
differences of the loss itself, closed-form flows, brute-force maxima and quadrature)."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp

from symflat.claims import Context, Status
from symflat.discovery import load_claims
from symflat.models import DeepLinear, DeepNetwork, Moments
from symflat.numeric import gradient_flow, hessian
from symflat.numeric.objective import layer_product
from symflat.precision.backends import FloatOps

PROOFS = Path(__file__).resolve().parents[2] / "proofs"
PKG = PROOFS / "elkabetz_cohen_2021"
sys.path.insert(0, str(PROOFS))

from elkabetz_cohen_2021 import _inequalities as ineqs  # noqa: E402
from elkabetz_cohen_2021 import _lib as lib  # noqa: E402
from elkabetz_cohen_2021 import section5 as s5  # noqa: E402

P = "elkabetz-cohen-2021"


def test_registry_has_every_claim():
    reg = load_claims([str(PKG)])
    assert not reg.errors, reg.errors
    labels = ["eq-1", "theorem-1", "eq-2", "eq-3", "theorem-2", "eq-5", "eq-6", "eq-8", "assumption-homogeneous", "eq-9",
              "eq-10", "eq-11", "theorem-3", "theorem-3-corrected", "corollary-4", "lemma-19", "lemma-5", "proposition-6",
              "lemma-7", "du-balancedness", "remark-proposition-8-sketch-invariant", "lemma-33", "lemma-33-near-balanced",
              "proposition-8", "proposition-25", "lemma-9", "proposition-10", "lemma-11", "proposition-12", "eq-19",
              "procedure-13", "assumption-whitened", "eq-20", "proposition-14", "theorem-15-step", "theorem-15",
              "remark-eq-24-as-printed", "remark-17", "corollary-18", "eq-27", "proposition-20",
              "lemma-21", "proposition-22", "lemma-23", "proposition-24", "definition-30", "lemma-31"]
    for label in labels:
        assert f"{P}/{label}" in reg.claims, label
    for label in ["theorem-3", "remark-proposition-8-sketch-invariant", "remark-eq-24-as-printed"]:
        assert reg.get(f"{P}/{label}").expect is Status.REFUTED
    assert reg.get(f"{P}/theorem-3-corrected").corrects == f"{P}/theorem-3"
    assert f"{P}/theorem-3-corrected" in reg.get(f"{P}/theorem-15").proof_uses
    assert r"\frac32,\frac{1-\nu}" in reg.get(f"{P}/theorem-15").statement  # (24) as printed
    numbered = [f"{kind}-{k}" for kind, ks in [("lemma", [5, 7, 9, 11, 19, 21, 23, 31, 33] + list(range(35, 39))
                                                    + [40, 41, 42, 43, 44, 46, 47, 48, 50, 51, 53, 54, 56, 57, 58, 59]
                                                    + list(range(60, 69)) + [70, 72, 73, 75, 77, 78, 80]
                                                    + list(range(82, 89))),
                                               ("definition", [30, 34, 39, 45, 49, 52, 55, 69, 71, 74, 76, 79, 81]),
                                               ("proposition", [6, 8, 10, 12, 14, 20, 22, 24, 25, 26]),
                                               ("theorem", [1, 2, 3, 15, 32]), ("corollary", [4, 18]),
                                               ("remark", [16, 17]), ("claim", [27, 28, 29]), ("procedure", [13])]
                for k in ks]
    missing = [label for label in numbered if f"{P}/{label}" not in reg.claims]
    assert not missing, missing
    assert reg.get(f"{P}/theorem-32-step").corrects == f"{P}/remark-eq-34-as-printed"
    assert f"{P}/lemma-65" in reg.get(f"{P}/proposition-14").proof_uses


# --- Theorem 3 as printed: the counterexample, recomputed independently ---------------------------

def test_bent_quadratic_is_c2_with_the_stated_constants():
    f = lib.BentQuadratic(1000.0)
    qs = np.linspace(-2, 2100, 200001)
    fp = np.array([f.fp(q) for q in qs])
    fpp = np.array([f.fpp(q) for q in qs])
    # f'' is the derivative of f' (central differences) and both are continuous
    h = 1e-4
    for q in [-1.0, 500.0, 999.9, 1000.0, 1000.3, 1000.5, 1001.0, 1500.0]:
        # O(h) error only where f''' jumps (q = a, a + 1)
        assert (f.fp(q + h) - f.fp(q - h)) / (2 * h) == pytest.approx(f.fpp(q), abs=2 * h)
    assert np.max(np.abs(np.diff(fpp))) < 1e-1 and np.max(np.abs(np.diff(fp))) < 1.0
    assert np.max(np.abs(fpp)) <= 1.0  # beta = 1
    # gamma: the largest |f'| on the whole tube [-1, 2a+3] is a + 5/4 (brute force)
    assert np.max(np.abs(fp)) <= f.gamma() and np.max(np.abs(fp)) == pytest.approx(f.gamma(), rel=1e-7)


def test_theorem3_printed_condition_admits_a_step_that_leaves_the_tube():
    a, eps = 1000.0, 1.0
    f = lib.BentQuadratic(a)
    T1 = f.arrival_time_bound()
    t_tilde = T1 + 40.0
    # the flow really has its eps-ball in {f'' = 1} after T1 (solve the ODE, not the closed form)
    sol = solve_ivp(lambda t, y: [-f.fp(y[0])], (0, t_tilde), [0.0], dense_output=True, rtol=1e-12, atol=1e-12)
    assert sol.sol(T1)[0] - eps >= a + 1
    # the denominator of (7) as printed, by quadrature of m = 1 then -1
    m = lambda t: 1.0 if t <= T1 else -1.0  # noqa: E731
    inner = lambda tp: quad(m, tp, t_tilde, points=[T1], limit=200)[0]  # noqa: E731
    J = quad(lambda tp: math.exp(inner(tp)), 0, t_tilde, points=[T1], limit=200)[0]
    eta_max = eps / (1.0 * f.gamma() * J)
    eta = 1 / 1003
    assert eta < eta_max
    # plain gradient descent against the ODE solution at matching times
    steps = int(math.floor(math.log(1 + a) / eta))
    q = 0.0
    for _ in range(steps):
        q -= eta * f.fp(q)
    assert abs(q - sol.sol(steps * eta)[0]) > 3 * eps


def test_growth_integral_matches_closed_form():
    times = np.linspace(0, 3, 301)
    for mval in (-2.0, 0.0, 0.7):
        I, M = lib.growth_integrals(times, np.full_like(times, mval))
        exact = times if mval == 0 else (np.exp(mval * times) - 1) / mval
        assert np.allclose(I, exact, rtol=1e-9, atol=1e-12)
        assert np.allclose(M, mval * times)


def test_stated_and_corrected_bounds_agree_for_nonnegative_m_only():
    times = np.linspace(0, 2, 201)
    m_pos = 0.5 + np.sin(times) ** 2
    st, co = lib.eta_bounds(times, m_pos, 2.0, 3.0, 0.1)
    assert st <= co + 1e-15  # printed (7) is the stricter one when m >= 0
    m_mixed = np.where(times < 1, 1.0, -5.0)
    st, co = lib.eta_bounds(times, m_mixed, 2.0, 3.0, 0.1)
    assert st > 2 * co  # the printed (7) admits larger steps than the proof can justify


# --- Section 4 ----------------------------------------------------------------------------------

def fd_hessian(f, x0, h=1e-4):
    p = x0.size
    H = np.empty((p, p))
    E = np.eye(p) * h
    for i in range(p):
        for j in range(i, p):
            H[i, j] = H[j, i] = (f(x0 + E[i] + E[j]) - f(x0 + E[i] - E[j]) - f(x0 - E[i] + E[j]) + f(x0 - E[i] - E[j])) / (4 * h * h)
    return H


def test_lemma5_hessian_builder_matches_finite_differences():
    rng = np.random.default_rng(3)
    shapes = [(2, 3), (2, 2), (2, 2)]
    Ws = [rng.standard_normal(s) for s in shapes]
    B = rng.standard_normal((3, 3))
    S, C = B @ B.T, rng.standard_normal((2, 3))

    def loss(x):
        Vs, k = [], 0
        for r, c in shapes:
            Vs.append(x[k:k + r * c].reshape((r, c), order="F"))
            k += r * c
        E = Vs[2] @ Vs[1] @ Vs[0]
        return 0.5 * np.trace(E @ S @ E.T) - np.trace(E @ C.T)

    H, G = ineqs.deep_linear_hessian(FloatOps(), [W.astype(object) for W in Ws], S.astype(object), C.astype(object))
    H = np.array(H, dtype=float)
    assert np.allclose(H, fd_hessian(loss, lib.flat(Ws)), atol=1e-5)
    # and Lemma 7 holds there
    assert np.linalg.eigvalsh(H)[0] >= float(ineqs.lemma7_rhs(FloatOps(), [W.astype(object) for W in Ws], G)) - 1e-12


def test_precision_hessian_matches_the_engine():
    """The Lemma 5 Hessian of ``_inequalities`` (written once for float64, mpmath and arb balls) against the numeric
    engine's ``Objective.hessian``: the engine's loss ``E||y - W x||^2`` is twice ``phi`` plus a constant."""
    rng = np.random.default_rng(11)
    shapes = [(3, 2), (2, 3), (2, 2)]
    Ws = [rng.standard_normal(s) for s in shapes]
    B = rng.standard_normal((2, 2))
    S, C = B @ B.T + np.eye(2), rng.standard_normal((2, 2))
    H, _ = ineqs.deep_linear_hessian(FloatOps(), [W.astype(object) for W in Ws], S.astype(object), C.astype(object))
    engine = hessian(DeepLinear((2, 3, 2, 2)), lib.flat(Ws), Moments(S, C))
    np.testing.assert_allclose(2 * np.array(H, dtype=float), engine, atol=1e-10 * np.abs(engine).max())


def test_engine_hessian_of_leaky_net_matches_finite_differences():
    rng = np.random.default_rng(4)
    model = DeepNetwork((3, 4, 3, 2), activation="leaky_relu", negative_slope=0.2, loss="half_square")
    data = lib.random_points(rng, 5, 3, 2)
    w = rng.standard_normal(model.num_params)
    f = lambda x: 0.5 * float(np.sum((lib.outputs(model, data, x) - np.asarray(data.Y)) ** 2)) / data.n  # noqa: E731
    assert np.allclose(hessian(model, w, data), fd_hessian(f, w), atol=1e-5)


def test_lemma33_on_random_near_balanced_chains():
    rng = np.random.default_rng(5)
    for _ in range(300):
        n, d = rng.integers(2, 6), rng.integers(1, 4)
        A = [rng.standard_normal((d, d)) * 0.3 for _ in range(n)]
        # balance by Procedure-13-like construction plus a small perturbation
        U, s, Vt = np.linalg.svd(rng.standard_normal((d, d)))
        r = np.diag(s ** (1 / n))
        A = [r @ Vt] + [r] * (n - 2) + [U @ r]
        A = [M + 1e-3 * rng.standard_normal(M.shape) for M in A]
        deltas = [np.linalg.norm(A[i + 1].T @ A[i + 1] - A[i] @ A[i].T, 2) for i in range(n - 1)]
        if max(deltas) > 1 / (2 * n):
            continue
        lhs = max(np.linalg.norm(M, 2) ** n for M in A)
        prod = np.eye(d)
        for M in A:
            prod = M @ prod
        amax = max(1.0, *[np.linalg.norm(M, 2) for M in A])
        assert lhs <= np.linalg.norm(prod, 2) + 2 * n * math.sqrt(max(deltas)) * amax ** (2 * n) + 1e-12


def test_balancedness_is_conserved_numerically():
    rng = np.random.default_rng(6)
    model = DeepNetwork((3, 4, 4, 2), activation="linear", loss="half_square")
    data = lib.random_points(rng, 6, 3, 2)
    w0 = 0.5 * rng.standard_normal(model.num_params)
    gf = gradient_flow(model, w0, data, 3.0, t_eval=[0.0, 3.0], rtol=1e-11, atol=1e-13)
    W0, W1 = lib.mats(model, gf.weights[0]), lib.mats(model, gf.weights[-1])
    assert max(np.linalg.norm(W1[j + 1].T @ W1[j + 1] - W1[j] @ W1[j].T - (W0[j + 1].T @ W0[j + 1] - W0[j] @ W0[j].T))
               for j in range(2)) < 1e-7
    assert np.linalg.norm(W1[0] - W0[0]) > 1e-2  # the flow moved


# --- Section 5 ----------------------------------------------------------------------------------

def test_whitened_problem_and_eq20():
    rng = np.random.default_rng(7)
    data, u, fmin = s5.whitened_problem(rng, 20, 3)
    X, y = np.asarray(data.X), np.asarray(data.Y).ravel()
    assert np.allclose(X.T @ X / 20, np.eye(3))
    assert np.allclose(y @ X / 20, u) and np.linalg.norm(u) == pytest.approx(1)
    W = rng.standard_normal(3)
    f = 0.5 * np.mean((X @ W - y) ** 2)
    assert f == pytest.approx(0.5 * np.sum((W - u) ** 2) + fmin)
    assert fmin >= 0


def test_procedure13_is_balanced_with_the_given_end_to_end_matrix():
    rng = np.random.default_rng(8)
    dims = (3, 4, 2, 5, 1)
    A = 0.1 * rng.standard_normal((1, 3))
    Ws = s5.procedure13_init(dims, A)
    assert [W.shape for W in Ws] == [(dims[j + 1], dims[j]) for j in range(4)]
    assert np.allclose(layer_product(Ws, 1, 4, 3), A)
    for j in range(3):
        assert np.allclose(Ws[j + 1].T @ Ws[j + 1], Ws[j] @ Ws[j].T)


def test_proposition14_time_is_enough_on_one_flow():
    """Independent of the claim's check: a fresh whitened problem, integrated with LSODA."""
    rng = np.random.default_rng(9)
    dims = (2, 3, 3, 1)
    data, u, fmin = s5.whitened_problem(rng, 12, 2)
    w0 = lib.flat(s5.init_with(rng, dims, u, 0.1, 0.3))
    T = s5.tbar(3, 0.1, 0.3, 1e-3)
    model = DeepNetwork(dims, activation="linear", loss="half_square")
    gf = gradient_flow(model, w0, data, T, t_eval=[0.0, T], method="LSODA", rtol=1e-10, atol=1e-12)
    assert gf.loss[-1] - fmin <= 1e-3


def test_conv_net_operator_norms_and_hessian():
    """Footnote 27: ||W_j(.)||_op = sqrt(largest number of entries tied to one coordinate); the Hessian
    J^T H_F J of the shared-weight net against finite differences of its own loss."""
    from elkabetz_cohen_2021.appendix_c import ConvNet

    from symflat.models import Points

    cn = ConvNet(7, (2, 3), 2)
    assert cn.dims == (7, 6, 4, 2)
    assert cn.op_norms[0] == pytest.approx(math.sqrt(6)) and cn.op_norms[1] == pytest.approx(math.sqrt(4))
    assert cn.op_norms[2] == pytest.approx(1.0)
    rng = np.random.default_rng(10)
    data = Points(rng.standard_normal((4, 7)), rng.standard_normal((4, 2)))
    th = rng.standard_normal(cn.J.shape[1])
    assert np.allclose(cn.hessian(th, data), fd_hessian(lambda x: cn.loss(x, data), th), atol=1e-5)


def test_lemma31_balanced_point_is_close_for_a_perturbed_balanced_chain():
    """A balanced square chain plus a perturbation of size delta: the Procrustes-balanced point is balanced and
    within n^1.5 sqrt(eps_hat); eps_hat is O(delta) (nuclear norms computed by numpy SVD)."""
    from elkabetz_cohen_2021.appendix_g import balance_down, unbalancedness

    rng = np.random.default_rng(11)
    n, d = 4, 3
    U, s, Vt = np.linalg.svd(rng.standard_normal((d, d)))
    R = [rng.standard_normal((d, d)) for _ in range(n)]
    Q = [np.linalg.qr(M)[0] for M in R]
    S = np.diag(s ** (1 / n))
    Ws = [Q[1] @ S @ Q[0].T, Q[2] @ S @ Q[1].T, Q[3] @ S @ Q[2].T, (Q[3] @ S)[:1]]
    Ws = [W + 1e-3 * rng.standard_normal(W.shape) for W in Ws]
    eps_hat = unbalancedness(Ws)
    hat = balance_down(Ws)
    for j in range(n - 1):
        assert np.allclose(hat[j + 1].T @ hat[j + 1], hat[j] @ hat[j].T, atol=1e-10)
    dist = math.sqrt(sum(np.sum((a - b) ** 2) for a, b in zip(Ws, hat)))
    assert dist <= n ** 1.5 * math.sqrt(eps_hat)


def test_worst_case_objective_is_c1_with_curvature_at_least_minus_a():
    """phi_bar' of (26) is continuous at the joins and its slope (by differences) is >= -a everywhere used."""
    from elkabetz_cohen_2021._lib import WorstCase

    w = WorstCase(1.0, 5.0, 0.5)
    for z in [1 - w.rho, 1.0, w.zbc, w.zbc + 1]:
        assert w.dphibar(z - 1e-12) == pytest.approx(w.dphibar(z + 1e-12), abs=1e-6)
    zs = np.linspace(w.c2 + 1e-3, w.zbc + 2, 20001)
    d = np.array([w.dphibar(z) for z in zs])
    assert np.min(np.diff(d) / np.diff(zs)) >= -1.0 - 1e-6
    assert np.allclose(d[zs > w.zbc + 1], 0.0)


@pytest.mark.parametrize("label,status", [("theorem-3", Status.REFUTED), ("lemma-5", Status.PROVED),
                                          ("proposition-6", Status.PROVED), ("eq-20", Status.PROVED),
                                          ("remark-eq-24-as-printed", Status.REFUTED), ("du-balancedness", Status.PROVED),
                                          ("lemma-40", Status.PROVED), ("lemma-44", Status.PROVED),
                                          ("remark-eq-34-as-printed", Status.REFUTED), ("lemma-88", Status.CHECKED)])
def test_fast_checks_reach_their_status(label, status):
    reg = load_claims([str(PKG)])
    claim = reg.get(f"{P}/{label}")
    found = [c(Context(claim.id, c.name, seed=0, dps=30)) for c in claim.checks]
    assert claim.own_status(found) is status, [e.detail for e in found]


# --- App. I.12: the closed-form end-to-end trajectory ---------------------------------------------

def test_end_to_end_closed_form_solves_59_and_44():
    """_lib.EndToEnd against (59) integrated directly (d_0 = 2) and against nu' = 1 - nu^2 integrated on its own."""
    lam = np.array([1.0, 0.0])
    for n, w, nu in [(2, 0.2, -0.7), (4, 0.05, 0.3)]:
        def rhs(_, u, n=n):
            r = np.linalg.norm(u)
            return -r * (n * u - lam) + (n - 1) / r * u * (u @ lam)

        u0 = w * np.array([nu, math.sqrt(1 - nu * nu)])
        sol = solve_ivp(rhs, [0, 6], u0, rtol=1e-11, atol=1e-13, dense_output=True)
        nus = solve_ivp(lambda _, v: 1 - v * v, [0, 6], [nu], rtol=1e-11, atol=1e-13, dense_output=True)
        e = lib.EndToEnd(n, w, nu, dps=None)
        for t in (0.5, 2.0, 6.0):
            assert float(e.norm(t)) == pytest.approx(np.linalg.norm(sol.sol(t)), rel=1e-8)
            assert float(e.nu(t)) == pytest.approx(nus.sol(t)[0], abs=1e-8)
        xi = quad(lambda s: np.linalg.norm(sol.sol(s)) ** -(1 - 2 / n), 0, 6, epsrel=1e-10)[0]
        assert e.xi(6.0) == pytest.approx(xi, rel=1e-7)


def test_lemma48_bound_is_attained_when_nu0_exceeds_the_norm():
    """nu0 >= ||w0||: the norm never decreases (Lemma 40), so u_min = ||w0|| = the bound of Lemma 48."""
    e = lib.EndToEnd(3, 0.1, 0.5, dps=None)
    ts = np.linspace(0, 10, 2001)
    assert np.min(e.norms(ts)) == pytest.approx(0.1, rel=1e-12)
    assert 0.1 * min(1.0, (2 / 3 * 1.5 / 0.5) ** 3) == pytest.approx(0.1)


# --- App. I.14: the worst-case descent in closed form ---------------------------------------------

def test_worst_case_descent_follows_lemma72_and_lemma82():
    """Float GD on (26) alone: theta_bar_k = (theta_bar_0 - c2)(1 + a eta/2)^k + c2 before 1 - rho, and geometric
    growth by (1 + a eta) between 1 and z_bar_c, as Lemmas 72 and 82 state."""
    from elkabetz_cohen_2021._lib import WorstCase

    w = WorstCase(2.0, math.exp(14), 0.5)
    eta, th = 0.05, math.exp(-12) * 0.75 - 1
    its = [th]
    while its[-1] < w.zbc:
        its.append(its[-1] - eta * w.dphibar(its[-1]))
    k_r = next(k for k, v in enumerate(its) if v >= 1 - w.rho)
    for k in range(k_r):
        assert its[k] == pytest.approx((th - w.c2) * (1 + w.a * eta / 2) ** k + w.c2, rel=1e-7, abs=1e-9)
    k1 = next(k for k, v in enumerate(its) if v >= 1)
    assert its[-1] / its[-2] == pytest.approx(1 + w.a * eta, rel=1e-12)
    assert len(its) - 1 == k1 + math.ceil(math.log(w.zbc / its[k1]) / math.log(1 + w.a * eta))


# --- App. E and G ---------------------------------------------------------------------------------

def test_zero_inputs_make_the_loss_constant():
    from symflat.models import Points

    model = DeepNetwork((3, 4, 1), activation="leaky_relu", negative_slope=0.2, loss="logistic")
    data = Points(np.zeros((5, 3)), np.ones((5, 1)))
    th = np.random.default_rng(1).standard_normal(model.num_params) * 5
    assert np.max(np.abs(hessian(model, th, data))) == 0.0


def test_eq34_as_printed_is_ln_to_the_fourth_above_the_chains_need():
    """(34) puts (ln L)^{-2} in its denominator; the chain of I.20 needs the threshold divided by ln^2: ratio ln^4."""
    import mpmath as mp
    from elkabetz_cohen_2021.appendix_g import eps_hat34

    n, w, nu, e = 2, mp.mpf("0.1"), mp.mpf("0.5"), mp.mpf(1)
    L = math.log(23 * n * 3 / 0.1)
    assert float(eps_hat34(n, w, nu, e, True) / eps_hat34(n, w, nu, e, False)) == pytest.approx(L ** 4, rel=1e-12)
    hand = 0.1 ** 8 / (2 ** 15 * math.exp(30) * 3 ** 13) / L ** 2
    assert float(eps_hat34(n, w, nu, e, False)) == pytest.approx(hand, rel=1e-12)


def test_theorem15_as_printed_gives_enough_iterations_where_its_proof_step_fails():
    """n = 2, ||W|| = 0.2, nu = -0.9, eps~ = 1: (24) as printed gives k eta < t_bar of (21) (the proof's step fails),
    yet the flow, integrated directly from (59) with its own clock xi, is eps~/2-optimal well before k eta."""
    n, w, nu, e = 2, 0.2, -0.9, 1.0
    r = (1 - nu) / (1 + nu)
    L = math.log(15 * n * max(1, r) / (w * e))
    k_eta_printed = 2 * n * max(1, 1.5, r) ** n / w * L      # (24) without the +1 (eta is ~1e-20)
    t_bar = 2 * n * max(1, 1.5 * r) ** n / w * L
    assert k_eta_printed < t_bar
    lam = np.array([1.0, 0.0])

    def rhs(_, y):
        u = y[:2]
        q = np.linalg.norm(u)
        return np.concatenate([-q * (n * u - lam) + (n - 1) / q * u * (u @ lam), [q ** -(1 - 2 / n)]])

    hit = lambda _, y: 0.5 * np.sum((y[:2] - lam) ** 2) - e / 2  # noqa: E731
    hit.terminal = True
    y0 = np.concatenate([w * np.array([nu, math.sqrt(1 - nu * nu)]), [0.0]])
    sol = solve_ivp(rhs, [0, 100], y0, rtol=1e-10, atol=1e-12, events=hit)
    assert sol.status == 1
    assert sol.y[2, -1] < k_eta_printed / 100
