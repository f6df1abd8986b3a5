"""Prose claims of Mulayoff, Michaeli & Soudry 2021: the headline bound (1) as the introduction states it,
the remark that stability constrains nothing outside the data, the trend "smoother as the step size grows"
(Sec. 5, supp. I) and "global minima are always once differentiable" (Sec. 4.2), each with the quantitative
reading that the paper's own formulas give, checked over the whole range the sentence covers.
"""

import numpy as np
import sympy as sp

from symflat.claims import Evidence

from . import _lib as lib
from . import paper


@paper.remark(
    "prose-headline",
    r"\text{``(S)GD with step }\eta\text{ can converge stably only to solutions with }\int|f''|g\le\tfrac1\eta-\tfrac12\text{''}",
    where="Introduction", eq="1", uses=["theorem-1", "eq-s78-s79", "lemma-3"], proof_uses=["theorem-1", "eq-s78-s79"],
    note="The sentence covers every solution and every eta > 0, knots on data points included. Reading: a minimum can be "
         "stable for step eta only if eta <= 2/lambda (Lemma 1 for twice-differentiable minima); the bound decreases in eta, "
         "so it suffices to check it at the largest such eta, 2/lambda_max (twice differentiable) or 2/lambda_upper (knots on "
         "data, strongly stable for GD by Lemma 3). Minima with knots on data that are stable with lambda_upper > 2/eta are "
         "outside what any result of the paper (or any procedure here) decides.",
)
def headline_edge(ctx):
    """Random twice-differentiable minima at eta = 2/lambda_max and rational minima with knots on data points at
    eta = 2/lambda_upper (max over the modes in I): int |f''| g <= 1/eta - 1/2."""
    rng, worst, smooth, kinked = ctx.rng, np.inf, 0, 0
    for _ in range(100):
        n, k = int(rng.integers(2, 10)), int(rng.integers(1, 16))
        theta, xs, ys = lib.random_minimum(rng, n, k)
        eta = 2 / lib.sharpness(theta, k, xs, ys)
        worst = min(worst, (1 / eta - 0.5) - lib.curvature_integral(theta, k, list(xs), tol=1e-12))
        smooth += 1
    for _ in range(40):
        n, k = int(rng.integers(2, 6)), int(rng.integers(1, 5))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(1, 3)))
        lam_upper = max(lib.lam_max_gram(theta, k, xs, m) for m in lib.modes_in_I(theta, k, xs))
        eta = 2 / lam_upper
        worst = min(worst, (1 / eta - 0.5) - lib.curvature_integral(theta, k, xs))
        kinked += 1
    if worst < -1e-9:
        return Evidence.refuted(f"the headline bound fails by {-worst:.2e}")
    return Evidence.checked(f"int |f''| g <= 1/eta - 1/2 at the largest stable eta on {smooth} twice-differentiable and {kinked} "
                            f"kinked minima (min slack {worst:.2e})", instances=smooth + kinked, seed=ctx.seed, slack=float(worst),
                            cases=f"{smooth} random minima at eta = 2/lambda_max, {kinked} rational minima with knots on data at "
                                  "eta = 2/lambda_upper")


@paper.remark(
    "prose-outside-data",
    r"\text{``}g\text{ vanishes beyond the extreme points: no smoothness constraint outside the data''}:\ "
    r"h''\ \text{supported outside}\ [x_{\min},x_{\max}],\ h=0\ \text{on}\ [x_{\min},x_{\max}]\Rightarrow"
    r"\ \exists\theta'\in\Omega(f+h):\ \Phi(\theta')^T\Phi(\theta')=\Phi(\theta)^T\Phi(\theta),\ \int|(f+h)''|g=\int|f''|g",
    where="Sec. 4 (after Theorem 1)", uses=["definition-g", "remark-g-shape", "eq-27", "theorem-1"],
    proof_uses=["eq-s32", "eq-27"], outline=["eq-s32", "eq-27"],
    note="Reading: any curvature added strictly outside the data (h = 0 on the data hull, knots outside it, given spare "
         "neurons) leaves both sides of (1) unchanged for some implementation, so a stable f stays stable for the same eta. "
         "(h vanishing on the data and affine on the hull forces h = 0 there when n >= 2.)",
)
def outside_general():
    """General: h is a sum of left-facing neurons (w1 < 0) with knots tau < x_min and right-facing ones (w1 > 0) with
    tau > x_max. For such a neuron w1 x_j + b1 = w1 (x_j - tau) < 0 at every data point (SymPy, signs symbolic), so its
    pattern entries are 0 and its (S32) block vanishes at every x_j; the Gram matrix Phi^T Phi (a sum over neurons of
    block Gram terms plus 1 1^T) is unchanged, hence lambda_max (27) and every batch Hessian; g = 0 at its knots."""
    x, tau = sp.symbols("x_j tau", real=True)
    d = sp.Symbol("d", positive=True)
    w1n, w1p = sp.Symbol("w1", negative=True), sp.Symbol("w1", positive=True)
    pre_left = (w1n * (x - tau)).subs(x, tau + d)      # x_j = tau + d > tau, left-facing neuron
    pre_right = (w1p * (x - tau)).subs(x, tau - d)     # x_j = tau - d < tau, right-facing neuron
    if not (pre_left.is_negative and pre_right.is_negative):
        return Evidence.refuted("an outside neuron is active on the data")
    w2 = sp.Symbol("w2", real=True)
    for pre in (pre_left, pre_right):
        ind = sp.Heaviside(pre)
        block = sp.Matrix([x * w2 * ind, w2 * ind, pre * ind])
        if block != sp.zeros(3, 1):
            return Evidence.refuted(f"the (S32) block of an outside neuron is {list(block)}")
    return Evidence.proved("for every f, data set and outside modification h (knots strictly outside [x_min, x_max], facing "
                           "away from the data): the added neurons' pre-activations are negative at every x_j, their (S32) blocks "
                           "vanish, Phi^T Phi and every batch Hessian's nonzero block are unchanged, and g = 0 at their knots",
                           method="sympy")


@outside_general.check
def outside_numeric(ctx):
    """Random minima plus 1-3 neurons with large weights facing away from the data, knots outside the data range:
    identical Gram matrices and lambda_max, the same int |f''| g, and a function that differs off the data."""
    rng, count, worst = ctx.rng, 0, 0.0
    for _ in range(30):
        n, k = int(rng.integers(2, 8)), int(rng.integers(1, 8))
        theta, xs, _ = lib.random_minimum(rng, n, k)
        w1, b1, w2, b2 = lib.split(theta, k)
        extra = int(rng.integers(1, 4))
        sides = rng.choice([-1, 1], extra)
        taus = np.where(sides < 0, xs[0] - rng.uniform(0.1, 2, extra), xs[-1] + rng.uniform(0.1, 2, extra))
        ew1 = sides * np.exp(rng.normal(2, 1, extra))
        big = lib.join(np.concatenate([w1, ew1]), np.concatenate([b1, -ew1 * taus]),
                       np.concatenate([w2, rng.normal(0, 100, extra)]), b2)
        kk = k + extra
        if np.max(np.abs(lib.outputs(big, kk, xs) - lib.outputs(theta, k, xs))) > 1e-9:
            return Evidence.refuted("the outside neurons change f on the data")
        G, Gb = (P.T @ P for P in (lib.phi(theta, k, xs), lib.phi(big, kk, xs)))
        grid = np.concatenate([np.linspace(xs[0] - 3, xs[0], 50), np.linspace(xs[-1], xs[-1] + 3, 50)])
        if np.max(np.abs(lib.outputs(big, kk, grid) - lib.outputs(theta, k, grid))) < 1e-6:
            return Evidence.open("the modification did not change f outside the data")
        worst = max(worst, float(np.max(np.abs(G - Gb))),
                    abs(lib.curvature_integral(big, kk, list(xs)) - lib.curvature_integral(theta, k, list(xs))))
        count += 1
    if worst > 1e-9:
        return Evidence.refuted(f"the Gram matrix or the weighted curvature changed by {worst:.2e}")
    return Evidence.checked(f"Gram matrices and int |f''| g unchanged (max deviation {worst:.1e}) on {count} minima with added outside "
                            "curvature", instances=count, seed=ctx.seed, cases="30 random minima, 1-3 outside neurons with weights up to e^4")


eta_ = sp.Symbol("eta", positive=True)


@paper.remark(
    "prose-smoother-with-step",
    r"\text{``GD's solutions get smoother as the step size increases''}:\ B(\eta)=\tfrac1\eta-\tfrac12\ \text{strictly decreasing};"
    r"\ \lambda_{\max}\ge1\ \text{at every minimum, so no minimum is linearly stable for}\ \eta>2",
    where="Sec. 5; supp. I (Figs. 1-2)", uses=["theorem-1", "eq-s33"], proof_uses=["theorem-1", "eq-27", "lemma-1"],
    outline=["eq-27", "lemma-1"],
    note="The paper's formulas imply a trend of the envelope, not of each GD solution: the set of functions that can be "
         "stable for eta shrinks as eta grows (B is decreasing, nested sets), and it is empty for eta > 2 (B < 0 while "
         "lambda_max >= 1 because the b2 coordinate of every gradient is 1). Whether each GD solution gets smoother "
         "is a statement about the runs that the formulas do not imply; it is not checked here.",
)
def smoother_general():
    """General: dB/deta = -1/eta^2 < 0 for eta > 0 and B(2) = 0 (SymPy); for every n, k, theta, (1/n) ||Phi u||^2 >= (1/n)
    (sum_j u_j)^2 (drop all coordinates but b2, whose gradient entry is 1), which is 1 at u = 1/sqrt(n): lambda_max >= 1
    by (27); Lemma 1 then excludes every eta > 2."""
    B = 1 / eta_ - sp.Rational(1, 2)
    dB = sp.diff(B, eta_)
    n = sp.Symbol("n", integer=True, positive=True)
    u = 1 / sp.sqrt(n)
    if not (dB.is_negative and sp.solve(sp.Eq(B, 0), eta_) == [2] and sp.simplify((n * u) ** 2 / n) == 1):
        return Evidence.refuted(f"dB/deta = {dB}")
    return Evidence.proved("B(eta) = 1/eta - 1/2 has derivative -1/eta^2 < 0 and vanishes at eta = 2; lambda_max >= (1/n)(sum_j u_j)^2 = 1 "
                           "at u = 1/sqrt(n) for every network and data set", method="sympy")


@smoother_general.check
def smoother_numeric(ctx):
    """lambda_max >= 1 at random minima of every size tried (the smallest value found is reported)."""
    rng, low = ctx.rng, np.inf
    for _ in range(60):
        n, k = int(rng.integers(1, 12)), int(rng.integers(1, 20))
        theta, xs, _ = lib.random_minimum(rng, n, k, w2_scale=float(np.exp(rng.normal(-3, 2))))
        low = min(low, lib.lam_max_gram(theta, k, xs))
    if low < 1 - 1e-12:
        return Evidence.refuted(f"lambda_max = {low} < 1")
    return Evidence.checked(f"lambda_max >= 1 on 60 random minima (smallest {low:.6f})", instances=60, seed=ctx.seed,
                            cases="60 random minima, n = 1..11, k = 1..19, small second-layer weights")


@paper.remark(
    "prose-once-differentiable",
    r"\text{``global minima of over-parameterised ReLU nets with the quadratic loss are always once differentiable''}:\ "
    r"\mathcal L(\theta^*)=0\Rightarrow\mathcal L(\theta^*+\Delta)=O(\|\Delta\|^2),\ \nabla\mathcal L(\theta^*)=0",
    where="Sec. 4.2", uses=["c-once", "definition-loss"], proof_uses=["c-once"],
    note="Reading over every zero-loss minimum, knots on data points included: each residual r_j is continuous and "
         "piecewise polynomial, hence locally Lipschitz, with r_j(theta*) = 0, so L = (1/2n) sum r_j^2 is O(|Delta|^2).",
)
def once_differentiable(ctx):
    """Rational minima with knots on data points: L(theta* + h d) / h^2 stays bounded as h goes 1e-2 -> 1e-5 along random
    directions (so L(theta* + h d) / h -> 0: the derivative is 0 in every direction, the loss is differentiable)."""
    rng, count, worst = ctx.rng, 0, 0.0
    for _ in range(30):
        n, k = int(rng.integers(2, 6)), int(rng.integers(1, 5))
        theta, xs, ys = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(1, 3)))
        th, xf, yf = lib.to_float(theta), np.array([float(x) for x in xs]), np.array([float(y) for y in ys])
        for _ in range(5):
            d = rng.standard_normal(th.size)
            d /= np.linalg.norm(d)
            ratios = [float(np.sum((lib.outputs(th + h * d, k, xf) - yf) ** 2) / (2 * n)) / h ** 2 for h in (1e-2, 1e-3, 1e-4, 1e-5)]
            # quadratic growth: L/h^2 bounded by its value at the largest h times a margin for the kinks' finitely many pieces
            worst = max(worst, ratios[-1] / max(ratios[0], 1e-300))
            count += 1
    if worst > 10:
        return Evidence.refuted(f"L(theta* + h d)/h^2 grew by a factor {worst:.1f} as h -> 0")
    return Evidence.checked(f"L(theta* + h d) = O(h^2) along {count} directions at 30 kinked minima (largest growth of L/h^2: {worst:.2f})",
                            instances=count, seed=ctx.seed, cases="5 random directions at each of 30 rational minima with knots on data")
