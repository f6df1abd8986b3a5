"""General (every depth and width) proofs of Mulayoff & Michaeli 2020's Sec. 5 steps: each check is proved, each
derivation fails on a perturbed statement, and the values it proves agree with independent numerics."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import sympy as sp

pytest.importorskip("z3")

from proofs.mulayoff_michaeli_2020 import _general as G  # noqa: E402
from proofs.mulayoff_michaeli_2020 import paper  # noqa: E402
from symflat.numeric import minimum_set as NM  # noqa: E402

GENERAL = [("lemma-4", "lemma4_general"), ("eq-23", "eq23_general"), ("eq-25", "eq25_general"), ("eq-26", "eq26_general"),
           ("eq-28", "eq28_general"), ("eq-29", "eq29_general"), ("theorem-4", "theorem4_general")]


def _claim(cid):
    import proofs.mulayoff_michaeli_2020.theorems  # noqa: F401  (registers the claims)
    return next(c for c in paper.claims if c.id.endswith("/" + cid))


@pytest.mark.parametrize("cid,check", GENERAL)
def test_general_check_is_proved(cid, check):
    ev = _claim(cid).get_check(check).func()
    assert ev.status.value == "proved" and ev.scope == "general", ev.detail
    assert "instances" not in ev.data


def test_lemma4_fails_with_a_larger_constant():
    assert G.lemma4().evidence().status.value == "proved"
    with pytest.raises(G.DerivationFailed, match="combine"):
        G.lemma4(factor=G.m + 1)


@pytest.mark.parametrize("build", [G.eq26, G.layer_gain_upper_bound])
def test_value_derivations_fail_on_a_wrong_exponent(build):
    with pytest.raises(G.DerivationFailed):
        build(exponent=2 * (1 - 1 / (G.m + 1)))


def test_combining_steps_need_each_premise():
    assert G.combine_eq25()
    for drop in ("eq-21", "eq-23", "eq-24"):
        with pytest.raises(G.DerivationFailed):
            G.combine_eq25(tuple(p for p in ("eq-21", "eq-23", "eq-24") if p != drop))
    full = {"eq-28": ["lower", "star-in-omega", "star-upper"], "eq-29": ["lower", "star-in-omega", "star-value"],
            "theorem-4": ["lower", "w-in-omega", "w-upper"]}
    for goal, premises in full.items():
        assert G.combine_on_omega(goal, premises)
        for drop in premises:
            with pytest.raises(G.DerivationFailed):
                G.combine_on_omega(goal, [p for p in premises if p != drop])


def test_lemma4_numerically():
    """Independent: random chains of mixed shapes satisfy (22); the aligned rank-one chain is tight."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        m = int(rng.integers(1, 6))
        dims = rng.integers(1, 5, size=m + 1)
        Psis = [rng.normal(size=(dims[k + 1], dims[k])) for k in range(m)]
        P = Psis[0]
        for Q in Psis[1:]:
            P = Q @ P
        assert sum(np.sum(X * X) for X in Psis) >= m * np.linalg.norm(P, 2) ** (2 / m) * (1 - 1e-12)
    x = [v / np.linalg.norm(v) for v in rng.normal(size=(4, 3))]
    Psis = [2.0 * np.outer(x[k + 1], x[k]) for k in range(3)]
    P = Psis[2] @ Psis[1] @ Psis[0]
    assert np.isclose(sum(np.sum(X * X) for X in Psis), 3 * np.linalg.norm(P, 2) ** (2 / 3))


@pytest.mark.parametrize("d,m", [(2, 2), (3, 4), (4, 7)])
def test_proved_value_matches_the_sharpness_at_27(d, m):
    """Independent: the Hessian's top eigenvalue at the construction (27) (numeric engine) is 2m sigma^(2(1-1/m)),
    and no B beats nu(u v^T) among random unit B (eq. 26)."""
    rng = np.random.default_rng(d * 10 + m)
    T = rng.normal(size=(d, d))
    sigma = np.linalg.norm(T, 2)
    lam, _ = NM.sharpness_at_minimum(NM.canonical_minimum(T, [d] * (m + 1)), np.eye(d))
    assert np.isclose(lam, 2 * m * sigma ** (2 * (1 - 1 / m)), rtol=1e-9)
    for _ in range(50):
        B = rng.normal(size=(d, d))
        B /= np.linalg.norm(B)
        M = np.linalg.matrix_power(B @ T.T, m - 1) @ B
        assert 2 * m * np.linalg.norm(M, 2) ** (2 / m) <= 2 * m * sigma ** (2 * (1 - 1 / m)) * (1 + 1e-12)


def test_rank_one_power_is_checked():
    step = G.rank_one_power()
    assert "induction" in step.method
    u, vt, Tt, ut = sp.symbols("u v^T T^T u^T", commutative=False)
    s = sp.Symbol("sigma", positive=True)
    e = sp.expand((u * vt * Tt) ** 2 * u * vt).subs(vt * Tt, s * ut).subs(ut * u, 1)
    assert sp.expand(e.subs(vt * Tt, s * ut).subs(ut * u, 1)) == s**2 * u * vt


@pytest.mark.parametrize("module,cid,check", [("theorems", "eq-27", "eq27_general"), ("setting", "eq-4", "eq4_general"),
                                              ("hessian", "eq-20", "eq20_general")])
def test_omega_and_spectrum_checks_are_proved(module, cid, check):
    import importlib
    importlib.import_module(f"proofs.mulayoff_michaeli_2020.{module}")
    ev = _claim(cid).get_check(check).func()
    assert ev.status.value == "proved" and ev.scope == "general", ev.detail


def test_construction_needs_a1_and_eq4_needs_each_step():
    with pytest.raises(G.DerivationFailed, match="range"):
        G.diagonal_chain(rank_fits=False)
    assert G.combine_eq4()
    for drop in ("square", "positive", "nonempty"):
        with pytest.raises(G.DerivationFailed):
            G.combine_eq4(tuple(p for p in ("square", "positive", "nonempty") if p != drop))


def test_construction_numerically():
    """Independent: rectangular diagonal layers with entries sigma_i^(1/m) and widths >= rank multiply to T."""
    rng = np.random.default_rng(1)
    for _ in range(20):
        dx, dy, m = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(1, 6))
        r = min(dx, dy)
        dims = [dx] + [int(rng.integers(r, r + 3)) for _ in range(m - 1)] + [dy]
        T = rng.normal(size=(dy, dx))
        U, s, Vt = np.linalg.svd(T)
        Ws = []
        for j in range(m):
            D = np.zeros((dims[j + 1], dims[j]))
            D[range(r), range(r)] = s[:r] ** (1 / m)
            Ws.append(D)
        Ws[0] = Ws[0] @ Vt
        Ws[-1] = U @ Ws[-1]
        P = Ws[0]
        for W in Ws[1:]:
            P = W @ P
        assert np.allclose(P, T)


def test_eq20_numerically():
    rng = np.random.default_rng(2)
    for _ in range(20):
        Phi = rng.normal(size=(int(rng.integers(1, 7)), int(rng.integers(1, 7))))
        assert np.isclose(np.linalg.eigvalsh(2 * Phi @ Phi.T)[-1], np.linalg.eigvalsh(2 * Phi.T @ Phi)[-1])


def test_kronecker_identities():
    import proofs.mulayoff_michaeli_2020.hessian  # noqa: F401
    ev = _claim("kron-properties").get_check("kron_identities_general").func()
    assert ev.status.value == "proved" and ev.scope == "general"
    with pytest.raises(G.DerivationFailed, match="P1"):
        G.kronecker_identities(transpose_in_p1=False)
    rng = np.random.default_rng(3)
    M1, M2, M3 = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(4, 5))
    vec = lambda M: M.reshape(-1, order="F")  # noqa: E731
    assert np.allclose(vec(M1 @ M2 @ M3), np.kron(M3.T, M1) @ vec(M2))


@pytest.mark.parametrize("cid,check", [("lemma-s1", "lemma_s1_general"), ("lemma-s2", "lemma_s2_general"),
                                       ("theorem-3-i", "theorem3_i_general"), ("theorem-3-ii", "theorem3_ii_general")])
def test_flattest_structure_checks_are_proved(cid, check):
    ev = _claim(cid).get_check(check).func()
    assert ev.status.value == "proved" and ev.scope == "general", ev.detail


def test_alignment_fails_on_a_wrong_norm_exponent():
    with pytest.raises(G.DerivationFailed, match="norms of r_k"):
        G.alignment(r_exponent=sp.Symbol("n", integer=True, positive=True) / G.m)


def test_flattest_structure_numerically():
    """Independent: at flattest minima with rotations between layers (numeric engine), ||q_k|| ||r_k|| =
    sigma^(1-1/m), ||r_k|| = sigma^((k-1)/m), and r_{k+1}, q_k point the same way."""
    rng = np.random.default_rng(4)
    for d, m in [(3, 3), (4, 5)]:
        T = rng.normal(size=(d, d))
        Ws = NM.layer_gains_minimum(T, m, rng)
        U, s, Vt = np.linalg.svd(T)
        u, v, sigma = U[:, 0], Vt[0], s[0]
        prod = lambda lo, hi: functools.reduce(np.matmul, [Ws[j - 1] for j in range(hi, lo - 1, -1)], np.eye(d))  # noqa: E731
        for k in range(1, m + 1):
            r, q = prod(1, k - 1) @ v, prod(k + 1, m).T @ u
            assert np.isclose(np.linalg.norm(q) * np.linalg.norm(r), sigma ** (1 - 1 / m))
            assert np.isclose(np.linalg.norm(r), sigma ** ((k - 1) / m))
            r_next = prod(1, k) @ v
            assert np.isclose(r_next @ q, np.linalg.norm(r_next) * np.linalg.norm(q))


def test_lemma1_i_general_and_balanced_gains_numerically():
    import proofs.mulayoff_michaeli_2020.setting  # noqa: F401
    ev = _claim("lemma-1-i").get_check("lemma1_i_general").func()
    assert ev.status.value == "proved" and ev.scope == "general"
    rng = np.random.default_rng(5)
    d, m = 3, 4
    Q = [np.linalg.qr(rng.normal(size=(d, d)))[0] for _ in range(m + 1)]
    D = np.diag(rng.uniform(0.5, 2.0, size=d))
    Ws = [Q[j + 1] @ D @ Q[j].T for j in range(m)]                # balanced: W_j W_j^T = W_{j+1}^T W_{j+1}
    T = functools.reduce(lambda P, W: W @ P, Ws, np.eye(d))
    sigma = np.linalg.norm(T, 2)
    assert all(np.isclose(np.linalg.norm(W, 2), sigma ** (1 / m)) for W in Ws)
    for k in range(1, m + 1):
        P = functools.reduce(lambda A, W: W @ A, Ws[:k], np.eye(d))
        assert np.allclose(P @ P.T, np.linalg.matrix_power(Ws[k - 1] @ Ws[k - 1].T, k))
    Ws[0], Ws[1] = 2 * Ws[0], Ws[1] / 2                          # still in Omega, no longer balanced
    P = Ws[1] @ Ws[0]
    assert not np.allclose(P @ P.T, np.linalg.matrix_power(Ws[1] @ Ws[1].T, 2))


def test_corrected_theorems_1_and_2_derivations():
    """The T != 0 derivations for Theorem 1's eigenvector and Theorem 2 (i), (iii) are proved, record T != 0, and
    agree with the numeric engine at a flattest minimum."""
    for build in (G.theorem1_eigenvector, G.theorem2_singular_vectors):
        ev = G.run(build)
        assert ev.status.value == "proved" and any("T != 0" in c for c in ev.data["conditions"])
    rng = np.random.default_rng(6)
    d, m = 3, 4
    T = rng.normal(size=(d, d))
    Ws = NM.layer_gains_minimum(T, m, rng)
    U, s, Vt = np.linalg.svd(T)
    u, v, sigma = U[:, 0], Vt[0], s[0]
    for k in range(m + 1):
        P = functools.reduce(lambda A, W: W @ A, Ws[:k], np.eye(d))
        Q = functools.reduce(lambda A, W: W @ A, Ws[k:], np.eye(d))
        assert np.allclose(P.T @ P @ v, sigma ** (2 * k / m) * v)
        assert np.allclose(Q @ Q.T @ u, sigma ** (2 * (1 - k / m)) * u)


def test_theorem2_bound_derivations():
    for sharp in (False, True):
        ev = G.run(lambda: G.theorem2_bounds(sharp))
        assert ev.status.value == "proved" and any("T != 0" in c for c in ev.data["conditions"])
    rng = np.random.default_rng(7)
    d, m = 3, 5
    T = rng.normal(size=(d, d))
    Ws = NM.layer_gains_minimum(T, m, rng)
    sigma = np.linalg.norm(T, 2)
    for k in range(1, m):
        P = functools.reduce(lambda A, W: W @ A, Ws[:k], np.eye(d))
        Q = functools.reduce(lambda A, W: W @ A, Ws[k:], np.eye(d))
        assert np.linalg.norm(P, 2) <= np.sqrt(m - 1) * sigma ** (k / m) * (1 + 1e-9)
        assert np.linalg.norm(Q, 2) <= np.sqrt(m - 1) * sigma ** (1 - k / m) * (1 + 1e-9)
