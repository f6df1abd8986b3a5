"""Section 5 of Marion & Chizat 2024: gradient flow from a residual initialisation (eq. 2),
Theorem 4, Lemma 3, Corollary 4 and the multivariate Theorem 5 (App. B.8-B.10)."""

import numpy as np
import sympy as sp

from symflat.claims import Evidence

from . import _exact as ex
from . import _lib as lib
from . import paper

residual_init = paper.definition(
    "definition-residual-init",
    r"W_k(t) = I + \frac{s}{\sqrt{Ld}}N_k + \frac1L\theta_k(t),\ W_k\in\mathbb{R}^{d\times d},\ (N_k)_{ij}\ \text{i.i.d. } \mathcal N(0,1),\ s\ge0,\ \theta_k(0) = 0",
    where="Sec. 1 and 5", eq="2", uses=["definition-model"],
)

a4 = paper.assumption(
    "a4", r"(A_4)\ \text{(referenced by Theorem 5, never stated in the paper)}", where="App. B.8",
    note="Theorem 5 is stated 'under Assumptions (A1) and (A4)', but the paper defines only A1-A3. From the proof sketch the "
         "intended content is presumably A1 for the multivariate data (X^T X full rank) or a bound on the initial risk.",
)

theorem4 = paper.theorem(
    "theorem-4",
    r"\text{Under } (A_1),\ \exists C_1..C_5>0 \text{ depending only on } s:\ L\ge C_1,\ d\ge C_2,\ R^L(\mathcal W(0))-R_{\min}\le\frac{C_3\lambda^2\|w\|_2^2}{\Lambda}"
    r"\Rightarrow \text{with probability}\ge1-16e^{-C_4d} \text{ the flow (4) converges to a minimiser } \mathcal W^{\mathrm{RI}} \text{ with } "
    r"W_k^{\mathrm{RI}} = I+\frac{s}{\sqrt{Ld}}N_k+\frac1L\theta_k^{\mathrm{RI}},\ \|\theta_k^{\mathrm{RI}}\|_F\le C_5",
    where="Sec. 5, App. B.8", eq="8", uses=["definition-residual-init", "definition-gradient-flow"],
    proof_uses=["lemma-3", "lemma-8", "lemma-7-corrected", "eq-5", "eq-6", "eq-36"], hypotheses=["a1"],
    note="Constants from the proof: C_3 = 2^-36 exp(-4s^2 - 16 s^2/C~_2 - 20 C~_3), C_4 = C~_3^2/(32 s^2), "
         "C_5 = exp(-2s^2 - 4C~_3)/64, with C~_i those of Lemma 3 (absolute constants left implicit).",
)


def _residual_run(rng, d, L, s, w, delta, *, sqrt_l=True):
    """Residual init; data whose optimum is w_prod(0) + delta (so the initial excess risk is small)."""
    noise = lib.residual_noise(rng, d, L)
    Ws0 = lib.residual_weights(noise, s, sqrt_l=sqrt_l)
    target = lib.w_prod(Ws0, w) + delta
    prob = lib.problem_with_optimum(rng, 4 * d, d, target)
    ts, traj = lib.flow_to_minimum(prob, Ws0, w, tol=1e-13, samples=20)
    Wf = traj[-1]
    theta = [L * (A - B) for A, B in zip(Wf, Ws0)]
    return prob, Ws0, Wf, max(float(np.linalg.norm(T)) for T in theta), lib.excess_risk(prob, Wf, w)


def _c3_used(prob, Ws0, w):
    """The constant C_3 this instance realises: (R(W(0)) - R_min) Lambda / (lambda^2 ||w||^2)."""
    return lib.excess_risk(prob, Ws0, w) * prob.Lam / (prob.lam ** 2 * float(w @ w))


@theorem4.check
def theorem4_monte_carlo(ctx):
    """Flows from eq. (2) with s = 0.5, d = 4, ||w|| = 1 and small initial excess risk, for L = 4..32:
    convergence frequency (Clopper-Pearson 95%) and max_k ||theta_k||_F, which must not grow with L."""
    rng = ctx.rng
    d, s = 4, 0.5
    rows, conv, total, c3s = [], 0, 0, []
    for L in (4, 8, 16, 32):
        thetas = []
        for _ in range(4):
            w = rng.standard_normal(d)
            w /= np.linalg.norm(w)
            delta = 0.05 * rng.standard_normal(d) / np.sqrt(d)
            prob, Ws0, _, th, excess = _residual_run(rng, d, L, s, w, delta)
            c3s.append(_c3_used(prob, Ws0, w))
            conv += excess < 1e-10
            total += 1
            thetas.append(th)
        rows.append((L, max(thetas)))
    lo, hi = lib.clopper_pearson(conv, total)
    growth = rows[-1][1] / rows[0][1]
    if conv < total or growth > 4:
        return Evidence.refuted(f"{conv}/{total} flows converged; max ||theta_k||_F by L: {rows}")
    return Evidence.checked(f"{conv}/{total} flows converged (95% CI [{lo:.3f}, {hi:.3f}]); max_k ||theta_k||_F by L: "
                            + ", ".join(f"L={L}: {t:.3f}" for L, t in rows) + f" (ratio L=32/L=4: {growth:.2f}); initial "
                            f"(R - R_min) Lambda/(lambda^2 ||w||^2) up to {max(c3s):.2g}",
                            seed=ctx.seed, instances=total, cases="4 flows per L = 4, 8, 16, 32; s = 0.5, d = 4, ||w|| = 1",
                            method="Monte Carlo gradient flow (LSODA)")


sqrt_l_needed = paper.remark(
    "remark-sqrt-l-needed",
    r"\text{Without the } 1/\sqrt L \text{ factor in (2) (branch } \tfrac{s}{\sqrt d}N_k\text{), the products } W_k\cdots W_1 \text{ at "
    r"initialisation leave the bounds of Lemma 3 with probability} \to1 \text{ as } L \text{ grows}",
    where="Sec. 5 (hypothesis dropped, found here)", uses=["lemma-3", "definition-residual-init"],
)


lemma3 = paper.lemma(
    "lemma-3",
    r"\exists C_1..C_4>0 \text{ depending only on } s:\ L\ge C_1,\ d\ge C_2,\ u\in[C_3, C_4L^{1/4}]\Rightarrow\text{with probability}\ge1-8\exp(-\tfrac{du^2}{32s^2}),"
    r"\ \forall\theta:\max_k\|\theta_k\|_2\le\tfrac1{64}e^{-2s^2-4u},\ \forall k:\ \|\textstyle\prod_{j\le k}(I+\tfrac{s}{\sqrt{Ld}}N_j+\tfrac1L\theta_j)\|_2\le4e^{s^2/2+u},\ "
    r"\sigma_{\min}(\cdots)\ge\tfrac14e^{-2s^2/d-u}",
    where="Sec. 5, App. B.9", uses=["definition-residual-init"], proof_uses=["lemma-3-theta-0", "lemma-6", "lemma-9", "lemma-5", "eq-43", "eq-45"],
    cite="Ghosh 2021 (chi-square tail bound (43)); Vershynin 2018, Cor. 4.2.13 (nets)",
    note="The proof's summary for theta = 0 swaps m_{s,u} and M_{s,u} (refuted as printed: lemma-3-theta-0-as-printed; "
         "corrected: lemma-3-theta-0); the statement itself uses the right ones (2M and m/2 after Lemma 9). The proof's "
         "E exp(lambda S) = exp(4 s^2 lambda^2/d) for S ~ N(0, 4s^2/d) is an upper bound, not the value (step-b9-mgf).",
)


def _u_needed_samples(rng, d, L, s, trials, *, sqrt_l=True, theta=None):
    out = []
    for _ in range(trials):
        Ws = lib.residual_weights(lib.residual_noise(rng, d, L), s, theta, sqrt_l=sqrt_l)
        out.append(lib.lemma3_u_needed(Ws, s))
    return np.array(out)


@lemma3.check
def lemma3_monte_carlo(ctx):
    """For (s, d, L) in a grid: the smallest u at which each sample's products meet both bounds
    (theta = 0); then for every u on a grid the lower 95% confidence limit of P(event) against
    1 - 8 exp(-d u^2 / (32 s^2)). Checked for every u > 0, a superset of the stated range."""
    rng = ctx.rng
    worst, n, details = np.inf, 0, []
    for s, d, L in [(0.5, 4, 16), (1.0, 8, 16), (2.0, 8, 32), (1.0, 16, 64)]:
        trials = 300
        un = _u_needed_samples(rng, d, L, s, trials)
        n += trials
        for u in np.linspace(0.05, 4, 80):
            k = int(np.sum(un <= u))
            _, hi = lib.clopper_pearson(k, trials)
            bound = 1 - 8 * np.exp(-d * u ** 2 / (32 * s ** 2))
            worst = min(worst, k / trials - bound)
            if hi < bound:
                return Evidence.refuted(f"s={s}, d={d}, L={L}, u={u:.2f}: P(event) CI [.., {hi:.3f}] below the stated {bound:.3f}",
                                        counterexample={"s": s, "d": d, "L": L, "u": u, "seed": ctx.seed})
        details.append(f"s={s},d={d},L={L}: u needed <= {np.max(un):.2f}")
    return Evidence.checked(f"{n} samples; empirical P(event) minus the stated probability >= {worst:.3f} over u in (0, 4]; "
                            + "; ".join(details), seed=ctx.seed, instances=n,
                            cases="300 samples per (s, d, L) = (0.5,4,16), (1,8,16), (2,8,32), (1,16,64); theta = 0; 80 values of u",
                            slack=worst, method="Monte Carlo, Clopper-Pearson 95%")


@lemma3.check
def lemma3_theta_ball(ctx):
    """With theta on the boundary of the allowed ball (theta_k = +-r I, r = e^{-2s^2-4u}/64, and random
    directions), the products still satisfy both bounds whenever they do at theta = 0."""
    rng = ctx.rng
    s, d, L, u = 1.0, 8, 16, 1.0
    r = np.exp(-2 * s ** 2 - 4 * u) / 64
    bad, total = 0, 0
    for _ in range(100):
        noise = lib.residual_noise(rng, d, L)
        if lib.lemma3_u_needed(lib.residual_weights(noise, s), s) > u:
            continue
        for sign in (1, -1):
            th = [sign * r * np.eye(d)] * L
            bad += lib.lemma3_u_needed(lib.residual_weights(noise, s, th), s) > u
            total += 1
        A = [rng.standard_normal((d, d)) for _ in range(L)]
        th = [r * M / np.linalg.norm(M, 2) for M in A]
        bad += lib.lemma3_u_needed(lib.residual_weights(noise, s, th), s) > u
        total += 1
    if bad:
        return Evidence.refuted(f"{bad}/{total} perturbed products leave the bounds although theta = 0 meets them")
    return Evidence.checked(f"{total} perturbations on the ball boundary (s=1, d=8, L=16, u=1): none leaves the bounds",
                            seed=ctx.seed, instances=total, cases="s = 1, d = 8, L = 16, u = 1; theta = +-r I and random directions")


@sqrt_l_needed.check
def sqrt_l_monte_carlo(ctx):
    """Frequency of Lemma 3's event at u = 3.5, s = 1, d = 8 (stated probability 0.625) with and without 1/sqrt(L), by depth."""
    rng = ctx.rng
    s, d, u = 1.0, 8, 3.5
    bound = 1 - 8 * np.exp(-d * u ** 2 / (32 * s ** 2))
    rows = []
    for L in (4, 16, 64):
        with_ = _u_needed_samples(rng, d, L, s, 100)
        without = _u_needed_samples(rng, d, L, s, 100, sqrt_l=False)
        rows.append((L, float(np.mean(with_ <= u)), float(np.mean(without <= u)), lib.clopper_pearson(int(np.sum(without <= u)), 100)))
    L, p_with, p_without, (lo, hi) = rows[-1]
    if hi < bound:
        return Evidence.checked(f"P(event) with/without 1/sqrt(L): " + ", ".join(f"L={a}: {b:.2f}/{c:.2f}" for a, b, c, _ in rows)
                                + f"; at L = 64 without it the 95% CI [{lo:.3f}, {hi:.3f}] is below the stated {bound:.3f}",
                                seed=ctx.seed, instances=600, cases="100 samples with and without 1/sqrt(L) at L = 4, 16, 64; s = 1, d = 8")
    return Evidence.open(f"dropping 1/sqrt(L) did not break the event at L = 64: {rows}")


corollary4 = paper.corollary(
    "corollary-4",
    r"\text{Under the assumptions of Theorem 4},\ \exists C>0 \text{ depending only on } s:\ 1\le\frac{S(\mathcal W^{\mathrm{RI}})}{S_{\min}}\le C\|w^\star\|_2^{2/L}\frac\Lambda\lambda",
    where="Sec. 5, App. B.10", uses=["definition-sharpness", "theorem-4"], proof_uses=["theorem-2", "theorem-4", "lemma-3", "lemma-8", "eq-7-at-minimizers", "eq-36"],
    hypotheses=["a1"], expect="refuted",
    note="The lower bound comes from Theorem 2, which is false for ||w|| < 1 (see theorem-2). A minimiser at initialisation "
         "(data with w* = w_prod(0)) meets every hypothesis of Theorem 4 for any constants, and has S/S_min = ||w||^(2/L) for s = 0, "
         "Sigma = I. The upper bound (with an unspecified C) is not contradicted; see corollary-4-corrected.",
)


@corollary4.check
def corollary4_exact(ctx):
    """s = 0, Sigma = I, y = X w so W(0) = (I, ..., I) is already a minimiser (R(W(0)) = R_min, the
    flow does not move, theta^RI = 0): exact Hessians for (L, d, w) = (2, 1, 1/2) and (3, 2, (1/2, 1/4))."""
    found = []
    for L, w in [(2, [sp.Rational(1, 2)]), (3, [sp.Rational(1, 2), sp.Rational(1, 4)])]:
        d = len(w)
        X = sp.eye(d)
        wv = sp.Matrix(w)
        H, R = ex.exact_hessian(X, X * wv, [sp.eye(d)] * L, wv)
        S = ex.max_eigenvalue(H)
        wn2 = (wv.T * wv)[0, 0]
        smin = 2 * L * sp.Rational(1, d) * wn2 ** (1 - sp.Rational(1, L))  # Sigma = I/d here (n = d rows of I)
        if R != 0 or not (S < smin):
            return Evidence.checked(f"instance L={L}, d={d} satisfies the lower bound: S = {S}, S_min = {smin}", instances=1,
                                    cases=f"L = {L}, d = {d}, w = {w}")
        found.append({"L": L, "d": d, "w": [str(c) for c in w], "S": str(S), "S_min": str(smin), "ratio": str(sp.nsimplify(S / smin))})
    return Evidence.refuted("minimisers at residual initialisation with ||w|| < 1 have S < S_min: "
                            + "; ".join(f"L={f['L']}, d={f['d']}: S/S_min = {f['ratio']}" for f in found)
                            + " (= ||w||^(2/L) in general)", method="sympy exact Hessian", counterexample=found, instances=len(found),
                            cases="(L, d, w) = (2, 1, 1/2), (3, 2, (1/2, 1/4)); s = 0, Sigma = I")


@corollary4.check
def corollary4_monte_carlo(ctx):
    """s = 0.5, ||w|| = 0.3, white data, w* = w_prod(0): how often S(W(0)) < S_min over random N_k, by (L, d)."""
    rng = ctx.rng
    rows = []
    for L, d in [(4, 4), (16, 4), (16, 16)]:
        bad = 0
        for _ in range(40):
            w = rng.standard_normal(d)
            w *= 0.3 / np.linalg.norm(w)
            Ws = lib.residual_weights(lib.residual_noise(rng, d, L), 0.5)
            prob = lib.problem_with_optimum(rng, 4 * d, d, lib.w_prod(Ws, w), white=True)
            bad += lib.sharpness_at_minimizer(prob, Ws, w) < lib.s_min(prob, L)
        rows.append((L, d, int(bad), lib.clopper_pearson(int(bad), 40)))
    return Evidence.refuted("P(S < S_min) at minimisers on the residual initialisation, ||w|| = 0.3, Sigma = I: "
                            + ", ".join(f"L={L},d={d}: {b}/40 (CI [{lo:.2f},{hi:.2f}])" for L, d, b, (lo, hi) in rows),
                            seed=ctx.seed, instances=120, cases="40 draws per (L, d) = (4, 4), (16, 4), (16, 16)",
                            method="Monte Carlo") if any(b > 0 for *_, b, _ in rows) else \
        Evidence.checked(f"no violation in some cells: {rows}", seed=ctx.seed, instances=120,
                         cases="40 draws per (L, d) = (4, 4), (16, 4), (16, 16)")


corollary4c = paper.corollary(
    "corollary-4-corrected",
    r"\text{Under the assumptions of Theorem 4},\ \exists C>0 \text{ depending only on } s:\ \|w\|_2^{2/L}\le\frac{S(\mathcal W^{\mathrm{RI}})}{S_{\min}}\le C\|w^\star\|_2^{2/L}\frac\Lambda\lambda",
    where="Sec. 5 (repaired here)", corrects="corollary-4", uses=["definition-sharpness", "theorem-4"],
    proof_uses=["theorem-2-corrected", "theorem-4", "lemma-3", "lemma-8", "eq-7-at-minimizers", "eq-36-corrected"], hypotheses=["a1"],
)


@corollary4c.check
def corollary4c_flows(ctx):
    """Gradient-flow minimisers from eq. (2) (s = 0.5, d = 4, random ||w|| in [0.3, 2]) across depths: the lower
    bound holds, and S/S_min divided by ||w*||^(2/L) Lambda/lambda stays bounded in L."""
    rng = ctx.rng
    d, s = 4, 0.5
    lows, ups = [], []
    for L in (4, 8, 16, 32):
        for _ in range(3):
            w = rng.standard_normal(d)
            w *= float(rng.uniform(0.3, 2.0)) / np.linalg.norm(w)
            prob, _, Wf, _, excess = _residual_run(rng, d, L, s, w, 0.05 * rng.standard_normal(d) / np.sqrt(d))
            r = lib.sharpness_at_minimizer(prob, Wf, w) / lib.s_min(prob, L)
            lows.append(r / np.linalg.norm(w) ** (2 / L))
            ups.append((L, r / (np.linalg.norm(prob.w_star) ** (2 / L) * prob.Lam / prob.lam)))
    if min(lows) < 1 - 1e-6:
        return Evidence.refuted(f"S/S_min below ||w||^(2/L): smallest ratio {min(lows):.4f}")
    by_L = {L: max(v for l_, v in ups if l_ == L) for L in (4, 8, 16, 32)}
    return Evidence.checked(f"12 flow minimisers: smallest (S/S_min)/||w||^(2/L) = {min(lows):.3f}; largest (S/S_min)/(||w*||^(2/L) Lambda/lambda) "
                            f"by L: " + ", ".join(f"{L}: {v:.2f}" for L, v in by_L.items()), seed=ctx.seed, instances=12,
                            cases="3 flows per L = 4, 8, 16, 32; s = 0.5, d = 4, ||w|| in [0.3, 2]",
                            slack=min(lows) - 1)


theorem5 = paper.theorem(
    "theorem-5",
    r"\text{Multivariate } x\mapsto W_L\cdots W_1x,\ R^L = \tfrac1n\|Y - W_L\cdots W_1X^\top\|^2.\ \text{Under } (A_1),(A_4),\ \exists C_1..C_5 "
    r"\text{ depending only on } s:\ L\ge C_1,\ d\ge C_2,\ R^L(\mathcal W(0))-R_{\min}\le\frac{C_3\lambda^2}{\Lambda}\Rightarrow \text{w.p.}\ge1-16e^{-C_4d} "
    r"\text{ the flow converges to } \mathcal W^{\mathrm{RI}} \text{ with } \|\theta_k^{\mathrm{RI}}\|_F\le C_5",
    where="App. B.8", uses=["definition-residual-init", "definition-gradient-flow", "multivariate-risk"],
    proof_uses=["lemma-3", "lemma-7-corrected", "lemma-8"], hypotheses=["a1", "a4"],
    note="Stated with the undefined Assumption (A4). The proof is Theorem 4's with ||w|| = 1 and the multivariate gradient bounds of "
         "Zou et al. 2020 / Sander et al. 2022. The risk is printed as ||Y - W_L...W_1 X^T||^2, whose shapes do not match "
         "(multivariate-risk-as-printed, refuted); the intended risk is multivariate-risk.",
)


@theorem5.check
def theorem5_monte_carlo(ctx):
    """Multivariate flows from eq. (2) (s = 0.5, d = 4) with a small initial excess risk, L = 4..16."""
    rng = ctx.rng
    d, s = 4, 0.5
    rows, conv, total = [], 0, 0
    for L in (4, 8, 16):
        th_max = 0.0
        for _ in range(3):
            Ws0 = lib.residual_weights(lib.residual_noise(rng, d, L), s)
            A0 = lib.prefix_products(Ws0)[-1]
            X = rng.standard_normal((4 * d, d))
            Y = X @ (A0 + 0.05 * rng.standard_normal((d, d)) / d).T + 0.1 * rng.standard_normal((4 * d, d))
            mp = lib.MultiProblem(X, Y)
            Wf, _ = mp.flow(Ws0)
            conv += mp.risk(Wf) - mp.r_min() < 1e-10
            total += 1
            th_max = max(th_max, max(L * float(np.linalg.norm(A - B)) for A, B in zip(Wf, Ws0)))
        rows.append((L, th_max))
    lo, hi = lib.clopper_pearson(conv, total)
    if conv < total:
        return Evidence.refuted(f"only {conv}/{total} multivariate flows converged")
    return Evidence.checked(f"{conv}/{total} multivariate flows converged (95% CI [{lo:.2f}, {hi:.2f}]); max ||theta_k||_F by L: "
                            + ", ".join(f"L={L}: {t:.3f}" for L, t in rows), seed=ctx.seed, instances=total,
                            cases="3 multivariate flows per L = 4, 8, 16; s = 0.5, d = 4")


s_, d_, c2_, c3_ = sp.symbols("s d Ct2 Ct3", positive=True)


def _theta_bound_over_c5(grad_factor, c3):
    """``L * (grad bound (40)) * (2/mu) / C_5`` after substituting the risk condition with constant
    ``c3``: the ratio that must be < 1 for the contradiction proving t* = oo in App. B.8."""
    mu_over = sp.Integer(2) ** -6 * sp.exp(-8 * s_ ** 2 / d_ - 4 * c3_)  # mu / (lambda ||w||^2 L)
    theta = grad_factor * sp.exp(s_ ** 2 + 2 * c3_) * 2 / mu_over * sp.sqrt(c3)
    c5 = sp.exp(-2 * s_ ** 2 - 4 * c3_) / 64
    return sp.simplify(theta / c5)


constants4 = paper.equation(
    "eq-36",
    r"C_3 = 2^{-36}e^{-4s^2-16s^2/\tilde C_2-20\tilde C_3}\ \text{and (40) with factor } 16 \text{ give, for } d\ge\tilde C_2,\ "
    r"\|\theta_k\|_F\le2^{11}e^{s^2+8s^2/d+6\tilde C_3}\sqrt{C_3}\le\tfrac1{128}e^{-2s^2-4\tilde C_3} < C_5",
    where="App. B.8", eq="36, 40", uses=["definition-residual-init"], proof_uses=["lemma-3", "lemma-8", "lemma-7-corrected"], expect="refuted",
    note="Two slips in the constants: (39) with the two products bounded by (35) gives 2 * 4 * 4 = 32, not 16, in (40); and "
         "2^11 e^{s^2+8s^2/d+6C3~} sqrt(C_3) = 2^-7 e^{-s^2 + 8s^2/d - 8s^2/C2~ - 4C3~}, which exceeds 2^-7 e^{-2s^2-4C3~} at d = C2~ "
         "for every s > 0. Theorem 4's statement only asserts that constants exist, so it stands; see eq-36-corrected.",
)


@constants4.check
def constants4_exact():
    """Exact ratio of the final bound to the needed (1/128) e^{-2s^2-4C3~} as written (factor 16), and to C_5 with
    the correct factor 32; both equal e^{s^2} > 1 at d = C2~ for every s > 0."""
    c3_paper = sp.Integer(2) ** -36 * sp.exp(-4 * s_ ** 2 - 16 * s_ ** 2 / c2_ - 20 * c3_)
    as_written = sp.simplify(2 * _theta_bound_over_c5(16, c3_paper))  # the paper aims at C_5 / 2 = e^{..}/128
    at_equal = sp.simplify(as_written.subs(d_, c2_))
    corrected_factor = sp.simplify(_theta_bound_over_c5(32, c3_paper).subs(d_, c2_))
    if sp.simplify(at_equal - sp.exp(s_ ** 2)) == 0 and sp.simplify(corrected_factor - sp.exp(s_ ** 2)) == 0:
        return Evidence.refuted(
            "with C_3 of (36), at d = C2~: (final bound)/((1/128)e^{-2s^2-4C3~}) = e^{s^2} > 1 for every s > 0, and with the correct "
            "factor 32 in (40), ||theta_k||_F bound / C_5 = e^{s^2} > 1: the argument does not reach t* = oo with these constants",
            method="sympy exact simplification",
            counterexample={"s": 1, "d": "C2~", "ratio_as_written": str(at_equal), "ratio_to_C5_with_32": str(corrected_factor)})
    return Evidence.open(f"ratios: as written {at_equal}, with factor 32 {corrected_factor}")


constants4c = paper.equation(
    "eq-36-corrected",
    r"\text{With the factor } 32 \text{ in (40) and } C_3 = 2^{-40}e^{-6s^2-16s^2/\tilde C_2-20\tilde C_3}:\ d\ge\tilde C_2\Rightarrow"
    r"\|\theta_k\|_F\le\tfrac14C_5 < C_5,\ C_5 = \tfrac1{64}e^{-2s^2-4\tilde C_3}",
    where="App. B.8 (repaired here)", eq="36, 40", corrects="eq-36", uses=["definition-residual-init"],
    proof_uses=["lemma-3", "lemma-8", "lemma-7-corrected"],
)


@constants4c.check
def constants4c_exact():
    """Exact: the ratio to C_5 is (1/4) e^{8s^2/d - 8s^2/C2~} <= 1/4 whenever d >= C2~."""
    c3_new = sp.Integer(2) ** -40 * sp.exp(-6 * s_ ** 2 - 16 * s_ ** 2 / c2_ - 20 * c3_)
    ratio = _theta_bound_over_c5(32, c3_new)
    expected = sp.exp(8 * s_ ** 2 / d_ - 8 * s_ ** 2 / c2_) / 4
    if sp.simplify(ratio - expected) != 0:
        return Evidence.refuted(f"ratio is {ratio}")
    return Evidence.proved(f"for every s > 0, C2~, C3~ > 0 and d >= C2~ (symbolic, no case picked): ||theta_k||_F bound / C_5 = "
                           f"{expected}, at most 1/4 (exponent <= 0): the contradiction argument closes", method="sympy exact simplification")


activation_tail = paper.equation(
    "eq-45",
    r"h_0\ne0 \text{ fixed},\ h_k = \prod_{j\le k}(I+\tfrac{s}{\sqrt{Ld}}N_j)h_0,\ u>0:\ \mathbb P\Big(\max_{k\le L}\frac{\|h_k\|_2^2}{\|h_0\|_2^2}\ge e^{s^2+2u}\Big)"
    r"\le e^{-\frac{du^2}{16s^2}}+e^{-\frac{Ldu^2}{4s^4+us^2}}",
    where="App. B.9", eq="44, 45", uses=["definition-residual-init"], proof_uses=["lemma-6", "eq-43", "step-b9-mgf"],
    note="The martingale step prints E exp(lambda S_L2) = exp(4 s^2 lambda^2 / d) (refuted as an equality: step-b9-mgf-as-printed); "
         "the exact Gaussian value exp(2 s^2 lambda^2 / d) is smaller (step-b9-mgf) and would give exp(-d u^2 / (8 s^2)) in (44). "
         "The stated bound is therefore loose, not wrong.",
)


@activation_tail.check
def activation_tail_monte_carlo(ctx):
    """Simulated activations of eq. (2) networks: for each (s, d, L) and u on a grid, the empirical probability of
    max_k ||h_k||^2/||h_0||^2 >= e^{s^2+2u} with a Clopper-Pearson interval, against the bound."""
    rng = ctx.rng
    trials, worst, rows = 4000, np.inf, []
    for s, d, L in [(0.5, 4, 16), (1.0, 4, 32), (1.5, 8, 16), (2.0, 2, 64)]:
        h = np.zeros((trials, d))
        h[:, 0] = 1.0
        top = np.ones(trials)
        for _ in range(L):
            N = rng.standard_normal((trials, d, d))
            h = h + s / np.sqrt(L * d) * np.einsum("bij,bj->bi", N, h)
            top = np.maximum(top, np.sum(h ** 2, axis=1))
        for u in np.linspace(0.1, 3.0, 30):
            k = int(np.sum(top >= np.exp(s ** 2 + 2 * u)))
            lo, _ = lib.clopper_pearson(k, trials)
            bound = np.exp(-d * u ** 2 / (16 * s ** 2)) + np.exp(-L * d * u ** 2 / (4 * s ** 4 + u * s ** 2))
            if lo > bound:
                return Evidence.refuted(f"s={s}, d={d}, L={L}, u={u:.2f}: P in [{lo:.4f}, ..] above the bound {bound:.4f}",
                                        counterexample={"s": s, "d": d, "L": L, "u": float(u), "seed": ctx.seed})
            worst = min(worst, bound - k / trials)
        rows.append(f"s={s},d={d},L={L}")
    return Evidence.checked(f"{4 * trials} simulated networks ({'; '.join(rows)}), u in [0.1, 3]: smallest bound - frequency = {worst:.4f}",
                            seed=ctx.seed, instances=4 * trials, cases="4000 networks per (s, d, L) = (0.5,4,16), (1,4,32), (1.5,8,16), (2,2,64); 30 values of u",
                            slack=worst, method="Monte Carlo, Clopper-Pearson 95%")


# ----------------------------------------------------------------------------- printed formulas re-read in notes (issue 16, part 4)

lemma3_theta0 = paper.equation(
    "lemma-3-theta-0-as-printed",
    r"\theta = 0:\ \text{w.p.}\ge1-8\exp(-\tfrac{du^2}{32s^2}),\ \forall k:\ \|\Pi_{k:1}\|_2\le m_{s,u},\ \sigma_{\min}(\Pi_{k:1})\ge M_{s,u},\ "
    r"M_{s,u} = 2e^{s^2/2+u},\ m_{s,u} = \tfrac12e^{-2s^2/d-u}",
    where="App. B.9 (end of the case theta = 0)", uses=["definition-residual-init"], expect="refuted",
    note="The summary of the case theta = 0 as printed, with m_{s,u} and M_{s,u} swapped against the events A and B defined "
         "at the start of B.9. Since m_{s,u} < 1 < M_{s,u} and sigma_min <= ||.||_2, the event is empty.",
)


@lemma3_theta0.check
def lemma3_theta0_empty():
    """For every s >= 0, u > 0, d >= 1: m_{s,u} < 1 < M_{s,u}, so no matrix has ||P||_2 <= m and sigma_min(P) >= M; the printed
    probability 1 - 8 exp(-d u^2 / (32 s^2)) is positive once d u^2 > 32 s^2 log 8 (e.g. s = 1, d = 8, u = 7/2: 1 - 8e^(-49/16))."""
    from symflat.precision.decide import decide_formula

    m, M, smin, top = sp.symbols("m M sigma_min top", real=True)
    # M = 2 exp(s^2/2 + u) > 1 > m = exp(-2s^2/d - u)/2, and sigma_min(P) <= ||P||_2 for every matrix P
    res = decide_formula(sp.Not(sp.And(smin >= M, top <= m)), [M > 1, m < 1, smin <= top])
    prob = 1 - 8 * sp.exp(-sp.Integer(8) * sp.Rational(7, 2) ** 2 / 32)
    if res.status != "proved" or not prob > 0:
        return Evidence.open(f"could not decide emptiness: {res.reason}")
    return Evidence.refuted(f"the event {{sigma_min >= M_(s,u) and ||P||_2 <= m_(s,u)}} is empty for every s, u, d (M > 1 > m, decided by "
                            f"{res.solver}), while the printed probability is positive: s = 1, d = 8, u = 7/2 gives {sp.N(prob, 4)}",
                            method="z3 + exact value", counterexample={"s": 1, "d": 8, "u": "7/2", "probability": str(prob), "event": "empty"})


lemma3_theta0c = paper.equation(
    "lemma-3-theta-0",
    r"\theta = 0:\ \text{w.p.}\ge1-8\exp(-\tfrac{du^2}{32s^2}),\ \forall k:\ \|\Pi_{k:1}\|_2\le M_{s,u},\ \sigma_{\min}(\Pi_{k:1})\ge m_{s,u}",
    where="App. B.9 (repaired here)", corrects="lemma-3-theta-0-as-printed", uses=["definition-residual-init"],
    proof_uses=["eq-45", "eq-43", "lemma-6", "lemma-5"],
    note="The events A and B of B.9 as defined there; Lemma 9 then gives Lemma 3's 2M_{s,u} = 4e^{s^2/2+u} and m_{s,u}/2.",
)


@lemma3_theta0c.check
def lemma3_theta0_monte_carlo(ctx):
    """The smallest u meeting both bounds M_{s,u}, m_{s,u} is lemma3_u_needed + log 2; frequency of the event against
    1 - 8 exp(-d u^2 / (32 s^2)) over a grid of u (Clopper-Pearson upper limit)."""
    rng = ctx.rng
    worst, n = np.inf, 0
    for s, d, L in [(0.5, 4, 16), (1.0, 8, 16)]:
        un = _u_needed_samples(rng, d, L, s, 200) + np.log(2)
        n += len(un)
        for u in np.linspace(0.05, 4, 60):
            k = int(np.sum(un <= u))
            _, hi = lib.clopper_pearson(k, len(un))
            bound = 1 - 8 * np.exp(-d * u ** 2 / (32 * s ** 2))
            if hi < bound:
                return Evidence.refuted(f"s={s}, d={d}, L={L}, u={u:.2f}: P(event) CI [.., {hi:.3f}] below {bound:.3f}")
            worst = min(worst, k / len(un) - bound)
    return Evidence.checked(f"{n} samples: empirical P(event) minus the stated probability >= {worst:.3f} over u in (0, 4]",
                            seed=ctx.seed, instances=n, cases="200 samples per (s, d, L) = (0.5, 4, 16), (1, 8, 16); 60 values of u",
                            slack=worst, method="Monte Carlo, Clopper-Pearson 95%")


mgf_printed = paper.equation(
    "step-b9-mgf-as-printed",
    r"S_{L,2}\sim\mathcal N(0,\tfrac{4s^2}{d}) \Rightarrow \mathbb E\exp(\lambda S_{L,2}) = \exp(\tfrac{4s^2\lambda^2}{d})",
    where="App. B.9 (before (44))", eq="44", uses=["definition-residual-init"], expect="refuted",
    note="Printed as an equality; the Gaussian moment generating function gives exp(2 s^2 lambda^2 / d). The proof only needs "
         "an upper bound, which the printed value is (step-b9-mgf).",
)


def _gaussian_mgf():
    x = sp.Symbol("x", real=True)
    lam, sig = sp.symbols("lambda sigma", positive=True)
    mgf = sp.simplify(sp.integrate(sp.exp(lam * x - x ** 2 / (2 * sig ** 2)) / sp.sqrt(2 * sp.pi * sig ** 2), (x, -sp.oo, sp.oo)))
    return mgf, lam, sig


@mgf_printed.check
def mgf_printed_value():
    """E exp(lambda S) for S ~ N(0, 4s^2/d) by integration, against the printed value at s = d = lambda = 1."""
    mgf, lam, sig = _gaussian_mgf()
    exact = mgf.subs({sig: 2, lam: 1})                    # sigma^2 = 4 s^2 / d = 4
    printed = sp.exp(4)
    if sp.simplify(exact - printed) == 0:
        return Evidence.checked("the printed value matches at s = d = lambda = 1", instances=1, cases="s = d = lambda = 1")
    return Evidence.refuted(f"s = d = lambda = 1: E exp(lambda S) = {exact} != printed {printed}", method="sympy integration",
                            counterexample={"s": 1, "d": 1, "lambda": 1, "exact": str(exact), "printed": str(printed)})


mgf_c = paper.equation(
    "step-b9-mgf",
    r"S_{L,2}\sim\mathcal N(0,\tfrac{4s^2}{d}) \Rightarrow \mathbb E\exp(\lambda S_{L,2}) = \exp(\tfrac{2s^2\lambda^2}{d})\le\exp(\tfrac{4s^2\lambda^2}{d})",
    where="App. B.9 (repaired here)", eq="44", corrects="step-b9-mgf-as-printed", uses=["definition-residual-init"],
)


@mgf_c.check
def mgf_exact():
    """The Gaussian integral at symbolic sigma, lambda, then sigma^2 = 4 s^2 / d."""
    mgf, lam, sig = _gaussian_mgf()
    s, d = sp.symbols("s d", positive=True)
    val = sp.simplify(mgf.subs(sig, 2 * s / sp.sqrt(d)))
    if sp.simplify(val - sp.exp(2 * s ** 2 * lam ** 2 / d)) != 0:
        return Evidence.refuted(f"E exp(lambda S) = {val}")
    return Evidence.proved("for every s, d, lambda > 0: E exp(lambda S) = exp(lambda^2 sigma^2 / 2) (integral at symbolic sigma, lambda) = "
                           "exp(2 s^2 lambda^2 / d) <= exp(4 s^2 lambda^2 / d), so the Doob bound of (44) holds as used",
                           method="sympy integration (symbolic)")


multi_risk = paper.equation(
    "multivariate-risk-as-printed",
    r"X,Y\in\mathbb R^{n\times d}:\ R^L(\mathcal W) = \tfrac1n\|Y - W_L\cdots W_1X^\top\|_2^2 = \tfrac1n\sum_i\|y_i - W_L\cdots W_1x_i\|_2^2",
    where="App. B.8 (before Theorem 5)", uses=["definition-residual-init"], expect="refuted",
    note="As printed Y (n x d) and W_L...W_1 X^T (d x n) have different shapes unless n = d (the paper's setting is n > d), "
         "and for n = d the printed difference is not the squared loss of the rows. The intended risk is ||Y^T - W_L...W_1 X^T||^2 / n.",
)


@multi_risk.check
def multi_risk_shapes():
    """n = 3, d = 2: the shapes differ; n = d = 2 with X = I, Y = W_{L:1} = [[0, 1], [0, 0]]: printed value 0, row loss 1 (exact)."""
    Y3, P3 = sp.zeros(3, 2), sp.zeros(2, 3)
    X, Y, P = sp.eye(2), sp.Matrix([[0, 1], [0, 0]]), sp.Matrix([[0, 1], [0, 0]])
    printed = sum(e ** 2 for e in (Y - P * X.T)) / 2
    loss = sum((Y[i, :].T - P * X[i, :].T).norm() ** 2 for i in range(2)) / 2
    if Y3.shape != P3.shape and printed != loss:
        return Evidence.refuted(f"n = 3, d = 2: Y is {Y3.shape}, W_(L:1) X^T is {P3.shape}; n = d = 2, X = I, Y = W_(L:1) = [[0,1],[0,0]]: "
                                f"printed value {printed}, squared loss of the rows {loss}", method="sympy exact",
                                counterexample={"shapes": [list(Y3.shape), list(P3.shape)], "X": "I", "Y": [[0, 1], [0, 0]],
                                                "W_prod": [[0, 1], [0, 0]], "printed": str(printed), "loss": str(loss)})
    return Evidence.checked("the printed risk matched the loss", instances=1, cases="n = d = 2")


multi_risk_c = paper.equation(
    "multivariate-risk",
    r"X,Y\in\mathbb R^{n\times d}:\ R^L(\mathcal W) = \tfrac1n\|Y^\top - W_L\cdots W_1X^\top\|_F^2 = \tfrac1n\sum_i\|y_i - W_L\cdots W_1x_i\|_2^2",
    where="App. B.8 (repaired here)", corrects="multivariate-risk-as-printed", uses=["definition-residual-init"],
)


@multi_risk_c.check
def multi_risk_general():
    """At symbolic n, d: column i of Y^T - P X^T is y_i - P x_i, so the squared Frobenius norm is the sum of the row losses
    (sum_i ||Y^T e_i - P X^T e_i||^2 = tr((Y^T - P X^T)^T (Y^T - P X^T)), decided by the matrix-calculus normal form)."""
    from symflat.symbolic.matrix_calculus import GeneralProof, check_equal, matrix

    n, d = sp.symbols("n d", integer=True, positive=True)
    X, Y, P = matrix("X", n, d), matrix("Y", n, d), matrix("P", d, d)
    E = Y.T - P @ X.T
    proof = GeneralProof("multivariate risk", standard=("tr(A^T A) = sum of squared columns",))
    proof.add(check_equal("||Y^T - P X^T||_F^2 = tr(Y Y^T) - 2 tr(Y P X^T) + tr(X P^T P X^T)", (E.T @ E).trace(),
                          (Y @ Y.T).trace() - (Y @ P @ X.T).trace().scale(2) + (X @ P.T @ P @ X.T).trace()))
    return proof.evidence("for all n, d: Y^T - W_(L:1) X^T is d x n with column i equal to y_i - W_(L:1) x_i, so its squared Frobenius "
                          "norm over n is the mean squared loss (trace expansion checked at symbolic size)")
