"""Elkabetz & Cohen 2021: the headline sentences of the Abstract, Introduction and Conclusion, each with the
quantitative reading that the paper's own formulas give it, checked over the whole range the sentence covers."""

import math

import numpy as np

from symflat.claims import Evidence
from symflat.numeric.objective import layer_product

from . import _lib as lib
from . import paper
from .section5 import k_eta

curvature = paper.claim(
    "remark", "prose-curvature-governs-match",
    r"\text{``the larger the minimal Hessian eigenvalue around the flow, the better the guaranteed match'': for } m_1\le m_2 "
    r"\text{ pointwise, (7) (corrected) gives } \eta_{\max}(m_1)\ge\eta_{\max}(m_2) \text{ and the distance bound }"
    r"\beta\gamma\eta\int_0^te^{\int_{t'}^tm_1}\le\beta\gamma\eta\int_0^te^{\int_{t'}^tm_2}",
    where="Abstract; Introduction; Conclusion 8.1", uses=["theorem-3-corrected"], proof_uses=["theorem-3-corrected"],
    note="The sentence is read through the corrected Theorem 3 (the printed one is refuted), for every m of either sign, "
         "every initial gap, eps and horizon.",
)


@curvature.check
def curvature_monotone(ctx):
    """300 pairs m_1 <= m_2 of piecewise-constant curvature profiles on [0, t~] (values in [-3, 3], both signs,
    t~ in [0.5, 5], initial gaps 0 and 1e-3, eps = 0.1, beta = gamma = 1): the corrected step-size bound and the
    distance bound are ordered as the sentence says."""
    rng = ctx.rng
    worst, count = math.inf, 0
    for _ in range(300):
        t_end = rng.uniform(0.5, 5.0)
        times = np.linspace(0.0, t_end, 41)
        m1 = rng.uniform(-3, 3, times.size)
        m2 = m1 + np.abs(rng.standard_normal(times.size)) * rng.uniform(0, 2)
        gap = 1e-3 if rng.uniform() < 0.5 else 0.0
        e1 = lib.eta_bounds(times, m1, 1.0, 1.0, 0.1, init_gap=gap)[1]
        e2 = lib.eta_bounds(times, m2, 1.0, 1.0, 0.1, init_gap=gap)[1]
        d1, d2 = lib.growth_integrals(times, m1)[0], lib.growth_integrals(times, m2)[0]
        if e1 > 0 and e2 > 0:
            worst = min(worst, e1 / e2 - 1)
        worst = min(worst, float(np.min(d2[1:] / d1[1:] - 1)))
        count += 1
    if worst < -1e-12:
        return Evidence.refuted(f"a larger m gave a better guarantee (margin {worst:.2e})")
    return Evidence.checked(f"{count} pairs: the guarantee never improves with larger m (min relative margin {worst:.2e})",
                            slack=float(worst), instances=count,
                            cases="piecewise-constant m_1 <= m_2 in [-3, 5], t~ in [0.5, 5], gaps 0 and 1e-3, eps 0.1",
                            seed=ctx.seed, method="the corrected bound (7) by exact integration of piecewise-constant m")


roughly_convex = paper.claim(
    "remark", "prose-flow-is-roughly-convex",
    r"\text{``from near-zero initialization the flow's }\lambda_{\min}\text{ is far greater than at arbitrary points, "
    r"particularly towards convergence'': } \inf_\theta\lambda_{\min} = -\infty \text{ (Prop. 6) while along balanced flows "
    r"of (20) } \lambda_{\min}(\theta(t))\ge-(n-1)\|w_{n:1}-\lambda_{yx}\|\,\|w_{n:1}\|^{1-2/n}\ge-2(n-1),\ \to0",
    where="Abstract; Introduction; Conclusion 8.1", uses=["proposition-6", "lemma-64", "proposition-14"],
    proof_uses=["proposition-6", "lemma-64", "lemma-46", "lemma-54"], hypotheses=["assumption-whitened", "eq-19"],
    note="Quantitative reading for the deep linear case of Section 5 (Lemma 64 at eps -> 0); the leaky-ReLU and "
         "convolutional versions are Propositions 12 and 24.",
)


@roughly_convex.check
def roughly_convex_flows(ctx):
    """(a) The bound m0(t) = (n-1)||u - lambda|| ||u||^{1-2/n} on the closed-form trajectory (n = 2..8, ||w0|| in
    {0.2, 1e-3}, nu0 from 0.99 to -0.999): sup over t <= 2(n-1) and m0 <= 1e-3 (n-1) once t >= t_a + t_c + t_eps(1e-7).
    (b) Three network flows from near-zero balanced starts: lambda_min of the dense Hessian along the flow >= -m0, and
    >= -1e-2 at the end."""
    from symflat.models import DeepNetwork
    from symflat.numeric import gradient_flow, hessian

    from .section5 import whitened_problem

    worst, count = math.inf, 0
    for n in range(2, 9):
        for w in (0.2, 1e-3):
            for nu in (0.99, 0.0, -0.9, -0.999):
                e = lib.EndToEnd(n, w, nu, dps=None)
                t_m = e.t_m()
                u_min = float(e.norm(t_m))
                t_conv = sum(lib.EndToEnd.t_a_c(n, nu, u_min)) + lib.EndToEnd.t_eps(n, 1e-7)
                ts = np.linspace(0, t_conv + 5, 400)
                r, v = e.norms(ts), e.nus(ts)
                m0 = (n - 1) * np.sqrt(np.maximum(r * r - 2 * r * v + 1, 0)) * r ** (1 - 2 / n)
                worst = min(worst, 1 - float(np.max(m0)) / (2 * (n - 1)), 1 - float(np.max(m0[ts >= t_conv])) / (1e-3 * (n - 1)))
                count += 1
    rng = ctx.rng
    for dims in [(2, 2, 1), (3, 3, 3, 1), (2, 2, 2, 2, 1)]:
        n = len(dims) - 1
        model = DeepNetwork(dims, activation="linear", loss="half_square")
        data, lam, _ = whitened_problem(rng, 10, dims[0])
        w0 = lib.flat(lib.rotated_balanced(rng, dims, lam, 0.01, -0.5))
        gf = gradient_flow(model, w0, data, 60.0, t_eval=np.linspace(0, 60, 25), rtol=1e-10, atol=1e-12)
        for k, th in enumerate(gf.weights):
            Ws = lib.mats(model, th)
            w = layer_product(Ws, 1, n, dims[0]).ravel()
            m0 = (n - 1) * np.linalg.norm(w - lam) * np.linalg.norm(w) ** (1 - 2 / n)
            lmin = lib.lam_min(hessian(model, th, data))
            worst = min(worst, lmin + m0 + 1e-12)
            if k == len(gf.weights) - 1:
                worst = min(worst, lmin + 1e-2)
            count += 1
    if worst < 0:
        return Evidence.refuted(f"the reading fails (margin {worst:.3e})")
    return Evidence.checked(f"{count} trajectory points (equality at t = 0 for n = 2, where lambda_min = -||lambda_yx||): margin {worst:.3e}", slack=float(worst), instances=count,
                            cases="closed form: n = 2..8, ||w0|| in {0.2, 1e-3}, nu0 in {0.99, 0, -0.9, -0.999}; networks "
                                  "(2,2,1), (3,3,3,1), (2,2,2,2,1) from ||w0|| = 0.01 to t = 60",
                            seed=ctx.seed, method="closed form + DOP853 flows with dense Hessians")


efficient = paper.claim(
    "remark", "prose-efficient-convergence",
    r"\text{``GD efficiently converges to a global minimum almost surely under random initialization'': Theorem 15's "
    r"iteration count is } k\le\frac{2n^{19/2}e^{7n+6}M^nR^{(11n-5)/2}L^3}{\|W_{n:1,0}\|^6\min\{1,\tilde\epsilon\}}+2,\ "
    r"R = \max\{1,\tfrac{1-\nu}{1+\nu}\},\ M = \max\{1,\tfrac32R\},\ L = \ln\tfrac{15nR}{\|W_{n:1,0}\|\min\{1,\tilde\epsilon\}}: "
    r"\text{polynomial in }1/\tilde\epsilon, 1/\|W_{n:1,0}\| \text{ (degrees 1 and 6, up to logs), exponential in } n",
    where="Abstract; Introduction 1.1 (iii); Conclusion 8.1", uses=["theorem-15", "corollary-18"],
    proof_uses=["theorem-15", "corollary-18"],
    note="'Almost surely' is Corollary 18 (Procedure 13 gives nu != -1 with probability one); 'efficiently' is read as "
         "polynomial in 1/eps~ and 1/||W_{n:1,0}|| for fixed n; the exponential dependence on depth is Remark 17's.",
)


@efficient.check
def efficient_count():
    """k eta and eta from (23)-(24) at 200 digits (section5.k_eta, the larger of the printed k and the one with (21)'s
    max), over n = 2..20, ||W|| in [1e-6, 0.2],
    nu in {0.99, 0, -0.99}, eps~ in [1e-12, 1]: k is below the closed bound, and the log-log slopes of k in 1/eps~
    and 1/||W|| stay below 1.3 and 6.3 (the logs add a little)."""
    import mpmath as mp

    worst, count = math.inf, 0
    with mp.workdps(200):
        for n in (2, 3, 5, 8, 12, 20):
            for nu in ("0.99", "0", "-0.99"):
                R = max(mp.mpf(1), (1 - mp.mpf(nu)) / (1 + mp.mpf(nu)))
                M = max(mp.mpf(1), mp.mpf(3) / 2 * R)

                def k_of(w, e, n=n, nu=nu):
                    ke = max(k_eta(n, w, nu, e, printed=True)[0], k_eta(n, w, nu, e, printed=False)[0])  # (24) and (21)'s max
                    w, e = mp.mpf(w), mp.mpf(e)
                    L = mp.log(15 * n * R / (w * min(1, e)))
                    eta = w ** 5 * min(1, e) / (mp.mpf(n) ** mp.mpf(8.5) * mp.e ** (7 * n + 6) * R ** (mp.mpf(11 * n - 5) / 2)) / L ** 2
                    bound = 2 * mp.mpf(n) ** mp.mpf(9.5) * mp.e ** (7 * n + 6) * M ** n * R ** (mp.mpf(11 * n - 5) / 2) * L ** 3 \
                        / (w ** 6 * min(1, e)) + 2
                    return ke / eta, bound

                for w in ("0.2", "1e-3", "1e-6"):
                    ks = [k_of(w, e) for e in ("1", "1e-4", "1e-8", "1e-12")]
                    worst = min(worst, min(float(1 - k / b) for k, b in ks) + 1e-100)  # k can exceed 1e200: rounding
                    slope = float(mp.log(ks[-1][0] / ks[1][0]) / mp.log(mp.mpf("1e8")))
                    worst = min(worst, 1.3 - slope)
                    count += 4
                kw = [k_of(w, "0.01")[0] for w in ("1e-2", "1e-6")]
                worst = min(worst, 6.3 - float(mp.log(kw[1] / kw[0]) / mp.log(mp.mpf("1e4"))))
    if worst < 0:
        return Evidence.refuted(f"the polynomial reading fails (margin {worst:.3f})")
    return Evidence.checked(f"{count} parameter points: k below the closed bound, slopes within the degrees (margin {worst:.3f})",
                            slack=float(worst), instances=count,
                            cases="n in {2,3,5,8,12,20}, nu in {0.99, 0, -0.99}, ||W|| in {0.2, 1e-3, 1e-6}, eps~ from 1 to 1e-12",
                            method="mpmath 200 digits")


weight_decay = paper.claim(
    "remark", "prose-weight-decay",
    r"\text{``weight decay adds a positive constant to Hessian eigenvalues, bringing GD closer to GF'': } "
    r"\nabla^2(f+\tfrac\lambda2\|\theta\|^2) = \nabla^2f+\lambda I,\ m\mapsto m-\lambda, \text{ and the corrected bound (7) "
    r"increases strictly with }\lambda\ge0",
    where="Conclusion 8.2 (Discussion)", uses=["theorem-3-corrected"], proof_uses=["theorem-3-corrected"],
    note="Only the guarantee is read quantitatively; whether the actual discrepancy shrinks is left open by the paper "
         "('a possible reason').",
)


@weight_decay.check
def weight_decay_bound(ctx):
    """(a) Leaky-ReLU and linear nets: the dense Hessian of f + (lambda/2)||theta||^2 minus that of f is lambda I
    (to rounding). (b) 100 sampled curvature profiles: the corrected bound (7) with m - lambda, lambda in {0.1, 0.5, 2},
    exceeds the one with m, and grows with lambda."""
    from symflat.models import DeepNetwork
    from symflat.numeric import hessian

    rng = ctx.rng
    worst, count = math.inf, 0
    for act in ("linear", "leaky_relu"):
        model = DeepNetwork((3, 4, 2), activation=act, negative_slope=0.3, loss="half_square")
        data = lib.random_points(rng, 5, 3, 2)
        th = rng.standard_normal(model.num_params)
        H = hessian(model, th, data)
        lam = 0.7
        h = 1e-4
        reg = lambda w: 0.5 * lam * float(w @ w)  # noqa: E731
        num = np.zeros_like(H)
        for i in range(th.size):
            for j in range(th.size):
                ei, ej = np.eye(th.size)[i] * h, np.eye(th.size)[j] * h
                num[i, j] = (reg(th + ei + ej) - reg(th + ei - ej) - reg(th - ei + ej) + reg(th - ei - ej)) / (4 * h * h)
        worst = min(worst, 1e-6 - float(np.max(np.abs(num - lam * np.eye(th.size)))))
        count += 1
    for _ in range(100):
        t_end = rng.uniform(0.5, 4.0)
        times = np.linspace(0.0, t_end, 41)
        m = rng.uniform(-1, 3, times.size)
        bounds = [lib.eta_bounds(times, m - lam, 1.0, 1.0, 0.1)[1] for lam in (0.0, 0.1, 0.5, 2.0)]
        worst = min(worst, min(b / a - 1 for a, b in zip(bounds, bounds[1:])))
        count += 1
    if worst <= 0:
        return Evidence.refuted(f"the reading fails (margin {worst:.3e})")
    return Evidence.checked(f"{count} cases: Hessian shift lambda I exact to 1e-6; the bound grows with lambda (margin {worst:.3e})",
                            slack=float(worst), instances=count,
                            cases="dims (3,4,2) linear and leaky 0.3; 100 profiles m in [-1, 3], t~ in [0.5, 4], lambda in {0.1, 0.5, 2}",
                            seed=ctx.seed, method="finite differences; the corrected bound (7)")
