"""Mulayoff & Michaeli (2020) Theorem 1 as an inequality over the global-minimum set: at a global
minimum of a deep linear network with Sigma_x = I (A2), lambda_max(H_w) >= 2m sigma_max(T)^(2-2/m)
(eq. 29), with equality at the flattest construction of eq. 27 - an equality case the engine must
report as tight, never as violated; with the constant raised by 1% the search must refute it."""

from fractions import Fraction

import numpy as np

from symflat.precision import Inequality, Matrices, Matrix, Point
from symflat.search import search


def on_minimum_set(x, o):
    """Weights W_1..W_m with W_m = T (W_{m-1} ... W_1)^{-1}: exactly a global minimum (eq. 5)."""
    free = list(x["W"])
    prod = o.matprod(free[::-1])
    return free + [o.solve(prod.T, x["T"].T).T]


def hessian_top(x, o):
    """lambda_max(H_w) = lambda_max(2 sum_k (P_k^T P_k) kron (Q_k Q_k^T)) with P_k = W_{k-1}...W_1,
    Q_k = W_m...W_{k+1} (eqs. 16, 19-20, Sigma_x = I)."""
    ws = on_minimum_set(x, o)
    d = ws[0].shape[1]
    total = None
    for k in range(len(ws)):
        p = o.matprod(ws[:k][::-1]) if k else o.eye(d)
        q = o.matprod(ws[k + 1:][::-1]) if k + 1 < len(ws) else o.eye(ws[-1].shape[0])
        term = 2 * o.kron(p.T @ p, q @ q.T)
        total = term if total is None else total + term
    return o.lam_max(total)


def theorem1(factor=Fraction(1)) -> Inequality:
    def rhs(x, o):
        m = x["m"]
        return o.num(factor) * 2 * m * o.pow(o.opnorm(x["T"]), 2 - o.q(2, m))

    return Inequality(hessian_top, rhs, ">=", variables=[Matrix("T", (2, 2)), Matrices("W", lambda d: [(2, 2)] * (d["m"] - 1))],
                      dims={"m": [2, 3]}, name="theorem-1 (eq. 29)")


def flattest(m):
    """eq. 27 for T = diag(2^m, 1): every layer diag(2, 1), so the point is exactly rational."""
    t = [2**m, 0, 0, 1]
    return Point({"m": m}, {"T": t, "W": [2, 0, 0, 1] * (m - 1)})


def test_flattest_construction_is_tight_and_other_minima_hold():
    ineq = theorem1()
    for m in (2, 3):
        conf = ineq.confirm(flattest(m))
        assert conf.verdict == "tight"
        rng = np.random.default_rng(m)
        random_min = Point({"m": m}, {"T": list(rng.standard_normal(4)), "W": list(rng.standard_normal(4 * (m - 1)))})
        assert ineq.confirm(random_min).verdict == "holds"


def test_search_keeps_theorem1_and_refutes_a_constant_one_percent_too_big():
    assert not search(theorem1(), budget=2.0, seed=0).found
    res = search(theorem1(Fraction(101, 100)), budget=10.0, seed=0)
    assert res.found and res.counterexample.certified.startswith("refuted")
