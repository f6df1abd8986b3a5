"""Planted inequalities with known answers: true ones (many with equality cases) and false ones
whose violations are rare (a constant off by 1%, an exponent off by 1/m, a hypothesis that only
matters for near-singular inputs, a violation of relative size 1e-9, a strictness broken only at an
equality point, a violation only where float64 overflows)."""

from __future__ import annotations

from symflat.precision import Hypothesis, Inequality, Matrices, Matrix, Scalar, Vector


def _lemma4(factor=(1, 1), extra_exponent=False, dims=None) -> Inequality:
    """Mulayoff & Michaeli 2020, Lemma 4 (eq. 22): sum ||Psi_k||_F^2 >= m ||Psi_m...Psi_1||_2^(2/m)."""

    def lhs(x, ops):
        return ops.sum(ops.fro2(p) for p in x["Psi"])

    def rhs(x, ops):
        m = x["m"]
        e = ops.q(2, m) + (ops.q(2, m * m) if extra_exponent else 0)
        return ops.q(*factor) * m * ops.pow(ops.opnorm(ops.matprod(x["Psi"][::-1])), e)

    return Inequality(lhs, rhs, ">=", variables=[Matrices("Psi", lambda d: [(d["n"], d["n"])] * d["m"])],
                      dims=dims or {"m": [1, 2, 3], "n": [1, 2, 3]}, name="lemma4")


def amgm(factor=(1, 1)) -> Inequality:
    return Inequality(lambda x, o: (x["a"] + x["b"]) * o.q(1, 2) * o.q(*factor), lambda x, o: o.sqrt(x["a"] * x["b"]), ">=",
                      variables=[Scalar("a", lo=0), Scalar("b", lo=0)], name="amgm")


def cauchy_schwarz(factor=(1, 1)) -> Inequality:
    return Inequality(lambda x, o: o.dot(x["u"], x["v"]) ** 2, lambda x, o: o.q(*factor) * o.fro2(x["u"]) * o.fro2(x["v"]),
                      "<=", variables=[Vector("u", "n"), Vector("v", "n")], dims={"n": [2, 3, 4]}, name="cauchy-schwarz")


def opnorm_le_fro(factor=(1, 1)) -> Inequality:
    return Inequality(lambda x, o: o.opnorm(x["A"]), lambda x, o: o.q(*factor) * o.fro(x["A"]), "<=",
                      variables=[Matrix("A", ("r", "c"))], dims={"r": [2, 3], "c": [2, 3]}, name="opnorm<=fro")


def submultiplicative() -> Inequality:
    return Inequality(lambda x, o: o.opnorm(x["A"] @ x["B"]), lambda x, o: o.opnorm(x["A"]) * o.opnorm(x["B"]), "<=",
                      variables=[Matrix("A", ("n", "n")), Matrix("B", ("n", "n"))], dims={"n": [1, 2, 3]}, name="submult")


def bernoulli(r_lo=1) -> Inequality:
    return Inequality(lambda x, o: o.pow(1 + x["x"], x["r"]), lambda x, o: 1 + x["r"] * x["x"], ">=",
                      variables=[Scalar("x", lo=-1), Scalar("r", lo=r_lo, hi=5)], name="bernoulli")


def lam_max_le_trace() -> Inequality:
    return Inequality(lambda x, o: o.lam_max(x["S"]), lambda x, o: o.trace(x["S"]), "<=",
                      variables=[Matrix("S", ("n", "n"), "psd")], dims={"n": [1, 2, 3]}, name="lmax<=trace")


def exp_strict(with_hypothesis=True) -> Inequality:
    hyps = [Hypothesis("nonzero", lambda x, o: x["x"] * x["x"], ">")] if with_hypothesis else []
    return Inequality(lambda x, o: o.exp(x["x"]), lambda x, o: 1 + x["x"], ">", variables=[Scalar("x", lo=-30, hi=30)],
                      hypotheses=hyps, name="exp>1+x")


def cond_bound(with_hypothesis=True) -> Inequality:
    """cond(A) <= 1e6, true under sigma_min >= 1e-6 sigma_max; without it false only near-singular."""
    hyps = [Hypothesis("well-conditioned", lambda x, o: o.sigma_min(x["A"]) - o.q(1, 10**6) * o.opnorm(x["A"]))] \
        if with_hypothesis else []
    return Inequality(lambda x, o: o.opnorm(x["A"]), lambda x, o: 10**6 * o.sigma_min(x["A"]), "<=",
                      variables=[Matrix("A", ("n", "n"))], dims={"n": [2, 3]}, hypotheses=hyps, name="cond")


def power_mean(extra=False) -> Inequality:
    """(prod x_i)^(1/n) <= mean(x) over x_i >= 0; with ``extra`` the exponent is 1/n + 1/n^2."""

    def lhs(x, o):
        n, p = x["n"], o.num(1)
        for v in x["x"]:
            p = p * v
        return o.pow(p, o.q(1, n) + (o.q(1, n * n) if extra else 0))

    return Inequality(lhs, lambda x, o: o.sum(x["x"]) / x["n"], "<=", variables=[Vector("x", "n", "nonnegative")],
                      dims={"n": [2, 3, 4]}, name="power-mean")


def rotation_invariance() -> Inequality:
    """||Q A||_F <= ||A||_F for a rotation Q: an equality everywhere (never a violation)."""
    return Inequality(lambda x, o: o.fro2(x["Q"] @ x["A"]), lambda x, o: o.fro2(x["A"]), "<=",
                      variables=[Matrix("Q", ("n", "n"), "rotation"), Matrix("A", ("n", "n"))], dims={"n": [2, 3]},
                      name="rotation")


def cancellation() -> Inequality:
    """``(a+b)^2 - a^2 - 2ab - b^2 >= 0``: zero everywhere, float64 sees only rounding noise."""
    return Inequality(lambda x, o: (x["a"] + x["b"]) ** 2 - x["a"] ** 2 - 2 * x["a"] * x["b"] - x["b"] ** 2,
                      lambda x, o: 0, ">=", variables=[Scalar("a"), Scalar("b")], name="cancellation")


def det_product() -> Inequality:
    """``det(AB) >= det(A) det(B)``: an identity, met on singular matrices too."""
    return Inequality(lambda x, o: o.det(x["A"] @ x["B"]), lambda x, o: o.det(x["A"]) * o.det(x["B"]), ">=",
                      variables=[Matrix("A", ("n", "n")), Matrix("B", ("n", "n"))], dims={"n": [2, 3]}, name="det")


TRUE = {
    "cancellation": cancellation,
    "det-product": det_product,
    "amgm": amgm,
    "lemma4": _lemma4,
    "cauchy-schwarz": cauchy_schwarz,
    "opnorm<=fro": opnorm_le_fro,
    "submult": submultiplicative,
    "bernoulli": bernoulli,
    "lmax<=trace": lam_max_le_trace,
    "exp-strict": exp_strict,
    "cond-with-hypothesis": cond_bound,
    "power-mean": power_mean,
    "rotation": rotation_invariance,
}

FALSE = {
    "lemma4-constant-1pct": lambda: _lemma4(factor=(101, 100), dims={"m": [2, 3], "n": [2, 3]}),
    "lemma4-exponent": lambda: _lemma4(extra_exponent=True, dims={"m": [2, 3], "n": [2, 3]}),
    "cauchy-schwarz-1pct": lambda: cauchy_schwarz(factor=(99, 100)),
    "opnorm<=fro-1e-9": lambda: opnorm_le_fro(factor=(10**9 - 1, 10**9)),
    "amgm-1e-10": lambda: amgm(factor=(10**10 - 1, 10**10)),
    "bernoulli-r-range": lambda: bernoulli(r_lo=0.99),
    "cond-without-hypothesis": lambda: cond_bound(with_hypothesis=False),
    "power-mean-exponent": lambda: power_mean(extra=True),
    "exp-strict-at-zero": lambda: exp_strict(with_hypothesis=False),
    "beyond-float-range": lambda: Inequality(lambda x, o: o.exp(x["x"]), lambda x, o: o.num(10) ** 400, "<=",
                                             variables=[Scalar("x", lo=0, hi=2000)], name="exp<=1e400"),
}
