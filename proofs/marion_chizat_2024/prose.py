"""The mathematical assertions of the abstract, introduction and conclusion of Marion & Chizat 2024,
each read quantitatively through the paper's own formulas (S_min = 2 L lambda ||w*||^(2-2/L),
Corollaries 3-4, Lemma 2) and checked over the range the sentence covers. Two readings are refuted
as worded, with corrected claims beside them."""

import numpy as np
import sympy as sp

from symflat.claims import Evidence

from . import _lib as lib
from . import paper

S_MIN = r"S_{\min}(L) = 2L\lambda\|w^\star\|_2^{2-2/L}"

# ----------------------------------------------------------------------------- the lower bound and depth

lower_linear = paper.remark(
    "prose-lower-bound-linear-in-depth",
    r"\text{Every minimiser has } S\ge " + S_MIN + r",\ \text{and } 2\lambda\min(1,\|w^\star\|^2)\,L\le S_{\min}(L)\le"
    r"2\lambda\max(1,\|w^\star\|^2)\,L\ \ (L\ge1):\ \text{the bound is }\Theta(L)",
    where="Abstract; Introduction", uses=["theorem-1"], proof_uses=["theorem-1"], hypotheses=["a1"],
    note="Abstract: 'we show a lower bound on the sharpness of minimizers, which grows linearly with depth'; Introduction: "
         "'the sharpness of any minimizer grows linearly with depth'. Read as: the bound of Theorem 1 is between two "
         "depth-free multiples of L.",
)


@lower_linear.check
def lower_linear_decided():
    """With u = log ||w*||: S_min / (2 lambda L) = exp((2 - 2/L) u), and (2 - 2/L) u lies between min(0, 2u) and
    max(0, 2u) for every real u and L >= 1 (decided by z3); exp is increasing."""
    from symflat.precision.decide import decide_formula

    u, L = sp.symbols("u L", real=True)
    t = (2 - 2 / L) * u
    res = decide_formula(sp.And(t >= sp.Min(0, 2 * u), t <= sp.Max(0, 2 * u)), [L >= 1])
    return res.evidence("for every lambda > 0, w* != 0 and real L >= 1: min(0, 2 log||w*||) <= (2 - 2/L) log||w*|| <= "
                        "max(0, 2 log||w*||), so 2 lambda min(1, ||w*||^2) L <= S_min(L) <= 2 lambda max(1, ||w*||^2) L")


lower_increasing = paper.remark(
    "prose-lower-bound-increasing-in-depth",
    r"S_{\min}(L+1)\ge S_{\min}(L)\ \text{for every } L\ge1 \text{ and all data (the bound grows with depth)}",
    where="Abstract; Introduction", uses=["theorem-1"], expect="refuted",
    note="The literal reading of 'a lower bound ... which grows linearly with depth'. False when ||w*|| < 1/2 at L = 1 and, "
         "more generally, on 1 <= L < -2 log ||w*||: there the bound decreases with depth before it grows.",
)


@lower_increasing.check
def lower_increasing_counterexample():
    """||w*|| = 1/10, lambda = 1: S_min(1) = 2, S_min(2) = 2/5, S_min(3) = 6 (1/10)^(4/3) (exact)."""
    a = sp.Rational(1, 10)
    smin = [2 * L * a ** (2 - sp.Rational(2, L)) for L in (1, 2, 3)]
    if smin[1] < smin[0] and (smin[2] < smin[1]) is sp.true:
        return Evidence.refuted(f"||w*|| = 1/10, lambda = 1: S_min(1) = {smin[0]} > S_min(2) = {smin[1]} > S_min(3) = {smin[2]} "
                                f"= {float(smin[2]):.4f}", method="sympy exact comparison",
                                counterexample={"lambda": 1, "w_star_norm": "1/10", "S_min": [str(s) for s in smin]})
    return Evidence.checked(f"S_min(1..3) = {smin} increase", instances=1, cases="||w*|| = 1/10, lambda = 1")


lower_increasing_c = paper.remark(
    "prose-lower-bound-increasing-in-depth-corrected",
    r"S_{\min}(L) \text{ is nondecreasing in } L \text{ on } L\ge\max(1,-2\log\|w^\star\|_2);\ \text{for every } L\ge1 "
    r"\text{ when } \|w^\star\|_2\ge e^{-1/2}",
    where="Abstract (repaired here)", corrects="prose-lower-bound-increasing-in-depth", uses=["theorem-1"],
)


@lower_increasing_c.check
def lower_increasing_derivative():
    """d/dL log S_min(L) = 1/L + 2 log(a)/L^2 = (L + 2 log a)/L^2 (a = ||w*||), symbolic in L and a."""
    L, a, lam = sp.symbols("L a lambda", positive=True)
    deriv = sp.diff(sp.expand_log(sp.log(2 * L * lam * a ** (2 - 2 / L)), force=True), L)
    if sp.simplify(deriv - (L + 2 * sp.log(a)) / L ** 2) != 0:
        return Evidence.refuted(f"d/dL log S_min = {deriv}")
    return Evidence.proved("for every lambda > 0, a = ||w*|| > 0 and real L > 0: d/dL log S_min(L) = (L + 2 log a)/L^2, which is >= 0 "
                           "exactly when L >= -2 log a; so S_min is nondecreasing there, on all of L >= 1 when a >= e^(-1/2), and "
                           "decreasing on [1, -2 log a) otherwise", method="sympy (symbolic L, a)")


# ----------------------------------------------------------------------------- minimisers: one regressor, unbounded sharpness

same_regressor = paper.remark(
    "prose-minimizers-same-regressor",
    r"\text{Under } (A_1) \text{ every minimiser of } R^L \text{ has } w_{\mathrm{prod}} = w^\star \text{ (all implement the same regressor)}",
    where="Introduction", uses=["definition-risk", "a1"], hypotheses=["a1"], outline=["lemma-8"],
    note="'all minimizers of the empirical risk implement the same optimal linear regressor (they are equal in function space)'.",
)


@same_regressor.check
def same_regressor_general():
    """From lemma-8: R^L - R_min = ||X e||^2 / n with e = w* - w_prod; a minimiser has ||X e|| = 0, and X e = 0 forces e = 0
    when X^T X is invertible (A1): e = (X^T X)^{-1} X^T (X e). Checked at symbolic size with the matrix calculus."""
    from symflat.symbolic.matrix_calculus import MatPoly, Relation, Rules, check_equal, matrix

    n, d = sp.symbols("n d", integer=True, positive=True)
    X, e, G = matrix("X", n, d), matrix("e", d, 1), matrix("(X^T X)^-1", d, d)
    inverse = Rules([Relation.of(G @ X.T @ X, MatPoly.identity(d), "(X^T X)^-1 X^T X = I")])
    step = check_equal("e = (X^T X)^-1 X^T (X e)", e, G @ X.T @ (X @ e), inverse)
    if not step.holds:
        return Evidence.open(f"the inversion step did not reduce: {step}")
    return Evidence.proved("for every n, d, X with X^T X invertible and y: a minimiser has ||X (w* - w_prod)||^2 = 0 (lemma-8), so "
                           "X (w* - w_prod) = 0 and w* - w_prod = (X^T X)^-1 X^T X (w* - w_prod) = 0 (symbolic sizes)",
                           method="matrix calculus (symbolic sizes)")


large = paper.remark(
    "prose-arbitrarily-large-sharpness",
    r"L\ge2,\ w^\star\ne0:\ \sup_{\mathcal W\ \text{minimiser}} S(\mathcal W) = \infty;\ \text{along } \mathcal W^C = (CW_1, W_2/C, W_3,\ldots)\ "
    r"S(\mathcal W^C)\ge2\lambda C^2\|v_2\|^2\|W_1\|_2^2,\ v_2 = W_3^\top\cdots W_L^\top w",
    where="Abstract; Introduction", uses=["remark-arbitrarily-sharp", "theorem-1"], outline=["eq-7-at-minimizers", "eq-5"],
    hypotheses=["a1"],
    note="'Minimizers can have arbitrarily large sharpness, but not an arbitrarily small one' (the second half is Theorem 1). "
         "For L = 1 the minimiser W_1 = w*^T is unique and S = 2 Lambda: 'deep' (L >= 2) is needed.",
)


@large.check
def large_general():
    """W^C is a minimiser for every C != 0 (the product is unchanged). At a minimiser H = 2 J^T Sigma J (eq-7-at-minimizers),
    so S >= 2 lambda_max(Sigma^(1/2) J_2 J_2^T Sigma^(1/2)) >= 2 lambda ||v_2||^2 ||B_2||_2^2 with B_2 = C W_1 (eq. (5)):
    the bound grows as C^2 (symbolic C); then random minimisers confirm the growth."""
    C, lam, v2, b = sp.symbols("C lambda v2 b", positive=True)
    bound = 2 * lam * v2 ** 2 * (C * b) ** 2
    if sp.limit(bound, C, sp.oo) != sp.oo:
        return Evidence.open("the bound does not diverge")
    rng = np.random.default_rng(0)
    prob = lib.random_problem(rng, 12, 3)
    Ws = lib.random_minimizer(rng, prob, (3, 3, 2, 1), np.ones(1))
    S = [lib.sharpness_at_minimizer(prob, [c * Ws[0], Ws[1] / c, Ws[2]], np.ones(1)) for c in (1.0, 10.0, 100.0)]
    if not S[0] < S[1] < S[2]:
        return Evidence.refuted(f"S(W^C) does not grow: {S}")
    return Evidence.proved("for every L >= 2, widths and data with w* != 0 (so W_1 != 0 and v_2 != 0 at a minimiser): S(W^C) >= "
                           "2 lambda C^2 ||v_2||^2 ||W_1||_2^2 -> infinity (H = 2 J^T Sigma J at minimisers, the W_2 block of J "
                           f"scales with C); cross-check at one random minimiser: S = {[f'{s:.3g}' for s in S]} for C = 1, 10, 100",
                           method="sympy + Rayleigh quotient", cross_checked=3)


critical = paper.remark(
    "prose-critical-learning-rate",
    r"\eta>2/S_{\min}\Rightarrow \text{every global minimiser is linearly unstable for GD: } I-\eta H \text{ has an eigenvalue } <-1",
    where="Introduction", uses=["theorem-1"], outline=["theorem-1"], hypotheses=["a1"],
    note="'gradient descent should not be able to converge to a global minimizer as soon as S_min > 2/eta': read as linear "
         "instability of the GD map W -> W - eta grad R^L at every minimiser.",
)


@critical.check
def critical_implication():
    """The combining step: S >= S_min > 2/eta (Theorem 1) gives 1 - eta S < -1 for every eta > 0 (z3); the GD map's Jacobian at a
    minimiser is I - eta H, whose eigenvalue on the top eigenvector of H is 1 - eta S."""
    from symflat.precision.decide import decide_formula

    S, Smin, eta = sp.symbols("S S_min eta", real=True)
    res = decide_formula(1 - eta * S < -1, [eta > 0, Smin > 0, S >= Smin, eta * Smin > 2])
    return res.evidence("for every eta > 0 with eta S_min > 2 and every S >= S_min: 1 - eta S < -1, so the top eigenvector of H "
                        "is expanded by the GD map and no global minimiser is linearly stable")


# ----------------------------------------------------------------------------- flows from small initialisation

def _small_init_limits(rng, margin):
    """Gradient-flow limits from A3 initialisations (W_1(0) = 0), depths 2-5, hidden widths up to 16."""
    out = []
    for dims, cond in [((3, 3, 1), 2.0), ((2, 12, 1), 5.0), ((3, 16, 16, 1), 3.0), ((3, 8, 8, 8, 1), 10.0),
                       ((2, 6, 6, 6, 6, 1), 4.0), ((4, 4, 4, 1), 1.5)]:
        prob = lib.random_problem(rng, 20, dims[0], cond=cond, w_norm=float(rng.uniform(1.0, 3.0)))
        Ws0 = lib.a3_init(rng, prob, list(dims), margin=margin)
        _, traj = lib.flow_to_minimum(prob, Ws0, np.ones(1), tol=1e-13, samples=5)
        out.append((dims, prob, Ws0, traj[-1]))
    return out


SI_CASES = "flows from A3 initialisations, dims (3,3,1), (2,12,1), (3,16,16,1), (3,8,8,8,1), (2,6,6,6,6,1), (4,4,4,1)"

ratio = paper.remark(
    "prose-ratio-free-of-width-and-depth",
    r"1\le S(\mathcal W^{\mathrm{SI}})/S_{\min}\le 4\Lambda/\lambda \text{ for every width and depth (small-scale initialisation); }"
    r"S(\mathcal W^{\mathrm{RI}})/S_{\min}\le C(s)\max(1,\|w^\star\|_2^2)\Lambda/\lambda \text{ for every depth (residual)}",
    where="Abstract; Introduction; Conclusion", uses=["corollary-3", "corollary-4-corrected"],
    proof_uses=["corollary-3", "corollary-4-corrected"], hypotheses=["a1", "a2", "a3"],
    note="Abstract: 'the sharpness of the minimizer is no more than a constant times the lower bound. The constant depends on "
         "the condition number of the data covariance matrix, but not on width or depth'; Conclusion: 'the sharpness of the "
         "solution found by gradient flow is close to the smallest sharpness among all minimizers'. In the residual case the "
         "printed constant C ||w*||^(2/L) Lambda/lambda depends on L through ||w*||^(2/L) <= max(1, ||w*||^2), so a depth-free "
         "constant exists but it also depends on ||w*|| and s, not on the condition number alone.",
)


@ratio.check
def ratio_flows(ctx):
    """S/S_min at gradient-flow limits across hidden widths 1-16 and depths 2-5, against [1, 4 Lambda/lambda]."""
    rows = []
    for dims, prob, _, W in _small_init_limits(ctx.rng, 1.0):
        w, L = np.ones(1), len(dims) - 1
        if lib.excess_risk(prob, W, w) > 1e-9 * (1 + prob.r_min):
            return Evidence.open(f"the flow for dims {dims} did not converge")
        r = lib.sharpness_at_minimizer(prob, W, w) / lib.s_min(prob, L)
        kappa4 = 4 * prob.Lam / prob.lam
        if not (1 - 1e-6 <= r <= kappa4):
            return Evidence.refuted(f"dims {dims}: S/S_min = {r:.6g} outside [1, {kappa4:.4g}]",
                                    counterexample={"dims": list(dims), "X": prob.X, "y": prob.y})
        rows.append((dims, r, r / kappa4))
    return Evidence.checked("S/S_min at the flow limits: " + ", ".join(f"{d}: {r:.3f}" for d, r, _ in rows)
                            + f"; largest fraction of 4 Lambda/lambda used {max(f for *_, f in rows):.3f}, with no trend in width or depth",
                            seed=ctx.seed, instances=len(rows), cases=SI_CASES, slack=min(min(r - 1, 1 - f) for _, r, f in rows))


rank_one = paper.remark(
    "prose-rank-one-and-aligned",
    r"\text{Small-scale initialisation: at the limit, } \|W_k\|_F^2-\|W_k\|_2^2\le\varepsilon \text{ and } "
    r"\langle v_{k+1},u_k\rangle^2\ge1-\varepsilon/\sigma_{k+1}^2,\ \varepsilon = O(\text{scale}^2)\to0",
    where="Abstract; Introduction; Conclusion", uses=["lemma-2", "definition-epsilon"], proof_uses=["lemma-2", "corollary-1"],
    hypotheses=["a1", "a2", "a3"],
    note="'the learned weight matrices are approximately rank-one and ... their singular vectors align', read through "
         "Lemma 2 at t -> infinity: all singular values but the top one carry at most eps, and the misalignment is at most "
         "eps / sigma^2, where eps shrinks with the square of the initialisation scale.",
)


balanced = paper.remark(
    "prose-balanced-minimal-norm",
    r"\text{At the small-initialisation limit the layers have nearly equal norms, close to the smallest possible: }"
    r"\|W_k\|_F^2\in[(\|w^\star\|/2)^{2/L},\ (2\|w^\star\|)^{2/L}+\varepsilon],\ \sum_k\|W_k\|_F^2\ge L\|w^\star\|^{2/L} \text{ at every minimiser}",
    where="Introduction", uses=["corollary-1", "lemma-2"], proof_uses=["corollary-1", "lemma-2"], hypotheses=["a1", "a2", "a3"],
    note="'the weight matrices found by gradient flow have (approximately) the same norm across layers, and ... this norm is "
         "(approximately) the smallest possible one so that the network can minimize the risk' (smallest: by AM-GM and "
         "||w*|| <= prod_k ||W_k||_2, every minimiser has sum_k ||W_k||_F^2 >= L ||w*||^(2/L)).",
)


@balanced.check
def balanced_flows(ctx):
    """Flow limits: each ||W_k||_F^2 / ||w*||^(2/L) within [2^(-2/L), 2^(2/L) + eps/||w*||^(2/L)], and the total against the
    smallest possible L ||w*||^(2/L)."""
    worst, excess = np.inf, 0.0
    for dims, prob, Ws0, W in _small_init_limits(ctx.rng, 1.0):
        L, ws, eps = len(dims) - 1, float(np.linalg.norm(prob.w_star)), lib.epsilon(Ws0)
        fro = [float(np.sum(A ** 2)) for A in W]
        lo, hi = (ws / 2) ** (2 / L), (2 * ws) ** (2 / L) + eps
        worst = min(worst, min(f - lo for f in fro) / lo, min(hi - f for f in fro) / hi)
        excess = max(excess, sum(fro) / (L * ws ** (2 / L)) - 1)
    if worst < 0:
        return Evidence.refuted(f"a layer norm leaves the interval (relative slack {worst:.3g})")
    return Evidence.checked(f"6 flow limits: every ||W_k||_F^2 inside its interval (smallest relative slack {worst:.3f}); "
                            f"sum_k ||W_k||_F^2 exceeds the minimum L ||w*||^(2/L) by at most {100 * excess:.2f}%",
                            seed=ctx.seed, instances=6, cases=SI_CASES, slack=worst)


@rank_one.check
def rank_one_flows(ctx):
    """At the flow limits, at two initialisation margins (eps about 100 times apart): off-top mass and misalignment
    against eps, and their decrease with eps."""
    worst, mass = np.inf, {}
    for margin in (1.0, 0.1):
        top = 0.0
        for dims, prob, Ws0, W in _small_init_limits(ctx.rng, margin):
            eps = lib.epsilon(Ws0)
            tops = [lib.top_singular(A) for A in W]
            off = max(float(np.sum(A ** 2)) - t[0] ** 2 for A, t in zip(W, tops))
            mis = max([1 - float(tops[k + 1][2] @ tops[k][1]) ** 2 for k in range(len(W) - 1)], default=0.0)
            sig2 = min(t[0] ** 2 for t in tops)
            worst = min(worst, (eps - off) / eps, (eps / sig2 - mis) / (eps / sig2))
            top = max(top, off)
        mass[margin] = top
    if worst < -1e-6:
        return Evidence.refuted(f"a limit is further from rank one / alignment than eps allows (relative slack {worst:.3g})")
    return Evidence.checked(f"12 flow limits: off-top singular mass and misalignment within eps (smallest relative slack {worst:.3f}); "
                            f"largest off-top mass {mass[1.0]:.2e} at 32 L sqrt(eps) <= 1 and {mass[0.1]:.2e} at <= 0.1",
                            seed=ctx.seed, instances=12, cases=SI_CASES + ", at A3 margins 1 and 0.1", slack=worst)


# ----------------------------------------------------------------------------- sharpness at initialisation

init_small = paper.remark(
    "prose-init-sharpness-small",
    r"\text{Small-scale initialisation (Section 4 setting, any depth } L\text{): } S(\mathcal W(0))\to0 \text{ as the scale}\to0",
    where="Introduction", uses=["a2", "definition-sharpness"], expect="refuted",
    note="'sharpness at initialization can be made arbitrarily small, since it is controlled by the initialization scale, "
         "while sharpness after training scales as Theta(L)'. False for L <= 2: at L = 1 the Hessian is 2 Sigma whatever the "
         "scale, and at L = 2 the cross block carries grad R^1(0) = -2/n X^T y, which does not shrink.",
)


@init_small.check
def init_small_counterexample():
    """L = 2, n = d = 1, x = y = 1, W(0) = (0, c) (A2's example: one layer zero): R = (1 - ab)^2 has Hessian
    [[2c^2, -2], [-2, 0]] there, whose top eigenvalue c^2 + sqrt(c^4 + 4) is >= 2 for every c (exact, symbolic c)."""
    a, b, c = sp.symbols("a b c", real=True)
    H = sp.hessian((1 - a * b) ** 2, (a, b)).subs({a: 0, b: c})
    top = max(H.eigenvals(), key=lambda e: e.subs(c, 1))
    if sp.simplify(top - (c ** 2 + sp.sqrt(c ** 4 + 4))) != 0:
        return Evidence.open(f"unexpected top eigenvalue {top}")
    return Evidence.refuted(f"L = 2, x = y = 1, W(0) = (0, c): Hessian {H.tolist()}, S(W(0)) = {top} >= 2 for every scale c "
                            "(and S_min = 4): A1-A3 hold for small c, yet the sharpness at initialisation never falls below 2",
                            method="sympy exact (symbolic scale)",
                            counterexample={"L": 2, "X": [[1]], "y": [1], "W0": ["0", "c"], "S": str(top), "limit_c_to_0": 2})


init_small_c = paper.remark(
    "prose-init-sharpness-small-corrected",
    r"\text{For } L\ge3:\ S(c\mathcal V)\to0 \text{ as } c\to0 \text{ for every fixed } \mathcal V;\ \text{for } L\le2 \text{ it does not in general}",
    where="Introduction (repaired here)", corrects="prose-init-sharpness-small", uses=["a2", "definition-sharpness"],
    note="R^L - R_0 = <grad R^1(0), w_prod> + ||X w_prod||^2/n with w_prod homogeneous of degree L in the weights: for L >= 3 "
         "every second derivative at 0 vanishes, so H(0) = 0 and, H being polynomial, S(cV) = O(c^(L-2)) -> 0.",
)


@init_small_c.check
def init_small_scalar_chains():
    """Scalar chains of depth 3-6 at (0, c, ..., c): the exact Hessian, a polynomial in c, is 0 at c = 0."""
    for L in range(3, 7):
        ws = sp.symbols(f"w1:{L + 1}", real=True)
        c = sp.Symbol("c", real=True)
        H = sp.hessian((1 - sp.Mul(*ws)) ** 2, ws).subs({ws[0]: 0, **{w_: c for w_ in ws[1:]}})
        if H.subs(c, 0) != sp.zeros(L, L):
            return Evidence.refuted(f"L = {L}: Hessian at c = 0 is {H.subs(c, 0)}")
    return Evidence.certified("depths 3-6, x = y = 1, W(0) = (0, c, ..., c): the exact Hessian is a polynomial in c vanishing at c = 0, "
                              "so S(W(0)) -> 0 (general argument in the note: homogeneity of degree L >= 3)",
                              method="sympy exact (symbolic scale)", instances=4, cases="scalar chains L = 3..6, symbolic c")


@init_small_c.check
def init_small_networks(ctx):
    """Random networks of depth 3-4, A2 initialisations (W_1 = 0) at scales 1e-1..1e-3: S(cV) / c^(L-2) stays bounded."""
    rng = ctx.rng
    rows = []
    for dims in [(3, 4, 4, 1), (2, 3, 3, 3, 1)]:
        L = len(dims) - 1
        prob = lib.random_problem(rng, 10, dims[0])
        V = lib.small_init(rng, list(dims), 1.0)
        ratios = []
        for c in (1e-1, 1e-2, 1e-3):
            S = float(np.linalg.eigvalsh(lib.hessian(prob, [c * A for A in V], np.ones(1)))[-1])
            ratios.append(S / c ** (L - 2))
        if ratios[-1] > 2 * ratios[0] + 1e-6:
            return Evidence.refuted(f"dims {dims}: S(cV)/c^(L-2) grows as c -> 0: {ratios}")
        rows.append((dims, ratios))
    return Evidence.checked("S(cV)/c^(L-2) at c = 0.1, 0.01, 0.001: " + "; ".join(f"{d}: {[f'{r:.3g}' for r in rs]}" for d, rs in rows),
                            seed=ctx.seed, instances=6, cases="dims (3,4,4,1), (2,3,3,3,1) x c = 1e-1, 1e-2, 1e-3")

