"""Numeric helpers for the Elkabetz & Cohen 2021 claims (no claims here).

- networks (eq. 8-9) in the shared vec layout (column-major blocks ``W_1, ..., W_n``);
- the tube ``D_{t~,eps}`` of Theorem 3 sampled around a gradient-flow trajectory: estimates of
  ``beta`` (spectral norm of the Hessian), ``gamma`` (gradient norm) and ``m(t)`` (minus the
  smallest Hessian eigenvalue on ``B_eps(theta(t))``);
- the step-size bound (7) as stated (``int_{t'}^{t~} m``) and as its proof uses it
  (``int_{t'}^{t} m``), and the distance bound ``beta gamma eta int_0^t e^{int_{t'}^t m}`` that
  the proof of Theorem 3 gets from the Fundamental Theorem (4);
- the one-dimensional counterexample to Theorem 3 as stated.
"""

from __future__ import annotations

import math

import numpy as np

from symflat.models import DeepNetwork, Points
from symflat.numeric import gradient_flow, hessian, objective


# --- networks ------------------------------------------------------------------------------------

def mats(model, w) -> list[np.ndarray]:
    """The weight matrices ``W_1..W_n`` of the vec layout (column-major blocks)."""
    w = np.asarray(w, dtype=float)
    return [w[b.slice].reshape(b.shape, order="F") for b in model.blocks]


def flat(Ws) -> np.ndarray:
    return np.concatenate([np.asarray(W, dtype=float).reshape(-1, order="F") for W in Ws])


def chain(Ws, lo: int, hi: int, size: int) -> np.ndarray:
    """``W_hi ... W_lo`` (1-based, inclusive); identity of ``size`` when ``hi < lo``."""
    out = np.eye(size)
    for j in range(lo, hi + 1):
        out = Ws[j - 1] @ out
    return out


def random_points(rng, n: int, d0: int, dn: int, scale: float = 1.0) -> Points:
    X = rng.standard_normal((n, d0))
    Y = scale * rng.standard_normal((n, dn))
    return Points(X, Y)


def forward_patterns(model: DeepNetwork, data: Points, w) -> np.ndarray:
    """Signs of every hidden pre-activation on every example (the region ``D_theta'`` of eq. 15)."""
    X = np.asarray(data.X, dtype=float)
    h, signs = X, []
    alpha, alpha_bar = (float(s) for s in model.slopes)
    Ws = mats(model, w)
    for W in Ws[:-1]:
        z = h @ W.T
        signs.append(z > 0)
        h = np.where(z > 0, alpha * z, alpha_bar * z)
    return np.concatenate([s.reshape(-1) for s in signs]) if signs else np.zeros(0, bool)


def outputs(model: DeepNetwork, data: Points, w) -> np.ndarray:
    X = np.asarray(data.X, dtype=float)
    alpha, alpha_bar = (float(s) for s in model.slopes)
    Ws = mats(model, w)
    h = X
    for W in Ws[:-1]:
        z = h @ W.T
        h = np.where(z > 0, alpha * z, alpha_bar * z)
    return h @ Ws[-1].T


def loss_gradients(model: DeepNetwork, data: Points, w) -> np.ndarray:
    """``grad l_i`` w.r.t. the prediction for the half-square loss: ``h(x_i) - y_i`` (rows)."""
    assert model.loss == "half_square"
    return outputs(model, data, w) - np.asarray(data.Y, dtype=float).reshape(data.n, -1)


def lam_min(H) -> float:
    return float(np.linalg.eigvalsh(H)[0])


# --- the tube of Theorem 3 -----------------------------------------------------------------------

def tube_estimates(model, data, weights, eps: float, rng, directions: int = 4):
    """Sample ``B_eps(theta(t_i))`` at every recorded point ``theta(t_i)``: the centre, ``directions``
    random points on the sphere and the four points ``+-eps v`` along the extreme Hessian
    eigenvectors. Returns ``(beta, gamma, m, same_pattern)``: ``beta = max ||H||_2``,
    ``gamma = max ||grad f||``, ``m[i] = max(-lambda_min)`` over the samples of ball ``i``, and whether
    every sample lies in the activation region of ``theta(0)`` (always true for linear nets).

    These are lower estimates of the suprema in Theorem 3; an inequality ``distance <= bound``
    that holds with them holds a fortiori with the true constants (the bound grows with each)."""
    obj = objective(model, data)
    beta = gamma = 0.0
    m = np.empty(len(weights))
    ref = forward_patterns(model, data, weights[0]) if model.activation != "linear" else None
    same = True
    for i, c in enumerate(weights):
        H = hessian(model, c, data)
        vals, vecs = np.linalg.eigh(H)
        pts = [c, c + eps * vecs[:, 0], c - eps * vecs[:, 0], c + eps * vecs[:, -1], c - eps * vecs[:, -1]]
        for _ in range(directions):
            u = rng.standard_normal(c.size)
            pts.append(c + eps * u / np.linalg.norm(u))
        worst = -np.inf
        for q in pts:
            Hq = H if q is c else hessian(model, q, data)
            ev = np.linalg.eigvalsh(Hq)
            beta = max(beta, float(np.max(np.abs(ev))))
            gamma = max(gamma, float(np.linalg.norm(np.asarray(obj.grad(q), dtype=float))))
            worst = max(worst, -float(ev[0]))
            if ref is not None and not np.array_equal(forward_patterns(model, data, q), ref):
                same = False
        m[i] = worst
    return beta, gamma, m, same


def growth_integrals(times, m):
    """``I(t_i) = int_0^{t_i} exp(int_{t'}^{t_i} m) dt'`` (the proof's integral) for ``m`` taken as
    the larger endpoint value on each step (``I' = m I + 1``), and ``M(t_i) = int_0^{t_i} m``."""
    times, m = np.asarray(times, float), np.asarray(m, float)
    I, M = np.zeros(len(times)), np.zeros(len(times))
    for i in range(1, len(times)):
        h = times[i] - times[i - 1]
        mi = max(m[i], m[i - 1])
        g = math.exp(mi * h)
        step = h if abs(mi * h) < 1e-12 else (g - 1.0) / mi
        I[i] = g * I[i - 1] + step
        M[i] = M[i - 1] + mi * h
    return I, M


def eta_bounds(times, m, beta, gamma, eps, init_gap=0.0):
    """Right-hand side of (7): ``inf_t (eps - e^{int_0^t m} gap) / (beta gamma D(t))`` with
    ``D = J(t) = int_0^t e^{int_{t'}^{t~} m}`` (as stated) and ``D = I(t)`` (as the proof uses).
    Returns ``(stated, corrected)``."""
    I, M = growth_integrals(times, m)
    J = I * np.exp(M[-1] - M)
    num = eps - np.exp(M) * init_gap
    with np.errstate(divide="ignore"):
        stated = np.min(num[1:] / (beta * gamma * J[1:]))
        corrected = np.min(num[1:] / (beta * gamma * I[1:]))
    return float(stated), float(corrected)


def flow_grid(model, data, w0, t_end, points=121):
    times = np.linspace(0.0, t_end, points)
    gf = gradient_flow(model, w0, data, t_end, t_eval=times, rtol=1e-11, atol=1e-13)
    return gf.times, gf.weights, gf


# --- the counterexample to Theorem 3 as stated ---------------------------------------------------

class BentQuadratic:
    """``f: R -> R`` with ``f'' = -1`` on ``(-inf, a]``, rising linearly to ``+1`` on ``[a, a+1]``,
    ``f'' = +1`` on ``[a+1, inf)``, ``f'(0) = -1`` (C^2, |f''| <= 1). Gradient flow from 0 follows
    ``theta(t) = e^t - 1`` until it reaches ``a``; gradient descent follows ``(1+eta)^k - 1``."""

    def __init__(self, a):
        self.a = a

    def fpp(self, q):
        a = self.a
        return -1.0 if q <= a else (1.0 if q >= a + 1 else -1.0 + 2.0 * (q - a))

    def fp(self, q):
        a = self.a
        if q <= a:
            return -1.0 - q
        if q <= a + 1:
            s = q - a
            return -1.0 - a - s + s * s
        return -1.0 - a + (q - a - 1)

    # the constants of Theorem 3 for eps = 1 (see theorem-3's check for the derivation)
    def gamma(self):
        return self.a + 1.25

    def arrival_time_bound(self, eps=1.0):
        """An upper bound on the time after which B_eps(theta(t)) lies in {f'' = 1}."""
        a = self.a
        return math.log1p(a) + (1.0 + eps) / (a - eps + 1.0)


def pre_activation_margin(model: DeepNetwork, data: Points, w, ref_signs) -> float:
    """``min`` over hidden units and examples of ``z * sign0``: positive while ``w`` stays in the
    activation region (eq. 15) whose signs are ``ref_signs`` (+1 / -1 per unit and example)."""
    X = np.asarray(data.X, dtype=float)
    alpha, alpha_bar = (float(s) for s in model.slopes)
    h, zs = X, []
    for W in mats(model, w)[:-1]:
        z = h @ W.T
        zs.append(z.reshape(-1))
        h = np.where(z > 0, alpha * z, alpha_bar * z)
    return float(np.min(np.concatenate(zs) * ref_signs))


def region_flow(model, data, w0, t_end, times):
    """Gradient flow stopped (terminal event) when a hidden pre-activation reaches 0, i.e. when the
    trajectory leaves the open region ``D_theta'`` of ``theta(0)`` (App. D, Prop. 25). Returns
    ``(weights at times, stayed)``; inside the region ``f`` is the polynomial (15), so the flow is
    the smooth flow of Theorem 3."""
    from scipy.integrate import solve_ivp

    obj = objective(model, data)
    signs = np.where(forward_patterns(model, data, w0), 1.0, -1.0)
    if model.activation == "linear":
        signs = None

    def rhs(t, y):
        return -np.asarray(obj.grad(y), dtype=float)

    def leave(t, y):
        return pre_activation_margin(model, data, y, signs)

    leave.terminal = True
    events = [leave] if signs is not None else None
    sol = solve_ivp(rhs, (0.0, float(t_end)), np.asarray(w0, float), method="DOP853", t_eval=times, rtol=1e-11,
                    atol=1e-13, events=events)
    stayed = sol.status == 0 and sol.y.shape[1] == len(times)
    return sol.y.T, stayed
