"""Exact (SymPy, rational) constructions for deep linear networks (Secs. 4-5, App. IV-VIII).

Everything here works on ``sympy.Matrix`` with rational entries so that a check can verify an
identity or an eigenvalue bound with no rounding: rational orthogonal matrices come from the Cayley
transform, targets ``T = U diag(r_i^m) V^T`` have rational ``m``-th roots of their singular values,
and ``lambda_max`` of a rational symmetric matrix is certified by counting the real roots of its
characteristic polynomial above a bound.
"""

from __future__ import annotations

import sympy as sp

from symflat.errors import SymflatError


class ExactError(SymflatError, ValueError):
    """A construction was asked for something it cannot build exactly."""


def rational_orthogonal(d: int, rng, span: int = 3) -> sp.Matrix:
    """Cayley transform ``(I - A)^{-1} (I + A)`` of a random integer skew matrix ``A``: an exactly
    orthogonal matrix with rational entries (never has eigenvalue -1)."""
    A = sp.zeros(d, d)
    for i in range(d):
        for j in range(i + 1, d):
            a = sp.Rational(int(rng.integers(-span, span + 1)), int(rng.integers(1, span + 1)))
            A[i, j], A[j, i] = a, -a
    I = sp.eye(d)
    return (I - A).inv() * (I + A)


def prod(Ws: list[sp.Matrix], lo: int, hi: int, n: int) -> sp.Matrix:
    """``W_hi ... W_lo`` (1-based, eq. 14); the ``n x n`` identity when ``lo > hi``."""
    P = sp.eye(n)
    for j in range(lo, hi + 1):
        P = Ws[j - 1] * P if j > lo else Ws[j - 1]
    return P


def kron(A: sp.Matrix, B: sp.Matrix) -> sp.Matrix:
    return sp.kronecker_product(A, B)


def vec(M: sp.Matrix) -> sp.Matrix:
    """Column-major vectorisation (stack the columns)."""
    return sp.Matrix([M[i, j] for j in range(M.cols) for i in range(M.rows)])


def phi_blocks(Ws: list[sp.Matrix], sx_half: sp.Matrix) -> list[sp.Matrix]:
    """``Phi_k = (prod_{j<k} W_j Sigma_x^{1/2}) kron (prod_{i>k} W_i)^T`` (eq. 16)."""
    m, dx, dy = len(Ws), Ws[0].cols, Ws[-1].rows
    out = []
    for k in range(1, m + 1):
        left = prod(Ws, 1, k - 1, dx) * sx_half
        right = prod(Ws, k + 1, m, dy).T
        out.append(kron(left, right))
    return out


def phi(Ws, sx_half) -> sp.Matrix:
    return sp.Matrix.vstack(*phi_blocks(Ws, sx_half))


def hhat(Ws, sx_half) -> sp.Matrix:
    """``2 Phi^T Phi`` (Sec. 5, before eq. 20): same nonzero spectrum as ``H_w``, size d_x d_y."""
    P = phi(Ws, sx_half)
    return 2 * P.T * P


def _charpoly(S: sp.Matrix) -> sp.Poly:
    x = sp.Symbol("x")
    return sp.Poly(S.charpoly(x).as_expr(), x)


def _count_roots(poly: sp.Poly, lo, hi) -> int:
    """Real roots in the open interval ``(lo, hi)`` (``None`` = infinite end), with multiplicity."""
    total = 0
    for factor, mult in poly.sqf_list()[1]:
        n = factor.count_roots(lo, hi)               # closed interval count
        n -= sum(1 for end in (lo, hi) if end is not None and factor.eval(end) == 0)
        total += n * mult
    return total


def count_eigs_above(S: sp.Matrix, bound) -> int:
    """Number of eigenvalues (with multiplicity) of the rational symmetric ``S`` strictly above ``bound``."""
    return _count_roots(_charpoly(S), sp.nsimplify(bound), None)


def is_top_eigenpair(S: sp.Matrix, b: sp.Matrix, lam) -> bool:
    """``S b = lam b`` with ``b != 0`` exactly, and no eigenvalue of ``S`` exceeds ``lam``."""
    return (not b.is_zero_matrix) and (S * b - lam * b).is_zero_matrix and count_eigs_above(S, lam) == 0


def is_psd(S: sp.Matrix) -> bool:
    """Exact: a rational symmetric matrix is PSD iff its characteristic polynomial has no negative root."""
    return _count_roots(_charpoly(S), None, 0) == 0


def diag_rect(rows: int, cols: int, entries) -> sp.Matrix:
    """``rows x cols`` matrix with ``entries`` on its diagonal (the S_j^{1/m} notation of eq. 27)."""
    D = sp.zeros(rows, cols)
    for i, e in enumerate(entries):
        if i < min(rows, cols):
            D[i, i] = e
    return D


def canonical_minimum(U: sp.Matrix, roots: list, V: sp.Matrix, dims: list[int]) -> list[sp.Matrix]:
    """Eq. (27): ``W_m = U S_m^{1/m}``, ``W_j = S_j^{1/m}``, ``W_1 = S_1^{1/m} V^T`` for dims
    ``[d_0, ..., d_m]``, where ``roots`` are the ``m``-th roots of the singular values of ``T``."""
    m = len(dims) - 1
    if m < 2:
        raise ExactError("eq. (27) needs depth m >= 2")
    Ws = [diag_rect(dims[j], dims[j - 1], roots) for j in range(1, m + 1)]
    Ws[0] = Ws[0] * V.T
    Ws[-1] = U * Ws[-1]
    return Ws


def target(U: sp.Matrix, roots: list, V: sp.Matrix, m: int) -> sp.Matrix:
    """``T = U S V^T`` with singular values ``roots[i]^m``."""
    return U * diag_rect(U.cols, V.cols, [r**m for r in roots]) * V.T


def rotate_layers(Ws: list[sp.Matrix], Qs: list[sp.Matrix]) -> list[sp.Matrix]:
    """``W_k -> Q_k W_k Q_{k-1}^T`` with ``Q_0 = I``, ``Q_m = I`` and ``Qs = [Q_1, ..., Q_{m-1}]`` orthogonal: the
    end-to-end map, the Hessian spectrum and all singular values of partial products are unchanged."""
    m = len(Ws)
    full = [sp.eye(Ws[0].cols)] + list(Qs) + [sp.eye(Ws[-1].rows)]
    return [full[k] * Ws[k - 1] * full[k - 1].T for k in range(1, m + 1)]


def layer_gains_minimum(U: sp.Matrix, V: sp.Matrix, gains: list[list]) -> list[sp.Matrix]:
    """``W_1 = D_1 V^T``, ``W_k = D_k``, ``W_m = U D_m`` with ``D_k = diag(gains[k-1])`` (square d x d): a point of
    Omega for ``T = U diag(prod_k gains[k-1][i]) V^T``. Path ``i`` carries gain ``gains[k-1][i]`` at layer ``k``."""
    d = U.cols
    Ws = [sp.diag(*g) if len(g) == d else None for g in gains]
    if any(W is None for W in Ws):
        raise ExactError(f"every layer needs {d} gains")
    Ws[0] = Ws[0] * V.T
    Ws[-1] = U * Ws[-1]
    return Ws


def partial_products(Ws, k):
    """``(prod_{j<=k} W_j, prod_{j>k} W_j)`` (eq. 14 convention)."""
    m, dx, dy = len(Ws), Ws[0].cols, Ws[-1].rows
    return prod(Ws, 1, k, dx), prod(Ws, k + 1, m, dy)


def parallel_same_direction(x: sp.Matrix, y: sp.Matrix) -> bool:
    """``x / ||x|| = y / ||y||`` exactly (both nonzero): rank-one pair with positive inner product."""
    if x.is_zero_matrix or y.is_zero_matrix:
        return False
    return sp.Matrix.hstack(x, y).rank() == 1 and (x.T * y)[0] > 0


def has_singular_pair(W: sp.Matrix, right: sp.Matrix, left: sp.Matrix, s) -> bool:
    """The directions of ``right`` and ``left`` are a right/left singular pair of ``W`` with singular value ``s > 0``:
    ``W^T W r = s^2 r`` and ``W r`` is a positive multiple of ``left`` (then ``W W^T l = s^2 l`` follows). Exact."""
    return (W.T * W * right - s**2 * right).is_zero_matrix and parallel_same_direction(W * right, left)


def sigma_max_equals(W: sp.Matrix, s) -> bool:
    """Exact: ``sigma_max(W) = s`` (s rational, > 0): ``s^2 I - W^T W`` is PSD and singular."""
    G = s**2 * sp.eye(W.cols) - W.T * W
    return is_psd(G) and G.det() == 0
