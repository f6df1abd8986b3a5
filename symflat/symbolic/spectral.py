"""Exact spectral certificates for rational symmetric matrices.

A real symmetric matrix ``S`` has only real eigenvalues, the roots of its characteristic polynomial
``p(x) = det(x I - S)`` counted with multiplicity. Counting real roots of ``p`` on an interval
(Sturm sequences, through SymPy's ``Poly.count_roots``) therefore decides, with no rounding,
statements such as "no eigenvalue exceeds ``c``" or "``S`` is positive semidefinite". These are
the certificates the Mulayoff & Michaeli 2020 checks use for ``lambda_max(2 Phi^T Phi)`` (eq. 20)
at rational points of the minimum set.
"""

from __future__ import annotations

import sympy as sp


def _charpoly(S: sp.Matrix) -> sp.Poly:
    x = sp.Symbol("x")
    return sp.Poly(S.charpoly(x).as_expr(), x)


def _count_roots(poly: sp.Poly, lo, hi) -> int:
    """Real roots of ``poly`` in the open interval ``(lo, hi)`` (``None`` = infinite end), with
    multiplicity: ``count_roots`` counts a closed interval, so roots at a finite end are removed."""
    total = 0
    for factor, mult in poly.sqf_list()[1]:
        n = factor.count_roots(lo, hi)
        n -= sum(1 for end in (lo, hi) if end is not None and factor.eval(end) == 0)
        total += n * mult
    return total


def count_eigs_above(S: sp.Matrix, bound) -> int:
    """Number of eigenvalues (with multiplicity) of the rational symmetric ``S`` strictly above ``bound``."""
    return _count_roots(_charpoly(S), sp.nsimplify(bound), None)


def is_top_eigenpair(S: sp.Matrix, b: sp.Matrix, lam) -> bool:
    """``S b = lam b`` with ``b != 0`` exactly, and no eigenvalue of ``S`` exceeds ``lam``
    (so ``lam = lambda_max(S)`` with eigenvector ``b``)."""
    return (not b.is_zero_matrix) and (S * b - lam * b).is_zero_matrix and count_eigs_above(S, lam) == 0


def is_psd(S: sp.Matrix) -> bool:
    """A rational symmetric matrix is positive semidefinite iff ``p`` has no negative root."""
    return _count_roots(_charpoly(S), None, 0) == 0


def sigma_max_equals(W: sp.Matrix, s) -> bool:
    """``sigma_max(W) = s`` for a rational ``s > 0``: ``s^2 I - W^T W`` is positive semidefinite
    (no singular value exceeds ``s``) and singular (some singular value equals ``s``)."""
    G = s**2 * sp.eye(W.cols) - W.T * W
    return is_psd(G) and G.det() == 0


def parallel_same_direction(x: sp.Matrix, y: sp.Matrix) -> bool:
    """``x / ||x|| = y / ||y||`` exactly (both nonzero): rank one with positive inner product."""
    if x.is_zero_matrix or y.is_zero_matrix:
        return False
    return sp.Matrix.hstack(x, y).rank() == 1 and (x.T * y)[0] > 0


def has_singular_pair(W: sp.Matrix, right: sp.Matrix, left: sp.Matrix, s) -> bool:
    """``right``, ``left`` point along a right/left singular pair of ``W`` with singular value
    ``s > 0``: ``W^T W r = s^2 r`` and ``W r`` is a positive multiple of ``left`` (then
    ``W W^T l = s^2 l`` follows)."""
    return (W.T * W * right - s**2 * right).is_zero_matrix and parallel_same_direction(W * right, left)
