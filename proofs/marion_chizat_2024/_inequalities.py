"""The paper's inequalities as precision-engine objects (``symflat.precision.Inequality``), so
``symflat search marion-chizat-2024/<label> [--drop HYP]`` can hunt for counterexamples.

Sharpness inequalities range over the data (``Sigma`` PSD, ``w*``), the output vector ``w`` and
free weights ``W_2..W_L``; ``W_1`` gets the rank-one correction that puts the point on the minimum
set, and ``S = 2 lambda_max(Sigma^{1/2} J J^T Sigma^{1/2})`` with ``J J^T = sum_k ||v_k||^2 B_k^T B_k``
(exact at minimisers, see ``eq-7-at-minimizers``).
"""

from __future__ import annotations

from symflat.precision import Hypothesis, Inequality, Matrices, Matrix, Scalar, Vector


def _minimizer(x, o):
    """Weights ``[W_1, ..., W_L]`` on the minimum set from the free ``W`` (first block is W_1's start)."""
    Ws = list(x["W"])
    v = x["w"]
    for W in reversed(Ws[1:]):
        v = W.T @ v
    vv = o.dot(v, v)
    Ws[0] = Ws[0] + o.outer(v, x["wstar"] - Ws[0].T @ v) / vv
    return Ws


def _sharpness(x, o):
    Ws = _minimizer(x, o)
    d = Ws[0].shape[1]
    vs, v = [], x["w"]
    for W in reversed(Ws):
        vs.append(v)
        v = W.T @ v
    vs = vs[::-1]
    B, G = o.eye(d), None
    for k in range(len(Ws)):
        term = o.dot(vs[k], vs[k]) * (B.T @ B)
        G = term if G is None else G + term
        B = Ws[k] @ B
    R = o.sqrtm(x["S"])
    return 2 * o.lam_max(R @ G @ R)


def _shapes(out_dim):
    def shapes(dm):
        d, L = dm["d"], dm["L"]
        return [(d, d)] * (L - 1) + [(out_dim(dm), d)]
    return shapes


def _norm_pow(o, v, p):
    return o.pow(o.dot(v, v), p / 2)


A1 = Hypothesis("a1", lambda x, o: o.lam_min(x["S"]), ">", statement="Sigma full rank")
NONZERO = Hypothesis("wstar-nonzero", lambda x, o: o.dot(x["wstar"], x["wstar"]), ">", statement="w* != 0 (avoids 0^0 at L = 1)")


def _v1(x):
    v = x["w"]
    for W in reversed(list(x["W"])[1:]):
        v = W.T @ v
    return v


def _vars(out_dim, w_fixed_one: bool):
    vs = [Matrix("S", ("d", "d"), "psd"), Vector("wstar", "d"), Matrices("W", _shapes(out_dim))]
    if not w_fixed_one:
        vs.append(Vector("w", "d"))
    return vs


def theorem1_inequality() -> Inequality:
    """Theorem 1 / second bound of Theorem 2 with d_L = 1, w = 1: ``S >= 2 L lambda ||w*||^{2-2/L}``."""
    def lhs(x, o):
        x = dict(x, w=o.array([[1]]).reshape(1))
        return _sharpness(x, o)

    def rhs(x, o):
        L = len(x["W"])
        return 2 * L * o.lam_min(x["S"]) * _norm_pow(o, x["wstar"], 2 - o.q(2, L))

    return Inequality(lhs, rhs, ">=", variables=_vars(lambda dm: 1, True), hypotheses=[A1, NONZERO], dims={"d": [1, 2, 3], "L": [1, 2, 3, 4]},
                      name="theorem-1", statement="S(W) >= 2 L lambda ||w*||^(2-2/L) at minimisers (d_L = 1, w = 1)")


def theorem1_any_widths_inequality() -> Inequality:
    """Theorem 1 with hidden widths ``h`` free (``W_1`` is ``h x d``, ``W_2..W_{L-1}`` are ``h x h``, ``W_L`` is ``1 x h``):
    the statement allows any widths, the other encodings use ``d_k = d``."""
    def shapes(dm):
        d, h, L = dm["d"], dm["h"], dm["L"]
        return [(h if L > 1 else 1, d)] + [(h, h)] * (L - 2) + ([(1, h)] if L > 1 else [])

    def lhs(x, o):
        return _sharpness(dict(x, w=o.array([[1]]).reshape(1)), o)

    def rhs(x, o):
        L = len(x["W"])
        return 2 * L * o.lam_min(x["S"]) * _norm_pow(o, x["wstar"], 2 - o.q(2, L))

    variables = [Matrix("S", ("d", "d"), "psd"), Vector("wstar", "d"), Matrices("W", shapes)]
    return Inequality(lhs, rhs, ">=", variables=variables, hypotheses=[A1, NONZERO],
                      dims={"d": [1, 2, 3], "h": [1, 2, 4], "L": [2, 3]}, name="theorem-1 (any widths)",
                      statement="S(W) >= 2 L lambda ||w*||^(2-2/L) at minimisers with hidden widths h != d")


def theorem2_inequality(corrected: bool) -> Inequality:
    """Second bound of Theorem 2 for model (3) with a free output vector ``w`` (d_L = d); with
    ``corrected`` the right-hand side carries the factor ``||w||^{2/L}``."""
    def lhs(x, o):
        return _sharpness(x, o)

    def rhs(x, o):
        L = len(x["W"])
        base = 2 * L * o.lam_min(x["S"]) * _norm_pow(o, x["wstar"], 2 - o.q(2, L))
        return base * _norm_pow(o, x["w"], o.q(2, L)) if corrected else base

    hyps = [A1, NONZERO, Hypothesis("reachable", lambda x, o: o.dot(_v1(x), _v1(x)), ">", statement="W_L^T...W_2^T w != 0")]
    name = "theorem-2-corrected" if corrected else "theorem-2"
    return Inequality(lhs, rhs, ">=", variables=_vars(lambda dm: dm["d"], False), hypotheses=hyps,
                      dims={"d": [1, 2, 3], "L": [1, 2, 3]}, name=name,
                      statement="S(W) >= 2 L lambda " + ("||w||^(2/L) " if corrected else "") + "||w*||^(2-2/L) at minimisers, any w")


def lemma4_first() -> Inequality:
    """``(1-x)^alpha >= 1 - 2 alpha x`` for alpha > 0 and x in [0, 1/2] (hypothesis ``x-le-half``)."""
    return Inequality(lambda x, o: o.pow(1 - x["x"], x["alpha"]), lambda x, o: 1 - 2 * x["alpha"] * x["x"], ">=",
                      variables=[Scalar("alpha", lo=0, lo_open=True, hi=50), Scalar("x", lo=0, hi=1)],
                      hypotheses=[Hypothesis("x-le-half", lambda x, o: o.q(1, 2) - x["x"], statement="x <= 1/2")],
                      name="lemma-4 (first)", statement="(1-x)^alpha >= 1 - 2 alpha x")


def lemma4_second() -> Inequality:
    """``(1+x)^alpha <= 1 + 2 alpha x`` for alpha, x > 0 with alpha x <= 1 (hypothesis ``alpha-x-le-1``)."""
    return Inequality(lambda x, o: o.pow(1 + x["x"], x["alpha"]), lambda x, o: 1 + 2 * x["alpha"] * x["x"], "<=",
                      variables=[Scalar("alpha", lo=0, lo_open=True, hi=50), Scalar("x", lo=0, lo_open=True, hi=50)],
                      hypotheses=[Hypothesis("alpha-x-le-1", lambda x, o: 1 - x["alpha"] * x["x"], statement="alpha x <= 1")],
                      name="lemma-4 (second)", statement="(1+x)^alpha <= 1 + 2 alpha x")


def lemma5() -> Inequality:
    """``L exp(-sqrt(L) x) <= 4 exp(-x)`` for L >= C = 1 and x >= 1."""
    return Inequality(lambda x, o: x["L"] * o.exp(-o.sqrt(x["L"]) * x["x"]), lambda x, o: 4 * o.exp(-x["x"]), "<=",
                      variables=[Scalar("L", lo=0, lo_open=True, hi=1e4), Scalar("x", lo=0, hi=50)],
                      hypotheses=[Hypothesis("l-ge-c", lambda x, o: x["L"] - 1, statement="L >= C with C = 1"),
                                  Hypothesis("x-ge-1", lambda x, o: x["x"] - 1, statement="x >= 1")],
                      name="lemma-5", statement="L exp(-sqrt(L) x) <= 4 exp(-x)")


def theorem2_first_inequality(corrected: bool) -> Inequality:
    """First bound of Theorem 2, ``S >= 2 lambda ||w*||^{2-1/L} sum_k 1/||W_k||_F`` (times ``||w||^{1/L}``
    when ``corrected``), for model (3) with a free output vector."""
    def rhs(x, o):
        L = len(x["W"])
        inv = o.sum([1 / o.fro(W) for W in _minimizer(x, o)])
        base = 2 * o.lam_min(x["S"]) * _norm_pow(o, x["wstar"], 2 - o.q(1, L)) * inv
        return base * _norm_pow(o, x["w"], o.q(1, L)) if corrected else base

    hyps = [A1, NONZERO, Hypothesis("reachable", lambda x, o: o.dot(_v1(x), _v1(x)), ">", statement="W_L^T...W_2^T w != 0")]
    return Inequality(_sharpness, rhs, ">=", variables=_vars(lambda dm: dm["d"], False), hypotheses=hyps,
                      dims={"d": [1, 2, 3], "L": [1, 2, 3]}, name="theorem-2 first bound" + (" (corrected)" if corrected else ""),
                      statement="S(W) >= 2 lambda " + ("||w||^(1/L) " if corrected else "") + "||w*||^(2-1/L) sum_k 1/||W_k||_F")
