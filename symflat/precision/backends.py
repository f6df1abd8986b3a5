"""Arithmetics an inequality is evaluated in: one formula, several number systems.

An inequality's sides are written once as ``f(x, ops)``, where ``x`` maps variable names to scalars
and numpy arrays, and ``ops`` supplies constants and functions in the chosen arithmetic:

- :class:`FloatOps` - float64 numpy arrays (fast, for search);
- :class:`MpOps` - numpy object arrays of mpmath ``mpf`` at ``dps`` digits (high precision);
- :class:`ArbOps` - object arrays of python-flint ``arb`` balls (rigorous enclosures);
- :class:`SympyOps` - object arrays of exact SymPy terms (for the decision procedures).

Matrices are numpy arrays in every arithmetic, so ``A @ B``, ``A.T``, ``A + B``, ``2 * A`` and
indexing work the same everywhere. Write constants as ``ops.q(p, q)`` (exact rationals), integer
powers of scalars as ``ops.pow(x, k)`` or plain ``x ** k`` (``arb`` returns an uninformative ``nan``
for ``x ** k`` when the ball of ``x`` contains zero; ``ops.pow`` avoids that), and products of
chains with ``ops.matprod([M1, M2, ...]) = M1 @ M2 @ ...``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import contextlib
import math
from fractions import Fraction
from functools import reduce

import mpmath
import numpy as np

from symflat.precision import linalg
from symflat.precision.errors import NotSupported, PrecisionError


def _rational(x) -> Fraction | None:
    """``x`` as an exact Fraction when it is an int, Fraction, float or rational/decimal string."""
    if isinstance(x, bool):
        return Fraction(int(x))
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    if isinstance(x, Fraction):
        return x
    if isinstance(x, (float, np.floating)):
        if not math.isfinite(x):
            raise PrecisionError(f"non-finite number {x!r} in an exact conversion")
        return Fraction(float(x))
    if isinstance(x, str):
        try:
            return Fraction(x)
        except (ValueError, ZeroDivisionError):
            raise PrecisionError(f"cannot read {x!r} as a rational number") from None
    return None


class Ops(ABC):
    """Common shape of an arithmetic; subclasses fill in the scalar type and matrix routines."""

    name = "abstract"
    symbolic = False  # terms rather than numbers (no comparisons, no clipping)

    @abstractmethod
    def num(self, x):
        ...

    def q(self, p, q=1):
        """The rational ``p/q`` in this arithmetic (exact where the arithmetic allows)."""
        return self.num(Fraction(p) / Fraction(q))

    def array(self, a) -> np.ndarray:
        arr = np.asarray(a, dtype=object)
        if arr.size == 0:
            return arr
        return np.vectorize(self.num, otypes=[object])(arr)

    def convert(self, value):
        """Convert a point's value (scalar, array, list/tuple of those) into this arithmetic."""
        if isinstance(value, (list, tuple)):
            return type(value)(self.convert(v) for v in value)
        if isinstance(value, np.ndarray):
            return self.array(value)
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return int(value)
        return self.num(value)

    # scalar helpers -------------------------------------------------------------------------
    SPECIAL = ("sin", "cos", "tan", "atan", "sinh", "cosh", "tanh", "expm1", "log1p", "gamma", "lgamma", "erf", "erfc")

    def special(self, name: str, x):
        """A scalar special function by name (one of :data:`SPECIAL`), in this arithmetic."""
        if name not in self.SPECIAL:
            raise PrecisionError(f"unknown special function {name!r}; available: {self.SPECIAL}")
        return self._special(name, x)

    def _special(self, name, x):
        raise NotSupported(f"{name} is not available in {self.name} arithmetic")

    def pow(self, x, p):
        """``x ** p``; integer ``p`` by repeated multiplication (safe for balls around zero)."""
        if isinstance(p, (int, np.integer)):
            p = int(p)
            if p < 0:
                return 1 / self.pow(x, -p)
            result, base = self.num(1), x
            while p:
                if p & 1:
                    result = result * base
                base, p = base * base, p >> 1
            return result
        return x ** p

    def sum(self, items):
        return reduce(lambda a, b: a + b, items, self.num(0))

    def max(self, *xs):
        xs = list(xs[0]) if len(xs) == 1 and not _is_scalar(xs[0]) else list(xs)
        return reduce(self._max2, xs)

    def min(self, *xs):
        xs = list(xs[0]) if len(xs) == 1 and not _is_scalar(xs[0]) else list(xs)
        return reduce(self._min2, xs)

    def _max2(self, a, b):
        return a if a >= b else b

    def _min2(self, a, b):
        return a if a <= b else b

    # matrix helpers -------------------------------------------------------------------------
    def eye(self, n: int) -> np.ndarray:
        out = np.empty((n, n), dtype=object)
        for i in range(n):
            for j in range(n):
                out[i, j] = self.num(1 if i == j else 0)
        return out

    def zeros(self, shape) -> np.ndarray:
        out = np.empty(shape, dtype=object)
        out[...] = self.num(0)
        return out

    def fro2(self, a):
        """Squared Frobenius norm ``sum_ij a_ij^2``."""
        return self.sum(x * x for x in np.asarray(a, dtype=object).ravel())

    def fro(self, a):
        return self.sqrt(self.fro2(a))

    def norm(self, v):
        """Euclidean norm of a vector (Frobenius norm of an array)."""
        return self.fro(v)

    def dot(self, u, v):
        return self.sum(a * b for a, b in zip(np.asarray(u, dtype=object).ravel(), np.asarray(v, dtype=object).ravel()))

    def trace(self, a):
        a = np.asarray(a, dtype=object)
        return self.sum(a[i, i] for i in range(min(a.shape)))

    def matprod(self, mats):
        """``M_1 @ M_2 @ ... @ M_k`` as listed (for ``W_m ... W_1`` pass ``[W_m, ..., W_1]``)."""
        mats = list(mats)
        if not mats:
            raise PrecisionError("matprod of an empty list of matrices")
        return reduce(lambda x, y: x @ y, mats)

    def matpow(self, a, k: int):
        """Non-negative integer power of a square matrix."""
        a = np.asarray(a, dtype=object)
        if not isinstance(k, (int, np.integer)) or k < 0:
            return self.matpow_psd(a, k)
        result, base, k = self.eye(a.shape[0]), a, int(k)
        while k:
            if k & 1:
                result = result @ base
            base, k = base @ base, k >> 1
        return result

    def kron(self, a, b):
        return np.kron(np.asarray(a, dtype=object), np.asarray(b, dtype=object))

    def outer(self, u, v):
        return np.outer(np.asarray(u, dtype=object), np.asarray(v, dtype=object))

    def lam_max(self, s):
        return self.eigvalsh(s)[-1]

    def lam_min(self, s):
        return self.eigvalsh(s)[0]

    def sigma_max(self, a):
        return self.opnorm(a)

    def sigma_min(self, a):
        return self.svdvals(a)[-1]

    def opnorm(self, a):
        a = np.asarray(a, dtype=object)
        if a.ndim == 1:
            return self.norm(a)
        if 0 in a.shape:
            return self.num(0)
        return self.svdvals(a)[0]

    def solve(self, a, b):
        """``a^{-1} b`` by Gaussian elimination with partial pivoting on object arrays."""
        a = np.array(a, dtype=object)
        b = np.array(b, dtype=object)
        vec = b.ndim == 1
        if vec:
            b = b.reshape(-1, 1)
        n = a.shape[0]
        if a.ndim != 2 or a.shape[1] != n or b.shape[0] != n:
            raise PrecisionError(f"solve needs a square system, got shapes {a.shape} and {b.shape}")
        m = np.concatenate([a, b], axis=1)
        for c in range(n):
            p = max(range(c, n), key=lambda r: self._magnitude(m[r, c]))
            if self._magnitude(m[p, c]) == 0:
                raise PrecisionError("solve: the matrix is singular (or not distinguishable from singular)")
            if p != c:
                m[[c, p]] = m[[p, c]]
            for r in range(n):
                if r != c:
                    f = m[r, c] / m[c, c]
                    m[r, c:] = m[r, c:] - f * m[c, c:]
        x = np.array([[m[i, n + j] / m[i, i] for j in range(b.shape[1])] for i in range(n)], dtype=object)
        return x.ravel() if vec else x

    def inv(self, a):
        return self.solve(a, self.eye(np.asarray(a).shape[0]))

    def det(self, a):
        a = np.array(a, dtype=object)
        n = a.shape[0]
        if a.ndim != 2 or a.shape[1] != n:
            raise PrecisionError(f"det needs a square matrix, got shape {a.shape}")
        d = self.num(1)
        for c in range(n):
            p = max(range(c, n), key=lambda r: self._magnitude(a[r, c]))
            if self._magnitude(a[p, c]) == 0:
                return self.num(0)
            if p != c:
                a[[c, p]] = a[[p, c]]
                d = -d
            d = d * a[c, c]
            for r in range(c + 1, n):
                a[r, c:] = a[r, c:] - (a[r, c] / a[c, c]) * a[c, c:]
        return d

    def _magnitude(self, x) -> float:
        return abs(float(x))

    @contextlib.contextmanager
    def active(self):
        """Context in which this arithmetic's precision is in force."""
        yield self


def _is_scalar(x) -> bool:
    return not isinstance(x, (list, tuple, np.ndarray)) and not hasattr(x, "__iter__")


class FloatOps(Ops):
    """float64 with numpy/scipy: used by the search; never used for certificates."""

    name = "float64"
    pi = math.pi
    e = math.e

    def num(self, x):
        return float(x)

    def array(self, a):
        return np.asarray(a, dtype=float)

    def convert(self, value):
        if isinstance(value, np.ndarray):
            return np.asarray(value, dtype=float)
        return super().convert(value)

    def eye(self, n):
        return np.eye(n)

    def zeros(self, shape):
        return np.zeros(shape)

    sqrt = staticmethod(lambda x: math.sqrt(x) if x >= 0 else math.nan)
    exp = staticmethod(lambda x: math.exp(x) if x < 709 else math.inf)
    log = staticmethod(lambda x: math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan))
    abs = staticmethod(abs)

    def _special(self, name, x):
        try:
            return float(getattr(math, name)(x))
        except (ValueError, OverflowError):
            return math.nan

    def pow(self, x, p):
        try:
            return float(x) ** float(p)
        except (OverflowError, ZeroDivisionError):
            return math.inf

    def fro2(self, a):
        a = np.asarray(a, dtype=float)
        return float(np.sum(a * a))

    def svdvals(self, a):
        return np.linalg.svd(np.asarray(a, dtype=float), compute_uv=False)

    def svd(self, a):
        u, s, vt = np.linalg.svd(np.asarray(a, dtype=float), full_matrices=False)
        return u, s, vt.T

    def eigvalsh(self, s):
        return np.linalg.eigvalsh(np.asarray(s, dtype=float))

    def eigh(self, s):
        return np.linalg.eigh(np.asarray(s, dtype=float))

    def matpow_psd(self, a, p):
        w, q = np.linalg.eigh(np.asarray(a, dtype=float))
        return (q * np.clip(w, 0, None) ** float(p)) @ q.T

    def sqrtm(self, a):
        return self.matpow_psd(a, 0.5)

    def solve(self, a, b):
        return np.linalg.solve(np.asarray(a, dtype=float), np.asarray(b, dtype=float))

    def det(self, a):
        return float(np.linalg.det(np.asarray(a, dtype=float)))

    def kron(self, a, b):
        return np.kron(a, b)

    def outer(self, u, v):
        return np.outer(u, v)


class MpOps(Ops):
    """mpmath at ``dps`` decimal digits (object arrays of ``mpf``)."""

    name = "mpmath"

    def __init__(self, dps: int = 50):
        if int(dps) < 5:
            raise PrecisionError(f"dps must be at least 5, got {dps}")
        self.dps = int(dps)

    def __repr__(self):
        return f"MpOps(dps={self.dps})"

    @contextlib.contextmanager
    def active(self):
        with mpmath.workdps(self.dps):
            yield self

    def num(self, x):
        if isinstance(x, mpmath.mpf):
            return x
        r = _rational(x)
        if r is not None:
            return mpmath.mpf(r.numerator) / r.denominator if r.denominator != 1 else mpmath.mpf(r.numerator)
        return mpmath.mpf(x)

    @property
    def pi(self):
        return +mpmath.pi

    @property
    def e(self):
        return +mpmath.e

    sqrt = staticmethod(mpmath.sqrt)
    exp = staticmethod(mpmath.exp)
    log = staticmethod(mpmath.log)
    abs = staticmethod(abs)

    def _special(self, name, x):
        return {"lgamma": mpmath.loggamma}.get(name, getattr(mpmath, name, None))(x)

    def fro2(self, a):
        return linalg.fro2(a)

    def svdvals(self, a):
        return linalg.svdvals(a)

    def svd(self, a):
        return linalg.svd(a)

    def eigvalsh(self, s):
        return linalg.eigvalsh(s)

    def eigh(self, s):
        return linalg.eigh(s)

    def matpow_psd(self, a, p):
        return linalg.matpow(a, p)

    def sqrtm(self, a):
        return linalg.sqrtm_psd(a)

    def _magnitude(self, x):
        return abs(x)  # stays an mpf: no underflow to 0.0 for tiny pivots


class ArbOps(Ops):
    """python-flint ``arb`` balls at ``prec`` bits: every value is an enclosure of the exact one.

    Spectral quantities use :mod:`symflat.precision.balls`, seeded by float64 eigenvectors
    (``eig_dps=None``) or by mpmath ones at ``eig_dps`` digits. Operations with no rigorous
    implementation here (eigenvectors, fractional matrix powers) raise :class:`NotSupported`.
    """

    name = "arb"

    def __init__(self, dps: int = 50, eig_dps: int | None = None):
        import flint  # noqa: F401 - fail early with a clear error below if it is missing

        if int(dps) < 5:
            raise PrecisionError(f"dps must be at least 5, got {dps}")
        self.dps = int(dps)
        self.prec = int(math.ceil(self.dps * math.log2(10))) + 8
        self.eig_dps = eig_dps

    def __repr__(self):
        return f"ArbOps(dps={self.dps}, eig_dps={self.eig_dps})"

    @contextlib.contextmanager
    def active(self):
        import flint

        with flint.ctx.workprec(self.prec):
            yield self

    def num(self, x):
        import flint

        if isinstance(x, flint.arb):
            return x
        if isinstance(x, mpmath.mpf):
            from symflat.precision.balls import _to_arb

            return _to_arb(x)
        r = _rational(x)
        if r is None:
            raise PrecisionError(f"cannot convert {x!r} ({type(x).__name__}) to an arb ball exactly")
        if r.denominator == 1:
            return flint.arb(flint.fmpz(r.numerator))
        return flint.arb(flint.fmpq(r.numerator, r.denominator))

    @property
    def pi(self):
        import flint

        return flint.arb.pi()

    @property
    def e(self):
        import flint

        return flint.arb.const_e()

    @staticmethod
    def sqrt(x):
        """Square root; ``nan`` (undecided) unless the ball is certainly nonnegative."""
        import flint

        return x.sqrt() if x >= 0 else flint.arb.nan()

    @staticmethod
    def sqr(x):
        """``x^2`` as a ball that stays nonnegative when ``x``'s ball contains zero."""
        import flint

        if not x.contains(0):
            return x * x
        u = flint.arb(x.abs_upper())
        return flint.arb(0).union(u * u).nonnegative_part()

    def fro2(self, a):
        return self.sum(self.sqr(x) for x in np.asarray(a, dtype=object).ravel())

    @staticmethod
    def exp(x):
        return x.exp()

    @staticmethod
    def log(x):
        return x.log()

    def _special(self, name, x):
        return getattr(x, name)()

    @staticmethod
    def abs(x):
        return abs(x)

    def pow(self, x, p):
        import flint

        if isinstance(p, (int, np.integer)) and p >= 2 and p % 2 == 0:
            return self.sqr(self.pow(x, int(p) // 2))
        if isinstance(p, (int, np.integer)):
            return super().pow(x, p)
        r = _rational(p)
        if r is not None and r.denominator == 1:
            return self.pow(x, int(r))
        return x ** (p if isinstance(p, flint.arb) else self.num(p))

    def _max2(self, a, b):
        return a.max(b)

    def _min2(self, a, b):
        return a.min(b)

    def _magnitude(self, x) -> float:
        return float(abs(x).mid()) if not x.contains(0) else (0.0 if x.is_zero() else float(abs(x).upper()) * 0.5)

    def svdvals(self, a):
        from symflat.precision.balls import svdvals_enclosure

        return np.array(svdvals_enclosure(a, self.eig_dps), dtype=object)

    def eigvalsh(self, s):
        from symflat.precision.balls import eigvalsh_enclosure

        return np.array(eigvalsh_enclosure(s, self.eig_dps), dtype=object)

    def eigh(self, s):
        raise NotSupported("rigorous eigenvectors are not available in ball arithmetic here; use eigenvalues")

    def svd(self, a):
        raise NotSupported("rigorous singular vectors are not available in ball arithmetic here; use svdvals")

    def matpow_psd(self, a, p):
        """``A^p`` for a PSD ``A`` and ``p = 1/k`` (see :func:`balls.psd_power_enclosure`)."""
        from symflat.precision.balls import psd_power_enclosure

        return psd_power_enclosure(a, p, self.eig_dps)

    def sqrtm(self, a):
        return self.matpow_psd(a, Fraction(1, 2))

    def solve(self, a, b):
        import flint

        a = np.asarray(a, dtype=object)
        b = np.asarray(b, dtype=object)
        vec = b.ndim == 1
        bm = b.reshape(-1, 1) if vec else b
        try:
            x = flint.arb_mat(a.tolist()).solve(flint.arb_mat(bm.tolist()))
        except ZeroDivisionError:
            raise NotSupported("solve: the ball matrix cannot be shown to be invertible at this precision") from None
        out = np.array(x.tolist(), dtype=object)
        return out.ravel() if vec else out

    def det(self, a):
        import flint

        return flint.arb_mat(np.asarray(a, dtype=object).tolist()).det()


class SympyOps(Ops):
    """Exact SymPy terms over symbolic parameters: turns an inequality into a formula for the
    decision procedures (:mod:`~symflat.precision.decide`, :mod:`~symflat.precision.sos`). Roots,
    absolute values, max/min and rational functions stay symbolic (the decision front end
    eliminates them); spectra, norms that need them and pivoting raise :class:`NotSupported`."""

    name = "sympy"
    symbolic = True

    def num(self, x):
        import sympy as sp

        if isinstance(x, sp.Basic):
            return x
        r = _rational(x)
        if r is None:
            raise NotSupported(f"cannot use {x!r} as an exact constant (write it with ops.q)")
        return sp.Rational(r.numerator, r.denominator)

    def pow(self, x, p):
        import sympy as sp

        if isinstance(p, (int, np.integer)):
            return sp.Pow(self.num(x), int(p))
        return sp.Pow(self.num(x), self.num(p))

    def _max2(self, a, b):
        import sympy as sp

        return sp.Max(a, b)

    def _min2(self, a, b):
        import sympy as sp

        return sp.Min(a, b)

    @staticmethod
    def abs(x):
        import sympy as sp

        return sp.Abs(x)

    @staticmethod
    def sqrt(x):
        import sympy as sp

        return sp.sqrt(x)

    @staticmethod
    def exp(x):
        import sympy as sp

        return sp.exp(x)

    @staticmethod
    def log(x):
        import sympy as sp

        return sp.log(x)

    def _special(self, name, x):
        import sympy as sp

        return getattr(sp, name)(x) if hasattr(sp, name) else super()._special(name, x)

    def __getattr__(self, name):
        if name in ("svdvals", "eigvalsh", "eigh", "svd", "matpow_psd", "sqrtm"):
            raise NotSupported(f"{name} has no closed form for a decision procedure")
        if name in ("pi", "e"):
            import sympy as sp

            return sp.pi if name == "pi" else sp.E
        raise AttributeError(name)

    def opnorm(self, a):
        a = np.asarray(a, dtype=object)
        if a.ndim == 1 or 1 in a.shape:
            return self.sqrt(self.fro2(a))
        raise NotSupported("an operator norm of a matrix has no closed form for a decision procedure")

    def _magnitude(self, x) -> float:
        raise NotSupported("pivoting on symbolic terms: solve/inv/det are not available to decision procedures")
