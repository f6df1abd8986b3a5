"""Appendix B of Elkabetz & Cohen 2021: the worst case, where following gradient flow up to time t~
needs a step size O(e^{-m t~}) (Proposition 20, objective (25)-(27))."""

import math

import numpy as np

from symflat.claims import Evidence

from . import paper
from ._lib import WorstCase

objective27 = paper.definition(
    "eq-27",
    r"f(q) = \varphi(q_1) + \bar\varphi(q_2) + 6aq_3^2,\ \varphi, \bar\varphi \text{ of (25)-(26)},\ a>0,\ b\ge3,\ \epsilon\in(0,1),\ "
    r"z_c = be^{30}+1,\ \bar z_c = b+1,\ \bar\rho = \min\{e^{-12}/2, \epsilon/(2b)\},\ m = a",
    where="App. B", eq="25, 26, 27", uses=["eq-5"],
    note="m := -inf_q lambda_min(Hessian), the constant of Corollary 4 (notation only).",
)

prop20 = paper.proposition(
    "proposition-20",
    r"\theta_{s,1}\in(\tfrac12,1),\ \theta_{s,2}\in(\tfrac{e^{-12}}2-1, e^{-12}-1),\ \theta_{s,3}>2,\ \theta_0 = \theta_s,\ "
    r"\tilde t\in\big[\tfrac2a\ln\tfrac{2-3\bar\rho/2}{\theta_{s,2}-(\bar\rho/2-1)}+\tfrac1a\ln\tfrac2{1-\bar\rho},\ "
    r"\tfrac2a\ln\tfrac{2-3\bar\rho/2}{\theta_{s,2}-(\bar\rho/2-1)}+\tfrac1a\ln\tfrac{1+\bar\rho/4}{1-3\bar\rho/4}+\tfrac1a\ln b\big],\ "
    r"\eta\ge\tfrac{10^{14}}ae^{-a\tilde t}\epsilon \Rightarrow \|\theta_k-\theta(\tilde t)\|_2>\epsilon\ \forall k\ge0",
    where="App. B, Proposition 20", uses=["eq-27", "eq-5", "eq-6"],
    proof_uses=["lemma-19", "lemma-66", "lemma-85", "lemma-86", "lemma-87"],
    outline=["lemma-66", "lemma-77", "lemma-82", "lemma-85", "lemma-86", "lemma-87"],
    note="Proof: App. I.14 (Lemmas 66-87 in appendix_i14.py): eta > 1/(6a) by Lemma 66, otherwise Lemmas 85-87 cover "
         "k < k_1, k_1 <= k < k_zbc and k >= k_zbc.",
)


@prop20.check
def prop20_runs(ctx):
    """a = 1, b = e^14, eps = 1/2, d = 3, theta_s = (3/4, e^{-12}(3/4) - 1, 3): for t~ at 5 points of the stated
    window up to 38 and eta = 1, 3, 30 x the threshold (those below 1/(6a)) plus eta = 0.2 and 0.5 (above it), run
    gradient descent (float64) until its first coordinate passes theta_1(t~) + eps (monotone afterwards, Lemma 67)
    and compare every iterate with the flow at t~ (closed form per piece)."""
    w = WorstCase(1.0, math.exp(14.0), 0.5)
    th = np.array([0.75, 0.75 * math.exp(-12) - 1, 3.0])
    lo, hi = w.window(th[1])
    rows, closest = [], np.inf
    for t_tilde in np.linspace(lo, min(hi, 38.0), 5):
        target, t1 = w.flow_at(th, t_tilde)
        thr = 1e14 / w.a * math.exp(-w.a * t_tilde) * w.eps
        etas = [f * thr for f in (1, 3, 30) if f * thr < 1 / (6 * w.a)] + [0.2, 0.5]
        for eta in etas:
            q = th.copy()
            best = np.linalg.norm(q - target)
            for _ in range(3_000_000):
                q = q - eta * np.array([w.dphi(q[0]), w.dphibar(q[1]), 12 * w.a * q[2]])
                if not np.all(np.isfinite(q)):
                    break
                best = min(best, float(np.linalg.norm(q - target)))
                if q[0] > target[0] + w.eps or abs(q[2]) > 1e6:
                    break
            rows.append((t_tilde, eta, best))
            closest = min(closest, best)
            if best <= w.eps:
                return Evidence.refuted(f"t~ = {t_tilde:.3f}, eta = {eta:.3e} >= threshold {thr:.3e}: an iterate is within "
                                        f"{best:.3e} <= eps of theta(t~)", counterexample={"t": t_tilde, "eta": eta})
    return Evidence.checked(f"{len(rows)} runs (t~ in [{lo:.2f}, {min(hi, 38.0):.2f}] of the window [{lo:.2f}, {hi:.2f}], "
                            f"eta from the threshold up to 0.5): every iterate stays farther than eps = 0.5 from theta(t~); "
                            f"closest approach {closest:.3g} (near theta_1(t~) ~ e^t~ consecutive iterates are eta a theta_1 >> 2 eps "
                            f"apart, so an approach within eps would need an exact landing; none occurs)", slack=closest / 0.5 - 1, instances=len(rows), cases="runs with a = 1, b = e^14, eps = 1/2, t~ in [26.7, 38], eta from the threshold to 0.5",
                            method="float64 GD vs piecewise closed-form flow")


@prop20.check
def prop20_cases():
    """The combining step of App. I.14.6: eta > 1/(6a) is Lemma 66; otherwise k_1 and k_zbc are finite (Lemmas 77, 82)
    and every k >= 0 has k < k_1 (Lemma 85), k_1 <= k < k_zbc (Lemma 86) or k >= k_zbc (Lemma 87). Decided: the case
    split covers every eta > 0 and every k, whatever the order of k_1 and k_zbc."""
    import sympy as sp

    from ._general import decide_all

    k, k1, kz = sp.symbols("k k1 kz", real=True)
    a, eta = sp.symbols("a eta", positive=True)
    cover = sp.Or(k < k1, sp.And(k1 <= k, k < kz), k >= kz)
    return decide_all("Proposition 20", [(cover, []), (sp.Or(eta > 1 / (6 * a), eta <= 1 / (6 * a)), [])],
                      "the cases of Lemmas 66, 85, 86, 87 cover every step size and every iteration index")
