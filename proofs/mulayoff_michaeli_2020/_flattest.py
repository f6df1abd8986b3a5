"""Exact flattest minima used by the checks of Theorems 1-4 (rational entries, certified flat).

Two families, both with rational orthogonal ``U, V`` and random rational orthogonal rotations between
layers (which change the weights but no singular value of any partial product):

- ``balanced``: every layer has top singular value ``r = sigma_max(T)^{1/m}`` (Theorem 4's hypothesis);
  the other gains are spread unevenly over the layers, so the point is not of the form (27).
- ``unbalanced``: ``T = U diag(1, eps) V^T`` (``r = 1``) with the second path's gains ``g_k`` drawn at
  random and kept only when ``lambda_max(2 Phi^T Phi) = 2m`` exactly and some ``g_k > 1``: flattest minima
  outside Theorem 4 (a layer's top singular value exceeds ``r``).
"""

from __future__ import annotations

import sympy as sp

from . import _exact as E


def _rat(rng, lo: int, hi: int, den: int = 4):
    return sp.Rational(int(rng.integers(lo, hi + 1)), den)


def balanced(rng, d: int, m: int):
    """Returns ``(Ws, T, u, v, r)`` with ``sigma_max(W_k) = r`` for every layer."""
    U, V = E.rational_orthogonal(d, rng), E.rational_orthogonal(d, rng)
    r = _rat(rng, 5, 8)                                     # top gain per layer, 5/4 .. 2
    gains = [[r] for _ in range(m)]
    for i in range(1, d):
        g = [_rat(rng, 1, 4) for _ in range(m)]             # 1/4 .. 1 < r, uneven across layers
        for k in range(m):
            gains[k].append(g[k])
    Ws = E.layer_gains_minimum(U, V, gains)
    Ws = E.rotate_layers(Ws, [E.rational_orthogonal(d, rng) for _ in range(m - 1)])
    T = E.prod(Ws, 1, m, d)
    return Ws, T, U[:, 0], V[:, 0], r


def unbalanced(rng, d: int, m: int, tries: int = 400):
    """Returns ``(Ws, T, u, v, r=1)`` for a certified flattest minimum with ``max_k sigma_max(W_k) > 1``, or None."""
    U, V = E.rational_orthogonal(d, rng), E.rational_orthogonal(d, rng)
    for _ in range(tries):
        second = [_rat(rng, 1, 6) for _ in range(m)]        # 1/4 .. 3/2
        if max(second) <= 1:
            continue
        gains = [[sp.Integer(1), g] + [sp.Rational(1, 8)] * (d - 2) for g in second]
        Ws = E.layer_gains_minimum(U, V, gains)
        if E.count_eigs_above(E.hhat(Ws, sp.eye(d)), 2 * m) == 0:
            Ws = E.rotate_layers(Ws, [E.rational_orthogonal(d, rng) for _ in range(m - 1)])
            return Ws, E.prod(Ws, 1, m, d), U[:, 0], V[:, 0], sp.Integer(1)
    return None


def certified_flattest(Ws, T, u, v, r, m) -> bool:
    """Exact: ``u, v`` are a top singular pair of ``T`` with ``sigma_max(T) = r^m``, and ``2 Phi^T Phi`` has top
    eigenvalue ``2 m r^{2(m-1)}`` (the minimum over Omega, eq. 29) with eigenvector ``v kron u``."""
    d = T.cols
    s = r**m
    if not (T * v - s * u).is_zero_matrix or not (T.T * u - s * v).is_zero_matrix or not E.sigma_max_equals(T, s):
        return False
    return E.is_top_eigenpair(E.hhat(Ws, sp.eye(d)), E.kron(v, u), 2 * m * r ** (2 * (m - 1)))
