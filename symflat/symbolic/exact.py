"""Exact conversion of user data to SymPy, and exact random objects for probabilistic checks.

Numbers become exact: ``int`` and ``fractions.Fraction`` as they are, a ``float`` as the decimal
it prints as (``0.1 -> 1/10``), SymPy expressions untouched. Random rationals and rational
orthogonal matrices (Cayley transform ``Q = (I - A)(I + A)^{-1}`` of a skew-symmetric rational
``A``) give exact test points with no rounding.
"""

from __future__ import annotations

import math
from fractions import Fraction
from numbers import Integral

import numpy as np
import sympy as sp

from symflat.symbolic.errors import SymbolicError


def to_exact(x, name: str = "value") -> sp.Expr:
    """An exact SymPy number or expression for ``x`` (int, Fraction, float, numpy scalar, SymPy)."""
    if isinstance(x, sp.Basic):
        return x
    if isinstance(x, (bool, np.bool_)):
        raise SymbolicError(f"{name}: got a boolean {x!r}, expected a number or SymPy expression")
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, Integral):
        return sp.Integer(int(x))
    if isinstance(x, Fraction):
        return sp.Rational(x.numerator, x.denominator)
    if isinstance(x, float):
        if not math.isfinite(x):
            raise SymbolicError(f"{name}: got the non-finite number {x!r}")
        return sp.Rational(repr(x))
    if isinstance(x, complex):
        raise SymbolicError(f"{name}: complex entries are not supported, got {x!r}")
    raise SymbolicError(f"{name}: cannot read {type(x).__name__} {x!r} as a number or SymPy expression")


def as_matrix(a, name: str, shape: tuple[int, int] | None = None) -> sp.Matrix:
    """``a`` (nested lists, numpy array, SymPy matrix, or a scalar for a 1x1) as an exact SymPy matrix."""
    if isinstance(a, sp.MatrixBase):
        m = sp.Matrix(a)
    else:
        arr = np.asarray(a, dtype=object)
        if arr.ndim == 0:
            arr = arr.reshape(1, 1)
        elif arr.ndim == 1:
            arr = arr.reshape(-1, 1)
        elif arr.ndim != 2:
            raise SymbolicError(f"{name}: expected a matrix, got an array with {arr.ndim} dimensions")
        m = sp.Matrix(arr.shape[0], arr.shape[1], [to_exact(v, name) for v in arr.ravel()])
    if shape is not None and tuple(m.shape) != tuple(shape):
        raise SymbolicError(f"{name}: expected shape {shape}, got {tuple(m.shape)}")
    return m


def random_rational(rng: np.random.Generator, low: int = -9, high: int = 9, den: int = 7,
                    nonzero: bool = False, positive: bool = False) -> sp.Rational:
    """A random rational ``p/q`` with ``low <= p <= high``, ``1 <= q <= den``."""
    if not isinstance(rng, np.random.Generator):
        raise SymbolicError(f"rng must be a numpy Generator (np.random.default_rng(seed)), got {rng!r:.60}")
    while True:
        lo = 1 if positive else low
        value = sp.Rational(int(rng.integers(lo, high + 1)), int(rng.integers(1, den + 1)))
        if value != 0 or not (nonzero or positive):
            return value


def random_matrix(rng: np.random.Generator, rows: int, cols: int, **kw) -> sp.Matrix:
    """A random exact rational matrix (entries from :func:`random_rational`)."""
    return sp.Matrix(rows, cols, lambda i, j: random_rational(rng, **kw))


def rational_orthogonal(rng: np.random.Generator, d: int) -> sp.Matrix:
    """A random exactly orthogonal rational ``d x d`` matrix (Cayley transform of a skew matrix)."""
    a = sp.zeros(d, d)
    for i in range(d):
        for j in range(i + 1, d):
            a[i, j] = random_rational(rng, -3, 3, 3)
            a[j, i] = -a[i, j]
    eye = sp.eye(d)
    return (eye - a) * (eye + a).inv()


def orthonormal_eigenbasis(S: sp.Matrix) -> tuple[sp.Matrix, list]:
    """``(P, eigenvalues)`` with ``P`` orthogonal and ``S = P diag(eigenvalues) P^T`` for a
    symmetric ``S``, eigenvalues in decreasing order (exact; radicals if needed). Eigenvectors of
    a repeated eigenvalue are orthonormalised by Gram-Schmidt, which keeps each in its eigenspace
    because eigenspaces of distinct eigenvalues are already orthogonal."""
    if S != S.T:
        raise SymbolicError("an orthonormal eigenbasis needs a symmetric matrix")
    pairs = []
    for value, _, vectors in S.eigenvects():
        pairs += [(sp.simplify(value), v) for v in vectors]
    # cubic roots come as radicals with I even when real (casus irreducibilis): order them by
    # their high-precision real value, which comparison of the expressions cannot always decide
    pairs.sort(key=lambda p: sp.re(sp.N(p[0], 50)), reverse=True)
    basis = sp.GramSchmidt([v for _, v in pairs], orthonormal=True)
    return sp.Matrix.hstack(*basis).applyfunc(sp.simplify), [value for value, _ in pairs]
