"""Sec. 4 and supp. VI, X of Mulayoff, Michaeli & Soudry 2021: Lemma 4 (29) with the steps of its
proof (S33)-(S42), Theorem 1 (21)-(23) (the headline bound (1)) and the extension of Lemma 4 to
minima that are not twice differentiable (S76)-(S79), (37).
"""

from fractions import Fraction

import numpy as np
import sympy as sp
from scipy.optimize import minimize

from symflat.claims import Evidence
from symflat.models import Points, ReluOneHidden
from symflat.precision import Hypothesis, Inequality, Vector
from symflat.search import precision_check, search_check

from . import _lib as lib
from . import paper


# ------------------------------------------------------------------ the inequality of (S41) for the search engine
def _pre(x, ops):
    k, n = x["k"], x["n"]
    return [[x["w1"][i] * x["x"][j] + x["b1"][i] for j in range(n)] for i in range(k)]


def _ind(z, ops):
    """1 if z > 0 else 0, as relu(z) / z (z != 0 by hypothesis): exact in every arithmetic."""
    return ops.max(z, ops.num(0)) / z


def s41_lambda(x, ops):
    """lambda_max of the Gram matrix Phi^T Phi / n (eq. 27) with y := f(x; theta): every theta is
    an interpolating minimum of its own data, twice differentiable when no knot sits on an x_j."""
    k, n = x["k"], x["n"]
    z = _pre(x, ops)
    ind = [[_ind(z[i][j], ops) for j in range(n)] for i in range(k)]
    G = np.empty((n, n), dtype=object)
    for a in range(n):
        for b in range(a, n):
            s = ops.num(1)
            for i in range(k):
                w2 = x["w2"][i]
                s = s + ind[i][a] * ind[i][b] * (w2 * w2 * (x["x"][a] * x["x"][b] + 1) + z[i][a] * z[i][b])
            G[a, b] = G[b, a] = s / n
    return ops.lam_max(G)


def s41_bound(x, ops):
    """1 + 2 sum_i |w1_i w2_i| min(g^+(tau_i), g^-(tau_i)) (first line of S41), with g^pm in the closed
    form (1/n^2) sum (x_j - tau)_+ sqrt(m^2 + S^2), written through z_ij = w1_i x_j + b1_i."""
    k, n = x["k"], x["n"]
    z = _pre(x, ops)
    total = ops.num(0)
    for i in range(k):
        w1, w2 = x["w1"][i], x["w2"][i]
        sides = []
        for sgn in (1, -1):
            u = [sgn * z[i][j] * w1 for j in range(n)]      # sign(u_j) = side of x_j relative to tau_i
            mass = ops.sum(ops.max(v, ops.num(0)) for v in u)   # = w1^2 sum_{side} |x_j - tau_i|
            cnt = ops.sum(_ind(v, ops) for v in u)
            sx = ops.sum(_ind(v, ops) * x["x"][j] for j, v in enumerate(u))
            sides.append(mass * ops.sqrt(cnt * cnt + sx * sx) / (n * n))
        total = total + ops.abs(w2) / ops.abs(w1) * ops.min(sides[0], sides[1])
    return 1 + 2 * total


distinct = Hypothesis("distinct-inputs", lambda x, ops: ops.min([ops.num(1)] + [(x["x"][a] - x["x"][b]) ** 2 for a in range(x["n"]) for b in range(a)]),
                      ">", statement="x_i != x_j for i != j")
smooth = Hypothesis("twice-differentiable", lambda x, ops: ops.min([(x["w1"][i] * x["x"][j] + x["b1"][i]) ** 2 for i in range(x["k"]) for j in range(x["n"])]),
                    ">", statement="no knot on a training point (|f''(x_j)| < inf)")

s41_ineq = Inequality(
    s41_lambda, s41_bound, ">=",
    variables=[Vector("w1", "k"), Vector("b1", "k"), Vector("w2", "k"), Vector("x", "n")],
    dims={"k": range(1, 4), "n": range(1, 5)},
    hypotheses=[distinct, smooth],
    name="Lemma 4 per neuron (S41, first line)",
)


s33 = paper.proposition(
    "eq-s33",
    r"\lambda_{\max}\ge\tfrac1{n^2}\|\Phi\mathbf1\|^2=1+\tfrac1{n^2}\sum_i\big[(w^{(2)}_i)^2((\textstyle\sum_jx_jI_{j,i})^2+(\sum_jI_{j,i})^2)+(\sum_j\sigma(w^{(1)}_ix_j+b^{(1)}_i))^2\big]"
    r"\ge1+\tfrac2{n^2}\sum_i|w^{(2)}_i|\sqrt{(\sum_jx_jI_{j,i})^2+(\sum_jI_{j,i})^2}\,|\sum_j\sigma(w^{(1)}_ix_j+b^{(1)}_i)|",
    where="supp. VI", eq="S33", uses=["eq-27", "eq-s32"], proof_uses=["eq-27", "eq-s32"], outline=["eq-27", "eq-s87"],
)


def _s33_parts(theta, k, xs):
    n = len(xs)
    P = lib.phi(theta, k, xs)
    w1, b1, w2, _ = lib.split(theta, k)
    I = lib.pattern(theta, k, xs)
    sx = [sum(xs[j] * I[j, i] for j in range(n)) for i in range(k)]
    s1 = [sum(I[j, i] for j in range(n)) for i in range(k)]
    sr = [sum(lib.relu(w1[i] * xs[j] + b1[i]) for j in range(n)) for i in range(k)]
    ones = P.dot(np.array([1] * n, dtype=object))
    first = ones.dot(ones) / n ** 2
    expanded = 1 + sum(w2[i] ** 2 * (sx[i] ** 2 + s1[i] ** 2) + sr[i] ** 2 for i in range(k)) / n ** 2
    return P, first, expanded, sx, s1, sr


def s33_check(ctx):
    """Exact rationals: ||Phi 1||^2 / n^2 equals the expanded sum (second expression) identically on
    random rational minima; floats: lambda_max >= first >= AM-GM line on 300 random minima."""
    rng = ctx.rng
    for _ in range(20):
        n, k = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        xs = sorted({lib.rational(rng) for _ in range(n)})
        theta = np.array([lib.rational(rng) for _ in range(3 * k + 1)], dtype=object)
        _, first, expanded, *_ = _s33_parts(theta, k, xs)
        if first != expanded:
            return Evidence.refuted("the expansion in (S33) is not an identity", counterexample={"theta": [str(v) for v in theta], "x": [str(v) for v in xs]})
    worst = np.inf
    for _ in range(300):
        n, k = int(rng.integers(1, 9)), int(rng.integers(1, 9))
        theta, xs, _ = lib.random_minimum(rng, n, k)
        P, first, _, sx, s1, sr = _s33_parts(theta, k, list(xs))
        w2 = lib.split(theta, k)[2]
        amgm = 1 + 2 * sum(abs(w2[i]) * np.sqrt(sx[i] ** 2 + s1[i] ** 2) * abs(sr[i]) for i in range(k)) / n ** 2
        lam = lib.lam_max_gram(theta, k, xs)
        worst = min(worst, (lam - first) / lam, (first - amgm) / lam)
    if worst < -1e-12:
        return Evidence.refuted(f"a step of (S33) fails (relative slack {worst:.2e})")
    return Evidence.checked(f"the expansion is exact on 20 rational minima; both inequalities hold on 300 float minima (min relative slack {worst:.1e})",
                            instances=320, seed=ctx.seed, slack=float(worst), cases="20 rational and 300 float random minima")


s33.check(s33_check)


@s33.check
def s33_general():
    """The combining steps, general: (27) at u = 1/sqrt(n) gives lambda_max >= ||Phi 1||^2 / n^2; (S87) at beta = 1, q = 1 is
    ||Phi 1||^2 / n = (1/n) sum_i [...] + n, i.e. the printed expansion after dividing by n (SymPy, symbolic n and sums);
    and a^2 + b^2 >= 2 |a| |b| for all reals (z3 and cvc5) with a = |w2_i| sqrt(S_x^2 + S_1^2), b = |S_r|."""
    from symflat.precision.decide import decide_formula

    n = sp.Symbol("n", positive=True)
    T, Q = sp.symbols("T Q", nonnegative=True)        # T = sum_i [...] of (S87), Q = ||Phi 1||^2
    if sp.simplify((Q / n).subs(Q, T + n ** 2) / n - (1 + T / n ** 2)) != 0:
        return Evidence.open("the expansion does not match")
    a, b = sp.symbols("a b", real=True)
    results = [decide_formula(a ** 2 + b ** 2 >= 2 * sp.Abs(a) * sp.Abs(b), solver=sv) for sv in ("z3", "cvc5")]
    bad = [r for r in results if r.status != "proved"]
    if bad:
        return bad[0].evidence("AM-GM step of (S33)")
    return Evidence.proved("Rayleigh quotient of (27) at u = 1/sqrt(n), (S87) at beta = 1, q = 1 divided by n, and a^2 + b^2 >= 2|a||b| "
                           "(z3 and cvc5): every n, k, network and data set", method="z3", cross_checked="cvc5",
                           version=", ".join(f"{r.solver} {r.version}" for r in results))


@paper.proposition(
    "eq-s35-s37",
    r"\text{(S33) rhs}=1+2\sum_i|w^{(2)}_i|\mathbb P(X\in C_i)^2\sqrt{\mathbb E[X|C_i]^2+1}\,|\mathbb E[w^{(1)}_iX+b^{(1)}_i|C_i]|"
    r"\ge1+2\sum_i|w^{(1)}_iw^{(2)}_i|\mathbb P(X\in C_i)^2\sqrt{\mathbb E[X|C_i]^2+1}\,|\mathbb E[X-\tau_i|C_i]|",
    where="supp. VI", eq="S35, S37", uses=["eq-s34", "eq-s36"], proof_uses=["eq-s33"],
    note="A summand with n_i = 0 counts as 0. The inequality is an equality except for neurons with w1_i = 0.",
)
def s35_s37_exact(ctx):
    """Exact rationals (square roots compared through squares): the probabilistic rewriting (S35)
    equals the AM-GM line of (S33) term by term, and (S37) is an equality for w1_i != 0 and an
    inequality (rhs 0) for w1_i = 0; neurons with w1 = 0 are planted on purpose."""
    rng, count = ctx.rng, 0
    for _ in range(30):
        n, k = int(rng.integers(1, 6)), int(rng.integers(1, 5))
        xs = sorted({lib.rational(rng) for _ in range(n)})
        n = len(xs)
        theta = np.array([lib.rational(rng) for _ in range(3 * k + 1)], dtype=object)
        if rng.random() < 0.5:
            theta[0] = Fraction(0)
        w1, b1, w2, _ = lib.split(theta, k)
        I = lib.pattern(theta, k, xs)
        taus = lib.thresholds(theta, k)
        for i in range(k):
            Ci = [xs[j] for j in range(n) if I[j, i]]
            if not Ci:
                continue
            ni = len(Ci)
            # squared summands: (S33) AM-GM term vs (S35) vs (S37)
            t33 = (abs(w2[i]) / n ** 2) ** 2 * (sum(Ci) ** 2 + ni ** 2) * sum(w1[i] * c + b1[i] for c in Ci) ** 2
            p, ex = Fraction(ni, n), sum(Ci) / ni
            t35 = (abs(w2[i]) * p ** 2) ** 2 * (ex ** 2 + 1) * (sum(w1[i] * c + b1[i] for c in Ci) / ni) ** 2
            t37 = (abs(w1[i] * w2[i]) * p ** 2) ** 2 * (ex ** 2 + 1) * (sum(c - taus[i] for c in Ci) / ni) ** 2
            if t33 != t35 or (w1[i] != 0 and t37 != t35) or t37 > t35:
                return Evidence.refuted("(S35)/(S37) fail", counterexample={"theta": [str(v) for v in theta], "x": [str(v) for v in xs], "neuron": i})
            count += 1
    return Evidence.certified(f"(S35) = (S33) and (S37) (equality iff w1_i != 0 or the summand is 0) hold exactly for {count} active neurons "
                           "of 30 rational networks", instances=count, method="exact rationals",
                              cases="active neurons of 30 random rational networks, n <= 5, k <= 4, half with w1_1 = 0")


@s35_s37_exact.check
def s35_s37_general():
    """General (every neuron, data set, n): with n_i = |C_i| > 0, S_x = sum_{C_i} x_j and S_r = sum_{C_i} (w1_i x_j + b1_i)
    symbolic, P = n_i/n, E[X | C_i] = S_x/n_i and E[w1 X + b1 | C_i] = S_r/n_i turn the summand of the AM-GM line of
    (S33), sqrt(S_x^2 + n_i^2) |S_r| / n^2, into that of (S35) identically (SymPy); for w1_i != 0, S_r = w1_i (S_x - n_i tau_i)
    with tau_i = -b1_i/w1_i, so (S35) = (S37); for w1_i = 0 the (S37) summand is 0 <= the (S35) summand; n_i = 0 gives 0 on
    every line."""
    n, ni = sp.symbols("n n_i", positive=True)
    Sx, Sr, b1 = sp.symbols("S_x S_r b1", real=True)
    w1 = sp.Symbol("w1", real=True, nonzero=True)
    s33 = sp.sqrt(Sx ** 2 + ni ** 2) * sp.Abs(Sr) / n ** 2
    s35 = (ni / n) ** 2 * sp.sqrt((Sx / ni) ** 2 + 1) * sp.Abs(Sr / ni)
    tau = -b1 / w1
    s35_w = s35.subs(Sr, w1 * Sx + ni * b1)
    s37 = sp.Abs(w1) * (ni / n) ** 2 * sp.sqrt((Sx / ni) ** 2 + 1) * sp.Abs((Sx - ni * tau) / ni)
    d1, d2 = sp.simplify(s33 - s35), sp.simplify(s35_w - s37)
    if d1 != 0 or d2 != 0:
        return Evidence.open(f"the symbolic differences did not vanish: {d1}, {d2}")
    return Evidence.proved("(S33) AM-GM summand = (S35) summand, and = (S37) summand for w1_i != 0, identically in n, n_i, S_x, S_r, "
                           "w1, b1 (SymPy); the w1_i = 0 summand of (S37) is 0", method="sympy")


@paper.proposition(
    "eq-s40",
    r"\mathbb P(X\in C_i)^2\sqrt{\mathbb E[X|C_i]^2+1}\,|\mathbb E[X-\tau_i|C_i]|\ge\min\{g^+(\tau_i),g^-(\tau_i)\},\ C_i\in\{\{X>\tau_i\},\{X<\tau_i\}\}",
    where="supp. VI", eq="S40", uses=["definition-g", "eq-s34", "eq-s36"], proof_uses=["eq-s35-s37"],
    note="For w1_i = 0 the set C_i is all or none of the data, not a half-line; the summand then has the factor w1_i = 0 in (S37).",
)
def s40_check(ctx):
    """For w1_i != 0 the left side equals g^+(tau_i) (w1_i > 0) or g^-(tau_i) (w1_i < 0) at a
    twice-differentiable point: compare the direct conditional quantities with g^pm (floats, 500 neurons)."""
    rng, worst = ctx.rng, 0.0
    for _ in range(500):
        xs = list(lib.random_data(rng, int(rng.integers(1, 10))))
        w1, b1 = float(rng.standard_normal()), float(rng.standard_normal())
        tau = -b1 / w1
        Ci = [x for x in xs if w1 * x + b1 > 0]
        if not Ci:
            continue
        lhs = (len(Ci) / len(xs)) ** 2 * np.sqrt(np.mean(Ci) ** 2 + 1) * abs(np.mean([c - tau for c in Ci]))
        side = lib.g_plus(tau, xs) if w1 > 0 else lib.g_minus(tau, xs)
        worst = max(worst, abs(lhs - side) / max(lhs, 1e-300))
        if lhs < min(lib.g_plus(tau, xs), lib.g_minus(tau, xs)) * (1 - 1e-12):
            return Evidence.refuted("(S40) fails", counterexample={"x": xs, "w1": w1, "b1": b1})
    if worst > 1e-10:
        return Evidence.refuted(f"the left side is not g^+ / g^- of its own side (relative {worst:.1e})")
    return Evidence.checked(f"the left side equals g^pm on its own side (to {worst:.1e}) hence >= min, 500 random neurons", instances=500, seed=ctx.seed, cases="500 random neurons on random data")


@s40_check.check
def s40_general():
    """General (every data set, every tau, both half-lines): with symbolic P = P(X in C) > 0, E = E[X | C] real and
    G = E[X - tau | C] (> 0 on {X > tau}, < 0 on {X < tau}), the left side P^2 sqrt(E^2 + 1) |G| equals g^+(tau) =
    P^2 G sqrt(1 + E^2), resp. g^-(tau) = P^2 (-G) sqrt(1 + E^2), by the definitions (22)-(23) (SymPy), hence is
    >= min{g^+, g^-}; an empty half-line gives 0 on both sides."""
    P, Gp = sp.symbols("P G", positive=True)
    Gn = sp.Symbol("G", negative=True)
    E = sp.Symbol("E", real=True)
    right = sp.simplify(P ** 2 * sp.sqrt(E ** 2 + 1) * sp.Abs(Gp) - P ** 2 * Gp * sp.sqrt(1 + E ** 2))
    left = sp.simplify(P ** 2 * sp.sqrt(E ** 2 + 1) * sp.Abs(Gn) - P ** 2 * (-Gn) * sp.sqrt(1 + E ** 2))
    if right != 0 or left != 0:
        return Evidence.open(f"the symbolic differences did not vanish: {right}, {left}")
    return Evidence.proved("on {X > tau} the left side is g^+(tau) and on {X < tau} it is g^-(tau), identically (symbolic P, E, "
                           "G of the right sign), so it is >= min{g^+, g^-} for every data set and tau", method="sympy")


@paper.proposition(
    "eq-s40-all-neurons",
    r"\text{(S40) for every neuron with}\ C_i\ \text{from (S34) and}\ \tau_i\ \text{from (S36), including}\ w^{(1)}_i=0",
    where="supp. VI (as the proof of (S41) applies it)", eq="S40", uses=["eq-s40", "eq-s34", "eq-s36"], expect="refuted",
    note="For w1_i = 0, b1_i > 0 the set C_i is all the data and tau_i = 0 (S36); the left side is |mean of x| times factors, "
         "which vanishes for centred data while g(0) > 0.",
)
def s40_all_neurons():
    """x = (-1, 1), a neuron with w1 = 0, b1 = 1: C_i = {-1, 1}, tau_i = 0, left side 1 * sqrt(0 + 1) * |0| = 0, while
    g^+(0) = g^-(0) = (1/2)^2 * 1 * sqrt(2) = sqrt(2)/4 (exact)."""
    Ci, tau = [sp.Integer(-1), sp.Integer(1)], sp.Integer(0)
    n = 2
    lhs = sp.Rational(len(Ci), n) ** 2 * sp.sqrt((sum(Ci) / len(Ci)) ** 2 + 1) * sp.Abs(sum(c - tau for c in Ci) / len(Ci))
    gp = sp.Rational(1, n) ** 2 * (1 - tau) * sp.sqrt(1 + 1)       # one sample right of 0: P = 1/2, E[X - 0] = 1, E[X] = 1
    gm = sp.Rational(1, n) ** 2 * (tau + 1) * sp.sqrt(1 + 1)
    if lhs < sp.Min(gp, gm):
        return Evidence.refuted(f"left side {lhs} < min(g^+, g^-)(0) = {sp.Min(gp, gm)} for w1 = 0, b1 = 1, x = (-1, 1)",
                                counterexample={"x": [-1, 1], "w1": 0, "b1": 1, "lhs": str(lhs), "g_min": str(sp.Min(gp, gm))}, method="exact")
    return Evidence.checked("holds here", instances=1, cases="the stored counterexample instance")


@paper.proposition(
    "eq-s40-all-neurons-corrected",
    r"|w^{(1)}_i|\,\mathbb P(X\in C_i)^2\sqrt{\mathbb E[X|C_i]^2+1}\,|\mathbb E[X-\tau_i|C_i]|\ge|w^{(1)}_i|\min\{g^+(\tau_i),g^-(\tau_i)\}\ \forall i",
    where="ours (what (S37) -> (S41) needs)", uses=["eq-s40", "eq-s35-s37"], proof_uses=["eq-s40"], corrects="eq-s40-all-neurons",
    outline=["eq-s40"],
    note="(S41) only uses (S40) multiplied by |w1_i w2_i|, so neurons with w1_i = 0 contribute 0 on both sides and Lemma 4 "
         "is unaffected.",
)
def s40_corrected():
    """General: for w1_i != 0, C_i = {X > tau_i} (w1_i > 0) or {X < tau_i} (w1_i < 0) (SymPy: w1 (x - tau) > 0 iff x > tau
    for w1 > 0, iff x < tau for w1 < 0), so eq-s40 applies; for w1_i = 0 both sides are 0."""
    w1p, w1n = sp.Symbol("w1", positive=True), sp.Symbol("w1", negative=True)
    d = sp.Symbol("d", positive=True)
    if not ((w1p * d).is_positive and (w1p * -d).is_negative and (w1n * -d).is_positive and (w1n * d).is_negative):
        return Evidence.refuted("the active set of a neuron is not the half-line its orientation gives")
    return Evidence.proved("w1_i > 0: C_i = {X > tau_i}; w1_i < 0: C_i = {X < tau_i} (sign of w1 (x - tau), SymPy), where eq-s40 "
                           "holds in general; w1_i = 0: both sides carry the factor 0", method="sympy")


eq_s41 = paper.proposition(
    "eq-s41",
    r"\lambda_{\max}(\nabla^2_\theta\mathcal L)\ge1+2\sum_i|w^{(1)}_iw^{(2)}_i|\min\{g^+(\tau_i),g^-(\tau_i)\}\ge1+2\int_{x_{\min}}^{x_{\max}}|f''|\min\{g^+,g^-\}dx",
    where="supp. VI", eq="S41", uses=["eq-fpp", "definition-g"], proof_uses=["eq-s33", "eq-s35-s37", "eq-s40", "eq-fpp-footnote"],
    hypotheses=["distinct-inputs", "twice-differentiable"], inequality=s41_ineq,
    outline=["eq-s33", "eq-s35-s37", "eq-s40-all-neurons-corrected", "eq-fpp"],
    note="The proof quotes the footnote's f'' (refuted: the mass is |w1_i| w2_i); the step survives because only "
         "|w1_i w2_i| enters. The search works on the first inequality with y := f(x; theta).",
)
eq_s41.check(search_check(s41_ineq, budget=6.0, certify_instances=4))


@eq_s41.check
def s41_combining():
    """The combining steps of the outline, general: the chain (S33) -> (S35) -> (S37) -> (S40) gives the first line (with
    |w1_i| applied as in eq-s40-all-neurons-corrected); for the second, group the neurons by knot: the Dirac mass at t is
    c_t = sum_{tau_i = t} |w1_i| w2_i (eq-fpp), and |c_t| <= sum_{tau_i = t} |w1_i w2_i| (triangle inequality: z3 decides
    |a + b| <= |a| + |b|, induction on the group size); min{g^+, g^-} >= 0 everywhere and equals g on
    [x_min, x_max] (definition (23)), so sum_i |w1_i w2_i| min{g^+, g^-}(tau_i) >= sum_t |c_t| min{g^+, g^-}(t) = int |f''| min{g^+, g^-}."""
    from symflat.precision.decide import decide_formula

    a, b = sp.symbols("a b", real=True)
    res = decide_formula(sp.Abs(a + b) <= sp.Abs(a) + sp.Abs(b), solver="z3")
    if res.status != "proved":
        return res.evidence("triangle inequality of (S41)")
    return Evidence.proved("the first line from the outline's steps; the second by grouping neurons per knot with |a + b| <= |a| + |b| "
                           "(z3) and the corrected masses |w1_i| w2_i: every k, n, network, data set", method="z3",
                           version=f"{res.solver} {res.version}")

eq_s41.check(search_check(s41_ineq, budget=3.0, certify_instances=2, drop=("distinct-inputs",), name="search-drop-distinct-inputs"))

paper.assumption("distinct-inputs", r"x_i\ne x_j\ (i\ne j)", where="Sec. 3; supp. VIII")
paper.assumption("twice-differentiable", r"w^{(1)}_ix_j+b^{(1)}_i\ne0\ \forall i,j\ \text{(no knot on a training point, }|f''(x_j)|<\infty)",
                 where="Sec. 4 (Lemma 4, Theorem 1)")


def _coinciding_knots_minimum(rng, n, k):
    """A random minimum where neurons of opposite orientations share knots (tests the grouping in
    the last step of S41)."""
    theta, xs, _ = lib.random_minimum(rng, n, k)
    w1, b1, w2, b2 = lib.split(theta, k)
    for i in range(1, k, 2):
        tau = -b1[i - 1] / w1[i - 1]
        w1[i] = -abs(w1[i]) * np.sign(w1[i - 1])
        b1[i] = -w1[i] * tau
    theta = lib.join(w1, b1, w2, b2)
    return theta, xs, lib.outputs(theta, k, xs)


@paper.lemma(
    "lemma-4",
    r"f\in\mathcal F\ \text{a twice-differentiable minimiser}:\ \min_{\theta\in\Omega(f)}\lambda_{\max}(\nabla^2_\theta\mathcal L)\ge1+2\int_{-\infty}^{\infty}|f''(x)|g(x)\,dx",
    where="Sec. 4 (Lemma 4); supp. VI", eq="29, S42", uses=["definition-g", "eq-28", "eq-fpp"],
    proof_uses=["eq-s33", "eq-s35-s37", "eq-s40", "eq-s41", "eq-26", "eq-27"],
    hypotheses=["distinct-inputs", "twice-differentiable"],
    inequality=s41_ineq, outline=["eq-26", "eq-27", "eq-s41", "eq-fpp"],
    note="The supplement stresses that the bound holds for every theta in Omega(f) (it is implementation-free). The minimum "
         "is over the implementations where the Hessian exists. At such a theta a neuron whose knot sits on a training "
         "point has w2_i = 0 (otherwise the modes of (S54) have different Hessians Phi_m Phi_m^T / n, the b2 entry 1 "
         "of every column preventing Phi_m's column from being -Phi's); dropping those neurons keeps f and the bound and "
         "removes a PSD term from Phi^T Phi, so (S41) for the reduced network bounds lambda_max.",
)
def lemma4_random(ctx):
    """lambda_max from the numeric engine's structured method against 1 + 2 int |f''| g (Dirac masses
    |w1| w2 grouped by knot, g from its definition), on random minima: theta-first (y := f(x)),
    data-first interpolants (w2 solved for), and minima with shared knots of opposite orientation."""
    rng, worst, count = ctx.rng, np.inf, 0
    for t in range(240):
        n, k = int(rng.integers(2, 10)), int(rng.integers(1, 16))
        if t % 3 == 0:
            theta, xs, ys = lib.random_minimum(rng, n, k)
        elif t % 3 == 1:
            xs = lib.random_data(rng, n)
            ys = rng.standard_normal(n)
            theta = lib.interpolating_minimum(rng, xs, ys, max(k, n))
            if theta is None:
                continue
            k = max(k, n)
        else:
            theta, xs, ys = _coinciding_knots_minimum(rng, n, max(k, 2))
            k = max(k, 2)
        lam = lib.sharpness(theta, k, xs, ys)
        bound = 1 + 2 * lib.curvature_integral(theta, k, list(xs), tol=1e-12)
        worst = min(worst, (lam - bound) / lam)
        count += 1
    if worst < -1e-10:
        return Evidence.refuted(f"lambda_max below the bound (relative {worst:.2e})")
    return Evidence.checked(f"lambda_max >= 1 + 2 int |f''| g on {count} random minima (min relative slack {worst:.1e}; "
                            "equality when no neuron is active)", instances=count, seed=ctx.seed, slack=float(worst), cases="random minima incl. shared knots of both orientations and data-first interpolants")


@lemma4_random.check
def lemma4_combining():
    """The combining step, general: at every twice-differentiable theta in Omega(f), (26)-(27) give lambda_max(grad^2 L) =
    lambda_max(Phi^T Phi / n); Phi^T Phi is 1 1^T plus one PSD term per neuron, so dropping the neurons with w2_i = 0 (the
    only ones that may have a knot on a training point there, see the note) does not increase it, and (S41) bounds the
    reduced network's value by 1 + 2 int |f''| g, whose masses are the jumps of f' (eq-fpp) and whose g depends on the
    data only: one bound for all implementations, hence for their minimum. z3 decides the scalar glue: lambda_H >=
    lambda_G and lambda_G >= 1 + 2 I imply lambda_H >= 1 + 2 I, and a common lower bound of two values bounds their minimum."""
    from symflat.precision.decide import decide_formula

    lh, lg, integral, other = sp.symbols("lambda_H lambda_G I lambda_2", real=True)
    goal = sp.Implies(sp.And(lh >= lg, lg >= 1 + 2 * integral, other >= 1 + 2 * integral), sp.Min(lh, other) >= 1 + 2 * integral)
    res = decide_formula(goal, solver="z3")
    if res.status != "proved":
        return res.evidence("Lemma 4 combining step")
    return Evidence.proved("the bound of (S41) is the same for every twice-differentiable implementation (it depends on f through the "
                           "jumps of f' and on the data through g), so it bounds their minimum (z3 on the scalar glue)",
                           method="z3", version=f"{res.solver} {res.version}")


@lemma4_random.check
def lemma4_flattest_rescaling(ctx):
    """'min over Omega(f)': minimise lambda_max over the rescalings theta~(beta) of (S81) (BFGS on
    log beta) and compare the flattest value found with the implementation-free bound."""
    rng, worst = ctx.rng, np.inf
    for _ in range(10):
        n, k = int(rng.integers(3, 7)), int(rng.integers(2, 6))
        theta, xs, _ = lib.random_minimum(rng, n, k)
        w1, b1, w2, b2 = lib.split(theta, k)

        def lam(logb):
            bt = np.exp(logb)
            return lib.lam_max_gram(lib.join(bt * w1, bt * b1, w2 / bt, b2), k, xs)

        res = minimize(lam, np.zeros(k), method="Nelder-Mead", options={"maxiter": 2000, "xatol": 1e-8, "fatol": 1e-12})
        bound = 1 + 2 * lib.curvature_integral(theta, k, list(xs))
        worst = min(worst, (res.fun - bound) / res.fun)
    if worst < -1e-9:
        return Evidence.refuted(f"a rescaled implementation is flatter than the bound ({worst:.2e})")
    return Evidence.checked(f"the flattest rescaling found stays above the bound on 10 minima (min relative slack {worst:.1e})",
                            instances=10, seed=ctx.seed, slack=float(worst), cases="10 random minima, flattest rescaling by Nelder-Mead")


def _hand_instances(rng):
    pts = []
    for _ in range(6):
        k, n = int(rng.integers(1, 4)), int(rng.integers(1, 5))
        pts.append({"k": k, "n": n, "w1": [Fraction(int(v), 4) or Fraction(1) for v in rng.integers(-8, 9, k)],
                    "b1": [Fraction(2 * int(v) + 1, 8) for v in rng.integers(-8, 8, k)],
                    "w2": [Fraction(int(v), 4) for v in rng.integers(-8, 9, k)],
                    "x": [Fraction(int(v), 3) for v in rng.choice(np.arange(-9, 10), n, replace=False)]})
    return pts


eq_s41.check(precision_check(s41_ineq, _hand_instances, name="certified-rational"))
lemma4_random.check(precision_check(s41_ineq, _hand_instances, name="certified-rational"))  # lemma4_random is the lemma-4 claim


@paper.remark(
    "remark-lemma-4-any-minimiser",
    r"\text{Lemma 4's bound at twice-differentiable minimisers of non-zero loss:}\ \lambda_{\max}(\nabla^2\mathcal L(\theta))\ge1+2\int|f''|g"
    r"\ \text{(full Hessian, residual term included)}",
    where="ours (widening audit of Lemma 4)", uses=["lemma-4", "eq-26"], hypotheses=["distinct-inputs", "twice-differentiable"],
    note="Lemma 4 says 'a twice-differentiable minimiser of the loss'; the paper applies it at zero loss, where (26) drops "
         "the residual term. The widening to minimisers that do not interpolate (k too small or a local minimum) held on "
         "every instance found. The Inequality of (S41) has no domain widening (its variables are unconstrained vectors, "
         "its dimensions start at 1), and `search --drop distinct-inputs` finds no violation (eq-s41).",
)
def lemma4_nonzero_loss(ctx):
    """Random data with random targets, k = 1, 2: BFGS on the loss; keep strict local minimisers with loss > 1e-10, gradient
    < 1e-8, no knot within 1e-4 of a data point and a positive semi-definite Hessian (central differences of the exact
    gradient (25)); compare the top eigenvalue of that full Hessian with 1 + 2 int |f''| g."""
    rng, worst, count = ctx.rng, np.inf, 0
    for _ in range(60):
        n, k = int(rng.integers(3, 8)), int(rng.integers(1, 3))
        xs = lib.random_data(rng, n)
        ys = rng.standard_normal(n) * rng.choice([0.3, 1.0, 3.0])

        def loss(th):
            return float(np.sum((lib.outputs(th, k, xs) - ys) ** 2) / (2 * n))

        def grad(th):
            return np.asarray(lib.phi(th, k, xs), dtype=float) @ (lib.outputs(th, k, xs) - ys) / n

        th = minimize(loss, lib.random_theta(rng, k), jac=grad, method="BFGS", options={"gtol": 1e-12, "maxiter": 3000}).x
        if loss(th) < 1e-10 or np.linalg.norm(grad(th)) > 1e-8 or np.min(np.abs(np.outer(xs, th[:k]) + th[k:2 * k])) < 1e-4:
            continue
        h = 1e-5
        H = np.array([(grad(th + h * e) - grad(th - h * e)) / (2 * h) for e in np.eye(th.size)])
        ev = np.linalg.eigvalsh((H + H.T) / 2)
        if ev[0] < -1e-6:
            continue
        worst = min(worst, (ev[-1] - 1 - 2 * lib.curvature_integral(th, k, list(xs))) / ev[-1])
        count += 1
    if count == 0:
        return Evidence.open("no non-interpolating minimiser found")
    if worst < -1e-6:
        return Evidence.refuted(f"the bound fails at a non-zero-loss minimiser (relative {worst:.2e})")
    return Evidence.checked(f"the bound holds at {count} non-interpolating local minimisers (min relative slack {worst:.2e})",
                            instances=count, seed=ctx.seed, slack=float(worst),
                            cases="BFGS minimisers of random data, n = 3..7, k = 1, 2, loss > 1e-10")


@paper.theorem(
    "theorem-1",
    r"f\ \text{a linearly stable solution for SGD with step}\ \eta,\ |f''(x_j)|<\infty\ \forall j\ \Rightarrow\ \int_{-\infty}^{\infty}|f''(x)|g(x)\,dx\le\tfrac1\eta-\tfrac12",
    where="Sec. 4 (Theorem 1); (1)", eq="1, 21-23, 30-31", uses=["definition-4", "definition-g", "definition-3"],
    proof_uses=["lemma-4", "lemma-1"], hypotheses=["distinct-inputs", "twice-differentiable"], outline=["lemma-4", "lemma-1"],
)
def theorem1_edge(ctx):
    """At random minima take the largest step for which theta* is linearly stable for GD,
    eta = 2/lambda_max (Lemma 1 and its GD converse): the bound int |f''| g <= 1/eta - 1/2 must hold."""
    rng, worst = ctx.rng, np.inf
    for _ in range(150):
        n, k = int(rng.integers(2, 10)), int(rng.integers(1, 20))
        theta, xs, ys = lib.random_minimum(rng, n, k)
        eta = 2 / lib.sharpness(theta, k, xs, ys)
        lhs = lib.curvature_integral(theta, k, list(xs), tol=1e-12)
        worst = min(worst, (1 / eta - 0.5) - lhs)
    if worst < -1e-9:
        return Evidence.refuted(f"the bound fails by {-worst:.2e}")
    return Evidence.checked(f"int |f''| g <= 1/eta - 1/2 at eta = 2/lambda_max on 150 random minima (min slack {worst:.2e})",
                            instances=150, seed=ctx.seed, slack=float(worst), cases="150 random minima at eta = 2/lambda_max")


@theorem1_edge.check
def theorem1_implication():
    """The combining step (30)-(31), decided by z3 and cvc5 for all reals: lambda >= 1 + 2 I (Lemma 4 at the stable
    implementation) and lambda <= 2/eta (Lemma 1), eta > 0, imply I <= 1/eta - 1/2."""
    from symflat.precision.decide import decide_formula

    lam, integral = sp.symbols("lambda I", real=True)
    eta = sp.Symbol("eta", positive=True)
    goal = sp.Implies(sp.And(lam >= 1 + 2 * integral, lam * eta <= 2), integral <= 1 / eta - sp.Rational(1, 2))
    results = [decide_formula(goal, solver=sv) for sv in ("z3", "cvc5")]
    bad = [r for r in results if r.status != "proved"]
    if bad:
        return bad[0].evidence("Theorem 1 combining step")
    return Evidence.proved("lambda >= 1 + 2I and lambda <= 2/eta imply I <= 1/eta - 1/2 for all reals, eta > 0 (z3 and cvc5)",
                           method="z3", cross_checked="cvc5", version=", ".join(f"{r.solver} {r.version}" for r in results))


@theorem1_edge.check
def theorem1_gd(ctx):
    """Full-batch GD (numeric engine) from one initialisation with several step sizes on 6 points:
    every run that reaches an interpolating minimum (loss < 1e-12) ends with lambda_max <= 2/eta
    (up to 1e-3) and int |f''| g <= 1/eta - 1/2."""
    from symflat.numeric import gradient_descent

    rng = ctx.rng
    n, k = 6, 30
    xs = np.linspace(-1, 1, n)
    ys = rng.standard_normal(n) * 0.5
    s = rng.choice([-1, 1], k)
    w1 = s * np.abs(rng.normal(1, 0.3, k))
    w0 = lib.join(w1, -w1 * rng.uniform(-1.3, 1.3, k), rng.standard_normal(k) * 0.3, 0.0)
    rows, converged = [], 0
    for eta in (0.01, 0.02, 0.05, 0.1, 0.15):
        tr = gradient_descent(ReluOneHidden(k), w0, Points(xs[:, None], ys[:, None]), eta, 40000, grad_tol=1e-10, record_every=1000)
        if not (tr.ok and tr.loss[-1] < 1e-12):
            continue
        converged += 1
        lam = lib.lam_max_gram(tr.final, k, xs)
        integral = lib.curvature_integral(tr.final, k, list(xs), tol=1e-9)
        rows.append((eta, lam, integral))
        if lam > 2 / eta * (1 + 1e-3) or integral > 1 / eta - 0.5:
            return Evidence.refuted(f"GD at eta={eta} converged to lambda={lam}, int={integral}")
    if converged < 2:
        return Evidence.open(f"only {converged} GD runs reached an interpolating minimum")
    return Evidence.checked("GD minima: " + ", ".join(f"eta={e}: lambda={l:.3g} (2/eta={2 / e:.3g}), int={i:.3g}" for e, l, i in rows),
                            instances=converged, seed=ctx.seed, cases="GD runs from random initialisations, one per step size")


@theorem1_edge.check
def theorem1_sgd(ctx):
    """Mini-batch SGD (numeric engine, batch sizes 2 and 3, uniform batches) on 6 points: at the
    interpolating minima it reaches, lambda_max <= 2/eta (Lemma 1's necessary condition) and
    int |f''| g <= 1/eta - 1/2."""
    from symflat.numeric import sgd

    rng = ctx.rng
    n, k = 6, 30
    xs = np.linspace(-1, 1, n)
    rows, attempts = [], 0
    while len(rows) < 2 and attempts < 3:   # a fresh draw of targets and initialisation when SGD stalls
        attempts += 1
        ys = rng.standard_normal(n) * 0.5
        s = rng.choice([-1, 1], k)
        w1 = s * np.abs(rng.normal(1, 0.3, k))
        w0 = lib.join(w1, -w1 * rng.uniform(-1.3, 1.3, k), rng.standard_normal(k) * 0.3, 0.0)
        for eta, B in ((0.02, 2), (0.05, 3)):
            tr = sgd(ReluOneHidden(k), w0, Points(xs[:, None], ys[:, None]), eta, 30000, B, seed=ctx.seed, record_every=1000)
            if float(np.max(np.abs(lib.outputs(tr.final, k, xs) - ys))) > 1e-7:
                continue
            lam = lib.lam_max_gram(tr.final, k, xs)
            integral = lib.curvature_integral(tr.final, k, list(xs), tol=1e-9)
            rows.append((eta, B, lam, integral))
            if lam > 2 / eta * (1 + 1e-3) or integral > 1 / eta - 0.5:
                return Evidence.refuted(f"SGD at eta={eta}, B={B} reached lambda={lam}, int={integral}")
    if len(rows) < 2:
        return Evidence.open(f"only {len(rows)} SGD runs interpolated")
    return Evidence.checked("SGD minima: " + ", ".join(f"eta={e}, B={b}: lambda={l:.3g} (2/eta={2 / e:.3g}), int={i:.3g}" for e, b, l, i in rows),
                            instances=len(rows), seed=ctx.seed, cases="SGD runs, one per (step size, batch size)")


@paper.proposition(
    "eq-s78-s79",
    r"\mathbf m'\in\mathcal I\ (S77):\ \lambda^{\rm upper}_{\max}\ge\lambda_{\max}(\mathbf H_{\mathbf m'})\ge1+2\int|f''|g\,dx;\ "
    r"\min_{\theta\in\Omega(f)}\lambda^{\rm upper}_{\max}(\theta)\ge1+2\int|f''|g\,dx",
    where="supp. X; main text (37)", eq="S77-S79, 37", uses=["definition-modes", "definition-g", "eq-fpp"],
    proof_uses=["lemma-4", "h-mode", "eq-s54"], hypotheses=["distinct-inputs"],
)
def s78_check(ctx):
    """At minima with knots on training points (rational, then floats): lambda_upper over all modes
    in I >= lambda_max(H_m') >= 1 + 2 int |f''| g (knots at data points get weight g(x_j))."""
    rng, worst, count = ctx.rng, np.inf, 0
    for _ in range(60):
        n, k = int(rng.integers(2, 7)), int(rng.integers(1, 6))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(1, 3)), dead_origin=bool(rng.random() < 0.2))
        modes = lib.modes_in_I(theta, k, xs)
        lams = [lib.lam_max_gram(theta, k, xs, m) for m in modes]
        lam_actual = lib.lam_max_gram(theta, k, xs)
        bound = 1 + 2 * lib.curvature_integral(theta, k, xs)
        worst = min(worst, (max(lams) - lam_actual) / lam_actual, (lam_actual - bound) / lam_actual)
        count += 1
    if worst < -1e-12:
        return Evidence.refuted(f"(S78) fails ({worst:.2e})")
    return Evidence.checked(f"(S78) holds on {count} kinked minima (min relative slack {worst:.1e})", instances=count, seed=ctx.seed, slack=float(worst), cases="random rational minima with knots on data points")
