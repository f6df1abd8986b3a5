"""Numerics for Marion & Chizat 2024: the model x -> w^T W_L ... W_1 x (eq. 3), its risk, the
gradients (5)-(6), the sharpness at minimisers, points of the minimum set, gradient flow (4) and
the two initialisations (small scale, Section 4; residual, eq. 2).

Weights are lists ``[W_1, ..., W_L]`` of float arrays, ``W_k`` of shape ``(d_k, d_{k-1})``; ``w``
is the fixed output vector of length ``d_L``. Everything here is float64 numpy/scipy; exact and
arbitrary-precision counterparts live in ``_exact.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from symflat.errors import SymflatError


class SettingError(SymflatError, ValueError):
    """Data or weights that do not fit the paper's setting (shapes, rank, hypotheses)."""


@dataclass(frozen=True)
class Problem:
    """Regression data ``X`` (n x d), ``y`` (n) with A1: ``Sigma = X^T X / n`` full rank.

    ``w_star`` is the least-squares solution (``X^T y = X^T X w_star``), ``lam``/``Lam`` the
    extreme eigenvalues of ``Sigma``, ``r_min`` and ``r_0`` the risks at ``w_star`` and at 0.
    """

    X: np.ndarray
    y: np.ndarray

    def __post_init__(self):
        X, y = np.asarray(self.X, float), np.asarray(self.y, float).reshape(-1)
        if X.ndim != 2 or X.shape[0] != y.shape[0]:
            raise SettingError(f"X must be n x d and y of length n, got {X.shape} and {y.shape}")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        ev = np.linalg.eigvalsh(self.sigma)
        if ev[0] <= 1e-12 * max(ev[-1], 1.0):
            raise SettingError(f"assumption A1 fails: X^T X / n is singular (smallest eigenvalue {ev[0]:.3g})")

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def d(self) -> int:
        return self.X.shape[1]

    @property
    def sigma(self) -> np.ndarray:
        return self.X.T @ self.X / self.n

    @property
    def w_star(self) -> np.ndarray:
        return np.linalg.solve(self.X.T @ self.X, self.X.T @ self.y)

    @property
    def lam(self) -> float:
        return float(np.linalg.eigvalsh(self.sigma)[0])

    @property
    def Lam(self) -> float:
        return float(np.linalg.eigvalsh(self.sigma)[-1])

    @property
    def r_min(self) -> float:
        return float(np.sum((self.y - self.X @ self.w_star) ** 2) / self.n)

    @property
    def r_0(self) -> float:
        return float(np.sum(self.y ** 2) / self.n)

    def risk1(self, v) -> float:
        """``R^1(v) = ||y - X v||^2 / n``."""
        return float(np.sum((self.y - self.X @ v) ** 2) / self.n)

    def grad1(self, v) -> np.ndarray:
        """Eq. (6): ``grad R^1(v) = -2/n X^T (y - X v)``."""
        return -2.0 / self.n * self.X.T @ (self.y - self.X @ v)


def random_problem(rng, n: int, d: int, *, cond: float | None = None, w_norm: float | None = None) -> Problem:
    """Gaussian design; ``cond`` rescales X's singular values to condition number ``cond`` of
    Sigma; ``w_norm`` rescales y so that ``||w_star|| = w_norm`` (as in Appendix C)."""
    X = rng.standard_normal((n, d))
    if cond is not None:
        U, _, Vt = np.linalg.svd(X, full_matrices=False)
        s = np.sqrt(np.geomspace(1.0, cond, d))[::-1] * np.sqrt(n)
        X = U @ np.diag(s) @ Vt
    y = X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n)
    prob = Problem(X, y)
    if w_norm is not None:
        prob = Problem(X, y * (w_norm / np.linalg.norm(prob.w_star)))
    return prob


def problem_with_optimum(rng, n: int, d: int, w_star, *, noise: float = 0.3, white: bool = False) -> Problem:
    """Data whose least-squares solution is exactly ``w_star``: the noise is projected off X's
    range; ``white=True`` makes ``Sigma = I`` (orthonormal columns times sqrt(n))."""
    X = rng.standard_normal((n, d))
    if white:
        X = np.sqrt(n) * np.linalg.qr(X)[0]
    z = rng.standard_normal(n)
    z -= X @ np.linalg.lstsq(X, z, rcond=None)[0]
    return Problem(X, X @ np.asarray(w_star, float) + noise * z)


# ----------------------------------------------------------------------------- the network


def check_weights(Ws, w) -> None:
    """Shapes must chain: ``W_k`` is ``d_k x d_{k-1}`` and ``len(w) = d_L``."""
    if not Ws:
        raise SettingError("need at least one weight matrix (depth L >= 1)")
    for k in range(1, len(Ws)):
        if Ws[k].shape[1] != Ws[k - 1].shape[0]:
            raise SettingError(f"W_{k + 1} has {Ws[k].shape[1]} columns but W_{k} has {Ws[k - 1].shape[0]} rows")
    if np.shape(w) != (Ws[-1].shape[0],):
        raise SettingError(f"output vector w has shape {np.shape(w)}, expected ({Ws[-1].shape[0]},) = (d_L,)")


def w_prod(Ws, w) -> np.ndarray:
    """``w_prod = W_1^T ... W_L^T w``."""
    v = np.asarray(w, float)
    for W in reversed(Ws):
        v = W.T @ v
    return v


def back_vectors(Ws, w) -> list[np.ndarray]:
    """``v_k = W_{k+1}^T ... W_L^T w`` for k = 1..L (``v_L = w``)."""
    out = [np.asarray(w, float)]
    for W in reversed(Ws[1:]):
        out.append(W.T @ out[-1])
    return out[::-1]


def front_matrices(Ws) -> list[np.ndarray]:
    """``B_k = W_{k-1} ... W_1`` for k = 1..L (``B_1 = I_d``)."""
    out = [np.eye(Ws[0].shape[1])]
    for W in Ws[:-1]:
        out.append(W @ out[-1])
    return out


def risk(prob: Problem, Ws, w) -> float:
    return prob.risk1(w_prod(Ws, w))


def excess_risk(prob: Problem, Ws, w) -> float:
    """``R^L - R_min = (w_prod - w*)^T Sigma (w_prod - w*)`` (Lemma 8), free of cancellation."""
    e = w_prod(Ws, w) - prob.w_star
    return float(e @ prob.sigma @ e)


def grads(prob: Problem, Ws, w) -> list[np.ndarray]:
    """Eq. (5): ``grad_k R^L = (W_{k+1}^T ... W_L^T w) grad R^1(w_prod)^T W_1^T ... W_{k-1}^T``."""
    g = prob.grad1(w_prod(Ws, w))
    return [np.outer(v, B @ g) for v, B in zip(back_vectors(Ws, w), front_matrices(Ws))]


def flatten(Ws) -> np.ndarray:
    """Parameter vector: layers in order, each matrix column-major (symflat.models layout)."""
    return np.concatenate([W.reshape(-1, order="F") for W in Ws])


def unflatten(theta, shapes) -> list[np.ndarray]:
    out, i = [], 0
    for r, c in shapes:
        out.append(np.asarray(theta[i:i + r * c]).reshape((r, c), order="F"))
        i += r * c
    return out


def hessian(prob: Problem, Ws, w, h: float = 1e-5) -> np.ndarray:
    """Full Hessian of ``R^L`` in the flat parameters by central differences of eq. (5)
    (symmetrised); exact enough (error O(h^2)) for eigenvalues at any point."""
    check_weights(Ws, w)
    shapes = [W.shape for W in Ws]
    x0 = flatten(Ws)
    p = x0.size
    H = np.empty((p, p))
    for i in range(p):
        e = np.zeros(p)
        e[i] = h
        gp = flatten(grads(prob, unflatten(x0 + e, shapes), w))
        gm = flatten(grads(prob, unflatten(x0 - e, shapes), w))
        H[:, i] = (gp - gm) / (2 * h)
    return (H + H.T) / 2


def sharpness(prob: Problem, Ws, w) -> float:
    """Largest Hessian eigenvalue S(W) at any point (finite-difference Hessian)."""
    return float(np.linalg.eigvalsh(hessian(prob, Ws, w))[-1])


def gn_gram(Ws, w) -> np.ndarray:
    """``J J^T = sum_k ||v_k||^2 B_k^T B_k`` (d x d), J the Jacobian of ``w_prod`` in the weights."""
    vs, Bs = back_vectors(Ws, w), front_matrices(Ws)
    return sum(float(v @ v) * (B.T @ B) for v, B in zip(vs, Bs))


def sharpness_at_minimizer(prob: Problem, Ws, w) -> float:
    """At a minimiser the Hessian is ``2 J^T Sigma J`` (the residual term has zero gradient
    factor), so ``S = 2 lambda_max(Sigma^{1/2} J J^T Sigma^{1/2})``: a d x d eigenproblem."""
    check_weights(Ws, w)
    C = np.linalg.cholesky(prob.sigma)
    return float(2 * np.linalg.eigvalsh(C.T @ gn_gram(Ws, w) @ C)[-1])


def s_min(prob: Problem, L: int) -> float:
    """Theorem 1: ``S_min = 2 L lambda ||w*||^{2 - 2/L}``."""
    return 2 * L * prob.lam * np.linalg.norm(prob.w_star) ** (2 - 2 / L)


# ----------------------------------------------------------------------------- minimisers


def random_minimizer(rng, prob: Problem, dims, w, scales=None) -> list[np.ndarray]:
    """A point of the minimum set ``{W : W_1^T ... W_L^T w = w*}``: random ``W_2..W_L`` (scaled
    by ``scales``), then ``W_1`` gets the rank-one correction that makes ``W_1^T v_1 = w*``."""
    L = len(dims) - 1
    scales = np.ones(L) if scales is None else np.asarray(scales, float)
    Ws = [scales[k] * rng.standard_normal((dims[k + 1], dims[k])) / np.sqrt(dims[k]) for k in range(L)]
    v1 = back_vectors(Ws, w)[0]
    if np.linalg.norm(v1) == 0:
        raise SettingError("W_L^T ... W_2^T w = 0: no W_1 can reach w*")
    Ws[0] = Ws[0] + np.outer(v1, prob.w_star - Ws[0].T @ v1) / (v1 @ v1)
    return Ws


def balanced_rank_one(prob: Problem, dims, w=None) -> list[np.ndarray]:
    """The balanced rank-one minimiser ``W_k = a u_k u_{k-1}^T`` with ``u_0 = w*/||w*||``,
    unit ``u_k`` (first coordinate vectors), ``u_L = w/||w||`` and ``a^L ||w|| = ||w*||``."""
    L = len(dims) - 1
    w = np.ones(dims[-1]) if w is None else np.asarray(w, float)
    us = [prob.w_star / np.linalg.norm(prob.w_star)]
    for k in range(1, L):
        e = np.zeros(dims[k])
        e[0] = 1.0
        us.append(e)
    us.append(w / np.linalg.norm(w))
    a = (np.linalg.norm(prob.w_star) / np.linalg.norm(w)) ** (1 / L)
    return [a * np.outer(us[k + 1], us[k]) for k in range(L)]


# ----------------------------------------------------------------------------- dynamics


def gradient_flow(prob: Problem, Ws0, w, t_max: float, *, t_eval=None, tol: float | None = None,
                  rtol=1e-10, atol=1e-13, method="LSODA"):
    """Integrate eq. (4) ``dW_k/dt = -grad_k R^L`` from ``Ws0`` up to ``t_max``, stopping early
    once the excess risk falls below ``tol``; returns ``(times, [Ws(t)])`` at ``t_eval`` (and the
    stopping time)."""
    shapes = [W.shape for W in Ws0]

    def f(_t, x):
        return -flatten(grads(prob, unflatten(x, shapes), w))

    events = None
    if tol is not None:
        def converged(_t, x):
            return excess_risk(prob, unflatten(x, shapes), w) - tol
        converged.terminal = True
        events = converged
    sol = solve_ivp(f, (0.0, t_max), flatten(Ws0), method=method, rtol=rtol, atol=atol, t_eval=t_eval, events=events)
    if sol.status < 0:
        raise RuntimeError(f"gradient flow integration failed: {sol.message}")
    ts, ys = list(sol.t), [sol.y[:, i] for i in range(sol.y.shape[1])]
    if events is not None and sol.t_events[0].size:
        ts.append(float(sol.t_events[0][0]))
        ys.append(sol.y_events[0][0])
    return np.array(ts), [unflatten(y, shapes) for y in ys]


def flow_to_minimum(prob: Problem, Ws0, w, *, tol: float = 1e-12, t_max: float = 1e14, samples: int = 400):
    """Gradient flow until the excess risk is below ``tol``; trajectory sampled at geometric times."""
    check_weights(Ws0, w)
    t_eval = np.concatenate([[0.0], np.geomspace(1e-3, t_max, samples)])
    return gradient_flow(prob, Ws0, w, t_max, t_eval=t_eval, tol=tol)


def epsilon(Ws0) -> float:
    """Section 4: ``eps = 3 max_k ||W_k(0)||_F^2 + 2 sum_k ||W_k(0)W_k(0)^T - W_{k+1}(0)^T W_{k+1}(0)||_2``."""
    a = 3 * max(float(np.sum(W ** 2)) for W in Ws0)
    b = 2 * sum(np.linalg.norm(Ws0[k] @ Ws0[k].T - Ws0[k + 1].T @ Ws0[k + 1], 2) for k in range(len(Ws0) - 1))
    return a + b


def small_init(rng, dims, scale: float, *, zero_layer: int | None = 0) -> list[np.ndarray]:
    """Gaussian entries of standard deviation ``scale``; ``zero_layer`` (0-based) set to zero, the
    paper's example of an initialisation satisfying A2 (``R(W(0)) = R_0``)."""
    Ws = [scale * rng.standard_normal((dims[k + 1], dims[k])) for k in range(len(dims) - 1)]
    if zero_layer is not None:
        Ws[zero_layer] = np.zeros_like(Ws[zero_layer])
    return Ws


def residual_noise(rng, d: int, L: int) -> list[np.ndarray]:
    """The ``N_k`` of eq. (2): i.i.d. standard Gaussian d x d matrices."""
    return [rng.standard_normal((d, d)) for _ in range(L)]


def residual_weights(noise, s: float, thetas=None, *, sqrt_l: bool = True) -> list[np.ndarray]:
    """Eq. (2)/(8): ``W_k = I + s/sqrt(L d) N_k + theta_k / L``; ``sqrt_l=False`` drops the
    ``1/sqrt(L)`` factor (a hypothesis-dropping variant)."""
    L, d = len(noise), noise[0].shape[0]
    c = s / np.sqrt((L if sqrt_l else 1) * d)
    thetas = thetas if thetas is not None else [np.zeros((d, d))] * L
    return [np.eye(d) + c * N + th / L for N, th in zip(noise, thetas)]


def sigma_min(M) -> float:
    return float(np.linalg.svd(M, compute_uv=False)[-1])


def op_norm(M) -> float:
    return float(np.linalg.norm(M, 2))


# ----------------------------------------------------------------------------- search


def minimizer_from_params(prob: Problem, dims, w, x) -> list[np.ndarray]:
    """Map free parameters ``x`` (all layers, flat) onto the minimum set by the rank-one
    correction of ``W_1`` (see :func:`random_minimizer`)."""
    Ws = unflatten(x, [(dims[k + 1], dims[k]) for k in range(len(dims) - 1)])
    v1 = back_vectors(Ws, w)[0]
    vv = float(v1 @ v1)
    if vv < 1e-300:
        raise SettingError("v_1 = 0")
    Ws[0] = Ws[0] + np.outer(v1, prob.w_star - Ws[0].T @ v1) / vv
    return Ws


def adversarial_minimizers(rng, prob: Problem, dims, w, objective, *, restarts: int = 4, maxiter: int = 400):
    """Minimise ``objective(Ws)`` over the minimum set from random starts (Powell's method on the
    free parameters); returns the best ``(value, Ws)`` found per restart, best first."""
    from scipy.optimize import minimize

    p = sum(dims[k + 1] * dims[k] for k in range(len(dims) - 1))
    found = []
    for _ in range(restarts):
        x0 = rng.standard_normal(p)

        def f(x):
            try:
                return objective(minimizer_from_params(prob, dims, w, x))
            except (SettingError, np.linalg.LinAlgError):
                return 1e300

        res = minimize(f, x0, method="Powell", options={"maxiter": maxiter, "xtol": 1e-8, "ftol": 1e-12})
        found.append((float(res.fun), minimizer_from_params(prob, dims, w, res.x)))
    return sorted(found, key=lambda t: t[0])


# ----------------------------------------------------------------------------- Section 4 helpers


def a3_init(rng, prob: Problem, dims, *, margin: float = 1.0):
    """A small-scale initialisation with ``W_1 = 0`` (so A2 holds with ``R(W(0)) = R_0``) scaled
    down until ``32 L sqrt(eps) <= margin`` (A3's key condition)."""
    L, scale = len(dims) - 1, 1.0
    while True:
        Ws = small_init(rng, dims, scale)
        if 32 * L * np.sqrt(epsilon(Ws)) <= margin:
            return Ws
        scale *= 0.8


def top_singular(W):
    """``(sigma_1, u_1, v_1)`` of a matrix (a vector row counts as a 1 x d matrix)."""
    U, s, Vt = np.linalg.svd(np.atleast_2d(W))
    return float(s[0]), U[:, 0], Vt[0]


def lemma2_slacks(Ws, eps: float) -> tuple[float, float, float]:
    """Slacks (>= 0 when they hold) of the three statements of Lemma 2 at one time:
    ``eps - max_k(||W_k||_F^2 - ||W_k||_2^2)``, ``eps - max_{j,k}|sigma_k^2 - sigma_j^2|`` and
    ``min_k (<v_{k+1}, u_k>^2 - 1 + eps / sigma_{k+1}^2)``."""
    tops = [top_singular(W) for W in Ws]
    s1 = eps - max(float(np.sum(W ** 2)) - t[0] ** 2 for W, t in zip(Ws, tops))
    sig2 = [t[0] ** 2 for t in tops]
    s2 = eps - (max(sig2) - min(sig2))
    s3 = min((float(tops[k + 1][2] @ tops[k][1]) ** 2 - 1 + eps / sig2[k + 1]) for k in range(len(Ws) - 1)) if len(Ws) > 1 else np.inf
    return s1, s2, s3


def pl_ratio(prob: Problem, Ws, w) -> float:
    """``sum_k ||grad_k R^L||_F^2 / (R^L - R_min)`` (Theorem 3's PL quotient)."""
    g = sum(float(np.sum(G ** 2)) for G in grads(prob, Ws, w))
    return g / (risk(prob, Ws, w) - prob.r_min)


def drop_from_zero(prob: Problem, Ws, w) -> float:
    """``R_0 - R^L(W) = 2/n y^T X w_prod - ||X w_prod||^2 / n`` without cancellation."""
    v = prob.X @ w_prod(Ws, w)
    return float(2 * prob.y @ v - v @ v) / prob.n


def theorem3_mu(prob: Problem, eps: float, L: int, drop_at_1: float) -> float:
    """The PL constant the proof of Theorem 3 (App. B.4) exhibits, maximised over its free
    ``C > sqrt(2 eps) L``: ``mu = 4 lambda min((C - sqrt(2eps)L)^{L-1}, min(a, ||w*||)/C)^2``
    with ``a = (R_0 - R(W(1))) / (4 Lambda ||w*||)`` (``drop_at_1 = R_0 - R(W(1))``)."""
    ws = float(np.linalg.norm(prob.w_star))
    b = min(drop_at_1 / (4 * prob.Lam * ws), ws)
    c0 = np.sqrt(2 * eps) * L
    Cs = c0 + np.geomspace(1e-30, 1e3, 8000)
    mu1 = np.max(np.minimum((Cs - c0) ** (L - 1), b / Cs)) ** 2
    return 4 * prob.lam * float(mu1)


# ----------------------------------------------------------------------------- Section 5 helpers


def prefix_products(Ws) -> list[np.ndarray]:
    """``Pi_{k:1} = W_k ... W_1`` for k = 1..L."""
    out, P = [], np.eye(Ws[0].shape[1])
    for W in Ws:
        P = W @ P
        out.append(P)
    return out


def lemma3_u_needed(Ws, s: float) -> float:
    """Smallest u for which both conclusions of Lemma 3 hold for these products:
    ``max_k ||Pi_k||_2 <= 4 e^{s^2/2+u}`` and ``min_k sigma_min(Pi_k) >= e^{-2s^2/d-u}/4``."""
    d = Ws[0].shape[0]
    sv = [np.linalg.svd(P, compute_uv=False) for P in prefix_products(Ws)]
    top, bottom = max(v[0] for v in sv), min(v[-1] for v in sv)
    return max(np.log(top / 4) - s ** 2 / 2, -np.log(4 * bottom) - 2 * s ** 2 / d)


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Two-sided exact binomial confidence interval for a success probability."""
    from scipy.stats import beta

    a = (1 - level) / 2
    lo = 0.0 if k == 0 else float(beta.ppf(a, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a, k + 1, n - k))
    return lo, hi


@dataclass(frozen=True)
class MultiProblem:
    """Multivariate regression ``R = ||Y - X A^T||_F^2 / n`` with ``A = W_L ... W_1`` (App. B.8)."""

    X: np.ndarray
    Y: np.ndarray

    @property
    def a_star(self) -> np.ndarray:
        return np.linalg.solve(self.X.T @ self.X, self.X.T @ self.Y).T

    def risk(self, Ws) -> float:
        A = prefix_products(Ws)[-1]
        return float(np.sum((self.Y - self.X @ A.T) ** 2) / self.X.shape[0])

    def r_min(self) -> float:
        return float(np.sum((self.Y - self.X @ self.a_star.T) ** 2) / self.X.shape[0])

    def grads(self, Ws) -> list[np.ndarray]:
        """``grad_k = (W_L ... W_{k+1})^T dR/dA (W_{k-1} ... W_1)^T``, ``dR/dA = -2/n (Y - X A^T)^T X``."""
        pre = [np.eye(Ws[0].shape[1])] + prefix_products(Ws)
        gA = -2.0 / self.X.shape[0] * (self.Y - self.X @ pre[-1].T).T @ self.X
        out, S = [None] * len(Ws), np.eye(Ws[-1].shape[0])
        for k in range(len(Ws) - 1, -1, -1):
            out[k] = S.T @ gA @ pre[k].T
            S = S @ Ws[k]
        return out

    def flow(self, Ws0, *, tol=1e-12, t_max=1e8):
        shapes = [W.shape for W in Ws0]
        r_min = self.r_min()

        def f(_t, x):
            return -flatten(self.grads(unflatten(x, shapes)))

        def converged(_t, x):
            return self.risk(unflatten(x, shapes)) - r_min - tol
        converged.terminal = True
        sol = solve_ivp(f, (0, t_max), flatten(Ws0), method="LSODA", rtol=1e-10, atol=1e-13, events=converged)
        return unflatten(sol.y[:, -1], shapes), float(sol.t[-1])
