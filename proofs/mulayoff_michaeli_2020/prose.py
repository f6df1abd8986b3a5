"""The mathematical assertions of the abstract, introduction and conclusion (both versions: the
published "flat minima" and the earlier "wide minima" text say the same with "flattest"/"widest"),
each read quantitatively through the paper's own formulas and checked over the range the sentence
covers. Two are refuted as worded, with corrected claims beside them."""

from __future__ import annotations

import numpy as np
import sympy as sp

from symflat.claims import Evidence
from symflat.numeric import minimum_set as NM
from symflat.numeric.objective import layer_product
from symflat.symbolic import minimum_set as OM
from symflat.symbolic import spectral as SP
from symflat.symbolic.depth_generic import Condition, DepthProof, run

from . import paper

WHITE = ["a1", "a2", "full-rank"]
BOTH = "(both versions)"


def _flattest(ctx):
    from .theorems import FLATTEST_CASES, _flattest_instances
    return _flattest_instances(ctx.rng), FLATTEST_CASES


# ----------------------------------------------------------------------------- implicit bias (Abstract, Intro, Conclusion)

@paper.remark(
    "prose-gd-bias", r"\text{GD with step }\eta\ \text{cannot stably converge to a minimum with }\lambda_{\max}(\mathbf H)>2/\eta",
    where=f"Abstract, Introduction, Conclusion {BOTH}", uses=["eq-5"], proof_uses=["stability-threshold", "eq-s4"],
    note="'(Stochastic) gradient descent has an implicit bias towards flat minima' / 'GD and SGD can screen out "
         "solutions by their inability to stably converge to sharp minima', read for GD through App. I (S1-S4).")
def prose_gd_bias():
    """Along an eigenvector of H with eigenvalue l >= 0 the linearised GD step multiplies the deviation by 1 - eta l;
    |1 - x| > 1 with x = eta l >= 0 exactly when x > 2."""
    x = sp.Symbol("x", nonnegative=True)
    unstable = sp.solve_univariate_inequality(sp.Abs(1 - x) > 1, x, relational=False).intersect(sp.Interval(0, sp.oo))
    if unstable != sp.Interval.open(2, sp.oo):
        return Evidence.refuted(f"|1 - eta l| > 1 on {unstable}")
    return Evidence.proved("|1 - eta l| > 1 iff eta l > 2 (l >= 0, eta > 0): a minimum sharper than 2/eta repels GD along its "
                           "top eigenvector. General: one inequality in x = eta l covers every minimum of every loss",
                           method="sympy inequality solver")


# ----------------------------------------------------------------------------- ResNets converge to the flattest minimum

@paper.remark(
    "prose-resnet-flattest", r"\text{linear ResNets with zero initialization (}\mathbf W_j(0)=\mathbf I\text{) necessarily converge to a point of }\Omega_0",
    where=f"Abstract; Introduction {BOTH}", uses=["eq-5"], proof_uses=["lemma-1-i", "lemma-1-ii"], hypotheses=["a2"],
    expect="refuted",
    note="Abstract: 'linear ResNets with zero initialization necessarily converge to the flattest of all minima'; "
         "Introduction (wide version): 'GD is guaranteed to converge to the widest of all minima'. Lemma 1 needs more: "
         "(i) is about limits of gradient flow (it assumes convergence), (ii) needs T symmetric positive definite and a "
         "small step. With white data and T = diag(1, -1) neither GD nor gradient flow from I reaches Omega at all.")
def prose_resnet_counterexample():
    """T = diag(1, -1), m = 2, W_1(0) = W_2(0) = I: the layers stay diag(1, a) with a(0) = 1. Gradient flow:
    a' = -2 a (a^2 + 1) < 0 while a > 0 and 0 is its only equilibrium, so a -> 0 (a saddle, loss 1 above the minimum).
    GD with the step of Lemma 1(ii), eta = 1/4: a -> a (1 - (a^2 + 1)/2) sends 1 to 0 in one step."""
    a = sp.Symbol("a", positive=True)
    b1, b2 = sp.symbols("b1 b2", real=True)                 # (2,2) entries of W_1, W_2
    loss = (b2 * b1 - (-1)) ** 2                            # (2,2) entry of (W_2 W_1 - T)^2
    grad = sp.diff(loss, b1).subs({b1: a, b2: a})           # the same for b2 at equal layers
    flow, gd_step = -grad, a - sp.Rational(1, 4) * grad
    if not (sp.expand(flow + 2 * a * (a**2 + 1)) == 0 and flow.is_negative and gd_step.subs(a, 1) == 0):
        return Evidence.error(f"the stored counterexample does not reproduce (flow {flow}, GD step {gd_step})")
    return Evidence.refuted("white data, T = diag(1, -1), m = 2, identity initialisation: gradient flow has a' = -2a(a^2 + 1) < 0 "
                            "for a > 0, so it converges to the saddle W = diag(1, 0); GD with eta = 1/4 (Lemma 1(ii)'s step) "
                            "reaches diag(1, 0) after one step and stays. Neither limit is a minimum",
                            counterexample={"T": "diag(1, -1)", "m": 2, "eta": "1/4", "limit": "W_1 = W_2 = diag(1, 0)",
                                            "loss_above_minimum": 1}, method="sympy")


@paper.remark(
    "prose-resnet-flattest-corrected", r"\hat\Sigma_x=\mathbf I,\ d_x=d_y,\ \mathbf W_j(0)=\mathbf I,\ \mathbf T=\mathbf T^T\succ0,\ \eta\le\frac1{2m}\min\{1,\sigma_{\max}(\mathbf T)^{-2(1-\frac1m)}\}:\ \text{GD converges to a point of }\Omega_0",
    where=f"Abstract; Introduction {BOTH} (with Lemma 1's hypotheses)", uses=["eq-5"], proof_uses=["lemma-1-ii"],
    hypotheses=["a2"], corrects="prose-resnet-flattest",
    note="The abstract's sentence with the hypotheses of Lemma 1(ii) restored (for gradient flow: Lemma 1(i), any limit "
         "is flattest).")
def prose_resnet_corrected(ctx):
    from .setting import _gd_from_identity, _spd
    rng, worst, cases = ctx.rng, 0.0, [(2, 2), (2, 3), (3, 4)]
    for d, m in cases:
        T = _spd(rng, d) * rng.uniform(0.5, 3)
        eta = 1 / (2 * m) * min(1, np.linalg.norm(T, 2) ** (-2 * (1 - 1 / m)))
        Ws, h = _gd_from_identity(T, m, eta, steps=50000)
        lam, _ = NM.sharpness_at_minimum(Ws, np.eye(d))
        gap = abs(lam / NM.flattest_sharpness(T, m) - 1)
        worst = max(worst, gap)
        if gap > 1e-8 or h[-1] > 1e-9:
            return Evidence.refuted("GD from identity missed Omega_0", counterexample={"T": T, "m": m, "eta": eta}, seed=ctx.seed)
    return Evidence.checked(f"random SPD T at the largest allowed step: GD limit sharpness = eq. (17) to {worst:.1e}",
                            slack=-worst, instances=len(cases), cases=[f"d = {d}, m = {m}" for d, m in cases],
                            seed=ctx.seed, method="numpy GD")


@paper.remark(
    "prose-gd-only-flattest", r"\exists\ \text{a setting in which GD can only converge to the flattest of all minima}",
    where=f"Introduction {BOTH}", uses=["eq-5"], proof_uses=["lemma-1-ii", "theorem-4"], hypotheses=["a2"],
    about="white data, T = diag(4, 1), m = 2, W_j(0) = I, eta = 1/16",
    note="'In fact, in some cases, GD can only converge to the flattest of all minima (see Section 2).'")
def prose_gd_only_flattest():
    """From identity with diagonal T the layers stay equal, diag(a, b). a_{k+1} = g(a_k), g(a) = a (1 - (a^2 - 4)/8):
    g(2) = 2, g is increasing on [1, 2] and g(a) > a there, so a_k increases to 2; b stays 1 (b^2 - 1 = 0). The limit
    W_1 = W_2 = diag(2, 1) has lambda_max(2 Phi^T Phi) = 16 = 2m sigma_max(T)^(2(1-1/m)) exactly."""
    a = sp.Symbol("a", real=True)
    g = a * (1 - (a**2 - 4) / 8)
    increasing = sp.solve_univariate_inequality(sp.diff(g, a) >= 0, a, relational=False)
    grows = sp.solve_univariate_inequality(g - a > 0, a, relational=False)
    b = sp.Symbol("b", real=True)
    gb = b * (1 - (b**2 - 1) / 8)                           # the (2,2) entries: target 1
    Ws = [sp.diag(2, 1), sp.diag(2, 1)]
    lam = max(OM.phi_gram(Ws, sp.eye(2)).eigenvals())
    if not (g.subs(a, 2) == 2 and gb.subs(b, 1) == 1 and sp.Interval(1, 2).is_subset(increasing) and sp.Interval.Ropen(1, 2).is_subset(grows)
            and lam == 2 * 2 * 4):
        return Evidence.refuted(f"g(2) = {g.subs(a, 2)}, g' >= 0 on {increasing}, g > a on {grows}, lambda_max = {lam}")
    return Evidence.proved("exact: the diagonal GD map from identity increases monotonically to the fixed point 2 (b stays 1), "
                           "so GD converges to W_1 = W_2 = diag(2, 1), whose sharpness 16 equals eq. (17): the only limit "
                           "from this initialisation is flattest", method="sympy")


# ----------------------------------------------------------------------------- sharper with depth

def _flattest_sharpness(m, s):
    return 2 * m * s ** (2 * (1 - sp.Integer(1) / m))


@paper.remark(
    "prose-deeper-sharper", r"\text{all minima become sharper as the network gets deeper: }m\mapsto2m\,\sigma_{\max}(\mathbf T)^{2(1-\frac1m)}\ \text{is increasing}",
    where="Introduction (flat-minima version); Sec. 4 after Theorem 1 (both versions)", uses=["theorem-1"],
    proof_uses=["theorem-1", "eq-13-corrected"], hypotheses=WHITE, expect="refuted",
    note="'We start by showing that all minima become sharper as the network gets deeper'; after Theorem 1: 'the "
         "flattest minima become sharper as the number of layers increases'. Read through eq. (17) (and eq. 13 for "
         "scalar networks, same shape): even the flattest minimum's sharpness must grow with m. It does not when "
         "sigma_max(T) < 1/e at small depth.")
def prose_deeper_sharper():
    s = sp.Rational(1, 10)
    two, three = _flattest_sharpness(2, s), _flattest_sharpness(3, s)
    if not bool(three < two):
        return Evidence.error("the stored counterexample does not reproduce")
    return Evidence.refuted(f"sigma_max(T) = 1/10: the flattest sharpness is {two} at m = 2 and 6 (1/10)^(4/3) = "
                            f"{sp.N(three, 6)} at m = 3 (exactly: 3375 < 10^4), so the deeper network has flatter flattest minima",
                            counterexample={"sigma_max_T": "1/10", "m2": str(two), "m3": "6*(1/10)**(4/3)"}, method="exact")


@paper.remark(
    "prose-deeper-sharper-corrected", r"\sigma=\sigma_{\max}(\mathbf T)>0:\ m\mapsto2m\sigma^{2(1-\frac1m)}\ \text{increases for }m\ge\max\{2,-2\ln\sigma\}\ (\text{every }m\ge2\text{ when }\sigma\ge e^{-1}),\ \text{and }\frac{2m\sigma^{2(1-1/m)}}{2m\sigma^2}\to1",
    where="Introduction; Sec. 4 (ours, corrected)", uses=["theorem-1"], proof_uses=["theorem-1"], hypotheses=WHITE,
    corrects="prose-deeper-sharper",
    note="The paper's parenthesis 'grows approximately linearly with m for m >> 1' is the limit part.")
def prose_deeper_sharper_corrected():
    def build():
        p = DepthProof("flattest sharpness increasing in the depth")
        mm = sp.Symbol("m", positive=True)
        s = sp.Symbol("sigma", positive=True)
        f = _flattest_sharpness(mm, s)
        p.identity("d/dm log f = (m + 2 log sigma) / m^2", sp.diff(sp.expand_log(sp.log(f), force=True), mm),
                   (mm + 2 * sp.log(s)) / mm**2)
        u, v = sp.symbols("u v", real=True)                # m = -2 log sigma + u, or m = 2 + u with log sigma = -1 + v
        p.sign("m + 2 log sigma >= 0 when m >= -2 log sigma", u, "nonnegative", assuming={u: ["nonnegative"]},
               why="m >= -2 log sigma")
        p.sign("m + 2 log sigma >= 0 when m >= 2, sigma >= 1/e", (2 + u) + 2 * (-1 + v), "nonnegative",
               assuming={u: ["nonnegative"], v: ["nonnegative"]}, why="m >= 2 and log sigma >= -1")
        p.identity("limit of f / (2 m sigma^2)", sp.limit(s ** (-2 / mm), mm, sp.oo), 1)
        p.note("conclusion", "a positive function whose log has a non-negative derivative is non-decreasing; the "
               "derivative vanishes only at m = -2 log sigma", needs=[Condition(sp.Gt(s, 0), "sigma_max(T) > 0")])
        return p
    return run(build)


# ----------------------------------------------------------------------------- structure of flattest minima

@paper.remark(
    "prose-nearly-balanced", r"\mathbf w\in\Omega_0:\ \sigma^{\frac km}\le g_k\triangleq\sigma_{\max}\Big(\prod_{j\le k}\mathbf W_j\Big)\le\sqrt m\,\sigma^{\frac km},\ \text{so } \frac{g_{k+1}}{g_k}\le\sqrt m\,\sigma^{\frac1m}\ \ \forall k",
    where=f"Abstract; Introduction {BOTH}", uses=["eq-5"], proof_uses=["theorem-2-i", "theorem-2-ii"], hypotheses=WHITE,
    note="'These minima correspond to nearly balanced networks whereby the gain from the input to any intermediate "
         "representation does not change drastically from one layer to the next', read through Theorem 2 (i), (ii): "
         "the gain g_k to layer k stays within a factor sqrt(m) of the balanced gain sigma^(k/m). The factor grows with "
         "depth, and single layers may be far from balanced: flattest minima have layer gains up to about "
         "sqrt(m-1) sigma^(1/m) (theorem-2-sharp's witnesses).")
def prose_nearly_balanced(ctx):
    inst, cases = _flattest(ctx)
    for Ws, T, u, v, r, m, fam in inst:
        for k in range(1, m + 1):
            P = layer_product(Ws, 1, k, Ws[0].cols)
            G = P.T * P
            if (v.T * G * v)[0] != r ** (2 * k) or not SP.is_psd(m * r ** (2 * k) * sp.eye(G.rows) - G):
                return Evidence.refuted(f"gain to layer {k} leaves [sigma^(k/m), sqrt(m) sigma^(k/m)] ({fam}, m = {m})",
                                        seed=ctx.seed)
    return Evidence.certified(f"{len(inst)} exact flattest minima, every k: the gain of v to layer k is sigma^(k/m) exactly "
                              "and no gain exceeds sqrt(m) sigma^(k/m) (exact PSD test)", instances=len(inst), cases=cases,
                              seed=ctx.seed, method="exact")


@paper.remark(
    "prose-coupled-layers", r"\mathbf w\in\Omega_0:\ \forall k<m\ \exists\ \text{a unit vector that is a left singular vector of }\mathbf W_k\ \text{and a right singular vector of }\mathbf W_{k+1}",
    where=f"Abstract; Introduction; Conclusion {BOTH}", uses=["eq-5"], proof_uses=["theorem-3-i", "theorem-3-ii"],
    hypotheses=WHITE,
    note="'Consecutive layers in flat minima solutions are coupled. That is, one of the left singular vectors of each "
         "weight matrix equals one of the right singular vectors of the next matrix' (Theorem 3: q_k / ||q_k||).")
def prose_coupled_layers(ctx):
    inst, cases = _flattest(ctx)
    for Ws, T, u, v, r, m, fam in inst:
        d = T.cols
        for k in range(1, m):
            q = layer_product(Ws, k + 1, m, d).T * u                  # q_k; q_k / ||q_k|| is the shared singular vector
            if not ((Ws[k - 1] * Ws[k - 1].T * q - r**2 * q).is_zero_matrix
                    and (Ws[k].T * Ws[k] * q - r**2 * q).is_zero_matrix):
                return Evidence.refuted(f"layers {k}, {k + 1} not coupled ({fam}, m = {m})", seed=ctx.seed)
    return Evidence.certified(f"{len(inst)} exact flattest minima, every k < m: q_k = (prod_{{j>k}} W_j)^T u satisfies "
                              "W_k W_k^T q_k = sigma^(2/m) q_k and W_{k+1}^T W_{k+1} q_k = sigma^(2/m) q_k",
                              instances=len(inst), cases=cases, seed=ctx.seed, method="exact")


@paper.remark(
    "prose-path-for-v", r"\mathbf w\in\Omega_0:\ \Big\|\prod_{j\le k}\mathbf W_j\mathbf v\Big\|=\sigma^{\frac km}\ \forall k\ \text{(each layer amplifies }\mathbf v\text{ by }\sigma^{\frac1m}\text{, the least possible largest per-layer gain)}",
    where=f"Abstract; Introduction; Conclusion {BOTH}", uses=["eq-5"],
    proof_uses=["theorem-2-i", "theorem-3-remark", "prose-moderate-amplification"],
    hypotheses=WHITE,
    note="'A distinct path from input to output dedicated to the signal that experiences the largest gain end-to-end' "
         "and 'the signal v that experiences the largest gain end-to-end is amplified as moderately as possible by "
         "each layer'. The per-layer gains g_k of v multiply to ||T v|| = sigma (the ratios telescope), so the largest "
         "is at least sigma^(1/m), with equality only when all are sigma^(1/m).")
def prose_path_for_v(ctx):
    inst, cases = _flattest(ctx)
    for Ws, T, u, v, r, m, fam in inst:
        for k in range(0, m + 1):
            x = layer_product(Ws, 1, k, T.cols) * v
            if (x.T * x)[0] != r ** (2 * k):
                return Evidence.refuted(f"||prod_(j<=k) W_j v|| != sigma^(k/m) at k = {k} ({fam}, m = {m})", seed=ctx.seed)
    return Evidence.certified(f"{len(inst)} exact flattest minima, k = 0..m: ||prod_{{j<=k}} W_j v||^2 = sigma^(2k/m) exactly, "
                              "so every layer amplifies v by sigma^(1/m)", instances=len(inst), cases=cases,
                              seed=ctx.seed, method="exact")


@paper.remark(
    "prose-moderate-amplification", r"\mathbf w\in\Omega:\ g_k\triangleq\frac{\|\prod_{j\le k}\mathbf W_j\mathbf v\|}{\|\prod_{j<k}\mathbf W_j\mathbf v\|}\ \Rightarrow\ \max_k g_k\ge\sigma_{\max}(\mathbf T)^{\frac1m},\ \text{equality iff every }g_k=\sigma_{\max}(\mathbf T)^{\frac1m}",
    where=f"Conclusion {BOTH} ('as moderately as possible')", uses=["eq-4"],
    note="What 'as moderately as possible' compares against: every global minimum must carry v to T v = sigma u, so "
         "the per-layer gains of v multiply to sigma (when none is 0).")
def prose_moderate_gain_every_depth():
    """Any factorisation: per-layer gains g_k > 0 of v with prod g_k = sigma have max g_k >= sigma^(1/m)."""
    from symflat.symbolic.depth_generic import product_of_constant

    def build():
        p = DepthProof("largest per-layer gain of v >= sigma^(1/m), every m")
        a_k, a_next, a0 = sp.symbols("a_n a_{n+1} a_0", positive=True)      # a_k = ||prod_{j<=k} W_j v||
        p.identity("telescoping step: (a_n / a_0)(a_{n+1} / a_n) = a_{n+1} / a_0", (a_k / a0) * (a_next / a_k), a_next / a0)
        p.use(product_of_constant(), needs=[Condition(sp.Gt(a_k, 0), "non-zero gains along the path")])
        c, s, mm = sp.Symbol("c", positive=True), sp.Symbol("sigma", positive=True), sp.Symbol("m", positive=True)
        p.identity("if every g_k <= c then sigma = prod g_k <= c^m; c = sigma^(1/m) is the least such c",
                   (s ** (1 / mm)) ** mm, s)
        p.note("conclusion", "max_k g_k < sigma^(1/m) would give prod g_k < sigma; equality needs every g_k = sigma^(1/m)")
        return p
    return run(build)


@paper.remark(
    "prose-no-larger-gain", r"\mathbf w\in\Omega_0,\ \|\mathbf x\|=1:\ \Big\|\prod_{j\le k}\mathbf W_j\mathbf x\Big\|\le\sqrt m\,\Big\|\prod_{j\le k}\mathbf W_j\mathbf v\Big\|\ \ \forall k",
    where=f"Conclusion {BOTH}", uses=["eq-5"], proof_uses=["theorem-2-i", "theorem-2-ii", "theorem-2-sharp"],
    hypotheses=WHITE,
    note="'No other signal can experience a significantly larger gain than v up to an intermediate layer', read "
         "through Theorem 2: at most sqrt(m) times v's gain. The sharp factor is sqrt(m - 1) (theorem-2-sharp), which "
         "grows without bound: at m = 6 some signal gets 2.2 times v's gain, so 'not significantly larger' holds only "
         "for moderate depth.")
def prose_no_larger_gain(ctx):
    inst, cases = _flattest(ctx)
    for Ws, T, u, v, r, m, fam in inst:
        for k in range(1, m):
            P = layer_product(Ws, 1, k, Ws[0].cols)
            vk = P * v
            if not SP.is_psd(m * (vk.T * vk)[0] * sp.eye(P.cols) - P.T * P):
                return Evidence.refuted(f"a signal beats sqrt(m) times v's gain at k = {k} ({fam}, m = {m})", seed=ctx.seed)
    return Evidence.certified(f"{len(inst)} exact flattest minima, 1 <= k < m: sqrt(m) ||prod W_j v|| bounds every unit "
                              "signal's gain (exact PSD test)", instances=len(inst), cases=cases, seed=ctx.seed,
                              method="exact")
