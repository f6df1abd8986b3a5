"""Sec. 4.2 and supp. VIII-IX of Mulayoff, Michaeli & Soudry 2021: toggle counts, Lemma 5 (32) with
its proof steps (S61)-(S70), (33)-(36), Theorem 2 in the submission's form (24) and in the form the
supplement supports (S71)-(S75), the knot count p_max <= 1 + k - L and Corollary 1.
"""

from fractions import Fraction

import numpy as np
import sympy as sp

from symflat.claims import Evidence

from . import _lib as lib
from . import paper
from .stability import _mode_setup

paper.definition(
    "definition-toggles",
    r"p_j=\#\{i:\ w^{(1)}_ix_j+b^{(1)}_i=0\}\ \text{(neurons toggling on }x_j),\ p=\sum_jp_j,\ p_{\max}=\max_jp_j;\ "
    r"a(i,j)=|[\mathbb I^{m_j}-\mathbb I^{\tilde m_j}]_i|",
    where="Sec. 4.2; supp. VIII", uses=["definition-modes"],
    note="The supplement words p_j as 'neurons whose activation threshold coincides with x_j'; with the convention "
         "tau_i = 0 for w1_i = 0 (S36) that differs for a neuron with w1_i = b1_i = 0, which toggles on every x_j. "
         "We count toggles, which is what (S64)-(S67) need.",
)
paper.assumption(
    "c-bound-main",
    r"\|\nabla_\theta f(x_i)\|_\infty\le C\ \forall i\in[n]\ \text{(gradients (S32) at the actual pattern)}",
    where="Sec. 4.2 (Lemma 5, main text)",
)
paper.assumption(
    "c-bound-modes",
    r"\|\nabla_\theta\phi(x_j;\theta^*,m_j)\|_\infty\le C\ \forall\mathbf m\in\mathcal I,\ j\in[n]",
    where="supp. VIII (after S66)",
    note="Printed as ||phi(x_j; theta*, m_j)||_inf <= C; phi is the network's output, whose bound would be max|y_j|. "
         "The proof uses the entries of grad phi, so we read it that way.",
)


def _p_max(theta, k, xs):
    kk = lib.kinks(theta, k, xs)
    return max([sum(1 for (j, _) in kk if j == jj) for jj in range(len(xs))] + [0])


def lemma5_slack(theta, k, xs, which, multiplicity=1):
    """min over pairs (H, H~) in I of rhs - lhs of (32); C from the main text or from all modes; p_max is multiplied by
    ``multiplicity`` (the largest number of copies of an input, for repeated inputs)."""
    n = len(xs)
    modes, Ps, Hs, actual = _mode_setup(theta, k, xs)
    C = float(np.max(np.abs(Ps[actual]))) if which == "main" else max(float(np.max(np.abs(P))) for P in Ps)
    pm = _p_max(theta, k, xs) * multiplicity
    lam = [np.linalg.eigvalsh(H)[-1] for H in Hs]
    worst = np.inf
    for a, H in enumerate(Hs):
        w, V = np.linalg.eigh(H)
        q = V[:, -1]
        for b, Ht in enumerate(Hs):
            lhs = np.linalg.norm(Ht @ q - w[-1] * q)
            rhs = np.sqrt(3) * C * (np.sqrt(lam[a]) + np.sqrt(lam[b])) * np.sqrt(pm / n)
            worst = min(worst, (rhs - lhs) / max(rhs, lhs, 1e-300))
    return worst


@paper.lemma(
    "lemma-5",
    r"\|\nabla_\theta f(x_i)\|_\infty\le C\ \forall i,\ \mathbf H\in\mathcal H\ \text{with top pair}\ (\lambda_{\max}(\mathbf H),\mathbf q):\ "
    r"\|\tilde{\mathbf H}\mathbf q-\lambda_{\max}(\mathbf H)\mathbf q\|\le\sqrt3C\big(\sqrt{\lambda_{\max}(\mathbf H)}+\sqrt{\lambda_{\max}(\tilde{\mathbf H})}\big)\sqrt{p_{\max}/n}\ \forall\tilde{\mathbf H}\in\mathcal H",
    where="Sec. 4.2 (Lemma 5)", eq="32, S69, S70", uses=["definition-toggles", "h-mode"], hypotheses=["c-bound-main", "distinct-inputs"],
    proof_uses=["eq-s61-s63", "eq-s64", "eq-s68"], expect="refuted",
    note="With the main text's hypothesis C only bounds the gradients at the actual (strict) pattern, where a neuron "
         "toggling on x_j is off; the modes that switch it on carry entries x_j w2_i, w2_i that C does not control.",
)
def lemma5_main_counterexample(ctx):
    """Exact (see _lemma5_instance)."""
    return _lemma5_instance()


def _lemma5_instance():
    """Exact: k = 1, n = 2, x = (-3/4, 0), theta = (w1, b1, w2, b2) = (5/2, 0, -3, -2) (y = (-2, -2)).
    The knot sits on x_2 = 0. Actual pattern: neuron off everywhere, Phi = [e4, e4], C = 1. Mode
    m~ switches it on at x_2. H = H_m~ (top pair lambda = (11 + sqrt 85)/4, q), H~ = H_m' = e4 e4^T."""
    x = [sp.Rational(-3, 4), sp.Integer(0)]
    w1, b1, w2 = sp.Rational(5, 2), sp.Integer(0), sp.Integer(-3)
    col = lambda xj, on: sp.Matrix([xj * w2 * on, w2 * on, (xj * w1 + b1) * on, 1])  # noqa: E731
    P_off = sp.Matrix.hstack(col(x[0], 0), col(x[1], 0))
    P_on = sp.Matrix.hstack(col(x[0], 0), col(x[1], 1))
    H_off, H_on = P_off * P_off.T / 2, P_on * P_on.T / 2
    C = max(abs(v) for v in P_off)
    lam = max(H_on.eigenvals())
    q = (H_on - lam * sp.eye(4)).nullspace()[0]
    q = q / sp.sqrt((q.T * q)[0, 0])
    lhs = sp.sqrt(sum(v ** 2 for v in (H_off * q - lam * q)))
    lam_off = max(H_off.eigenvals())
    rhs = sp.sqrt(3) * C * (sp.sqrt(lam) + sp.sqrt(lam_off)) * sp.sqrt(sp.Rational(1, 2))
    lv, rv = sp.N(lhs, 50), sp.N(rhs, 50)
    if lv > rv:
        return Evidence.refuted(f"||H~ q - lambda q|| = {sp.N(lhs, 12)} > {sp.N(rhs, 12)} = rhs of (32) (C = {C}, p_max = 1, n = 2; "
                                f"lambda = {sp.simplify(lam)})",
                                counterexample={"k": 1, "x": ["-3/4", "0"], "theta": ["5/2", "0", "-3", "-2"], "lhs": str(lv), "rhs": str(rv), "C": str(C)},
                                dps=50, method="sympy exact eigenpair")
    return Evidence.checked("the instance satisfies (32)", instances=1, cases="the stored counterexample instance")


@lemma5_main_counterexample.check
def lemma5_main_random(ctx):
    """Random rational minima with knots on data points: how often (32) fails with the main text's C."""
    rng, fails, total, worst = ctx.rng, 0, 0, np.inf
    for _ in range(60):
        n, k = int(rng.integers(2, 6)), int(rng.integers(1, 5))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(1, 3)))
        s = lemma5_slack(theta, k, xs, "main")
        worst = min(worst, s)
        fails += s < -1e-9
        total += 1
    if fails:
        return Evidence.refuted(f"(32) with the main text's C fails on {fails}/{total} random kinked minima (worst relative slack {worst:.2f})",
                                seed=ctx.seed, instances=total)
    return Evidence.checked(f"no failure on {total} random kinked minima", seed=ctx.seed, instances=total, cases="random kinked minima")


@paper.lemma(
    "lemma-5-repeated-inputs",
    r"\text{(S69) of lemma-5-corrected, the inputs allowed to repeat: } x_i = x_j \text{ for some } i \ne j",
    where="ours (widening audit of Lemma 5)", eq="S69", uses=["lemma-5-corrected"], hypotheses=["c-bound-modes", "no-origin-neuron"],
    expect="refuted",
    note="Widening audit: with a repeated input a neuron toggles on every copy, so (S64)'s sum_j a(i, j) <= 1 fails; "
         "repair: lemma-5-repeated-inputs-corrected (p_max times the largest multiplicity r).",
)
def lemma5_repeated():
    """k = 1, theta = (-5/4, -15/8, 5/4, -1/4) (knot at -3/2), x = (-3/2, 3/4, -3/2, -3/2, -3/2): the knot's input appears
    4 times, p_max = 1, all 16 modes in I; the worst pair violates (S69) (mpmath, 50 and 100 digits agree)."""
    xs = [Fraction(-3, 2), Fraction(3, 4), Fraction(-3, 2), Fraction(-3, 2), Fraction(-3, 2)]
    theta = np.array([Fraction(-5, 4), Fraction(-15, 8), Fraction(5, 4), Fraction(-1, 4)], dtype=object)
    w50, arg = _mp_lemma5_slack(xs, theta, 1, 50)
    w100, _ = _mp_lemma5_slack(xs, theta, 1, 100)
    if w50 < 0 and abs(w50 - w100) < 1e-40:
        return Evidence.refuted(f"rhs - lhs of (S69) = {float(w50):.6g} < 0 (lhs {float(arg[2]):.8g}, rhs {float(arg[3]):.8g}) with the "
                                "input -3/2 repeated 4 times", counterexample={"k": 1, "theta": [str(v) for v in theta], "x": [str(v) for v in xs],
                                                                                "mode_H": arg[0], "mode_H_tilde": arg[1], "slack": str(w50)}, dps=100)
    return Evidence.checked(f"holds at this instance (slack {float(w50):.3g})", instances=1, cases="the stored counterexample instance")


@paper.lemma(
    "lemma-5-repeated-inputs-corrected",
    r"\text{(S69) with}\ p_{\max}\ \text{replaced by}\ r\,p_{\max},\ r=\max_x\#\{j:x_j=x\}\ \text{(C over all modes, no origin neuron)}",
    where="ours (repairs lemma-5-repeated-inputs)", eq="S69", uses=["lemma-5-corrected"], hypotheses=["c-bound-modes", "no-origin-neuron"],
    corrects="lemma-5-repeated-inputs",
    note="A neuron then toggles on at most r samples (the copies of its knot), so (S64) holds with r in place of 1 and the "
         "factor sqrt(p_max) of (S68) becomes sqrt(r p_max).",
)
def lemma5_repeated_corrected(ctx):
    """The counterexample above and random kinked rational minima whose kinked inputs are repeated 1-3 extra times (plus one
    more random repeat): (S69) with r p_max, every pair of modes (floats; the stored instance also at 50 digits)."""
    xs = [Fraction(-3, 2), Fraction(3, 4), Fraction(-3, 2), Fraction(-3, 2), Fraction(-3, 2)]
    theta = np.array([Fraction(-5, 4), Fraction(-15, 8), Fraction(5, 4), Fraction(-1, 4)], dtype=object)
    cases = [(theta, 1, xs)]
    rng = ctx.rng
    while len(cases) < 40:
        n, k = int(rng.integers(2, 5)), int(rng.integers(1, 4))
        th, xx, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(1, 3)))
        js = sorted({j for j, _ in lib.kinks(th, k, xx)})
        xx = list(xx) + [xx[j] for j in js] * int(rng.integers(1, 4)) + [xx[int(rng.integers(n))]]
        if sum(1 for x in xx for i in range(k) if th[i] * x + th[k + i] == 0) <= 5:
            cases.append((th, k, xx))
    worst = np.inf
    for th, k, xx in cases:
        r = max(xx.count(x) for x in xx)
        worst = min(worst, lemma5_slack(th, k, xx, "modes", multiplicity=r))
    if worst < -1e-9:
        return Evidence.refuted(f"(S69) with r p_max fails (relative slack {worst:.2e})")
    return Evidence.checked(f"(S69) with r p_max holds on {len(cases)} minima with repeated inputs, all mode pairs (min relative slack "
                            f"{worst:.2e})", instances=len(cases), seed=ctx.seed, slack=float(worst),
                            cases="the lemma-5-repeated-inputs instance and 39 kinked rational minima with repeated kinked inputs (<= 5 toggles)")


@paper.lemma(
    "lemma-5-main-repaired",
    r"\text{(32) with the main text's hypothesis replaced by c-bound-modes (}C\text{ over all modes in }\mathcal I\text{) and no neuron with}"
    r"\ w^{(1)}_i=b^{(1)}_i=0\ \text{(the statement of lemma-5-corrected)}",
    where="ours (corrects Lemma 5 of the main text)", eq="32", uses=["lemma-5-corrected"], proof_uses=["lemma-5-corrected"],
    hypotheses=["c-bound-modes", "distinct-inputs", "no-origin-neuron"], corrects="lemma-5",
)
def lemma5_main_repaired(ctx):
    """At Lemma 5's counterexample (k = 1, x = (-3/4, 0), theta = (5/2, 0, -3, -2)) C over all modes is 3, and (32)
    holds for every pair of modes (mpmath, 50 and 100 digits agree); on the random kinked minima where the main
    text's C fails, the repaired C never does."""
    xs = [Fraction(-3, 4), Fraction(0)]
    theta = np.array([Fraction(5, 2), Fraction(0), Fraction(-3), Fraction(-2)], dtype=object)
    w50, _ = _mp_lemma5_slack(xs, theta, 1, 50)
    w100, _ = _mp_lemma5_slack(xs, theta, 1, 100)
    if w50 < 0 or abs(w50 - w100) > 1e-40:
        return Evidence.refuted(f"(32) with C over all modes fails at Lemma 5's counterexample (slack {float(w50):.3g})")
    rng, repaired, total = ctx.rng, 0, 1
    for _ in range(40):
        n, k = int(rng.integers(2, 6)), int(rng.integers(1, 5))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(1, 3)))
        if lemma5_slack(theta, k, xs, "main") < -1e-9:
            if lemma5_slack(theta, k, xs, "modes") < -1e-9:
                return Evidence.refuted("the repaired (32) fails where the main text's fails", counterexample={"theta": [str(v) for v in theta], "x": [str(v) for v in xs]})
            repaired += 1
        total += 1
    return Evidence.checked(f"holds at Lemma 5's counterexample (slack {float(w50):.4g}) and on the {repaired} of {total - 1} random kinked "
                            "minima where the main text's C fails", instances=total, seed=ctx.seed,
                            cases="Lemma 5's counterexample and 40 random kinked rational minima")


@paper.lemma(
    "lemma-5-output-bound",
    r"\text{(S69) with the hypothesis as printed:}\ \|\phi(x_j;\theta^*,m_j)\|_\infty\le C\ \forall\mathbf m\in\mathcal I,\ j",
    where="supp. VIII (after S66), as printed", eq="S69", uses=["definition-toggles", "h-mode"], hypotheses=["distinct-inputs"],
    proof_uses=["eq-s61-s63", "eq-s64", "eq-s68"], expect="refuted",
    note="phi(x_j; theta*, m_j) is the network's output, equal to y_j for every m in I (S56), so the printed hypothesis bounds "
         "max |y_j|; c-bound-modes reads it as a bound on the entries of grad phi, which is what (S66) uses.",
)
def lemma5_output_bound(ctx):
    """k = 1, x = (-1, 0), theta = (1, 0, 1, 0): f = relu(x) vanishes on the data (y = 0), so the printed C is 0 and
    the right side of (S69) is 0, while the knot on x = 0 gives two modes with different Hessians and a positive left side."""
    col = lambda xj, on: sp.Matrix([xj * on, on, xj * on, 1])  # noqa: E731  (w1 = w2 = 1, b1 = 0)
    P_on = sp.Matrix.hstack(col(-1, 0), col(0, 1))
    P_off = sp.Matrix.hstack(col(-1, 0), col(0, 0))
    H_on, H_off = P_on * P_on.T / 2, P_off * P_off.T / 2
    lam = max(H_on.eigenvals())
    q = (H_on - lam * sp.eye(4)).nullspace()[0]
    q = q / sp.sqrt((q.T * q)[0, 0])
    lhs = sp.sqrt(sum(v ** 2 for v in (H_off * q - lam * q)))
    C = 0   # max_j |phi(x_j; theta*, m_j)| = max_j |y_j| = 0 for every mode in I
    if sp.N(lhs, 50) > 0:
        return Evidence.refuted(f"printed C = max|phi(x_j)| = 0 makes the right side 0, but ||H_off q - lambda q|| = {sp.N(lhs, 12)} "
                                f"(lambda = {lam})", counterexample={"k": 1, "x": ["-1", "0"], "theta": ["1", "0", "1", "0"], "C": C,
                                                                      "lhs": str(sp.N(lhs, 30))}, method="sympy exact eigenpair")
    return Evidence.checked("the left side vanishes here", instances=1, cases="the stored counterexample instance")


@paper.lemma(
    "lemma-5-output-bound-repaired",
    r"\text{(S69) with}\ C\ \text{bounding the entries of}\ \nabla_\theta\phi(x_j;\theta^*,m_j)\ \text{(c-bound-modes), no origin neuron}",
    where="ours (corrects the printed hypothesis of S69)", eq="S69", uses=["lemma-5-corrected"], proof_uses=["lemma-5-corrected"],
    hypotheses=["c-bound-modes", "distinct-inputs", "no-origin-neuron"], corrects="lemma-5-output-bound",
)
def lemma5_output_bound_repaired(ctx):
    """At the counterexample of the printed hypothesis, C over the gradient entries of all modes is 1 and (S69) holds for
    every pair of modes (mpmath, 50 and 100 digits)."""
    xs = [Fraction(-1), Fraction(0)]
    theta = np.array([Fraction(1), Fraction(0), Fraction(1), Fraction(0)], dtype=object)
    w50, _ = _mp_lemma5_slack(xs, theta, 1, 50)
    w100, _ = _mp_lemma5_slack(xs, theta, 1, 100)
    if w50 < 0 or abs(w50 - w100) > 1e-40:
        return Evidence.refuted(f"(S69) with C over the gradient entries fails here (slack {float(w50):.3g})")
    return Evidence.checked(f"(S69) holds for every pair of modes at this instance (slack {float(w50):.4g}, 50 and 100 digits agree)",
                            instances=1, dps=100, cases="k = 1, x = (-1, 0), theta = (1, 0, 1, 0)")


paper.assumption(
    "no-origin-neuron",
    r"(w^{(1)}_i,b^{(1)}_i)\ne(0,0)\ \forall i\ \text{(every neuron toggles on at most one of the distinct inputs)}",
    where="ours (what (S64) needs)",
)


def _mp_lemma5_slack(xs, theta, k, dps=50):
    """min over mode pairs of rhs - lhs of (S69) with C over all modes, in mpmath at ``dps`` digits."""
    import mpmath

    with mpmath.workdps(dps):
        n = len(xs)
        modes = lib.modes_in_I(theta, k, xs)
        Ps = [mpmath.matrix([[mpmath.mpf(Fraction(v).numerator) / Fraction(v).denominator for v in row] for row in lib.phi(theta, k, xs, m).tolist()])
              for m in modes]
        Hs = [P * P.T / n for P in Ps]
        C = max(max(abs(P[a, b]) for a in range(P.rows) for b in range(P.cols)) for P in Ps)
        pm = _p_max(theta, k, xs)
        eig = [mpmath.eigsy(H) for H in Hs]
        lam = [max(E) for E, _ in eig]
        worst, arg = None, None
        for a, (E, Q) in enumerate(eig):
            top = max(range(len(E)), key=lambda i: E[i])
            q = Q[:, top]
            for b, Ht in enumerate(Hs):
                lhs = mpmath.norm(Ht * q - lam[a] * q)
                rhs = mpmath.sqrt(3) * C * (mpmath.sqrt(lam[a]) + mpmath.sqrt(lam[b])) * mpmath.sqrt(mpmath.mpf(pm) / n)
                if worst is None or rhs - lhs < worst:
                    worst, arg = rhs - lhs, (modes[a].tolist(), modes[b].tolist(), lhs, rhs)
        return worst, arg


@paper.lemma(
    "lemma-5-modes",
    r"\text{(32) with}\ \|\nabla_\theta\phi(x_j;\theta^*,m_j)\|_\infty\le C\ \forall\mathbf m\in\mathcal I,\ j",
    where="supp. VIII (S69)-(S70)", eq="S69, S70", uses=["definition-toggles", "h-mode"], hypotheses=["c-bound-modes", "distinct-inputs"],
    proof_uses=["eq-s61-s63", "eq-s64", "eq-s68"], expect="refuted",
    note="The supplement's version of Lemma 5. Its proof breaks at (S64) for a neuron with w1_i = b1_i = 0, which toggles on "
         "every x_j, and so does the conclusion.",
)
def lemma5_modes_counterexample(ctx):
    """k = 1, theta = (w1, b1, w2, b2) = (0, 0, 4, 0) (f = 0), x = (-3, -5/2, 2, 5/2, 3), y = 0: all 2^5
    modes are in I, p_max = 1, C = 12; the worst pair violates (S69). mpmath eigenpairs at 50 and 100 digits."""
    xs = [Fraction(v, 2) for v in (-6, -5, 4, 5, 6)]
    theta = np.array([Fraction(0), Fraction(0), Fraction(4), Fraction(0)], dtype=object)
    w50, arg = _mp_lemma5_slack(xs, theta, 1, 50)
    w100, _ = _mp_lemma5_slack(xs, theta, 1, 100)
    if w50 < 0 and abs(w50 - w100) < 1e-40:
        return Evidence.refuted(f"rhs - lhs of (S69) = {float(w50):.6g} < 0 (lhs {float(arg[2]):.8g}, rhs {float(arg[3]):.8g}) between modes "
                                f"{arg[0]} and {arg[1]} (stable at 50 and 100 digits)",
                                counterexample={"k": 1, "theta": ["0", "0", "4", "0"], "x": [str(v) for v in xs], "mode_H": arg[0], "mode_H_tilde": arg[1],
                                                "slack": str(w50)}, dps=100)
    return Evidence.checked(f"no violation at this instance (slack {float(w50):.3g})", instances=1, cases="the stored counterexample instance")


@lemma5_modes_counterexample.check
def lemma5_modes_random_dead(ctx):
    """Random minima with one w1 = b1 = 0 neuron (floats): how often (S69) fails."""
    rng, fails, total = ctx.rng, 0, 0
    for _ in range(80):
        n, k = int(rng.integers(3, 7)), int(rng.integers(1, 3))
        xs = lib.random_data(rng, n, spread=float(rng.choice([0.5, 1, 3])))
        w1, b1, w2, b2 = lib.split(lib.random_theta(rng, k + 1), k + 1)
        w1[-1] = b1[-1] = 0.0
        theta = lib.join(w1, b1, w2, b2)
        fails += lemma5_slack(theta, k + 1, list(xs), "modes") < -1e-9
        total += 1
    if fails:
        return Evidence.refuted(f"(S69) fails on {fails}/{total} random minima with a w1 = b1 = 0 neuron", seed=ctx.seed, instances=total)
    return Evidence.checked(f"no failure on {total} minima with a w1 = b1 = 0 neuron", seed=ctx.seed, instances=total, cases="random minima with a w1 = b1 = 0 neuron")


@paper.lemma(
    "lemma-5-corrected",
    r"\text{(32) with}\ C\ \text{as in c-bound-modes, when no neuron has}\ w^{(1)}_i=b^{(1)}_i=0",
    where="ours (corrects Lemma 5)", eq="S69", uses=["definition-toggles", "h-mode"],
    hypotheses=["c-bound-modes", "distinct-inputs", "no-origin-neuron"], proof_uses=["eq-s61-s63", "eq-s64-corrected", "eq-s68-corrected"],
    corrects="lemma-5-modes",
)
def lemma5_corrected_random(ctx):
    """Random rational minima with knots on data points (no w1 = b1 = 0 neuron), every pair of modes in I,
    plus float minima with large weights on the toggling neurons."""
    rng, total, worst = ctx.rng, 0, np.inf
    for t in range(100):
        n, k = int(rng.integers(2, 6)), int(rng.integers(1, 5))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(1, 3)))
        if t % 2:
            theta = theta.copy()
            theta[2 * k] *= 25
        s = lemma5_slack(theta, k, xs, "modes")
        worst = min(worst, s)
        if s < -1e-9:
            return Evidence.refuted("(S69) fails without origin neurons", counterexample={"theta": [str(v) for v in theta], "x": [str(v) for v in xs]})
        total += 1
    return Evidence.checked(f"(S69) holds on {total} kinked minima, all pairs of modes (min relative slack {worst:.2e})",
                            instances=total, seed=ctx.seed, slack=float(worst), cases="all mode pairs of random kinked minima without origin neurons")


@lemma5_corrected_random.check
def lemma5_corrected_local_search(ctx):
    """Nelder-Mead on the relative slack of (S69) over data, first- and second-layer weights, with
    the knots of the first r neurons pinned to chosen data points (b1_i = -w1_i x_j(i)), from random
    starts, for about 5 s; the minimum found must stay >= 0."""
    import time

    from scipy.optimize import minimize

    rng, t0, worst, runs = ctx.rng, time.monotonic(), np.inf, 0
    while time.monotonic() - t0 < 5.0:
        n, k = int(rng.integers(2, 6)), int(rng.integers(1, 4))
        r = int(rng.integers(1, k + 1))
        pins = rng.integers(0, n, r)

        def unpack(z):
            xs = np.sort(z[:n])
            w1, w2, b1 = z[n:n + k], z[n + k:n + 2 * k], z[n + 2 * k:n + 3 * k].copy()
            b1[:r] = -w1[:r] * xs[pins]
            return lib.join(w1, b1, w2, z[-1]), xs

        def obj(z):
            theta, xs = unpack(z)
            if n > 1 and np.min(np.diff(xs)) < 1e-3 or np.min(np.abs(z[n:n + r])) < 1e-3:
                return 1.0
            if len(lib.kinks(theta, k, list(xs))) != r:
                return 1.0
            return lemma5_slack(theta, k, list(xs), "modes")

        z0 = np.concatenate([rng.standard_normal(n) * 2, rng.standard_normal(3 * k) * np.exp(rng.normal(0, 1, 3 * k)), [rng.standard_normal()]])
        res = minimize(obj, z0, method="Nelder-Mead", options={"maxiter": 250})
        worst = min(worst, float(res.fun))
        runs += 1
        if res.fun < -1e-9:
            theta, xs = unpack(res.x)
            return Evidence.refuted(f"(S69) fails without origin neurons (relative slack {res.fun:.2e})",
                                    counterexample={"theta": theta.tolist(), "x": xs.tolist()})
    return Evidence.checked(f"{runs} local searches found no violation (lowest relative slack {worst:.3f})", instances=runs,
                            seed=ctx.seed, slack=worst, cases="Nelder-Mead searches over data and weights with pinned knots")


@paper.proposition(
    "eq-s61-s63",
    r"\|\mathbf H_{\tilde m}\mathbf q-\lambda\mathbf q\|\le\|\mathbf H_{\tilde m}-\mathbf H_m\|_{op}\le\tfrac{\|\Phi_m-\Phi_{\tilde m}\|_{op}}{\sqrt n}"
    r"\big(\sqrt{\lambda_{\max}(\mathbf H_m)}+\sqrt{\lambda_{\max}(\mathbf H_{\tilde m})}\big)",
    where="supp. VIII", eq="S61-S63", uses=["h-mode"],
)
def s61_s63(ctx):
    """Floats on random kinked minima, all mode pairs: the chain of (S61)-(S63)."""
    rng, worst, total = ctx.rng, np.inf, 0
    for _ in range(40):
        n, k = int(rng.integers(2, 6)), int(rng.integers(1, 5))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(1, 3)), dead_origin=bool(rng.random() < 0.3) and n <= 4)
        _, Ps, Hs, _ = _mode_setup(theta, k, xs)
        for P, H in zip(Ps, Hs):
            w, V = np.linalg.eigh(H)
            for Pt, Ht in zip(Ps, Hs):
                a = np.linalg.norm(Ht @ V[:, -1] - w[-1] * V[:, -1])
                b = np.linalg.norm(Ht - H, 2)
                c = np.linalg.norm(P - Pt, 2) / np.sqrt(n) * (np.sqrt(w[-1]) + np.sqrt(np.linalg.eigvalsh(Ht)[-1]))
                worst = min(worst, b - a + 1e-12 * (1 + b), c - b + 1e-12 * (1 + c))
                total += 1
    if worst < 0:
        return Evidence.refuted(f"a step of (S61)-(S63) fails ({worst:.2e})")
    return Evidence.checked(f"(S61)-(S63) hold on {total} mode pairs", instances=total, seed=ctx.seed, cases="mode pairs of random kinked minima")


def _dead_neuron_instance():
    """k = 1, w1 = b1 = 0, w2 = 1, b2 = 0 (f = 0), x = (-3/4, -1/4, 1/4, 3/4), y = 0."""
    x = [sp.Rational(v, 4) for v in (-3, -1, 1, 3)]
    on = sp.Matrix.hstack(*[sp.Matrix([xj, 1, 0, 1]) for xj in x])
    off = sp.Matrix.hstack(*[sp.Matrix([0, 0, 0, 1]) for _ in x])
    return x, on, off


@paper.proposition(
    "eq-s64",
    r"\sum_ia(i,j)\le p_j\ \text{and}\ \sum_ja(i,j)\le1\ \text{(a neuron toggles on at most one sample, since the}\ x_j\ \text{are distinct)}",
    where="supp. VIII", eq="S64", uses=["definition-toggles"], hypotheses=["distinct-inputs"], expect="refuted",
)
def s64_dead_neuron(ctx):
    """A neuron with w1_i = b1_i = 0 has pre-activation 0 at every input: the modes all-on / all-off
    are both in I (S54) and differ on all n samples."""
    x, on, off = _dead_neuron_instance()
    a = [int(on[0, j] != off[0, j] or on[1, j] != off[1, j]) for j in range(len(x))]
    if sum(a) > 1:
        return Evidence.refuted(f"w1 = b1 = 0: the neuron toggles on all {len(x)} distinct inputs (sum_j a(1, j) = {sum(a)})",
                                counterexample={"k": 1, "theta": ["0", "0", "1", "0"], "x": [str(v) for v in x]}, method="exact")
    return Evidence.checked("no double toggle", instances=1, cases="the stored counterexample instance")


@paper.proposition(
    "eq-s68",
    r"\|\Phi_{\mathbf m}-\Phi_{\tilde{\mathbf m}}\|_{op}\le\sqrt3\,C\sqrt{p_{\max}}",
    where="supp. VIII", eq="S65-S68", uses=["definition-toggles", "c-bound-modes"], proof_uses=["eq-s64"], expect="refuted",
)
def s68_dead_neuron(ctx):
    """The instance of eq-s64: Phi_on - Phi_off has rows (x_j), (1), 0, 0 with x = (-3,-1,1,3)/4, so its
    norm is ||1|| = 2 (rows orthogonal), while C = 1 (largest entry over all modes) and p_max = 1."""
    x, on, off = _dead_neuron_instance()
    D = on - off
    norm = sp.sqrt(max((D * D.T).eigenvals()))
    C = max(max(abs(v) for v in on), max(abs(v) for v in off))
    bound = sp.sqrt(3) * C
    if norm > bound:
        return Evidence.refuted(f"||Phi_on - Phi_off||_op = {norm} > sqrt(3) C sqrt(p_max) = {bound}",
                                counterexample={"k": 1, "theta": ["0", "0", "1", "0"], "x": [str(v) for v in x], "norm": str(norm), "bound": str(bound)},
                                method="exact")
    return Evidence.checked("the bound holds here", instances=1, cases="the stored counterexample instance")


@paper.proposition(
    "eq-s64-corrected",
    r"\text{no neuron with}\ w^{(1)}_i=b^{(1)}_i=0:\ \sum_ia(i,j)\le p_j,\ \sum_ja(i,j)\le1",
    where="ours (corrects S64)", uses=["definition-toggles"], hypotheses=["distinct-inputs", "no-origin-neuron"], corrects="eq-s64",
)
def s64_corrected(ctx):
    """w1_i x + b1_i has at most one root when (w1_i, b1_i) != 0 (w1_i != 0: x = tau_i; w1_i = 0: none): exact
    count of toggles per neuron and per sample on random rational minima, all mode pairs."""
    rng, total = ctx.rng, 0
    for _ in range(60):
        n, k = int(rng.integers(2, 6)), int(rng.integers(1, 6))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(0, k + 1)))
        kk = lib.kinks(theta, k, xs)
        per_neuron = [sum(1 for (_, i) in kk if i == ii) for ii in range(k)]
        if max(per_neuron + [0]) > 1:
            return Evidence.refuted("a neuron toggles on two samples", counterexample={"theta": [str(v) for v in theta], "x": [str(v) for v in xs]})
        modes = lib.modes_in_I(theta, k, xs)
        for m in modes:
            a = np.abs(m - modes[0])
            if np.any(a.sum(axis=0) > 1) or np.any(a.sum(axis=1) > np.array([sum(1 for (j, _) in kk if j == jj) for jj in range(n)])):
                return Evidence.refuted("(S64) fails without origin neurons")
            total += 1
    return Evidence.certified(f"(S64) holds exactly for {total} mode pairs of 60 rational minima without origin neurons "
                              "(a nonzero affine function of x has at most one root)", instances=total, method="exact rationals",
                              cases="mode pairs of 60 random kinked rational minima, n = 2..5, k = 1..5")


@paper.proposition(
    "eq-s68-corrected",
    r"\text{no neuron with}\ w^{(1)}_i=b^{(1)}_i=0:\ \|\Phi_{\mathbf m}-\Phi_{\tilde{\mathbf m}}\|_{op}\le\sqrt3\,C\sqrt{p_{\max}}",
    where="ours (corrects S68)", uses=["definition-toggles", "c-bound-modes"], proof_uses=["eq-s64-corrected"],
    hypotheses=["no-origin-neuron"], corrects="eq-s68",
)
def s68_corrected(ctx):
    """Random rational minima with knots on data points (several neurons per sample allowed), every pair of modes."""
    rng, worst, total = ctx.rng, np.inf, 0
    for _ in range(60):
        n, k = int(rng.integers(2, 6)), int(rng.integers(1, 6))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(1, k + 1)))
        modes = lib.modes_in_I(theta, k, xs, limit=256) if len(lib.kinks(theta, k, xs)) <= 8 else None
        if modes is None:
            continue
        Ps = [lib.to_float(lib.phi(theta, k, xs, m)) for m in modes]
        C = max(float(np.max(np.abs(P))) for P in Ps)
        bound = np.sqrt(3) * C * np.sqrt(_p_max(theta, k, xs))
        for P in Ps:
            for Pt in Ps:
                worst = min(worst, (bound - np.linalg.norm(P - Pt, 2)) / max(bound, 1e-300))
                total += 1
    if worst < -1e-12:
        return Evidence.refuted(f"(S68) fails without origin neurons ({worst:.2e})")
    return Evidence.checked(f"(S68) holds on {total} mode pairs (min relative slack {worst:.2e})", instances=total, seed=ctx.seed, slack=float(worst), cases="mode pairs of random kinked minima without origin neurons")


@paper.equation(
    "eq-33",
    r"\mathbf H\ \text{attaining}\ \lambda^{\rm upper}_{\max}:\ \|\mathbf H_m\mathbf q-\lambda^{\rm upper}_{\max}\mathbf q\|\le\sqrt3C(\sqrt{\lambda^{\rm upper}_{\max}}+\sqrt{\lambda_{\max}(\mathbf H_m)})\sqrt{p_{\max}/n}"
    r"\le2\sqrt3C\sqrt{\lambda^{\rm upper}_{\max}}\sqrt{p_{\max}/n}",
    where="Sec. 4.2", eq="33", uses=["lemma-5", "definition-switching"], proof_uses=["lemma-5"], hypotheses=["c-bound-main"],
    expect="refuted",
    note="Inherits Lemma 5's main-text hypothesis; with C over all modes (c-bound-modes) it is eq-33-modes.",
)
def eq33_main(ctx):
    """The Lemma 5 instance (k = 1, n = 2): H_m~ attains lambda_upper; H~ = H_m' violates (33) with C = 1."""
    ev = _lemma5_instance()
    if ev.status.value == "refuted":
        return Evidence.refuted("(33) fails at the Lemma 5 counterexample (H_m~ is the mode attaining lambda_upper): " + ev.detail,
                                counterexample=ev.data.get("counterexample"), dps=50)
    return ev


@paper.equation(
    "eq-33-modes",
    r"\text{(33) with}\ C\ \text{as in c-bound-modes, no neuron with}\ w^{(1)}_i=b^{(1)}_i=0",
    where="ours", uses=["lemma-5-corrected"], proof_uses=["lemma-5-corrected"], hypotheses=["c-bound-modes", "no-origin-neuron"], corrects="eq-33",
)
def eq33_modes(ctx):
    """Random kinked minima: q the top eigenvector of the mode attaining lambda_upper, every other mode."""
    rng, worst, total = ctx.rng, np.inf, 0
    for _ in range(60):
        n, k = int(rng.integers(2, 6)), int(rng.integers(1, 5))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(1, 3)))
        _, Ps, Hs, _ = _mode_setup(theta, k, xs)
        C = max(float(np.max(np.abs(P))) for P in Ps)
        lams = [np.linalg.eigvalsh(H)[-1] for H in Hs]
        top = int(np.argmax(lams))
        q = np.linalg.eigh(Hs[top])[1][:, -1]
        pm = _p_max(theta, k, xs)
        for H in Hs:
            lhs = np.linalg.norm(H @ q - lams[top] * q)
            rhs = 2 * np.sqrt(3) * C * np.sqrt(lams[top]) * np.sqrt(pm / n)
            worst = min(worst, (rhs - lhs) / rhs)
            total += 1
    if worst < -1e-9:
        return Evidence.refuted(f"(33) fails ({worst:.2e})")
    return Evidence.checked(f"(33) holds on {total} mode pairs (min relative slack {worst:.2e})", instances=total, seed=ctx.seed, slack=float(worst), cases="mode pairs of random kinked minima without origin neurons")


@paper.proposition(
    "eq-34-step",
    r"C\le\sigma_{\max}(\Phi)=\sqrt{\lambda^{\rm upper}_{\max}}\ \ (C\ \text{the largest entry of}\ \Phi)",
    where="Sec. 4.2 (proof of Theorem 2, before (34))", eq="34", uses=["definition-phi", "definition-switching"], expect="refuted",
    note="sigma_max(Phi)^2 = n lambda_max(Phi Phi^T / n), so C <= sigma_max(Phi) = sqrt(n lambda) holds, but not C <= sqrt(lambda).",
)
def eq34_step(ctx):
    """Exact: k = 1, x = (0, 3), theta = (1, -5/2, 10, 0): twice differentiable, Phi = [e4, (30, 10, 1/2, 1)],
    C = 30 but lambda_max(Phi Phi^T / 2) = (1 + 1002.25 + sqrt(...))/4 < 900."""
    P = sp.Matrix.hstack(sp.Matrix([0, 0, 0, 1]), sp.Matrix([30, 10, sp.Rational(1, 2), 1]))
    lam = max((P.T * P / 2).eigenvals())
    C = max(abs(v) for v in P)
    if C ** 2 > lam:
        return Evidence.refuted(f"C = {C} > sqrt(lambda_max) = {sp.N(sp.sqrt(lam), 10)} (sigma_max(Phi) = {sp.N(sp.sqrt(2 * lam), 10)})",
                                counterexample={"k": 1, "x": ["0", "3"], "theta": ["1", "-5/2", "10", "0"], "lambda": str(sp.simplify(lam)), "C": "30"},
                                method="exact")
    return Evidence.checked("C <= sqrt(lambda) here", instances=1, cases="the stored counterexample instance")


@paper.equation(
    "eq-34",
    r"\|\mathbf H_m\mathbf q-\lambda^{\rm upper}_{\max}\mathbf q\|\le2\sqrt3\,\lambda^{\rm upper}_{\max}\sqrt{p_{\max}/n}\ \forall m\in\mathcal I",
    where="Sec. 4.2 (proof of Theorem 2)", eq="34", uses=["eq-33"], proof_uses=["eq-33", "eq-34-step"], expect="refuted",
    note="Fails exactly in Theorem 2's regime n > 12 p_max: when the top mode's top eigenvector lives on a neuron that the "
         "actual mode switches off, ||H_m' q - lambda q|| is about lambda while the right side is 2 sqrt(3/n) lambda < lambda.",
)
def eq34_counterexample(ctx):
    """k = 1, x = 0, 1, ..., 19 (n = 20), theta = (w1, b1, w2, b2) = (1, -19, 100, 0): the knot sits on x_max = 19,
    f = 0 on the data (y = 0), L = 1 knot, 12(1 + k - L) = 12 < n, p_max = 1. H_on (neuron on at x = 19)
    attains lambda_upper; its top eigenvector q is nearly (19, 1, 0, 0)/sqrt 362, and H_off = e4 e4^T. mpmath, 50 and 100 digits."""
    import mpmath

    out = []
    for dps in (50, 100):
        with mpmath.workdps(dps):
            n = 20
            cols_on = [[0, 0, 0, 1]] * (n - 1) + [[19 * 100, 100, 0, 1]]
            P_on = mpmath.matrix(cols_on).T
            P_off = mpmath.matrix([[0, 0, 0, 1]] * n).T
            H_on, H_off = P_on * P_on.T / n, P_off * P_off.T / n
            E, Q = mpmath.eigsy(H_on)
            top = max(range(4), key=lambda i: E[i])
            lam, q = E[top], Q[:, top]
            lam_off = max(mpmath.eigsy(H_off)[0])
            lhs = mpmath.norm(H_off * q - lam * q)
            rhs = 2 * mpmath.sqrt(3) * lam * mpmath.sqrt(mpmath.mpf(1) / n)
            out.append((lam, lam_off, lhs, rhs))
    (lam, lam_off, lhs, rhs), (_, _, lhs2, rhs2) = out
    if lam > lam_off and lhs > rhs and abs((lhs - rhs) - (lhs2 - rhs2)) < mpmath.mpf(10) ** -40:
        return Evidence.refuted(f"||H_off q - lambda_upper q|| = {mpmath.nstr(lhs, 10)} > 2 sqrt 3 lambda_upper sqrt(p_max/n) = {mpmath.nstr(rhs, 10)} "
                                f"(lambda_upper = {mpmath.nstr(lam, 10)}, n = 20, p_max = 1)",
                                counterexample={"k": 1, "x": "0..19", "theta": ["1", "-19", "100", "0"], "lhs": mpmath.nstr(lhs, 30), "rhs": mpmath.nstr(rhs, 30)},
                                dps=100)
    return Evidence.checked("(34) holds at this instance", instances=1, cases="the stored counterexample instance")


@eq34_counterexample.check
def eq34_random(ctx):
    """Random kinked minima with n <= 6 (where 2 sqrt(3 p_max / n) >= 1, outside Theorem 2's regime)."""
    rng, worst, total = ctx.rng, np.inf, 0
    for t in range(80):
        n, k = int(rng.integers(2, 7)), int(rng.integers(1, 5))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(1, 3)))
        if t % 2:
            theta = theta.copy()
            theta[2 * k] = theta[2 * k] * 20
        _, Ps, Hs, _ = _mode_setup(theta, k, xs)
        lams = [np.linalg.eigvalsh(H)[-1] for H in Hs]
        top = int(np.argmax(lams))
        q = np.linalg.eigh(Hs[top])[1][:, -1]
        pm = _p_max(theta, k, xs)
        for H in Hs:
            lhs = np.linalg.norm(H @ q - lams[top] * q)
            rhs = 2 * np.sqrt(3) * lams[top] * np.sqrt(pm / n)
            worst = min(worst, (rhs - lhs) / rhs)
            total += 1
    if worst < -1e-9:
        return Evidence.refuted(f"(34) fails ({worst:.2e})")
    return Evidence.checked(f"(34) holds on {total} mode pairs with n <= 6 (min relative slack {worst:.2e})", instances=total, seed=ctx.seed, slack=float(worst), cases="mode pairs of random kinked minima, n <= 6")


@paper.proposition(
    "eq-34-step-corrected",
    r"C\le\sigma_{\max}(\Phi)=\sqrt{n\,\lambda_{\max}(\Phi\Phi^T/n)}\ \ (C\ \text{the largest entry of}\ \Phi)",
    where="ours (corrects the step before (34))", uses=["definition-phi"], corrects="eq-34-step",
    note="|Phi_ab| = |e_a^T Phi e_b| <= ||Phi e_b|| <= sigma_max(Phi). With it, (33) gives (34) only with the factor sqrt(n): "
         "see eq-34-corrected.",
)
def eq34_step_corrected(ctx):
    """The refuting instance exactly (C^2 = 900 <= n lambda_max), and random minima and kinked minima (every mode) in floats."""
    P = sp.Matrix.hstack(sp.Matrix([0, 0, 0, 1]), sp.Matrix([30, 10, sp.Rational(1, 2), 1]))
    lam = max((P.T * P / 2).eigenvals())
    if not sp.N(2 * lam - 900, 50) >= 0:
        return Evidence.refuted(f"C^2 = 900 > n lambda_max = {sp.N(2 * lam, 12)} at the eq-34-step instance")
    rng, worst, total = ctx.rng, np.inf, 1
    for _ in range(40):
        n, k = int(rng.integers(2, 9)), int(rng.integers(1, 9))
        theta, xs, _ = lib.random_minimum(rng, n, k)
        Pf = lib.phi(theta, k, xs)
        worst = min(worst, (np.sqrt(n * lib.lam_max_gram(theta, k, xs)) - np.max(np.abs(Pf))) / np.max(np.abs(Pf)))
        total += 1
    if worst < -1e-12:
        return Evidence.refuted(f"C > sqrt(n lambda_max) (relative {worst:.2e})")
    return Evidence.checked(f"C <= sqrt(n lambda_max) at the eq-34-step instance (exact) and on 40 random minima (min relative slack {worst:.2e})",
                            instances=total, seed=ctx.seed, slack=float(worst), cases="the eq-34-step instance, 40 random minima n = 2..8, k = 1..8")


@paper.equation(
    "eq-34-corrected",
    r"\|\mathbf H_m\mathbf q-\lambda^{\rm upper}_{\max}\mathbf q\|\le2\sqrt3\,\lambda^{\rm upper}_{\max}\sqrt{p_{\max}}\ \forall m\in\mathcal I"
    r"\ \ (C\ \text{over all modes, no neuron with}\ w^{(1)}_i=b^{(1)}_i=0)",
    where="ours (corrects (34))", uses=["eq-33-modes", "eq-34-step-corrected"], proof_uses=["eq-33-modes", "eq-34-step-corrected"],
    hypotheses=["c-bound-modes", "no-origin-neuron"], corrects="eq-34",
    note="(33) with C <= max_m sigma_max(Phi_m) = sqrt(n lambda_upper). The factor 1/sqrt(n) of (34) is lost: the deviation "
         "allowed is at least lambda_upper for p_max >= 1, so Lemma 2a (lambda_lower > 2/eta + delta) can never be applied "
         "with it, and the submission's route to (35)-(36) gives nothing.",
)
def eq34_corrected(ctx):
    """The eq-34 instance (x = 0..19, theta = (1, -19, 100, 0)) and random kinked minima: every mode against the top
    eigenvector of the mode attaining lambda_upper."""
    rng, worst, total = ctx.rng, np.inf, 0
    cases = [(np.array([Fraction(1), Fraction(-19), Fraction(100), Fraction(0)], dtype=object), 1, [Fraction(v) for v in range(20)])]
    for _ in range(40):
        n, k = int(rng.integers(2, 7)), int(rng.integers(1, 5))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(1, 3)))
        cases.append((theta, k, xs))
    for theta, k, xs in cases:
        _, _, Hs, _ = _mode_setup(theta, k, xs)
        lams = [np.linalg.eigvalsh(H)[-1] for H in Hs]
        top = int(np.argmax(lams))
        q = np.linalg.eigh(Hs[top])[1][:, -1]
        rhs = 2 * np.sqrt(3) * lams[top] * np.sqrt(_p_max(theta, k, xs))
        for H in Hs:
            worst = min(worst, (rhs - np.linalg.norm(H @ q - lams[top] * q)) / rhs)
            total += 1
    if worst < -1e-9:
        return Evidence.refuted(f"the corrected (34) fails ({worst:.2e})")
    return Evidence.checked(f"holds on {total} mode pairs, the eq-34 instance included (min relative slack {worst:.2e})", instances=total,
                            seed=ctx.seed, slack=float(worst), cases="the eq-34 instance and 40 random kinked rational minima, all modes")


@paper.proposition(
    "c-pmax",
    r"f\ \text{with}\ L\le k\ \text{knots}\Rightarrow p_{\max}\le1+k-L",
    where="Sec. 4.2 (proof of Theorem 2)", uses=["definition-toggles", "eq-fpp"],
)
def c_pmax(ctx):
    """Random rational minima with several neurons toggling on the same data point, shared and
    cancelling knots, and w1 = b1 = 0 neurons: count L = #{t: Dirac mass at t != 0} exactly."""
    rng, total, tight = ctx.rng, 0, 0
    for _ in range(150):
        n, k = int(rng.integers(2, 6)), int(rng.integers(1, 7))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(0, k + 1)), dead_origin=bool(rng.random() < 0.2))
        w1, b1, w2, b2 = lib.split(theta, k)
        if k >= 2 and rng.random() < 0.3:  # a cancelling pair at the same knot
            w1[1], b1[1], w2[1] = w1[0], b1[0], -w2[0]
            theta = lib.join(w1, b1, w2, b2)
        L = sum(1 for c in lib.second_derivative_masses(theta, k).values() if c != 0)
        pm = _p_max(theta, k, xs)
        if pm > 1 + k - L:
            return Evidence.refuted(f"p_max = {pm} > 1 + k - L = {1 + k - L}", counterexample={"theta": [str(v) for v in theta], "x": [str(v) for v in xs]})
        tight += pm == 1 + k - L
        total += 1
    return Evidence.certified(f"p_max <= 1 + k - L exactly on {total} rational minima ({tight} with equality)", instances=total,
                              method="exact rationals", cases="150 random kinked rational minima, n = 2..5, k = 1..6, shared/cancelling knots")


def _lemma3_certified_instances(rng, count):
    """Kinked rational minima with eta = 2/lambda_upper: strongly stable for GD by Lemma 3."""
    out = []
    while len(out) < count:
        n, k = int(rng.integers(2, 7)), int(rng.integers(1, 5))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, int(rng.integers(1, 3)))
        _, Ps, Hs, _ = _mode_setup(theta, k, xs)
        lam_u = max(np.linalg.eigvalsh(H)[-1] for H in Hs)
        out.append((theta, k, xs, Ps, lam_u, 2 / lam_u))
    return out


@paper.theorem(
    "theorem-2-sub",
    r"f\ \text{with}\ L\le k\ \text{knots},\ 12(1+k-L)<n,\ f\ \text{linearly strongly stable for SGD with step}\ \eta\Rightarrow"
    r"\int|f''|g\,dx\le\tfrac1\eta\big(1-2\sqrt3\sqrt{(1+k-L)/n}\big)^{-1}-\tfrac12",
    where="Sec. 4.2 (Theorem 2, submission)", eq="24", uses=["definition-4", "definition-g", "definition-toggles"],
    proof_uses=["eq-33", "eq-34", "eq-34-step", "lemma-2", "c-once", "c-pmax", "eq-s78-s79"], hypotheses=["distinct-inputs"],
    note="The final version's wording is unavailable. The printed derivation goes through eq-34-step (refuted) and Lemma 5's "
         "main-text form (refuted); the conclusion itself is not refuted by our instances.",
)
def theorem2_sub_instances(ctx):
    """Instances where strong stability is certified by Lemma 3 (GD, eta = 2/lambda_upper at kinked
    minima, n large enough that 12(1 + k - L) < n): the bound (24) must hold. Weak evidence: on these
    instances (24) follows from (S78) alone."""
    rng, total, worst = ctx.rng, 0, np.inf
    for _ in range(200):
        n, k = int(rng.integers(14, 24)), int(rng.integers(1, 3))
        theta, xs, _ = lib.exact_kinked_minimum(rng, n, k, 1)
        L = sum(1 for c in lib.second_derivative_masses(theta, k).values() if c != 0)
        if not 12 * (1 + k - L) < n:
            continue
        _, _, Hs, _ = _mode_setup(theta, k, xs)
        eta = 2 / max(np.linalg.eigvalsh(H)[-1] for H in Hs)
        rhs = 1 / eta / (1 - 2 * np.sqrt(3) * np.sqrt((1 + k - L) / n)) - 0.5
        lhs = lib.curvature_integral(theta, k, xs)
        worst = min(worst, rhs - lhs)
        total += 1
        if total >= 25:
            break
    if worst < 0:
        return Evidence.refuted("(24) fails at a Lemma-3-certified instance")
    return Evidence.checked(f"(24) holds on {total} instances certified strongly stable by Lemma 3 (min slack {worst:.3g})",
                            instances=total, seed=ctx.seed, slack=float(worst), cases="kinked minima certified strongly stable by Lemma 3")


@paper.theorem(
    "theorem-2-supp",
    r"\theta^*\in\Omega(f)\ \text{a global minimum, linearly strongly stable for SGD with step}\ \eta:\ "
    r"\lambda^{\rm upper}_{\max}(\theta^*)\le\tfrac2\eta+2\sqrt3C\sqrt{\lambda^{\rm upper}_{\max}(\theta^*)}\sqrt{p_{\max}/n}",
    where="supp. IX", eq="S71", uses=["definition-2", "definition-toggles"], hypotheses=["c-bound-modes", "distinct-inputs"],
    proof_uses=["lemma-2", "lemma-5-modes", "c-once"],
    note="The proof applies Lemma 2 with delta from Lemma 5 in the supplement's form (lemma-5-modes), refuted for networks "
         "with a w1 = b1 = 0 neuron; with no such neuron lemma-5-corrected supplies the step.",
)
def theorem2_supp_instances(ctx):
    """At Lemma-3-certified instances (GD, eta = 2/lambda_upper) the inequality (S71) holds (weak
    evidence: there lambda_upper = 2/eta)."""
    rng, worst = ctx.rng, np.inf
    for theta, k, xs, Ps, lam_u, eta in _lemma3_certified_instances(rng, 30):
        C = max(float(np.max(np.abs(P))) for P in Ps)
        rhs = 2 / eta + 2 * np.sqrt(3) * C * np.sqrt(lam_u) * np.sqrt(_p_max(theta, k, xs) / len(xs))
        worst = min(worst, (rhs - lam_u) / rhs)
    if worst < -1e-12:
        return Evidence.refuted("(S71) fails")
    return Evidence.checked(f"(S71) holds on 30 Lemma-3-certified instances (min relative slack {worst:.2e})", instances=30, seed=ctx.seed, cases="30 kinked minima certified strongly stable by Lemma 3")


zeta, alpha, beta = sp.symbols("zeta alpha beta", nonnegative=True)
C_, r_, eta_ = sp.symbols("C r eta", positive=True)   # r = p_max / n


@paper.proposition(
    "eq-s72-s74",
    r"\zeta^2-\alpha\zeta-\beta\le0,\ \zeta\ge0\iff0\le\zeta\le\tfrac{\alpha+\sqrt{\alpha^2+4\beta}}2\ \ (\alpha,\beta\ge0)",
    where="supp. IX", eq="S72-S74", uses=["theorem-2-supp"],
)
def s72_s74(ctx):
    """SymPy: the quadratic factors as (zeta - z1)(zeta - z2) with z1 <= 0 <= z2, z_{1,2} = (alpha -+ sqrt(alpha^2 + 4 beta))/2."""
    z1 = (alpha - sp.sqrt(alpha ** 2 + 4 * beta)) / 2
    z2 = (alpha + sp.sqrt(alpha ** 2 + 4 * beta)) / 2
    ok = sp.expand((zeta - z1) * (zeta - z2) - (zeta ** 2 - alpha * zeta - beta)) == 0
    nonpos = sp.simplify(z1 * z2 + beta) == 0   # z1 z2 = -beta <= 0, so z1 <= 0 <= z2
    if not (ok and nonpos):
        return Evidence.refuted("the roots of (S73) are wrong")
    return Evidence.proved("zeta^2 - alpha zeta - beta = (zeta - z1)(zeta - z2) with z1 z2 = -beta <= 0, so on zeta >= 0 the "
                           "inequality means zeta <= z2 (identically in alpha, beta >= 0)", method="sympy")


@s72_s74.check
def s72_s74_decided():
    """z3 and cvc5 each decide the equivalence for every real zeta and every alpha, beta >= 0 (the root
    sqrt(alpha^2 + 4 beta) eliminated as r >= 0 with r^2 = alpha^2 + 4 beta; symflat.precision.decide)."""
    from symflat.precision.decide import decide_formula

    z = sp.Symbol("zeta_real", real=True)
    goal = sp.Equivalent(sp.And(z ** 2 - alpha * z - beta <= 0, z >= 0),
                         sp.And(z >= 0, z <= (alpha + sp.sqrt(alpha ** 2 + 4 * beta)) / 2))
    z3_res, cvc5_res = (decide_formula(goal, solver=sv) for sv in ("z3", "cvc5"))
    if z3_res.status != "proved" or cvc5_res.status != "proved":
        return (z3_res if z3_res.status != "proved" else cvc5_res).evidence("(S72)-(S74)")
    return z3_res.evidence("(S72)-(S74) for all real zeta, alpha, beta >= 0", cross_checked=f"cvc5 {cvc5_res.version}: proved")


paper_s75_rhs = 2 / eta_ + 3 * C_ ** 2 * r_ + C_ * sp.sqrt(3 * r_ * (3 * C_ ** 2 * r_ + 2 / eta_))
true_s75_rhs = 2 / eta_ + 6 * C_ ** 2 * r_ + 2 * C_ * sp.sqrt(3 * r_ * (3 * C_ ** 2 * r_ + 2 / eta_))


@paper.equation(
    "eq-s75",
    r"\lambda^{\rm upper}_{\max}\le\Big(\tfrac{\alpha+\sqrt{\alpha^2+4\beta}}2\Big)^2=\tfrac2\eta+3C^2\tfrac{p_{\max}}n+C\sqrt{3\tfrac{p_{\max}}n\big(3C^2\tfrac{p_{\max}}n+\tfrac2\eta\big)}"
    r"\ \ (\alpha=2\sqrt3C\sqrt{p_{\max}/n},\ \beta=2/\eta)",
    where="supp. IX", eq="S75", uses=["theorem-2-supp"], proof_uses=["eq-s72-s74", "theorem-2-supp"], expect="refuted",
    note="The last equality drops a factor 2: alpha^2/2 = 6 C^2 p/n and (alpha/2) sqrt(alpha^2 + 4 beta) = 2 C sqrt(3 p/n (3 C^2 p/n + 2/eta)).",
)
def s75_exact(ctx):
    """C = 1, p_max/n = 1/3, eta = 1: alpha = 2, beta = 2, the root squared is 4 + 2 sqrt 3, which
    satisfies (S71) with equality, while the printed right side is 3 + sqrt 3."""
    sub = {C_: 1, r_: sp.Rational(1, 3), eta_: 1}
    a, b = 2 * sp.sqrt(3) * sp.sqrt(sp.Rational(1, 3)), sp.Integer(2)
    lam = sp.simplify(((a + sp.sqrt(a ** 2 + 4 * b)) / 2) ** 2)
    s71 = sp.simplify(2 + 2 * sp.sqrt(3) * sp.sqrt(lam) * sp.sqrt(sp.Rational(1, 3)) - lam)
    printed = sp.simplify(paper_s75_rhs.subs(sub))
    if s71 == 0 and sp.N(lam - printed, 50) > 0:
        return Evidence.refuted(f"lambda = {lam} satisfies (S71) with equality but exceeds the printed (S75) bound {printed}",
                                counterexample={"C": 1, "p_max/n": "1/3", "eta": 1, "lambda": str(lam), "printed_bound": str(printed)},
                                method="sympy exact")
    return Evidence.checked("no discrepancy at this instance", instances=1, cases="C = 1, p_max/n = 1/3, eta = 1")


@s75_exact.check
def s75_decided():
    """z3 decides the printed bound as a consequence of (S71) over all C, p_max/n, eta > 0 and lambda >= 0
    (roots eliminated): the negation is satisfiable, and its model, checked exactly in SymPy, satisfies
    (S71) and exceeds the printed right side."""
    from symflat.precision.decide import decide_formula

    lam = sp.Symbol("lambda", nonnegative=True)
    s71 = lam <= 2 / eta_ + 2 * sp.sqrt(3) * C_ * sp.sqrt(lam) * sp.sqrt(r_)
    return decide_formula(lam <= paper_s75_rhs, [s71], solver="z3").evidence("(S71) does not imply the printed (S75)")


@paper.equation(
    "eq-s75-corrected",
    r"\lambda^{\rm upper}_{\max}\le\Big(\tfrac{\alpha+\sqrt{\alpha^2+4\beta}}2\Big)^2=\tfrac2\eta+6C^2\tfrac{p_{\max}}n+2C\sqrt{3\tfrac{p_{\max}}n\big(3C^2\tfrac{p_{\max}}n+\tfrac2\eta\big)}",
    where="ours (corrects S75)", uses=["theorem-2-supp"], proof_uses=["eq-s72-s74", "theorem-2-supp"], corrects="eq-s75",
    outline=["eq-s72-s74", "theorem-2-supp"],
)
def s75_corrected(ctx):
    """SymPy: ((alpha + sqrt(alpha^2 + 4 beta))/2)^2 minus the corrected right side is identically 0
    in C, r = p_max/n, eta > 0."""
    a, b = 2 * sp.sqrt(3) * C_ * sp.sqrt(r_), 2 / eta_
    diff = sp.simplify(sp.expand(((a + sp.sqrt(a ** 2 + 4 * b)) / 2) ** 2) - true_s75_rhs)
    if diff != 0:
        return Evidence.refuted(f"difference {diff}")
    return Evidence.proved("the squared root equals 2/eta + 6 C^2 p/n + 2 C sqrt(3 p/n (3 C^2 p/n + 2/eta)) identically", method="sympy")


@s75_corrected.check
def s75_corrected_decided():
    """z3 decides that (S71), lambda <= 2/eta + 2 sqrt 3 C sqrt(lambda) sqrt(p_max/n), implies the corrected
    bound for every C, p_max/n, eta > 0 and lambda >= 0 (roots eliminated, denominators cleared)."""
    from symflat.precision.decide import decide_formula

    lam = sp.Symbol("lambda", nonnegative=True)
    s71 = lam <= 2 / eta_ + 2 * sp.sqrt(3) * C_ * sp.sqrt(lam) * sp.sqrt(r_)
    return decide_formula(lam <= true_s75_rhs, [s71], solver="z3").evidence("(S71) implies the corrected (S75)")


n_, k_, L_, kap_ = sp.symbols("n k L kappa", positive=True)


@paper.corollary(
    "corollary-1",
    r"\kappa\le n\ \text{knots needed},\ 1+\kappa\le k<\kappa+\tfrac n{12}-1\Rightarrow\text{every strongly stable solution with}\ L\ \text{knots satisfies (24)};\ "
    r"\kappa=n-2,\ k=(1+\tfrac1{48})n,\ n>96:\ \tfrac1\eta\big(1-\sqrt{\tfrac{n+144}{4n}}\big)^{-1}-\tfrac12\le\tfrac5\eta-\tfrac12",
    where="Sec. 4.2 (Corollary 1, submission)", uses=["theorem-2-sub"], proof_uses=["theorem-2-sub"], outline=["theorem-2-sub"],
)
def corollary1_exact(ctx):
    """SymPy: (i) L >= kappa and k < kappa + n/12 - 1 give 12(1 + k - L) < n; (ii) in the example
    2 sqrt 3 sqrt((1 + k - kappa)/n) = sqrt((n + 144)/(4n)); the example's range condition holds
    for n > 48; and (1 - sqrt((n+144)/(4n)))^{-1} <= 5 iff n >= 3600/39 (about 92.3), so n > 96 suffices."""
    # (i): 12(1 + k - L) <= 12(1 + k - kappa) < 12(1 + n/12 - 1) = n
    slack = sp.expand(n_ - 12 * (1 + (kap_ + n_ / 12 - 1) - kap_))
    if slack != 0:
        return Evidence.refuted("(i) fails")
    eps = sp.Rational(1, 48)
    k_ex, kap_ex = (1 + eps) * n_, n_ - 2
    lhs = 2 * sp.sqrt(3) * sp.sqrt((1 + k_ex - kap_ex) / n_)
    if sp.simplify(lhs ** 2 - (n_ + 144) / (4 * n_)) != 0:
        return Evidence.refuted("the example's constant differs")
    cond_hi = sp.solve(sp.Lt(k_ex, kap_ex + n_ / 12 - 1), n_)   # n > 48
    thresh = sp.solve(sp.Eq((n_ + 144) / (4 * n_), sp.Rational(16, 25)), n_)
    if not (thresh and sp.nsimplify(thresh[0]) == sp.Rational(3600, 39) and sp.Rational(3600, 39) < 96):
        return Evidence.refuted(f"the 5/eta threshold is {thresh}")
    mono = sp.diff((n_ + 144) / (4 * n_), n_)
    if not sp.simplify(mono + 36 / n_ ** 2) == 0:
        return Evidence.refuted("monotonicity fails")
    return Evidence.proved(f"(i) identity 12(1 + k_max - kappa) = n; (ii) constant = sqrt((n+144)/(4n)) (decreasing in n); range "
                           f"condition {cond_hi}; bound <= 5/eta - 1/2 from n = 3600/39 < 96", method="sympy")
