"""Samplers for the objects the papers quantify over, biased towards where bounds break.

Matrices come in families (:data:`MATRIX_FAMILIES`): Gaussian, widely scaled, ill-conditioned,
near-singular, rank-deficient, orthogonal, diagonal with spread singular values, small integers,
near-identity, rank one. Also: covariance matrices of a chosen condition number, points on the
global-minimum set of a deep linear network (Mulayoff & Michaeli 2020, eq. 5; the flattest ones of
eq. 27), one-hidden-layer ReLU networks with knots near the data, step sizes and depths.
:func:`sample_point` draws a whole :class:`~symflat.precision.Point` of an inequality.
"""

from __future__ import annotations

import math

import numpy as np

from symflat.precision.domains import Matrices, Matrix, Scalar, Vector, encode_matrix
from symflat.precision.errors import PrecisionError

MATRIX_FAMILIES = ("gaussian", "scaled", "ill_conditioned", "near_singular", "rank_deficient", "orthogonal",
                   "diag_spread", "small_integer", "near_identity", "rank_one")
CHAIN_FAMILIES = ("independent", "aligned_rank_one", "balanced")


class SamplerError(PrecisionError):
    """A sampler asked for something impossible (negative size, bad condition number, ...)."""


def _orth(rng, n: int) -> np.ndarray:
    if n == 0:
        return np.zeros((0, 0))
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.where(np.diag(r) == 0, 1, np.diag(r)))


def with_singular_values(rng, shape, s) -> np.ndarray:
    """``U diag(s) V^T`` with Haar-random ``U``, ``V`` and the given singular values."""
    r, c = shape
    k = min(r, c)
    s = np.asarray(s, dtype=float)
    if s.shape != (k,):
        raise SamplerError(f"need {k} singular values for shape {shape}, got {s.shape}")
    return (_orth(rng, r)[:, :k] * s) @ _orth(rng, c)[:, :k].T


def matrix(rng: np.random.Generator, shape, family: str | None = None) -> np.ndarray:
    """A random ``shape`` matrix from ``family`` (a random family when ``None``)."""
    r, c = (int(x) for x in shape)
    if r < 0 or c < 0:
        raise SamplerError(f"matrix shape must be non-negative, got {shape}")
    family = family or MATRIX_FAMILIES[rng.integers(len(MATRIX_FAMILIES))]
    k = min(r, c)
    if k == 0:
        return np.zeros((r, c))
    if family == "gaussian":
        return rng.standard_normal((r, c))
    if family == "scaled":
        return rng.standard_normal((r, c)) * 10.0 ** rng.uniform(-3, 3)
    if family == "ill_conditioned":
        return with_singular_values(rng, (r, c), np.logspace(0, -rng.uniform(2, 10), k) * 10.0 ** rng.uniform(-1, 1))
    if family == "near_singular":
        s = np.exp(rng.standard_normal(k))
        s[-1] = 10.0 ** rng.uniform(-12, -4)
        return with_singular_values(rng, (r, c), np.sort(s)[::-1])
    if family == "rank_deficient":
        rank = int(rng.integers(0, k)) if k > 1 else 0
        s = np.zeros(k)
        s[:rank] = np.exp(rng.standard_normal(rank))
        return with_singular_values(rng, (r, c), np.sort(s)[::-1])
    if family == "orthogonal":
        return with_singular_values(rng, (r, c), np.ones(k))
    if family == "diag_spread":
        out = np.zeros((r, c))
        out[np.arange(k), np.arange(k)] = np.sort(10.0 ** rng.uniform(-4, 4, k))[::-1]
        return out
    if family == "small_integer":
        return rng.integers(-2, 3, (r, c)).astype(float)
    if family == "near_identity":
        out = np.zeros((r, c))
        out[np.arange(k), np.arange(k)] = 1.0
        return out + 10.0 ** rng.uniform(-8, -1) * rng.standard_normal((r, c))
    if family == "rank_one":
        return np.outer(rng.standard_normal(r), rng.standard_normal(c))
    raise SamplerError(f"unknown matrix family {family!r}; use one of {MATRIX_FAMILIES}")


def covariance(rng: np.random.Generator, n: int, cond: float = 10.0) -> np.ndarray:
    """A random ``n x n`` covariance matrix with condition number ``cond`` (eigenvalues
    log-spaced from 1 down to ``1/cond``)."""
    if n < 1 or not cond >= 1:
        raise SamplerError(f"covariance needs n >= 1 and cond >= 1, got n={n}, cond={cond}")
    q = _orth(rng, n)
    w = np.logspace(0, -math.log10(cond), n)
    return (q * w) @ q.T


def chain(rng: np.random.Generator, shapes, family: str = "independent") -> list[np.ndarray]:
    """Matrices for a product ``M_k ... M_1`` with ``shapes[i] = (d_{i+1}, d_i)``: independent
    random ones, an aligned rank-one chain (``M_i = s_i u_{i+1} u_i^T``: products keep all the
    norm, the equality case of AM-GM-type bounds such as Lemma 4), or balanced ones with equal
    singular values."""
    shapes = [tuple(int(x) for x in s) for s in shapes]
    if family == "independent":
        return [matrix(rng, s) for s in shapes]
    if family == "aligned_rank_one":
        us = [rng.standard_normal(shapes[0][1])]
        for r, _ in shapes:
            us.append(rng.standard_normal(r))
        us = [u / (np.linalg.norm(u) or 1.0) for u in us]
        scales = 10.0 ** rng.uniform(-1, 1, len(shapes)) * (10.0 ** rng.uniform(-2, 2))
        return [s * np.outer(us[i + 1], us[i]) for i, s in enumerate(scales)]
    if family == "balanced":
        sv = 10.0 ** rng.uniform(-1, 1)
        return [with_singular_values(rng, s, np.full(min(s), sv)) for s in shapes]
    raise SamplerError(f"unknown chain family {family!r}; use one of {CHAIN_FAMILIES}")


def deep_linear_global_minimum(rng: np.random.Generator, dims, target=None, flattest: bool = False) -> list[np.ndarray]:
    """Weights ``W_1, ..., W_m`` (``W_j`` is ``d_j x d_{j-1}``) with ``W_m ... W_1 = T``: a point
    of the global-minimum set of Mulayoff & Michaeli (2020, eq. 5) when ``T`` is the regression
    solution. Random factors with ``W_m = T (W_{m-1} ... W_1)^+`` (needs ``d_j >= d_0`` for
    ``0 < j < m``), or with ``flattest=True`` the construction of eq. 27 (``W_m = U S^{1/m}``,
    ``W_j = S^{1/m}``, ``W_1 = S^{1/m} V^T``)."""
    dims = [int(d) for d in dims]
    if len(dims) < 2 or min(dims) < 1:
        raise SamplerError(f"dims must be [d0, ..., dm] with m >= 1 and positive entries, got {dims}")
    m = len(dims) - 1
    t = np.asarray(target, dtype=float) if target is not None else rng.standard_normal((dims[-1], dims[0]))
    if t.shape != (dims[-1], dims[0]):
        raise SamplerError(f"target must be {dims[-1]}x{dims[0]}, got {t.shape}")
    if flattest:
        u, s, vt = np.linalg.svd(t)
        root = s ** (1.0 / m)
        ws = []
        for j in range(1, m + 1):
            w = np.zeros((dims[j], dims[j - 1]))
            k = min(len(root), dims[j], dims[j - 1])
            w[np.arange(k), np.arange(k)] = root[:k]
            if j == 1:
                w = w[:, :len(vt)] @ vt if dims[0] == len(vt) else w
            if j == m:
                w = u @ w[:len(u), :] if dims[-1] == len(u) else w
            ws.append(w)
        return ws
    if m == 1:
        return [t.copy()]
    if min(dims[1:-1]) < dims[0]:
        raise SamplerError(f"random global minima need d_j >= d_0 for the hidden layers, got dims {dims}")
    ws = [matrix(rng, (dims[j], dims[j - 1]), "gaussian") for j in range(1, m)]
    prod = ws[0]
    for w in ws[1:]:
        prod = w @ prod
    ws.append(t @ np.linalg.pinv(prod))
    return ws


def relu_knots_near_data(rng: np.random.Generator, width: int, xs, spread: float = 1e-3):
    """A one-hidden-layer ReLU network (``w1, b1, w2, b2``) on scalar inputs whose knots
    ``-b1_i / w1_i`` sit within ``spread`` of data points ``xs`` - where its Hessian jumps."""
    xs = np.asarray(xs, dtype=float).ravel()
    if width < 1 or xs.size == 0:
        raise SamplerError(f"need width >= 1 and at least one data point, got width={width}, {xs.size} points")
    w1 = rng.choice([-1.0, 1.0], width) * np.exp(rng.standard_normal(width))
    knots = rng.choice(xs, width) + spread * rng.standard_normal(width)
    return w1, -w1 * knots, rng.standard_normal(width), np.array([rng.standard_normal()])


def step_size(rng: np.random.Generator, lo: float = 1e-4, hi: float = 10.0) -> float:
    """A log-uniform step size in ``[lo, hi]``."""
    if not 0 < lo < hi:
        raise SamplerError(f"step sizes need 0 < lo < hi, got lo={lo}, hi={hi}")
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def depth(rng: np.random.Generator, lo: int = 1, hi: int = 8) -> int:
    """A depth in ``[lo, hi]``, small ones more likely (shallow counterexamples are simpler)."""
    if not 1 <= lo <= hi:
        raise SamplerError(f"depths need 1 <= lo <= hi, got lo={lo}, hi={hi}")
    return int(lo + min(hi - lo, int(rng.geometric(0.4)) - 1))


def scalar(rng: np.random.Generator, var: Scalar) -> float:
    """A value in the scalar's domain: special values, the ends, and log-spread magnitudes."""
    lo = None if var.lo is None else float(var.lo)
    hi = None if var.hi is None else float(var.hi)
    mode = rng.integers(6)
    if lo is not None and hi is not None:
        width = hi - lo
        x = [lo + width * rng.uniform(),
             lo + width * 10.0 ** rng.uniform(-12, 0),
             hi - width * 10.0 ** rng.uniform(-12, 0),
             lo + width / 2,
             lo + width * rng.uniform() ** 3,
             hi - width * rng.uniform() ** 3][mode]
    elif lo is not None:
        x = lo + [10.0 ** rng.uniform(-8, 8), 10.0 ** rng.uniform(-2, 2), 1.0, 10.0 ** rng.uniform(-14, -4),
                  math.exp(rng.standard_normal()), 0.0][mode]
    elif hi is not None:
        x = hi - [10.0 ** rng.uniform(-8, 8), 10.0 ** rng.uniform(-2, 2), 1.0, 10.0 ** rng.uniform(-14, -4),
                  math.exp(rng.standard_normal()), 0.0][mode]
    else:
        x = [rng.standard_normal(), rng.choice([-1, 1]) * 10.0 ** rng.uniform(-6, 6), 0.0, 1.0,
             rng.choice([-1, 1]) * 10.0 ** rng.uniform(-1, 1), float(rng.integers(-3, 4))][mode]
    return float(x) if var.contains(x) else float(_inside(var, rng))


def _inside(var: Scalar, rng) -> float:
    lo = -1e3 if var.lo is None else float(var.lo)
    hi = 1e3 if var.hi is None else float(var.hi)
    lo, hi = (lo, hi) if var.hi is not None or var.lo is None else (lo, lo + 1e3)
    return lo + (hi - lo) * (0.5 + 0.49 * (rng.uniform() - 0.5))


def _kind_matrix(rng, shape, kind: str, family: str | None = None) -> np.ndarray:
    if kind == "psd":
        n = shape[0]
        return covariance(rng, n, 10.0 ** rng.uniform(0, 10)) * 10.0 ** rng.uniform(-3, 3) if rng.uniform() < 0.7 \
            else matrix(rng, (n, n), "rank_deficient") @ matrix(rng, (n, n), "rank_deficient").T
    if kind == "symmetric":
        a = matrix(rng, shape, family)
        return (a + a.T) / 2
    if kind == "rotation":
        q = _orth(rng, shape[0])
        if np.linalg.det(q) < 0:
            q[:, 0] = -q[:, 0]
        return q
    return matrix(rng, shape, family)


def sample_params(rng: np.random.Generator, var, dims: dict) -> list[float]:
    """Free parameters of one variable, drawn from the samplers above."""
    if isinstance(var, Scalar):
        return [scalar(rng, var)]
    if isinstance(var, Vector):
        n = var.size(dims)
        mode = rng.integers(4)
        v = [rng.standard_normal(n), rng.standard_normal(n) * 10.0 ** rng.uniform(-4, 4),
             np.eye(n)[rng.integers(n)] if n else np.zeros(0), np.ones(n) / max(1, n)][mode]
        return list(var.encode(v, dims))
    if isinstance(var, Matrix):
        shape = var.dims_of(dims)
        return list(encode_matrix(var.kind, _kind_matrix(rng, shape, var.kind)))
    if isinstance(var, Matrices):
        shapes = var.shapes_of(dims)
        if var.kind == "general" and rng.uniform() < 0.5:
            reverse = _reverse_chain(shapes, rng)
            mats = chain(rng, shapes[::-1] if reverse else shapes, CHAIN_FAMILIES[rng.integers(1, len(CHAIN_FAMILIES))])
            mats = mats[::-1] if reverse else mats
        else:
            family = MATRIX_FAMILIES[rng.integers(len(MATRIX_FAMILIES))]
            mats = [_kind_matrix(rng, s, var.kind, family) for s in shapes]
        return list(var.encode(mats, dims))
    raise SamplerError(f"no sampler for variable {var!r}")


def _reverse_chain(shapes, rng) -> bool:
    """Whether to build an aligned chain for ``M_1 @ M_2 @ ...`` (True) rather than for
    ``M_k ... M_1``: whichever the shapes allow, at random when both do (square layers)."""
    backward = all(shapes[i][0] == shapes[i + 1][1] for i in range(len(shapes) - 1))
    forward = all(shapes[i][1] == shapes[i + 1][0] for i in range(len(shapes) - 1))
    if forward and backward:
        return bool(rng.integers(2))
    return forward


TIE_PROBABILITY = 0.15


def sample_point(ineq, rng: np.random.Generator, dims: dict):
    """A random :class:`~symflat.precision.Point` of ``ineq`` with the given dims.

    With probability :data:`TIE_PROBABILITY` the draw is *tied*: variables with the same number
    of parameters share them (all scalars equal, ``A = B``), and a vector or a list of matrices
    repeats one block - the symmetric configurations where equality cases (AM-GM at balance,
    balanced layers) usually sit.
    """
    tied = rng.uniform() < TIE_PROBABILITY
    flat, shared = [], {}
    for v in ineq.variables:
        params = sample_params(rng, v, dims)
        if tied:
            params = shared.setdefault(len(params), _repeat_block(v, dims, params))
        flat.extend(params)
    return ineq.point(dims, flat)


def _repeat_block(var, dims, params: list) -> list:
    """Parameters with one block repeated: equal entries of a vector, equal matrices in a list
    (when the shapes agree); other variables unchanged."""
    if isinstance(var, Vector) and params:
        return [params[0]] * len(params)
    if isinstance(var, Matrices):
        shapes = var.shapes_of(dims)
        if len(set(shapes)) == 1 and var.kind != "diagonal":
            size = shapes[0][0] * shapes[0][1]
            return params[:size] * len(shapes)
    return params
