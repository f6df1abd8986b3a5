"""Appendix B of Elkabetz & Cohen 2021: the worst case, where following gradient flow up to time t~
needs a step size O(e^{-m t~}) (Proposition 20, objective (25)-(27))."""

import math

import numpy as np
from scipy.integrate import quad

from symflat.claims import Evidence

from . import paper

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


class Worst:
    """phi' and phi_bar' of (25)-(26) for z >= 0, resp. z >= rho/2 - 1 (the trajectories never go below)."""

    def __init__(self, a, b, eps):
        self.a, self.b, self.eps = a, b, eps
        self.zc, self.zbc = b * math.exp(30) + 1, b + 1
        self.rho = min(math.exp(-12) / 2, eps / (2 * b))
        self.c2 = self.rho / 2 - 1

    def dphi(self, z):
        a, zc = self.a, self.zc
        if z < zc:
            return -a * z
        if z <= zc + 1:
            s = z - zc
            return -a * z + 3 * a * (2 / 3 + zc) * s ** 2 - 4 * a * (0.25 + zc / 2) * s ** 3
        return 0.0

    def dphibar(self, z):
        a, r, c2, zb = self.a, self.rho, self.c2, self.zbc
        if z < 1 - r:
            return -(a / 2) * (z - c2)
        if z <= 1:
            return -a * z - a / (4 * r) * (z - 1) ** 2
        if z < zb:
            return -a * z
        if z <= zb + 1:
            s = z - zb
            return -a * z + 3 * a * (2 / 3 + zb) * s ** 2 - 4 * a * (0.25 + zb / 2) * s ** 3
        return 0.0

    def window(self, th2):
        a, r, c2 = self.a, self.rho, self.c2
        base = 2 / a * math.log((2 - 1.5 * r) / (th2 - c2))
        return base + math.log(2 / (1 - r)) / a, base + math.log((1 + r / 4) / (1 - 0.75 * r)) / a + math.log(self.b) / a

    def flow_at(self, th, t):
        """theta(t) in closed form piece by piece (the transition [1 - rho, 1] by quadrature)."""
        a, r, c2 = self.a, self.rho, self.c2
        q1 = th[0] * math.exp(a * t)  # stays below z_c for the times used here
        t_in = 2 / a * math.log((1 - r - c2) / (th[1] - c2))
        across = quad(lambda z: 1.0 / -self.dphibar(z), 1 - r, 1, epsabs=0, epsrel=1e-12)[0]
        t1 = t_in + across
        if t < t1:
            raise ValueError("t~ is before the flow's arrival at 1")
        q2 = math.exp(a * (t - t1))
        assert q1 < self.zc and q2 < self.zbc
        return np.array([q1, q2, th[2] * math.exp(-12 * a * t)]), t1


@prop20.check
def prop20_runs(ctx):
    """a = 1, b = e^14, eps = 1/2, d = 3, theta_s = (3/4, e^{-12}(3/4) - 1, 3): for t~ at 5 points of the stated
    window up to 38 and eta = 1, 3, 30 x the threshold (those below 1/(6a)) plus eta = 0.2 and 0.5 (above it), run
    gradient descent (float64) until its first coordinate passes theta_1(t~) + eps (monotone afterwards, Lemma 67)
    and compare every iterate with the flow at t~ (closed form per piece)."""
    w = Worst(1.0, math.exp(14.0), 0.5)
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
