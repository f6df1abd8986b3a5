"""Sec. 3 (warm-up: scalar networks) and App. III: eqs. (6)-(13), the count of flattest minima,
Lemma 2 and Claim S1: depth-generic proofs for every m (symflat.symbolic.scalar_chain_generic) beside
exact SymPy cross-checks at depths 2..8. Eqs. (12), (13) and the count fail as printed (tau = 0, the sign
of tau, min over R^m); their corrected readings are claims beside them."""

from __future__ import annotations

import itertools
from fractions import Fraction

import mpmath as mp
import sympy as sp

from symflat.claims import Evidence
from symflat.symbolic import depth_generic as DG
from symflat.symbolic import scalar_chain_generic as SG

from . import paper
from ._scalar import SX2, TAU, hessian, line_curvature, loss, on_minimum_set, random_positive_rationals, weights

DEPTHS = range(2, 9)


def _every_depth(build, why: str) -> Evidence:
    """The depth-generic proof built by ``build`` (open with the reason if a step fails), with why its
    conditions are covered by the claim's own hypotheses."""
    ev = DG.run(build)
    if ev.status.value == "proved":
        ev.detail += f". {why}"
    return ev


def _is_zero(expr) -> bool:
    """Exact zero test for rational functions of the symbols."""
    return sp.expand(sp.numer(sp.together(sp.expand(expr)))) == 0


eq6 = paper.definition(
    "eq-6", r"f_{\mathbf w}(x) = \prod_{j=1}^m w_j\, x,\quad \mathbf w=[w_1,\dots,w_m]^T\in\mathbb R^m",
    where="Sec. 3", eq="6", uses=["eq-1"],
    note="Scalar case of eq. (1): d_0 = ... = d_m = 1.")


@paper.equation(
    "eq-7", r"\Omega = \{\mathbf w\in\mathbb R^m : \prod_{j=1}^m w_j = \tau\},\quad \tau=\hat\sigma_{xy}/\hat\sigma_x^2",
    where="Sec. 3", eq="7", uses=["eq-6", "eq-4"], hypotheses=["full-rank"],
    note="App. III.1 eqs. (S10)-(S11). Needs sigma_x^2 > 0 (the full-rank assumption of Sec. 2).")
def eq7_loss_is_shifted_square():
    """l(w) = l_min + sigma_x^2 (P - tau)^2 exactly, with P = prod w_j; so the minimisers are P = tau."""
    P, sxy, sy2 = sp.symbols("P sigma_xy sigma_y2", real=True)
    sx2 = sp.Symbol("sigma_x2", positive=True)
    l = sy2 - 2 * sxy * P + sx2 * P**2
    tau = sxy / sx2
    l_min = sy2 - sxy**2 / sx2
    if not _is_zero(l - (l_min + sx2 * (P - tau) ** 2)):
        return Evidence.refuted("loss is not l_min + sigma_x^2 (P - tau)^2")
    return Evidence.proved("l(w) = (sigma_y^2 - sigma_xy^2/sigma_x^2) + sigma_x^2 (prod w - tau)^2 identically in P; "
                   "with sigma_x^2 > 0 the minimisers are exactly prod w = tau. General: the identity is in the single "
                   "symbol P = prod w, so it holds for every depth m", method="sympy identity")


def _hessian_on_omega(m: int) -> tuple[list, sp.Matrix]:
    w = weights(m)
    H = hessian(w, loss(w)).subs(on_minimum_set(w))
    return w, H


def _z_on_omega(w):
    sub = on_minimum_set(w)
    return sp.Matrix([1 / wi for wi in w]).subs(sub)


@paper.equation(
    "eq-8", r"\mathbf w\in\Omega\ \Rightarrow\ \frac{\partial^2\ell(\mathbf w)}{\partial w_q\partial w_k}=\frac{2\hat\sigma_x^2\tau^2}{w_kw_q}",
    where="Sec. 3, App. III.1", eq="8, S12-S15", uses=["eq-2", "eq-6", "eq-7"], proof_uses=["eq-7"],
    hypotheses=["full-rank"],
    note="Meaningful for tau != 0 (then no w_j vanishes on Omega). Holds for q = k too.")
def eq8_hessian_entries():
    for m in DEPTHS:
        w, H = _hessian_on_omega(m)
        sub = on_minimum_set(w)
        for k, q in itertools.product(range(m), repeat=2):
            target = (2 * SX2 * TAU**2 / (w[k] * w[q])).subs(sub)
            if not _is_zero(H[k, q] - target):
                return Evidence.refuted(f"entry ({k + 1},{q + 1}) differs at depth {m}", counterexample={"m": m, "k": k + 1, "q": q + 1})
    return Evidence.certified("symbolic Hessian of the loss (S9), restricted to Omega via w_m = tau/(w_1...w_{m-1}), equals "
                   "2 sigma_x^2 tau^2/(w_k w_q) entrywise, at each depth m = 2..8", instances=len(DEPTHS),
                   cases="m = 2..8", method="sympy")


@eq8_hessian_entries.check
def eq8_every_depth():
    """Every m >= 2 at once: P = w_k w_q P_{-kq} with the other factors as one symbol."""
    return _every_depth(SG.hessian_entries, "General: the conditions it needs are exactly where the printed right-hand side is defined (every w_j it divides by is non-zero; on Omega that is tau != 0)")


@paper.equation(
    "eq-9", r"\mathbf H_{\mathbf w}=2\hat\sigma_x^2\tau^2\mathbf z\mathbf z^T,\quad \mathbf z=[w_1^{-1},\dots,w_m^{-1}]^T",
    where="Sec. 3", eq="9, S16", uses=["eq-8"], proof_uses=["eq-8"], hypotheses=["full-rank"])
def eq9_rank_one_form():
    for m in DEPTHS:
        w, H = _hessian_on_omega(m)
        z = _z_on_omega(w)
        D = H - 2 * SX2 * TAU**2 * z * z.T
        if not all(_is_zero(e) for e in D):
            return Evidence.refuted(f"H != 2 sigma^2 tau^2 z z^T at depth {m}", counterexample={"m": m})
    return Evidence.certified("H_w - 2 sigma_x^2 tau^2 z z^T = 0 as a matrix of rational functions on Omega, m = 2..8",
                   instances=len(DEPTHS), cases="m = 2..8", method="sympy")


@eq9_rank_one_form.check
def eq9_every_depth():
    return _every_depth(SG.rank_one_form, "General: the conditions it needs are exactly where the printed right-hand side is defined (every w_j it divides by is non-zero; on Omega that is tau != 0); sigma_x^2 > 0 is not needed")


@paper.equation(
    "eq-10", r"\lambda_{\max}(\mathbf H_{\mathbf w})=2\hat\sigma_x^2\tau^2\|\mathbf z\|^2=2\hat\sigma_x^2\tau^2\sum_{j=1}^m w_j^{-2}",
    where="Sec. 3", eq="10, S17-S18", uses=["eq-9"], proof_uses=["eq-9"], hypotheses=["full-rank"],
    note="The paper also reads off that H_w has rank one, so m-1 directions point into the valley (Sec. 3, item 3).")
def eq10_top_eigenvalue():
    """H z = lambda z with the stated lambda, and H has rank one (all 2x2 minors vanish) on Omega."""
    for m in DEPTHS:
        w, H = _hessian_on_omega(m)
        z = _z_on_omega(w)
        lam = 2 * SX2 * TAU**2 * sum(zi**2 for zi in z)
        if not all(_is_zero(e) for e in H * z - lam * z):
            return Evidence.refuted(f"z is not an eigenvector with the stated eigenvalue at m = {m}", counterexample={"m": m})
        minors_zero = all(_is_zero(H[i, k] * H[j, l] - H[i, l] * H[j, k])
                          for i, j in itertools.combinations(range(m), 2) for k, l in itertools.combinations(range(m), 2))
        if not minors_zero:
            return Evidence.refuted(f"Hessian has rank > 1 at depth {m}", counterexample={"m": m})
    return Evidence.certified("on Omega, H z = 2 sigma_x^2 tau^2 ||z||^2 z and every 2x2 minor of H vanishes (rank one, and H is "
                   "PSD since sigma_x^2 > 0), so the stated value is the only nonzero eigenvalue; m = 2..8",
                   instances=len(DEPTHS), cases="m = 2..8", method="sympy")


@eq10_top_eigenvalue.check
def eq10_every_depth():
    """H z = lambda z and the trace as sums of symbolic length; every 2x2 minor vanishes for symbolic indices."""
    return _every_depth(SG.top_eigenvalue, "General: the conditions it needs are exactly where the printed right-hand side is defined (every w_j it divides by is non-zero; on Omega that is tau != 0); sigma_x^2 > 0 is the full-rank assumption for scalar data")


@paper.equation(
    "eq-11", r"\min_{\mathbf w\in\mathbb R^m}\sum_{j=1}^m w_j^{-2}\ \ \text{s.t.}\ \prod_{j=1}^m w_j=\tau",
    where="Sec. 3", eq="11, S19", uses=["eq-5", "eq-10"], proof_uses=["eq-10"], hypotheses=["full-rank"],
    note="Equivalent to minimising lambda_max(H_w) over Omega because 2 sigma_x^2 tau^2 > 0 is constant on Omega (tau != 0).")
def eq11_same_argmin():
    """On Omega, lambda_max(H_w) = 2 sigma_x^2 tau^2 * (objective of (11)) with a constant positive factor."""
    for m in DEPTHS:
        w, H = _hessian_on_omega(m)
        z = _z_on_omega(w)
        objective = sum(1 / wi**2 for wi in w).subs(on_minimum_set(w))
        if not _is_zero((z.T * H * z)[0] / (z.T * z)[0] - 2 * SX2 * TAU**2 * objective):
            return Evidence.refuted(f"Rayleigh quotient at z is not 2 sigma^2 tau^2 * sum w^-2 at m = {m}", counterexample={"m": m})
    return Evidence.certified("on Omega the top eigenvalue (Rayleigh quotient at z, eq. 10) equals 2 sigma_x^2 tau^2 times the "
                           "objective of (11), a positive constant factor, so both problems have the same minimisers; m = 2..8",
                           instances=len(DEPTHS), cases="m = 2..8", method="sympy")


@eq11_same_argmin.check
def eq11_every_depth():
    return _every_depth(SG.same_minimisers, "General: the conditions it needs are exactly where the printed right-hand side is defined (every w_j it divides by is non-zero; on Omega that is tau != 0); sigma_x^2 > 0 is the full-rank assumption for scalar data")


eq12 = paper.equation(
    "eq-12", r"\Omega_0=\{\mathbf w: |w_j|=|\tau|^{1/m},\ \prod_{j=1}^m\operatorname{sgn}(w_j)=\operatorname{sgn}(\tau)\}",
    where="Sec. 3, App. III.1", eq="12, S20-S22", uses=["eq-5", "eq-7"], proof_uses=["eq-11"], hypotheses=["full-rank"],
    expect="refuted",
    note="As printed, for every tau. At tau = 0 (sigma_xy = 0, not excluded by the paper) and m >= 3 the Hessian "
         "vanishes at every point of Omega with two zero weights, so those are all flattest while (12) gives {0}. "
         "The appendix's AM-GM proof (S20) divides by w_j, i.e. needs tau != 0: eq-12-corrected.")


@eq12.check
def eq12_at_zero_target():
    """tau = 0, m = 3, sigma_x^2 = 1: H_w = 0 exactly at w = (0, 0, t) for every t."""
    w, t = weights(3), sp.Symbol("t", real=True)
    H = hessian(w, loss(w, sx2=1, tau=0)).subs({w[0]: 0, w[1]: 0, w[2]: t})
    if not H.is_zero_matrix:
        return Evidence.error(f"the stored counterexample does not reproduce: H = {H}")
    return Evidence.refuted("tau = 0, m = 3, sigma_x^2 = 1: the Hessian is 0 at every w = (0, 0, t) in Omega, so these "
                            "points attain the smallest possible lambda_max (H = 2 sigma_x^2 grad P grad P^T is PSD on "
                            "Omega when tau = 0), but (12) gives Omega_0 = {0}",
                            counterexample={"tau": 0, "m": 3, "sigma_x2": 1, "w": "(0, 0, t), any real t", "H": "0"},
                            method="sympy")


@paper.equation(
    "eq-12-corrected", r"\tau\neq0:\ \Omega_0=\{\mathbf w: |w_j|=|\tau|^{1/m},\ \prod_{j=1}^m\operatorname{sgn}(w_j)=\operatorname{sgn}(\tau)\}",
    where="Sec. 3, App. III.1 (tau != 0 added)", eq="12, S20-S22", uses=["eq-5", "eq-7"], proof_uses=["eq-11"],
    hypotheses=["full-rank"], corrects="eq-12",
    note="Eq. (12) with the condition tau != 0 that its AM-GM proof (S20) needs (the depth-generic proof finds it).")
def eq12_kkt_exact():
    """Exact stationary points of (11) with w_m eliminated, in the variables a_j = w_j^2 > 0: the objective is
    sum_{j<m} 1/a_j + prod_{j<m} a_j / tau^2, coercive on (0, inf)^{m-1}, so its minimisers are stationary points."""
    for m in range(2, 7):
        a = sp.symbols(f"a1:{m}", positive=True)
        t = sp.Symbol("tau", positive=True)   # |tau|: the objective only sees tau^2
        F = sum(1 / ai for ai in a) + sp.Mul(*a) / t**2
        sols = sp.solve([sp.numer(sp.together(sp.diff(F, ai))) for ai in a], a, dict=True)
        want = t ** sp.Rational(2, m)
        if len(sols) != 1 or any(sp.simplify(sols[0][ai] - want) != 0 for ai in a):
            return Evidence.refuted(f"stationary points at m = {m} are {sols}, not w_j^2 = |tau|^(2/m)", counterexample={"m": m})
    return Evidence.certified("with a_j = w_j^2 and w_m eliminated, the only stationary point of the coercive objective of (11) "
                           "on (0,inf)^(m-1) is a_j = |tau|^(2/m) for all j (so |w_m| = |tau|^(1/m) too); the sign "
                           "condition is prod w = tau; exact sympy solve for m = 2..6", instances=5, cases="m = 2..6",
                           method="sympy solve")


@eq12_kkt_exact.check
def eq12_search(ctx):
    """High-precision sampling of Omega (m = 2..8), including points near Omega_0: sum w_j^-2 never drops below
    m |tau|^(-2/m), with equality only where all |w_j| are equal."""
    mp.mp.dps = ctx.dps
    rng = ctx.rng
    worst, count = None, 0
    for m in DEPTHS:
        for trial in range(300):
            tau = mp.mpf(float(rng.uniform(0.2, 5.0))) * (1 if rng.random() < 0.5 else -1)
            spread = 10 ** rng.uniform(-8, 1) if trial % 2 else rng.uniform(0, 2)
            logs = [mp.mpf(float(x)) for x in rng.normal(0, spread, m - 1)]
            absw = [mp.power(abs(tau), mp.mpf(1) / m) * mp.e**g for g in logs]
            absw.append(abs(tau) / mp.fprod(absw))
            value = mp.fsum(1 / x**2 for x in absw)
            bound = m * mp.power(abs(tau), -mp.mpf(2) / m)
            slack = (value - bound) / bound
            count += 1
            if worst is None or slack < worst[0]:
                worst = (slack, m, [mp.nstr(x, 20) for x in absw])
            if slack < -mp.mpf(10) ** (-ctx.dps + 5):
                return Evidence.refuted("a point of Omega beats the claimed minimum", counterexample={"m": m, "abs_w": worst[2]},
                                        dps=ctx.dps, seed=ctx.seed)
    return Evidence.checked(f"{count} points of Omega (m = 2..8, log-spread 1e-8..2): relative slack >= {mp.nstr(worst[0], 5)}",
                            slack=mp.nstr(worst[0], 15), instances=count,
                            cases=f"m = 2..8, 300 random points of Omega each (seed {ctx.seed})", dps=ctx.dps, seed=ctx.seed, method="mpmath sampling")


@eq12_kkt_exact.check
def eq12_every_depth():
    """AM-GM for every length (proved by induction inside the engine) on a_j = w_j^-2, equality case, signs."""
    return _every_depth(SG.flattest_set, "General: the only condition, tau != 0, is the corrected claim's hypothesis")


eq13 = paper.equation(
    "eq-13", r"\min_{\mathbf w\in\mathbb R^m}\lambda_{\max}(\mathbf H_{\mathbf w})=2m\hat\sigma_x^2\tau^{2(1-\frac1m)}",
    where="Sec. 3", eq="13, S21", uses=["eq-10"], proof_uses=["eq-10", "eq-12"], hypotheses=["full-rank"],
    expect="refuted",
    note="As printed: the minimum is over all of R^m (the text means over Omega), and tau^{2(1-1/m)} is negative for "
         "tau < 0 at m = 2 (exponent 1). Both readings fail; eq-13-corrected is min over Omega with |tau|.")


@eq13.check
def eq13_as_printed():
    """m = 3, tau = 1, sigma_x^2 = 1: the Hessian at w = 0 is 0, below the printed minimum 6. And m = 2, tau = -1: the
    printed value is -4, while lambda_max(H_w) >= tr(H_w)/2 = sigma_x^2 (w_1^2 + w_2^2) >= 0 everywhere."""
    w = weights(3)
    H0 = hessian(w, loss(w, sx2=1, tau=1)).subs({wi: 0 for wi in w})
    printed3 = 2 * 3 * 1 * sp.Integer(1) ** (2 * (1 - sp.Rational(1, 3)))
    w2 = weights(2)
    tr = hessian(w2, loss(w2, sx2=1, tau=-1)).trace()
    printed2 = 2 * 2 * 1 * sp.Integer(-1) ** (2 * (1 - sp.Rational(1, 2)))
    if not (H0.is_zero_matrix and printed3 == 6 and printed2 == -4 and sp.expand(tr - 2 * (w2[0] ** 2 + w2[1] ** 2)) == 0):
        return Evidence.error("the stored counterexample does not reproduce")
    return Evidence.refuted("min over R^m: at m = 3, tau = 1, sigma_x^2 = 1 the Hessian at w = 0 is 0 < 6 = the printed "
                            "minimum; sign: at m = 2, tau = -1 the printed value is tau^1 * 4 = -4 < 0 <= lambda_max(H_w) "
                            "(trace 2(w_1^2 + w_2^2) >= 0 for a 2x2 symmetric H)",
                            counterexample={"min_over_Rm": {"m": 3, "tau": 1, "sigma_x2": 1, "w": [0, 0, 0],
                                                            "lambda_max": 0, "printed": 6},
                                            "sign": {"m": 2, "tau": -1, "sigma_x2": 1, "printed": -4}},
                            instances=2, method="sympy")


@paper.equation(
    "eq-13-corrected", r"\min_{\mathbf w\in\Omega}\lambda_{\max}(\mathbf H_{\mathbf w})=2m\hat\sigma_x^2|\tau|^{2(1-\frac1m)}\quad(\tau\neq0)",
    where="Sec. 3 (over Omega, with |tau|)", eq="13, S21", uses=["eq-10"], proof_uses=["eq-10", "eq-12-corrected"],
    hypotheses=["full-rank"], corrects="eq-13",
    note="What the text means: the sharpness of the flattest minima, over Omega, with tau^{2(1-1/m)} read as "
         "(tau^2)^{1-1/m}. For tau = 0 both sides are 0 as well (m >= 2).")
def eq13_value():
    """Substitute |w_j| = |tau|^(1/m) into (10) exactly, for tau > 0 and tau < 0."""
    for m in DEPTHS:
        for sign in (1, -1):
            c = sp.Symbol("c", positive=True)          # c = |tau|^(1/m)
            tau = sign * c**m
            lam = 2 * SX2 * tau**2 * sum(1 / c**2 for _ in range(m))
            if sp.simplify(lam - 2 * m * SX2 * (tau**2) ** (1 - sp.Rational(1, m))) != 0:
                return Evidence.refuted(f"value differs at m = {m}, sign {sign}", counterexample={"m": m, "sign": sign})
    return Evidence.certified("2 sigma_x^2 tau^2 * m |tau|^(-2/m) = 2 m sigma_x^2 |tau|^(2(1-1/m)) exactly, m = 2..8, both signs of tau",
                           instances=2 * len(DEPTHS), cases="m = 2..8, tau > 0 and tau < 0", method="sympy")


@eq13_value.check
def eq13_every_depth():
    return _every_depth(SG.flattest_sharpness, "General: tau != 0 is the corrected claim's hypothesis and "
                        "sigma_x^2 > 0 the full-rank assumption for scalar data")


omega0_printed = paper.remark(
    "omega0-cardinality", r"|\Omega_0| = 2^{m-1}",
    where="Sec. 3", uses=["eq-12"], proof_uses=["eq-12"], hypotheses=["full-rank"], expect="refuted",
    note="As printed ('for scalar networks, Omega_0 is a discrete set of cardinality 2^(m-1)'), for every tau. The "
         "paper adds that each connected valley (orthant piece of Omega) holds exactly one flattest point.")


@omega0_printed.check
def omega0_at_zero_target():
    """tau = 0, m = 3: every (0, 0, t) is flattest (H = 0 there), so Omega_0 is infinite."""
    w, t = weights(3), sp.Symbol("t", real=True)
    if not hessian(w, loss(w, sx2=1, tau=0)).subs({w[0]: 0, w[1]: 0, w[2]: t}).is_zero_matrix:
        return Evidence.error("the stored counterexample does not reproduce")
    return Evidence.refuted("tau = 0, m = 3: the Hessian vanishes at every (0, 0, t), so Omega_0 contains a whole line "
                            "(infinite, not 2^(m-1) = 4 points)", counterexample={"tau": 0, "m": 3, "w": "(0, 0, t)"},
                            method="sympy")


@paper.remark(
    "omega0-cardinality-corrected", r"\tau\neq0\ \Rightarrow\ |\Omega_0| = 2^{m-1}",
    where="Sec. 3 (tau != 0 added)", uses=["eq-12-corrected"], proof_uses=["eq-12-corrected"], hypotheses=["full-rank"],
    corrects="omega0-cardinality")
def omega0_count():
    """Enumerate the sign patterns of (12) with exact arithmetic: each gives a distinct point of Omega."""
    for m in DEPTHS:
        for tau in (sp.Rational(3, 2) ** m, -sp.Rational(3, 2) ** m):
            c = sp.Rational(3, 2)
            points = {tuple(s * c for s in signs) for signs in itertools.product((1, -1), repeat=m)
                      if sp.sign(sp.Mul(*signs)) == sp.sign(tau)}
            if len(points) != 2 ** (m - 1) or any(sp.Mul(*p) != tau for p in points):
                return Evidence.refuted(f"count {len(points)} != 2^(m-1) at m = {m}", counterexample={"m": m, "tau": str(tau)})
    return Evidence.certified("exact enumeration: for m = 2..8 and tau = +-(3/2)^m, exactly 2^(m-1) sign patterns give distinct "
                           "points with |w_j| = |tau|^(1/m) and prod w = tau", instances=2 * len(DEPTHS),
                           cases="m = 2..8, tau = +-(3/2)^m", method="enumeration")


@omega0_count.check
def omega0_every_depth():
    """The count of sign patterns with a given product, by induction on the length."""
    return _every_depth(SG.flattest_count, "General: tau != 0 is the corrected claim's hypothesis")


def _line_curvatures(m: int):
    """Curvature of the loss along the line from a flattest w1 to w2 (same sign pattern, w2 in Omega), and along the
    line from w1 to w3 = w1^2/w2 (eq. S29), at both ends. Returns (symbols, k12_at_w1, k12_at_w2, k13_at_w1, k13_at_w3, w3)."""
    c = sp.Symbol("c", positive=True)                         # |tau|^(1/m)
    signs = [(-1) ** (j % 2) for j in range(m)]               # a generic sign pattern
    r = list(sp.symbols(f"r1:{m}", positive=True))            # ratios w2/w1 > 0 (same orthant)
    r.append(1 / sp.Mul(*r))
    tau = sp.Mul(*signs) * c**m
    w1 = [s * c for s in signs]
    w2 = [s * c * ri for s, ri in zip(signs, r)]
    w3 = [a**2 / b for a, b in zip(w1, w2)]
    f = lambda w: loss(w, tau=tau)  # noqa: E731
    return (c, r, tau, line_curvature(f, w1, w2, 0), line_curvature(f, w1, w2, 1),
            line_curvature(f, w1, w3, 0), line_curvature(f, w1, w3, 1), w3)


@paper.lemma(
    "claim-s1", r"\tau>0,\ \mathbf w^{(1)},\mathbf w^{(2)}\in\Omega\cap\mathbb R_+^m:\ \text{along their line }\ell\text{ looks sharper at }\mathbf w^{(1)}\ \text{if}\ \sum_i w^{(2)}_i/w^{(1)}_i>\sum_i w^{(1)}_i/w^{(2)}_i",
    where="App. III.2", eq="S23-S28", uses=["eq-7"], proof_uses=["eq-9"], hypotheses=["full-rank"],
    note="Encoded as printed ('if'). The proof gives 'iff', and the proof of Lemma 2 (S30) uses the converse "
         "direction, so the 'iff' is what the appendix needs; the depth-generic check proves both directions. "
         "'Looks sharper' = larger second derivative of the loss along the connecting line (S24).")
def claim_s1_exact():
    """With r_i = w2_i/w1_i: k(w1) - k(w2) = 2 sigma_x^2 tau^2 (sum r - sum 1/r)(sum r + sum 1/r - 2m), and the
    second factor is >= 0 by AM-GM (prod r = 1); checked as an exact identity for m = 2..6."""
    for m in range(2, 7):
        c, r, tau, k1, k2, *_ = _line_curvatures(m)
        sr, sinv = sum(r), sum(1 / ri for ri in r)
        if not _is_zero(k1 - k2 - 2 * SX2 * tau**2 * (sr - sinv) * (sr + sinv - 2 * m)):
            return Evidence.refuted(f"curvature difference identity fails at m = {m}", counterexample={"m": m})
    return Evidence.certified("exact identity k(w1) - k(w2) = 2 sigma_x^2 tau^2 (S r - S 1/r)(S r + S 1/r - 2m) for all "
                           "w2 in the orthant of w1, m = 2..6; with AM-GM (S r, S 1/r >= m) the sign is that of "
                           "S r - S 1/r, which is the claim", instances=5, cases="m = 2..6", method="sympy")


@claim_s1_exact.check
def claim_s1_every_depth():
    """Derivative of a product of symbolic length along the line; S + R - 2m = sum (r_j - 1)^2 / r_j >= 0."""
    return _every_depth(SG.line_curvatures, "Both directions (iff). General: tau > 0 and w1, w2 in R_+^m (the claim's "
                        "hypotheses) give every condition; tau != 0 would suffice")


@paper.lemma(
    "lemma-2", r"\mathbf w^{(1)}\in\Omega_0,\ \mathbf w^{(2)}\in\Omega\text{ same signs},\ \mathbf w^{(2)}\text{ looks sharper than }\mathbf w^{(1)}\ \Rightarrow\ \exists\,\mathbf w^{(3)}\in\Omega\text{ that looks flatter than }\mathbf w^{(1)}",
    where="Sec. 3, App. III.2", eq="S29-S31", uses=["eq-5", "eq-7"], proof_uses=["claim-s1", "eq-12-corrected"], hypotheses=["full-rank"],
    note="'Looks' refers to the interpolation plot along the line joining the two minima. The proof takes "
         "w3_i = (w1_i)^2 / w2_i (S29). For m = 2 the hypothesis never holds (eq. S32), so the lemma is vacuous there.")
def lemma2_exact():
    """With w3 = w1^2/w2: prod w3 = tau, and the two curvatures on the w1-w3 line are those of the w1-w2 line swapped:
    k13(w1) = k12(w2), k13(w3) = k12(w1). Hence 'w2 looks sharper than w1' gives 'w1 looks sharper than w3'."""
    for m in range(2, 7):
        c, r, tau, k12_1, k12_2, k13_1, k13_3, w3 = _line_curvatures(m)
        if not (_is_zero(sp.Mul(*w3) - tau) and _is_zero(k13_1 - k12_2) and _is_zero(k13_3 - k12_1)):
            return Evidence.refuted(f"the swap identities fail at m = {m}", counterexample={"m": m})
    return Evidence.certified("exact identities for m = 2..6 and every w2 in the orthant of a flattest w1 (alternating sign "
                           "pattern): prod w3 = tau, k(w1; w1-w3 line) = k(w2; w1-w2 line), k(w3; w1-w3 line) = k(w1; w1-w2 line)",
                           instances=5, cases="m = 2..6, alternating sign pattern", method="sympy")


@lemma2_exact.check
def lemma2_search_deep(ctx):
    """Deeper nets (m = 7..16): random rational w2 in the orthant of w1, exact Fraction arithmetic; whenever w2 looks
    sharper than w1, the w3 of (S29) is checked to be a minimum that looks flatter than w1."""
    rng = ctx.rng
    hits, total = 0, 0
    for m in range(7, 17):
        c = Fraction(int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        for _ in range(60):
            signs = [1 if rng.random() < 0.5 else -1 for _ in range(m)]
            r = random_positive_rationals(rng, m - 1)
            prod = Fraction(1)
            for x in r:
                prod *= x
            r.append(1 / prod)
            w1 = [s * c for s in signs]
            w2 = [s * c * x for s, x in zip(signs, r)]
            w3 = [a * a / b for a, b in zip(w1, w2)]
            total += 1
            k = lambda a, b, at: _exact_line_curvature(a, b, at)  # noqa: E731
            if k(w1, w2, 1) > k(w1, w2, 0):          # w2 looks sharper than w1
                hits += 1
                if not (_prod(w3) == _prod(w1) and k(w1, w3, 0) > k(w1, w3, 1)):
                    return Evidence.refuted("w3 of (S29) does not look flatter", counterexample={"m": m, "w1": w1, "w2": w2},
                                            seed=ctx.seed)
    return Evidence.certified(f"{total} exact random instances with m = 7..16; in {hits} the hypothesis held and w3 looked "
                            "flatter than w1 every time", instances=hits,
                            cases=f"m = 7..16, 60 random rational w2 each, {hits} meeting the hypothesis (seed {ctx.seed})",
                            tried=total, seed=ctx.seed, method="exact rationals")


@lemma2_exact.check
def lemma2_every_depth():
    """tau != 0: w3 = w1^2/w2 swaps the two curvatures (every m); tau = 0: the hypothesis never holds."""
    ev = DG.run(SG.reflected_minimum)
    degenerate = DG.run(SG.reflected_minimum_at_zero_target)
    if ev.status.value != "proved" or degenerate.status.value != "proved":
        return ev if ev.status.value != "proved" else degenerate
    return Evidence.proved(f"{ev.detail}. Case tau = 0: {degenerate.detail}. General: both cases together cover every "
                           "tau; the entries of w1, w2 are non-zero when tau != 0 (prod = tau), and w1 in Omega_0 is not used",
                           method=ev.data["method"], conditions=ev.data["conditions"] + degenerate.data["conditions"],
                           steps=ev.data["steps"] + degenerate.data["steps"])


@paper.remark(
    "claim-s1-widened", r"\tau\neq0,\ \mathbf w^{(1)},\mathbf w^{(2)}\in\Omega\ \text{in one orthant}:\ \text{along their line }\ell\text{ looks sharper at }\mathbf w^{(1)}\iff\sum_i w^{(2)}_i/w^{(1)}_i>\sum_i w^{(1)}_i/w^{(2)}_i",
    where="App. III.2 (ours: widened)", uses=["claim-s1"], proof_uses=["eq-9"], hypotheses=["full-rank"],
    note="Ours: Claim S1 assumes tau > 0 and the positive orthant; the depth-generic proof uses only tau != 0 and "
         "w2_i / w1_i > 0 (one orthant, any signs), and gives 'iff'.")
def claim_s1_widened():
    return _every_depth(SG.line_curvatures, "General: its conditions (tau != 0, r_j > 0, non-zero entries, "
                        "sigma_x^2 > 0) are exactly this claim's hypotheses")


@paper.remark(
    "lemma-2-widened", r"\mathbf w^{(1)},\mathbf w^{(2)}\in\Omega,\ \text{all entries}\neq0:\ \mathbf w^{(3)}=(\mathbf w^{(1)})^2/\mathbf w^{(2)}\in\Omega,\ \text{and }\mathbf w^{(2)}\text{ looks sharper than }\mathbf w^{(1)}\Rightarrow\mathbf w^{(3)}\text{ looks flatter than }\mathbf w^{(1)}",
    where="Sec. 3, App. III.2 (ours: widened)", uses=["lemma-2"], hypotheses=["full-rank"],
    note="Ours: the reflection (S29) works from any minimum w1 with non-zero entries, not only from a flattest one, "
         "and w2 need not share w1's signs.")
def lemma2_widened():
    return _every_depth(SG.reflected_minimum, "General: its conditions (non-zero entries, tau != 0, which they imply) "
                        "are this claim's hypotheses")


def _prod(xs):
    p = Fraction(1)
    for x in xs:
        p *= x
    return p


def _exact_line_curvature(a, b, at: int) -> Fraction:
    """(1/(2 sigma_x^2)) d^2/dt^2 l(a + t(b-a)) at t = at, for a, b in Omega: equals (dP/dt)^2 with P = prod w."""
    point = a if at == 0 else b
    dP = sum((bi - ai) * _prod(point[:i] + point[i + 1:]) for i, (ai, bi) in enumerate(zip(a, b)))
    return dP * dP


@paper.remark(
    "eq-s32", r"m=2:\ \text{the interpolation plot shows } \mathbf w^{(1)}\in\Omega_0 \text{ and any } \mathbf w^{(2)}\in\Omega \text{ (same signs) equally sharp}",
    where="Sec. 3 (Fig. 2), App. III.2", eq="S32", uses=["eq-7"], proof_uses=["claim-s1"], hypotheses=["full-rank"],
    note="The paper adds that for m > 2 this is not always so (remark-interpolation-deeper).")
def s32_two_layers_equal():
    c, r, tau, k1, k2, *_ = _line_curvatures(2)
    if not _is_zero(k1 - k2):
        return Evidence.refuted("curvatures differ for m = 2")
    return Evidence.proved("exact: for m = 2 the loss curvature along the line w1-w2 is the same at both ends for every w2 "
                           "in the orthant of w1. General: the statement is about m = 2 only, and c = |tau|^(1/2) and the "
                           "ratio r are symbols, so every tau and every w2 are covered", method="sympy")


@paper.remark(
    "remark-interpolation-deeper", r"m>2:\ \text{the two ends of the interpolation line need not look equally sharp}",
    where="Sec. 3", uses=["eq-7"], hypotheses=["full-rank"],
    about="m = 3, tau = 1, w1 = (1, 1, 1), w2 = (2, 2, 1/4)")
def deeper_differs():
    """An exact m = 3 instance where the two ends look different."""
    c = Fraction(1)
    w1 = [c, c, c]
    w2 = [Fraction(2), Fraction(2), Fraction(1, 4)]
    k1, k2 = _exact_line_curvature(w1, w2, 0), _exact_line_curvature(w1, w2, 1)
    if k1 == k2:
        return Evidence.refuted("expected different curvatures at m = 3", counterexample={"w2": w2})
    return Evidence.proved(f"exact m = 3 instance (tau = 1, w2 = (2, 2, 1/4)): curvatures {k1} at w1 vs {k2} at w2 "
                           "(in units of 2 sigma_x^2), so the equality is special to m = 2", method="exact rationals")
