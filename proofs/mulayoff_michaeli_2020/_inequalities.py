"""The inequalities of the paper as :class:`symflat.precision.Inequality` objects, so that
``symflat search ID`` can attack them and claim files can attach engine checks.

- Lemma 4 (eq. 22): ``sum_k ||Psi_k||_F^2 >= m ||Psi_m ... Psi_1||_2^{2/m}``, chains of alternating
  shapes ``d_k in {n, p}``.
- The lower bound of eq. (29) on Omega (white data): ``lambda_max(2 Phi^T Phi) >= 2 m sigma_max(T)^{2(1-1/m)}``
  with square layers and ``W_1 = (W_m ... W_2)^{-1} T`` (Omega parametrised by the upper layers).
- Eq. (25) for any full-rank Sigma_x: ``lambda_max(H_w) >= nu(B / ||B||_F)`` on Omega (same parametrisation).
- Eq. (26)'s upper half (white data): ``nu(B / ||B||_F) <= 2 m sigma_max(T)^{2(1-1/m)}``.
"""

from __future__ import annotations

from symflat.precision import Hypothesis, Inequality, Matrices, Matrix


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
    """lambda_max(2 sum_k S_k kron R_k) at the point of Omega with upper layers x['W'] (Sigma_x = x['Sx'] if given,
    else white data)."""
    d, m = x["d"], x["m"]
    root = ops.sqrtm(x["Sx"]) if "Sx" in x else ops.eye(d)
    upper = x["W"]                       # W_2, ..., W_m
    top = ops.matprod(upper[::-1]) if upper else ops.eye(d)
    Ws = [ops.solve(top, x["T"])] + list(upper)
    total = None
    for k in range(1, m + 1):
        pre = (ops.matprod(Ws[:k - 1][::-1]) if k > 1 else ops.eye(d)) @ root
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


def _nu(x, ops):
    """nu(B / ||B||_F) of eq. (25), Sigma_x = x['Sx'] if given, else the identity."""
    m = x["m"]
    B = x["B"] * (1 / ops.fro(x["B"]))
    BS = B @ ops.sqrtm(x["Sx"]) if "Sx" in x else B
    M = ops.matprod([ops.matpow(BS @ x["T"].T, m - 1), BS]) if m > 1 else BS
    return 2 * m * ops.pow(ops.opnorm(M), ops.q(2, m))


_SQUARE = Matrices("W", lambda d: [(d["d"], d["d"])] * (d["m"] - 1))

NU_LOWER_BOUND = Inequality(
    _hhat_top, _nu, ">=",
    variables=[Matrix("T", ("d", "d")), _SQUARE, Matrix("Sx", ("d", "d"), "psd"), Matrix("B", ("d", "d"))],
    hypotheses=[Hypothesis("full-rank", lambda x, ops: ops.lam_min(x["Sx"]), ">", statement="Sigma_x is positive definite"),
                Hypothesis("b-nonzero", lambda x, ops: ops.fro(x["B"]), ">", statement="B != 0")],
    dims={"m": range(2, 5), "d": range(1, 4)}, name="lambda_max(H_w) >= nu(B) on Omega (eq. 25)")

NU_MAX_WHITE = Inequality(
    _nu, _flattest_value, "<=",
    variables=[Matrix("T", ("d", "d")), Matrix("B", ("d", "d"))],
    hypotheses=[Hypothesis("b-nonzero", lambda x, ops: ops.fro(x["B"]), ">", statement="B != 0")],
    dims={"m": range(1, 6), "d": range(1, 4)}, name="max nu(B) <= 2m sigma^(2(1-1/m)) (eq. 26), white data")
