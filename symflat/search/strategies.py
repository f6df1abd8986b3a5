"""The samplers as hypothesis strategies, so property tests and the search share them and
hypothesis' shrinking applies.

Each strategy draws the *structure* (family, singular values, condition number, rank) from
hypothesis primitives, so shrinking moves towards small, well-conditioned, low-rank,
integer-valued cases; random orthogonal factors come from a drawn seed.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from symflat.precision.inequality import Inequality
from symflat.search import samplers

_finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)


@st.composite
def matrices(draw, shape, family: str | None = None) -> np.ndarray:
    """A ``shape`` matrix from one of :data:`samplers.MATRIX_FAMILIES` (drawn when ``None``).
    ``gaussian`` draws the entries themselves, so they shrink to small integers."""
    r, c = shape
    family = family or draw(st.sampled_from(samplers.MATRIX_FAMILIES))
    if family in ("gaussian", "small_integer"):
        entries = st.integers(-3, 3).map(float) if family == "small_integer" else _finite
        return np.array(draw(st.lists(entries, min_size=r * c, max_size=r * c)), dtype=float).reshape(r, c)
    seed = draw(st.integers(0, 2**32 - 1))
    k = min(r, c)
    rng = np.random.default_rng(seed)
    if family in ("ill_conditioned", "near_singular"):
        exps = sorted(draw(st.lists(st.floats(-12, 2), min_size=k, max_size=k)), reverse=True)
        return samplers.with_singular_values(rng, (r, c), 10.0 ** np.array(exps))
    if family == "rank_deficient":
        rank = draw(st.integers(0, max(0, k - 1)))
        s = np.zeros(k)
        s[:rank] = sorted(draw(st.lists(st.floats(0.01, 100), min_size=rank, max_size=rank)), reverse=True)
        return samplers.with_singular_values(rng, (r, c), s)
    return samplers.matrix(rng, (r, c), family)


@st.composite
def covariances(draw, n: int, max_cond: float = 1e8) -> np.ndarray:
    """An ``n x n`` covariance matrix with a drawn condition number in ``[1, max_cond]``."""
    cond = draw(st.floats(1.0, max_cond))
    return samplers.covariance(np.random.default_rng(draw(st.integers(0, 2**32 - 1))), n, cond)


@st.composite
def deep_linear_minima(draw, dims, flattest: bool | None = None) -> list[np.ndarray]:
    """Weights on the global-minimum set of a deep linear network with layer sizes ``dims``
    (random factors, or the flattest construction of Mulayoff & Michaeli 2020, eq. 27)."""
    t = draw(matrices((dims[-1], dims[0]), "gaussian"))
    flat = draw(st.booleans()) if flattest is None else flattest
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return samplers.deep_linear_global_minimum(rng, dims, t, flattest=flat)


def step_sizes(lo: float = 1e-4, hi: float = 10.0):
    """Step sizes, log-uniform-ish in ``[lo, hi]``."""
    return st.floats(np.log(lo), np.log(hi)).map(lambda u: float(np.exp(u)))


def depths(lo: int = 1, hi: int = 8):
    return st.integers(lo, hi)


@st.composite
def points(draw, ineq: Inequality, dims: dict | None = None):
    """A point of ``ineq`` (its dims drawn from ``ineq.dims_grid()`` unless given), from the same
    samplers the search uses, seeded by hypothesis."""
    d = dims if dims is not None else draw(st.sampled_from(ineq.dims_grid()))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return samplers.sample_point(ineq, rng, d)


@st.composite
def relu_networks(draw, width: int, xs, spread: float = 1e-3):
    """One-hidden-layer ReLU networks ``(w1, b1, w2, b2)`` with knots within ``spread`` of the data
    ``xs`` (see :func:`samplers.relu_knots_near_data`)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return samplers.relu_knots_near_data(rng, width, xs, spread)
