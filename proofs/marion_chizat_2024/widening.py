"""Silent hypotheses (issue 16, part 3): each lemma and theorem of Marion & Chizat 2024 tested on the
widest family its words allow. Widenings that break are encoded as refuted claims with their
counterexamples, beside corrected claims carrying the repair; widenings that hold are recorded on
remarks. ``symflat search ID --widen`` runs the same one-step widenings on the attached inequalities
(theorem-1, theorem-2-corrected: the PSD covariance made indefinite or non-symmetric holds, A1 keeps
it positive definite; lemma-4: alpha and x of any sign break; lemma-5: every domain widening holds
while L >= 1 and x >= 1 are kept)."""

import numpy as np
import sympy as sp

from symflat.claims import Evidence
from symflat.search import search_check, widen_check

from . import _inequalities as ineqs
from . import _lib as lib
from . import paper

# ----------------------------------------------------------------------------- Theorems 1-2: any widths, any covariance

widths = paper.remark(
    "remark-theorem-1-any-widths",
    r"\text{Theorem 1 at minimisers with hidden widths } d_1 = \cdots = d_{L-1} = h \text{ for any } h\ge1 "
    r"\text{ (bottlenecks } h<d \text{ included), and with } \hat\Sigma \text{ only symmetric}",
    where="Sec. 1 (widened here)", uses=["theorem-1"], hypotheses=["a1"],
    note="Theorem 1 allows any widths; its other encodings use d_k = d. The one-step widenings of the attached inequalities of "
         "theorem-1 and theorem-2-corrected (Sigma indefinite or non-symmetric) hold too: with A1 (lambda_min > 0) kept, a "
         "symmetric Sigma is positive definite. Theorem 2's own widening (any output vector w) is its erratum.",
)
widths.check(search_check(ineqs.theorem1_any_widths_inequality(), budget=3.0, name="search-any-widths"))
widths.check(widen_check(ineqs.theorem1_inequality(), budget=2.0, name="widen-theorem-1"))
widths.check(widen_check(ineqs.theorem2_inequality(corrected=True), budget=2.0, name="widen-theorem-2-corrected"))


# ----------------------------------------------------------------------------- Lemma 4: the signs of alpha and x

lemma4_wide = paper.remark(
    "lemma-4-widened",
    r"\text{Lemma 4 without the signs: } (1-x)^\alpha\ge1-2\alpha x\ (\alpha\in\mathbb R,\ x\le1/2);\ "
    r"(1+x)^\alpha\le1+2\alpha x\ (\alpha\in\mathbb R,\ x>-1,\ \alpha x\le1)",
    where="App. A (widened here)", uses=["lemma-4"], expect="refuted",
    note="'symflat search marion-chizat-2024/lemma-4 --widen': alpha:any-sign and x:any-sign break both inequalities, "
         "alpha:include-0 and the encoding's upper bounds (alpha <= 50, x <= 1) hold.",
)


@lemma4_wide.check
def lemma4_wide_exact():
    """Exact counterexamples: first inequality at (alpha, x) = (-1, 1/4) and (1/4, -1); second at (-1, 1) and (1/2, -1/2)."""
    q = sp.Rational
    first = [((-1, q(1, 4)), (1 - q(1, 4)) ** -1, 1 + q(1, 2)), ((q(1, 4), -1), sp.Integer(2) ** q(1, 4), q(3, 2))]
    second = [((-1, 1), sp.Integer(2) ** -1, sp.Integer(-1)), ((q(1, 2), q(-1, 2)), sp.sqrt(q(1, 2)), q(1, 2))]
    ok = all(bool(lhs < rhs) for _, lhs, rhs in first) and all(bool(lhs > rhs) for _, lhs, rhs in second)
    if not ok:
        return Evidence.open("the listed points do not violate the widened inequalities")
    return Evidence.refuted("alpha < 0: (3/4)^(-1) = 4/3 < 3/2 and 2^(-1) = 1/2 > -1; x < 0: 2^(1/4) < 3/2 and sqrt(1/2) > 1/2 "
                            "(first, second inequality)", method="sympy exact", instances=4,
                            counterexample={"first": [{"alpha": "-1", "x": "1/4"}, {"alpha": "1/4", "x": "-1"}],
                                            "second": [{"alpha": "-1", "x": "1"}, {"alpha": "1/2", "x": "-1/2"}]})


lemma4_wide.check(widen_check(ineqs.lemma4_first(), budget=1.5, name="widen-first"))

lemma4_wide_c = paper.remark(
    "lemma-4-widened-corrected",
    r"(1-x)^\alpha\ge1-2\alpha x\ (\alpha\ge0,\ x\in[0,1/2]);\ (1+x)^\alpha\le1+2\alpha x\ (\alpha\ge0,\ x\ge0,\ \alpha x\le1)",
    where="App. A (repaired here)", corrects="lemma-4-widened", uses=["lemma-4"], outline=["lemma-4"],
    note="The repair of the sign widenings: alpha >= 0 and x >= 0 (the signs Lemma 4 states), with alpha = 0 and x = 0 "
         "admitted. Proved by outline: Lemma 4 for alpha > 0 (and x > 0 in the second), plus the boundary cases.",
)


@lemma4_wide_c.check
def lemma4_wide_boundary():
    """The combining step: at alpha = 0 both sides of both inequalities are 1; at x = 0 both sides are 1 (any alpha)."""
    al, x = sp.symbols("alpha x", real=True)
    f1, f2 = (1 - x) ** al - (1 - 2 * al * x), (1 + 2 * al * x) - (1 + x) ** al
    if any(sp.simplify(e) != 0 for e in (f1.subs(al, 0), f2.subs(al, 0), f1.subs(x, 0), f2.subs(x, 0))):
        return Evidence.refuted("a boundary case is not an equality")
    return Evidence.proved("for every x (resp. alpha): at alpha = 0 and at x = 0 both inequalities are equalities 1 = 1; with "
                           "Lemma 4 on alpha > 0, x > 0 the repaired statement holds on all of alpha >= 0, x >= 0",
                           method="sympy (symbolic)")


# ----------------------------------------------------------------------------- Lemma 5: the absolute constant C

lemma5_wide = paper.remark(
    "lemma-5-widened",
    r"L\ge\tfrac14,\ x\ge1\ \Rightarrow\ L\exp(-\sqrt Lx)\le4\exp(-x)\quad(\text{Lemma 5 with } C = 1/4)",
    where="App. A (widened here)", uses=["lemma-5"], expect="refuted",
    note="Lemma 5 asserts some absolute C; the encodings use C = 1. Widening L below 1 ('--drop l-ge-c') breaks it.",
)


@lemma5_wide.check
def lemma5_wide_exact():
    """L = 1/4, x = 6: (1/4) e^-3 > 4 e^-6 because e^3 > 16 (exact)."""
    lhs, rhs = sp.Rational(1, 4) * sp.exp(-3), 4 * sp.exp(-6)
    if not bool(lhs > rhs):
        return Evidence.open("the point does not violate")
    return Evidence.refuted(f"L = 1/4, x = 6: L e^(-sqrt(L) x) = e^-3/4 = {sp.N(lhs, 6)} > 4 e^-6 = {sp.N(rhs, 6)} (e^3 > 16)",
                            method="sympy exact", counterexample={"L": "1/4", "x": 6})


lemma5_opt = paper.remark(
    "lemma-5-c-optimal",
    r"\text{Lemma 5 holds with } C = 1 \text{ and with no } C<1:\ \text{for } L<1 \text{ it fails at } x>\log(4/L)/(1-\sqrt L)",
    where="App. A (repaired here)", corrects="lemma-5-widened", uses=["lemma-5"], outline=["lemma-5"],
)


@lemma5_opt.check
def lemma5_opt_general():
    """For 0 < L < 1 the log-difference log(L e^(-sqrt(L) x)) - log(4 e^(-x)) = log(L/4) + (1 - sqrt L) x is increasing in x
    and equals (1 - sqrt L) > 0 at x = 1 + log(4/L)/(1 - sqrt L) (symbolic L); with Lemma 5 at C = 1 the constant is optimal."""
    L, x = sp.symbols("L x", positive=True)
    gap = sp.log(L / 4) + (1 - sp.sqrt(L)) * x
    xstar = 1 + sp.log(4 / L) / (1 - sp.sqrt(L))
    at = sp.simplify(sp.expand_log(gap.subs(x, xstar), force=True))
    if sp.simplify(at - (1 - sp.sqrt(L))) != 0:
        return Evidence.open(f"log-difference at x* is {at}")
    return Evidence.proved("for every 0 < L < 1, at x = 1 + log(4/L)/(1 - sqrt L) >= 1 the log-difference log(L/4) + (1 - sqrt L) x "
                           "equals 1 - sqrt L > 0, so L e^(-sqrt(L) x) > 4 e^(-x): no C < 1 works, and Lemma 5 holds at C = 1",
                           method="sympy (symbolic L)")


lemma5_wide.check(widen_check(ineqs.lemma5(), budget=1.5, name="widen-lemma-5"))


# ----------------------------------------------------------------------------- Lemma 2: an output vector instead of d_L = 1

lemma2_wide = paper.remark(
    "remark-lemma-2-any-output",
    r"\text{Lemma 2's three bounds along gradient flow of model (3) with } d_L>1 \text{ and any output vector } w",
    where="Sec. 4 (widened here)", uses=["lemma-2", "lemma-1"],
    note="Lemma 2 is stated for d_L = 1, w = 1; Lemma 1 (its only ingredient) holds for any w. No violation with d_L = 2, 3.",
)


@lemma2_wide.check
def lemma2_wide_flows(ctx):
    """Flows from initialisations of every scale (no zero layer) with d_L in {2, 3} and random w."""
    rng = ctx.rng
    worst, n = [np.inf] * 3, 0
    for _ in range(8):
        L, d, d_out = int(rng.integers(2, 5)), int(rng.integers(2, 4)), int(rng.integers(2, 4))
        prob = lib.random_problem(rng, 15, d)
        w = rng.standard_normal(d_out)
        w *= float(rng.uniform(0.3, 2.0)) / np.linalg.norm(w)
        Ws0 = lib.small_init(rng, [d] * L + [d_out], float(np.exp(rng.uniform(-3, 0))), zero_layer=None)
        eps = lib.epsilon(Ws0)
        _, traj = lib.gradient_flow(prob, Ws0, w, 200.0, t_eval=np.geomspace(1e-3, 200, 40))
        for Ws in traj:
            worst = [min(a, b / eps) for a, b in zip(worst, lib.lemma2_slacks(Ws, eps))]
        n += 1
    if min(worst) < -1e-6:
        return Evidence.refuted(f"Lemma 2 fails with an output vector: relative slacks {worst}")
    return Evidence.checked(f"{n} flows with d_L in 2..3, random w: smallest slack / eps per statement {[f'{v:.3f}' for v in worst]}",
                            seed=ctx.seed, instances=n, cases="L = 2..4, d = 2..3, d_L = 2..3, init scale e^-3..1, random w",
                            slack=min(worst))


# ----------------------------------------------------------------------------- Lemma 9: the ranges M >= 1, m in (0, 1)

lemma9_wide = paper.remark(
    "remark-lemma-9-any-scale",
    r"\text{Lemma 9 without } M\ge1,\ m<1:\ \text{contracting } (M<1) \text{ and expanding } (m>1) \text{ products keep both conclusions}",
    where="App. A (widened here)", uses=["lemma-9"],
    note="The perturbation argument only uses ||W_k...W_j||_2 <= M/m (upper bound of the long product times the inverse of the "
         "short one) and r M/m = m/(4M) <= 1/4; neither M >= 1 nor m < 1 enters. No violation on either side.",
)


@lemma9_wide.check
def lemma9_wide_adversarial(ctx):
    """Powell search over theta on the boundary of the ball (radius m^2/(4M^2)) for W_k = c Q_k D_k, c in (0.2, 0.95) or
    (1.05, 1.6), Q_k orthogonal, D_k = diag(e^(+-0.2)): smallest relative margin of the two conclusions."""
    from scipy.optimize import minimize

    from .appendix import _lemma9_margins

    rng = ctx.rng
    worst, rows = np.inf, []
    for trial in range(8):
        L, d = int(rng.integers(2, 6)), int(rng.integers(1, 4))
        c = float(rng.uniform(0.2, 0.95)) if trial % 2 else float(rng.uniform(1.05, 1.6))
        Ws = [c * np.linalg.qr(rng.standard_normal((d, d)))[0] @ np.diag(np.exp(rng.uniform(-0.2, 0.2, d))) for _ in range(L)]
        P, M, m = np.eye(d), 0.0, np.inf
        for W in Ws:
            P = W @ P
            s = np.linalg.svd(P, compute_uv=False)
            M, m = max(M, s[0]), min(m, s[-1])
        r = m ** 2 / (4 * M ** 2)

        def thetas(z, L=L, d=d, r=r):
            blocks = [z[k * d * d:(k + 1) * d * d].reshape(d, d) for k in range(L)]
            return [r * A / max(np.linalg.norm(A, 2), 1e-300) for A in blocks]

        res = minimize(lambda z: _lemma9_margins(Ws, thetas(z), M, m), rng.standard_normal(L * d * d), method="Powell",
                       options={"maxiter": 2000})
        worst = min(worst, float(res.fun))
        rows.append((round(M, 3), round(m, 3)))
    if worst < -1e-12:
        return Evidence.refuted(f"Lemma 9 fails outside M >= 1, m < 1 (relative margin {worst:.2e})")
    return Evidence.checked(f"8 adversarial searches, (M, m) = {rows}: smallest relative margin {worst:.3f}", seed=ctx.seed,
                            instances=8, cases="L = 2..5, d = 1..3, scale c in (0.2, 0.95) (M < 1) or (1.05, 1.6) (m > 1)",
                            slack=worst, method="Powell")


# ----------------------------------------------------------------------------- Lemma 8 without A1

lemma8_wide = paper.remark(
    "remark-lemma-8-without-a1",
    r"\text{Lemma 8 without } (A_1):\ \text{for any least-squares solution } w^\star\ (X^\top Xw^\star = X^\top y) \text{ and } "
    r"\lambda = \lambda_{\min}(\hat\Sigma)\ge0,\ \text{the identity and both bounds hold}",
    where="App. A (widened here)", uses=["lemma-8"], outline=["lemma-8"],
    note="Lemma 8 is stated under A1; its general proof (lemma-8) uses only the normal equations and lambda I <= Sigma <= Lambda I, "
         "both of which hold for a singular Sigma (lambda = 0, lower bound trivial) and any least-squares solution w*.",
)


@lemma8_wide.check
def lemma8_wide_premises():
    """The combining step: lemma-8's derivation (re-run here) has no hypothesis but the normal equations, and lambda I <= Sigma
    holds with lambda = lambda_min(Sigma) >= 0 for every X (Sigma = X^T X / n is PSD)."""
    from symflat.claims import Context

    from .appendix import lemma8

    ev = lemma8.get_check("lemma8_general")(Context(lemma8.id, "lemma8_general", seed=0, dps=30))
    if ev.status.value != "proved":
        return Evidence.open(f"lemma-8's general derivation did not go through: {ev.detail}")
    return Evidence.proved("for every X, y (Sigma possibly singular): the derivation of lemma-8 at symbolic n, d rewrites only with "
                           "X^T X w* = X^T y, which every least-squares solution satisfies, and its bounds need only "
                           "lambda_min(Sigma) I <= Sigma <= lambda_max(Sigma) I, true for the PSD Sigma = X^T X / n",
                           method="matrix calculus (symbolic sizes)")
