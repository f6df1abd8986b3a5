"""The widening audit's counterexamples (proofs/*/widened.py) against independent computations: Hessians by
finite differences of the loss itself (a polynomial, so central differences are accurate to ~1e-6), singular
values by numpy, and the outlines' combining steps shown to fail without one of their premises."""

import sys
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

PROOFS = Path(__file__).resolve().parents[2] / "proofs"
sys.path.insert(0, str(PROOFS))

from elkabetz_cohen_2021 import widened as ec  # noqa: E402
from mulayoff_michaeli_2020 import widened as mm  # noqa: E402

z3 = pytest.importorskip("z3")


def fd_hessian(f, x, h=1e-3):
    """Central second differences of ``f`` at ``x`` (symmetric)."""
    x = np.asarray(x, float)
    n = len(x)
    H = np.zeros((n, n))
    E = np.eye(n) * h
    for i in range(n):
        for j in range(i, n):
            H[i, j] = H[j, i] = (f(x + E[i] + E[j]) - f(x + E[i] - E[j]) - f(x - E[i] + E[j]) + f(x - E[i] - E[j])) / (4 * h * h)
    return H


# ----------------------------------------------------------------------------- Mulayoff & Michaeli, T = 0

def mm_loss(dims, T):
    """||W_m ... W_1 - T||_F^2 on the flat vector of layers (the loss (2)-(3) under Sigma_x = I, up to a constant)."""
    shapes = [(dims[k + 1], dims[k]) for k in range(len(dims) - 1)]

    def f(w):
        Ws, i = [], 0
        for r, c in shapes:
            Ws.append(w[i:i + r * c].reshape(r, c))
            i += r * c
        P = Ws[0]
        for W in Ws[1:]:
            P = W @ P
        return float(np.sum((P - T) ** 2))
    return f


@pytest.mark.parametrize("d", [1, 2])
@pytest.mark.parametrize("which", ["first", "last"])
def test_zero_target_points_are_flattest_and_break_theorem_2(d, which):
    I, Z = np.eye(d), np.zeros((d, d))
    Ws = [I, Z, Z] if which == "first" else [Z, Z, I]
    stored = mm.zero_target_points(d)[which]
    assert [np.array(W, dtype=float).tolist() for W in stored] == [W.tolist() for W in Ws]
    T = np.zeros((d, d))
    assert np.allclose(Ws[2] @ Ws[1] @ Ws[0], T)                     # on Omega
    H = fd_hessian(mm_loss([d] * 4, T), np.concatenate([W.ravel() for W in Ws]))
    assert np.abs(H).max() < 1e-6                                     # lambda_max = 0 = min over Omega (H >= 0 there)
    m, s = 3, np.linalg.norm(T, 2)
    k = 1 if which == "first" else 2                                  # the one partial product that is I, not 0
    P = np.eye(d)
    for W in Ws[:k]:
        P = W @ P
    Q = np.eye(d)
    for W in Ws[k:][::-1]:
        Q = Q @ W
    if which == "first":
        assert np.linalg.norm(P, 2) == 1 > np.sqrt(m) * s ** (k / m)           # Theorem 2(ii) fails (bound 0)
        assert np.linalg.norm(P[:, 0]) == 1                                   # (i): v = e_1 has gain 1, not 0
    else:
        assert np.linalg.norm(Q, 2) == 1 > np.sqrt(m) * s ** (1 - k / m)       # Theorem 2(iv) fails (bound 0)
        assert np.linalg.norm(Q.T[:, 0]) == 1                                 # (iii): u = e_1 has gain 1, not 0
    # Theorem 1's eigenvector: Phi_k = (prod_{j<k} W_j)^T kron prod_{j>k} W_j (eq. 16) all vanish, so b = 0
    blocks = []
    for k in range(m):
        left = np.eye(d)
        for W in Ws[:k]:
            left = W @ left
        right = np.eye(d)
        for W in Ws[k + 1:][::-1]:
            right = right @ W
        blocks.append(np.kron(left, right.T))
    assert all(np.abs(B).max() == 0 for B in blocks)


def test_zero_target_claims_refute_and_corrected_hold():
    for part in ("i", "ii", "iii", "iv", "theorem-1"):
        assert mm._zero_target_failures(part), part
    rng = np.random.default_rng(0)
    inst = mm.small_and_singular_targets(rng)
    assert len(inst) >= 3
    for Ws, T, u, v, r, m, fam in inst:
        Wf = [np.array(W, dtype=float) for W in Ws]
        Tf = np.array(T, dtype=float)
        s = np.linalg.norm(Tf, 2)
        assert s > 0 and np.isclose(s, float(r) ** m)
        for k in range(1, m):
            P = np.eye(Wf[0].shape[1])
            for W in Wf[:k]:
                P = W @ P
            assert np.linalg.norm(P, 2) <= np.sqrt(m) * s ** (k / m) * (1 + 1e-12)
            assert np.allclose(P.T @ P @ np.array(v, dtype=float).ravel(), s ** (2 * k / m) * np.array(v, dtype=float).ravel())


# ----------------------------------------------------------------------------- Elkabetz & Cohen, Lemma 7 without convexity

def ec_loss(Ws_shapes, S, C):
    """phi(W_n ... W_1) with phi(W) = tr(W S W^T)/2 - tr(W C^T)."""
    def f(w):
        Ws, i = [], 0
        for r, c in Ws_shapes:
            Ws.append(w[i:i + r * c].reshape(r, c))
            i += r * c
        P = Ws[0]
        for W in Ws[1:]:
            P = W @ P
        return 0.5 * np.trace(P @ S @ P.T) - np.trace(P @ C.T)
    return f


def eq13_rhs(Ws, S, C):
    n = len(Ws)
    P = Ws[0]
    for W in Ws[1:]:
        P = W @ P
    G = P @ S - C
    norms = [np.linalg.norm(W, 2) for W in Ws]
    best = max(np.prod([norms[j] for j in J]) for J in combinations(range(n), n - 2))
    return -(n - 1) * np.sqrt(min(Ws[0].shape[1], Ws[-1].shape[0])) * np.linalg.norm(G) * best


def test_lemma7_stored_counterexample_violates_eq13():
    cx = ec.LEMMA7_COUNTEREXAMPLE
    Ws = [np.array(W, float) for W in cx["W"]]
    S, C = np.array(cx["S"], float), np.array(cx["C"], float)
    assert np.linalg.eigvalsh(S).min() < 0                          # phi is not convex
    w = np.concatenate([W.ravel() for W in Ws])
    H = fd_hessian(ec_loss([W.shape for W in Ws], S, C), w)
    lam = np.linalg.eigvalsh(H).min()
    assert lam == pytest.approx(-1.0, abs=1e-6)
    assert eq13_rhs(Ws, S, C) == 0.0 and lam < eq13_rhs(Ws, S, C)


def test_lemma7_repaired_bound_holds_where_eq13_fails():
    rng = np.random.default_rng(3)
    broke = 0
    for _ in range(40):
        dims = [2, 2, 2, 2]
        shapes = [(dims[k + 1], dims[k]) for k in range(3)]
        Ws = [rng.normal(size=s) for s in shapes]
        A = rng.normal(size=(2, 2))
        S, C = A + A.T, rng.normal(size=(2, 2))
        H = fd_hessian(ec_loss(shapes, S, C), np.concatenate([W.ravel() for W in Ws]))
        lam = np.linalg.eigvalsh(H).min()
        norms = [np.linalg.norm(W, 2) for W in Ws]
        curv = 3 * min(0.0, np.linalg.eigvalsh(S).min()) * max(np.prod([norms[i] ** 2 for i in range(3) if i != j]) for j in range(3))
        rhs = eq13_rhs(Ws, S, C)
        assert lam >= curv + rhs - 1e-5 * (1 + abs(curv) + abs(rhs))
        broke += lam < rhs
    assert broke > 0                                                 # the widened family does break (13)


# ----------------------------------------------------------------------------- outlines: the combining steps can fail

def test_outline_steps_are_decided_and_need_their_premises():
    assert mm._outline_implication_theorem1()[0]
    for step in mm.THEOREM1_PREMISES:                   # each step of Sec. 5 is needed: without it, satisfiable
        assert not mm._outline_implication_theorem1([p for p in mm.THEOREM1_PREMISES if p != step])[0], step
    assert ec._z3_unsat(ec._lemma59_step)[0]
    assert ec._z3_unsat(ec._proposition14_step)[0]

    def without_monotonicity(z3_, s):              # Lemma 59's step with the loss allowed to increase: satisfiable
        R = z3_.RealSort()
        F, D = z3_.Function("F", R, R), z3_.Function("D", R, R)
        c, eb, xi, tb, t = z3_.Reals("c eps_bar xi_star t_bar t")
        s.add(z3_.ForAll([t], z3_.Implies(t >= 0, F(t) - c == D(t))))
        s.add(D(xi) <= eb, xi >= 0, tb >= xi)
        s.add(z3_.Or(D(tb) > eb, F(tb) - c != D(tb)))
    assert not ec._z3_unsat(without_monotonicity)[0]


# ----------------------------------------------------------------------------- Lemma S1 at T = 0; Lemma 11's region loss

def test_lemma_s1_product_vanishes_at_zero_target_flattest_points():
    rng = np.random.default_rng(5)
    for Ws in mm.zero_target_flattest_family(rng, count=6):
        Wf = [np.array(W, dtype=float) for W in Ws]
        assert np.allclose(Wf[2] @ Wf[1] @ Wf[0], 0)
        H = fd_hessian(mm_loss([2, 2, 2, 2], np.zeros((2, 2))), np.concatenate([W.ravel() for W in Wf]))
        assert np.abs(H).max() < 1e-5                                  # flattest (lambda_max = 0)
        for k in (1, 2, 3):
            A = np.eye(2)
            for W in Wf[:k - 1]:
                A = W @ A
            B = np.eye(2)
            for W in Wf[k:][::-1]:
                B = B @ W
            for u in np.eye(2):
                for v in np.eye(2):
                    assert np.linalg.norm(u @ B) * np.linalg.norm(A @ v) == 0


def test_lemma11_region_loss_matches_the_network_hessian():
    from elkabetz_cohen_2021 import _lib as lib
    from symflat.models import DeepNetwork
    from symflat.numeric import hessian

    rng = np.random.default_rng(0)
    dims = (2, 3, 3, 2)
    model = DeepNetwork(dims, activation="leaky_relu", negative_slope=0.2, loss="half_square")
    data = lib.random_points(rng, 4, 2, 2)
    Ws = [rng.standard_normal((dims[j + 1], dims[j])) for j in range(3)]
    X, Y = np.asarray(data.X), np.asarray(data.Y)
    pats = []
    for x in X:
        h, row = x, []
        for W in Ws[:-1]:
            z = W @ h
            row.append(z > 0)
            h = np.where(z > 0, 1.0, 0.2) * z
        pats.append(row)
    f = ec.region_loss([W.shape for W in Ws], X, Y, 1.0, 0.2, pats)
    H1 = ec._central_hessian(f, np.concatenate([W.ravel() for W in Ws]))
    H2 = np.asarray(hessian(model, lib.flat(Ws), data))                   # other parameter order: compare spectra
    assert np.allclose(np.linalg.eigvalsh(H1), np.linalg.eigvalsh(H2), atol=1e-7)


def test_lemma11_absolute_value_activation_stays_above_eq17():
    worst, count = ec.lemma11_slopes_instances(np.random.default_rng(2), cases=((1.0, -1.0),), per_case=3)
    assert count == 6 and worst >= 0


def test_corollary4_gap_from_the_maximum_of_one_minus_cos():
    """f = 1 - cos q, flow at rest at q = pi; GD from pi + delta: x_{k+1} = x_k + eta sin x_k in x = q - pi. Under
    Corollary 4's bound (delta < eps e^{-t~}) the distance stays below eps; with delta = 1.1 eps e^{-t~} (no eta
    allowed) even a tiny step ends above eps, so the factor e^{m t~} on the gap cannot be dropped."""
    eps, t_end = 0.1, 2.0

    def final_distance(delta, eta):
        x = delta
        worst = x
        for _ in range(int(np.floor(t_end / eta))):
            x = x + eta * np.sin(x)
            worst = max(worst, abs(x))
        return worst

    delta = 0.9 * eps * np.exp(-t_end)
    eta = 0.99 * (eps - delta * np.exp(t_end)) / (np.exp(t_end) - 1) / (2.0 + eps)
    assert final_distance(delta, eta) <= eps
    assert final_distance(1.1 * eps * np.exp(-t_end), 1e-4) > eps
    runs = ec.corollary4_gap_runs(np.random.default_rng(0), trials=1)
    assert {r[0] for r in runs} == {"m<0", "m=0", "m>0"} and max(r[3] for r in runs) <= eps


# ----------------------------------------------------------------------------- Elkabetz & Cohen, Lemma 41 with ||u(0)|| >= 1

def integrate_59(n, u0, lam, t_end):
    """(59) integrated directly (DOP853), independent of _lib.EndToEnd's closed form: ||u(t_end)||."""
    from scipy.integrate import solve_ivp

    def rhs(_, u):
        r = np.linalg.norm(u)
        return -r * (n * u - lam) + (n - 1) / r * u * (u @ lam)

    sol = solve_ivp(rhs, (0, t_end), np.asarray(u0, float), method="DOP853", rtol=1e-12, atol=1e-14)
    return float(np.linalg.norm(sol.y[:, -1]))


def test_lemma41_stored_counterexamples_break_the_lower_bound():
    cx = ec.LEMMA41_COUNTEREXAMPLE
    n, z0, t = cx["n"], cx["norm_u0"], 1 / 20
    r = integrate_59(n, [0.0, z0], np.array([1.0, 0.0]), t)          # u(0) orthogonal to lambda: nu(0) = 0
    assert r < z0 * np.exp(-2 * n * t) - 0.1                            # 2.3130 < 2.4562
    assert r >= z0 * np.exp(-n * (1 + max(1, z0)) * t)                  # the corrected bound holds there
    assert abs(r - float(ec.lemma41_lower_gap(n, z0, 0, "1/20")) - z0 * np.exp(-2 * n * t)) < 1e-9
    # antiparallel, d_0 = 1: u(0) = -2, lambda = 1, e^{-nt} = 2/3 -> ||u(t)|| = 4/5 < 8/9 (hand: s' = -2 s (1 + s))
    r = integrate_59(2, [-2.0], np.array([1.0]), np.log(1.5) / 2)
    assert abs(r - 0.8) < 1e-10 and 8 / 9 - r > 0.08


def test_lemma41_bound_holds_for_small_initial_norm():
    """The case the paper uses (||u(0)|| <= 0.2 < 1): Lemma 41 as printed holds along (59)."""
    for nu in (-0.99, 0.0, 0.8):
        u0 = 0.2 * np.array([nu, np.sqrt(1 - nu * nu)])
        for t in (0.05, 0.5, 2.0):
            r = integrate_59(3, u0, np.array([1.0, 0.0]), t)
            assert 0.2 * np.exp(-6 * t) <= r <= 0.2 * np.exp(3 * t)
