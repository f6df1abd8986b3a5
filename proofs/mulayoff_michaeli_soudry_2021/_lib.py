"""Plain numpy/fraction helpers for the one-hidden-layer ReLU network of Mulayoff, Michaeli & Soudry
(2021): parameters theta = [w1, b1, w2, b2] (eq. 20/S31), activation patterns, tangent features
(S32/S53/S76), the weight function g (22)-(23)/(S38)-(S39), the knots of f and its weak second
derivative, random interpolating minima (with and without knots on data points) and the modes of the
switching system (S54). Works for float arrays and for ``fractions.Fraction`` object arrays alike.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np

from symflat.models import Points, ReluOneHidden


# ------------------------------------------------------------------ parameters and the network (18)
def split(theta, k):
    """``(w1, b1, w2, b2)`` from the ordering of eq. (20)/(S31)."""
    theta = np.asarray(theta, dtype=object if _is_exact(theta) else float)
    return theta[:k], theta[k:2 * k], theta[2 * k:3 * k], theta[3 * k]


def join(w1, b1, w2, b2):
    exact = any(_is_exact(v) for v in (w1, b1, w2, [b2]))
    return np.concatenate([np.asarray(w1, dtype=object if exact else float), np.asarray(b1, dtype=object if exact else float),
                           np.asarray(w2, dtype=object if exact else float), np.asarray([b2], dtype=object if exact else float)])


def _is_exact(v) -> bool:
    arr = np.asarray(v, dtype=object).ravel()
    return arr.size > 0 and isinstance(arr[0], Fraction)


def relu(z):
    return z if z > 0 else z * 0


def output(theta, k, x):
    """``f(x; theta) = sum_i w2_i relu(w1_i x + b1_i) + b2`` (eq. 18)."""
    w1, b1, w2, b2 = split(theta, k)
    return sum(w2[i] * relu(w1[i] * x + b1[i]) for i in range(k)) + b2


def outputs(theta, k, xs):
    return np.array([output(theta, k, x) for x in xs], dtype=object if _is_exact(theta) else float)


def pattern(theta, k, xs):
    """``I[j, i] = 1`` iff ``w1_i x_j + b1_i > 0`` (strict, supp. Sec. V)."""
    w1, b1, _, _ = split(theta, k)
    return np.array([[1 if w1[i] * x + b1[i] > 0 else 0 for i in range(k)] for x in xs], dtype=int)


def kinks(theta, k, xs):
    """Pairs ``(j, i)`` with ``w1_i x_j + b1_i = 0`` exactly: neuron i toggles on x_j."""
    w1, b1, _, _ = split(theta, k)
    return [(j, i) for j, x in enumerate(xs) for i in range(k) if w1[i] * x + b1[i] == 0]


def grad_in_pattern(theta, k, x, active):
    """``[x w2 . I; w2 . I; (x w1 + b1) . I; 1]`` (S32 with the strict pattern, S53 with any mode)."""
    w1, b1, w2, _ = split(theta, k)
    a = np.asarray(active)
    one = w2[0] * 0 + 1
    return np.concatenate([x * w2 * a, w2 * a, (x * w1 + b1) * a, [one]])


def phi(theta, k, xs, modes=None):
    """Tangent features ``Phi`` ((3k+1) x n), columns the gradients at each x_j (S60/S76);
    ``modes[j]`` is the 0/1 pattern used for x_j (default: the actual, strict one, S77)."""
    pat = pattern(theta, k, xs) if modes is None else np.asarray(modes)
    return np.stack([grad_in_pattern(theta, k, x, pat[j]) for j, x in enumerate(xs)], axis=1)


def lam_max_gram(theta, k, xs, modes=None) -> float:
    """``lambda_max(Phi Phi^T / n)`` through the n x n Gram matrix (eq. 27), float64."""
    P = np.asarray(phi(theta, k, xs, modes), dtype=float)
    return float(np.linalg.eigvalsh(P.T @ P / len(xs))[-1])


def sharpness(theta, k, xs, ys=None) -> float:
    """The numeric engine's structured sharpness (Gram matrix at an interpolating minimum)."""
    from symflat.numeric import sharpness as _sharpness

    xs = np.asarray(xs, dtype=float)
    ys = np.asarray(outputs(np.asarray(theta, dtype=float), k, xs), dtype=float) if ys is None else np.asarray(ys, dtype=float)
    res = _sharpness(ReluOneHidden(k), np.asarray(theta, dtype=float), Points(xs[:, None], ys[:, None]), method="structured")
    return float(res.eigenvalue)


# ------------------------------------------------------------------ the weight function (22)-(23)
def _mean(vals):
    return sum(vals) / len(vals)


def g_plus(t, xs):
    """``P(X>t)^2 E[X-t | X>t] sqrt(1 + E[X | X>t]^2)`` (S38), by conditional expectations."""
    n = len(xs)
    right = [x for x in xs if x > t]
    if not right:
        return 0.0
    p = Fraction(len(right), n) if _is_exact(xs) else len(right) / n
    return float(p) ** 2 * float(_mean([x - t for x in right])) * math.sqrt(1 + float(_mean(right)) ** 2)


def g_minus(t, xs):
    """``P(X<t)^2 E[t-X | X<t] sqrt(1 + E[X | X<t]^2)`` (S39)."""
    n = len(xs)
    left = [x for x in xs if x < t]
    if not left:
        return 0.0
    p = len(left) / n
    return p ** 2 * float(_mean([t - x for x in left])) * math.sqrt(1 + float(_mean(left)) ** 2)


def g(t, xs):
    """``g = min(g^-, g^+)`` on ``[x_min, x_max]`` and 0 outside (eq. 23)."""
    if t < min(xs) or t > max(xs):
        return 0.0
    return min(g_minus(t, xs), g_plus(t, xs))


# ------------------------------------------------------------------ thresholds, f'' and the integral
def thresholds(theta, k):
    """``tau_i = -b1_i / w1_i`` (0 when w1_i = 0), eq. (S36)."""
    w1, b1, _, _ = split(theta, k)
    return [(-b1[i] / w1[i]) if w1[i] != 0 else w1[i] * 0 for i in range(k)]


def second_derivative_masses(theta, k, *, footnote=False, tol=0.0):
    """The Dirac masses of f'': ``{t: c_t}`` with ``c_t = sum_{i: tau_i = t} |w1_i| w2_i`` (the
    jump of f' at t); ``footnote=True`` uses the supplement's ``w1_i w2_i`` instead. Knots closer
    than ``tol`` are merged (0: exact equality)."""
    w1, b1, w2, _ = split(theta, k)
    taus = thresholds(theta, k)
    masses: dict = {}
    for i in range(k):
        if w1[i] == 0:
            continue
        c = (w1[i] if footnote else abs(w1[i])) * w2[i]
        key = next((t for t in masses if abs(t - taus[i]) <= tol), taus[i])
        masses[key] = masses.get(key, 0) + c
    return masses


def curvature_integral(theta, k, xs, *, tol=0.0):
    """``int |f''(x)| g(x) dx = sum_t |c_t| g(t)`` for f'' a sum of Diracs."""
    return sum(abs(float(c)) * g(t, xs) for t, c in second_derivative_masses(theta, k, tol=tol).items())


def per_neuron_sum(theta, k, xs):
    """``sum_i |w1_i w2_i| min(g^+(tau_i), g^-(tau_i))`` (first line of S41)."""
    w1, _, w2, _ = split(theta, k)
    taus = thresholds(theta, k)
    return sum(abs(float(w1[i] * w2[i])) * min(g_plus(taus[i], xs), g_minus(taus[i], xs)) for i in range(k))


# ------------------------------------------------------------------ random minima
def random_data(rng, n, spread=1.0):
    """n distinct sorted inputs."""
    while True:
        xs = np.sort(rng.standard_normal(n) * spread)
        if n < 2 or np.min(np.diff(xs)) > 1e-3:
            return xs


def random_theta(rng, k, *, scale=1.0, w2_scale=1.0):
    """A random parameter vector with log-normal spread in the scales of the neurons."""
    s = np.exp(rng.normal(0, 1, k))
    w1 = rng.standard_normal(k) * s * scale
    b1 = rng.standard_normal(k) * s * scale
    w2 = rng.standard_normal(k) * w2_scale / s
    return join(w1, b1, w2, rng.standard_normal())


def random_minimum(rng, n, k, **kw):
    """``(theta, x, y)`` with ``y = f(x; theta)``: every theta is a zero-loss minimum of its own data
    (twice differentiable unless a knot sits on an x_j, which has probability 0)."""
    xs = random_data(rng, n)
    theta = random_theta(rng, k, **kw)
    return theta, xs, outputs(theta, k, xs)


def interpolating_minimum(rng, xs, ys, k, *, null_scale=1.0):
    """Given data, random first layer and b2, then w2 solving ``f(x_j) = y_j`` (least norm plus a
    random null-space component); None when the active matrix is rank deficient."""
    theta = random_theta(rng, k)
    w1, b1, _, b2 = split(theta, k)
    A = np.maximum(np.outer(xs, w1) + b1[None, :], 0.0)
    if np.linalg.matrix_rank(A) < len(xs):
        return None
    w2 = np.linalg.lstsq(A, ys - b2, rcond=None)[0]
    _, _, Vt = np.linalg.svd(A)
    N = Vt[len(xs):]
    if N.shape[0]:
        w2 = w2 + N.T @ rng.standard_normal(N.shape[0]) * null_scale * np.linalg.norm(w2) / max(1.0, np.sqrt(N.shape[0]))
    return join(w1, b1, w2, b2)


def rational(rng, lo=-3, hi=3, den=4):
    return Fraction(int(rng.integers(lo * den, hi * den + 1)), den)


def exact_kinked_minimum(rng, n, k, n_kinks, *, dead_origin=False):
    """A rational ``(theta, x, y)``: the first ``n_kinks`` neurons have their knot exactly on a
    training point (b1_i = -w1_i x_j), so the loss is not twice differentiable there; with
    ``dead_origin`` the last neuron has w1 = b1 = 0 (it toggles on every x_j)."""
    while True:
        xs = sorted({Fraction(int(v), 4) for v in rng.integers(-max(8, 2 * n), max(8, 2 * n) + 1, size=3 * n)})
        if len(xs) >= n:
            break
    xs = [xs[i] for i in sorted(rng.choice(len(xs), n, replace=False))]
    w1 = [rational(rng) or Fraction(1) for _ in range(k)]
    b1 = [rational(rng) for _ in range(k)]
    w2 = [rational(rng) or Fraction(1, 2) for _ in range(k)]
    for i in range(min(n_kinks, k)):
        b1[i] = -w1[i] * xs[int(rng.integers(n))]
    if dead_origin:
        w1[-1], b1[-1] = Fraction(0), Fraction(0)
    theta = join(w1, b1, w2, rational(rng))
    for j, x in enumerate(xs):  # no accidental extra kinks
        for i in range(k if not dead_origin else k - 1):
            if i >= n_kinks and w1[i] * x + b1[i] == 0:
                return exact_kinked_minimum(rng, n, k, n_kinks, dead_origin=dead_origin)
    return theta, list(xs), list(outputs(theta, k, xs))


def modes_in_I(theta, k, xs, limit=4096):
    """All multi-indices m in I (S54): patterns agreeing with the strict one wherever the
    pre-activation is nonzero; the toggled entries range over {0,1}."""
    base = pattern(theta, k, xs)
    kk = kinks(theta, k, xs)
    if 2 ** len(kk) > limit:
        raise ValueError(f"{2 ** len(kk)} modes")
    out = []
    for bits in itertools.product((0, 1), repeat=len(kk)):
        m = base.copy()
        for (j, i), b in zip(kk, bits):
            m[j, i] = b
        out.append(m)
    return out


def to_float(a):
    return np.asarray(np.asarray(a, dtype=object).astype(float), dtype=float)
