"""The inequalities of the paper as :class:`symflat.precision.Inequality` objects, so that
``symflat search ID`` can attack them and claim files can attach engine checks.

- Lemma 4 (eq. 22): ``sum_k ||Psi_k||_F^2 >= m ||Psi_m ... Psi_1||_2^{2/m}``, chains of alternating
  shapes ``d_k in {n, p}``.
- The lower bound of eq. (29) on Omega (white data): ``lambda_max(2 Phi^T Phi) >= 2 m sigma_max(T)^{2(1-1/m)}``
  with square layers and ``W_1 = (W_m ... W_2)^{-1} T`` (Omega parametrised by the upper layers).
"""

from __future__ import annotations

from symflat.precision import Inequality, Matrices, Matrix


def _alternating(d: dict) -> list[tuple[int, int]]:
    sizes = [d["n"] if j % 2 == 0 else d["p"] for j in range(d["m"] + 1)]
    return [(sizes[k + 1], sizes[k]) for k in range(d["m"])]


def _frobenius_sum(x, ops):
    return ops.sum(ops.fro2(P) for P in x["Psi"])


def _product_norm(x, ops):
    return x["m"] * ops.pow(ops.opnorm(ops.matprod(x["Psi"][::-1])), ops.q(2, x["m"]))


LEMMA4 = Inequality(_frobenius_sum, _product_norm, ">=", variables=[Matrices("Psi", _alternating)],
                    dims={"m": range(1, 6), "n": range(1, 4), "p": range(1, 4)}, name="Lemma 4 (eq. 22)")


def _hhat_top(x, ops):
    """lambda_max(2 sum_k S_k kron R_k) at the point of Omega with upper layers x['W'] (white data)."""
    d, m = x["d"], x["m"]
    upper = x["W"]                       # W_2, ..., W_m
    top = ops.matprod(upper[::-1]) if upper else ops.eye(d)
    Ws = [ops.solve(top, x["T"])] + list(upper)
    total = None
    for k in range(1, m + 1):
        pre = ops.matprod(Ws[:k - 1][::-1]) if k > 1 else ops.eye(d)
        suf = ops.matprod(Ws[k:][::-1]) if k < m else ops.eye(d)
        term = ops.kron(pre.T @ pre, suf @ suf.T)
        total = term if total is None else total + term
    return 2 * ops.lam_max(total)


def _flattest_value(x, ops):
    m = x["m"]
    return 2 * m * ops.pow(ops.sigma_max(x["T"]), ops.q(2 * (m - 1), m))


SHARPNESS_LOWER_BOUND = Inequality(
    _hhat_top, _flattest_value, ">=",
    variables=[Matrix("T", ("d", "d")), Matrices("W", lambda d: [(d["d"], d["d"])] * (d["m"] - 1))],
    dims={"m": range(2, 5), "d": range(1, 4)}, name="min over Omega of lambda_max (eq. 29), white data")
