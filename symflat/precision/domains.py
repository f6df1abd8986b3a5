"""Variables of an inequality and their domains.

A variable turns a vector of free real parameters into a value in its domain, *inside a chosen
arithmetic*: e.g. a PSD matrix is ``B B^T``, a rotation is the Cayley transform
``(I - S)(I + S)^{-1}`` of the skew part ``S`` of ``B``. With rational parameters these values are
exact rationals, so a counterexample stored as rationals replays exactly at any precision.
Shapes may name integer dimensions of the inequality (``Matrix("A", ("n", "n"))``) or be computed
from them (``Matrices("W", lambda d: [(d["n"], d["n"])] * d["m"])``).

Each variable also knows its *widenings* (:meth:`Var.widenings`): the same variable on a wider
domain with one property given up (PSD -> symmetric -> general, unit -> any vector, a positive
scalar -> nonnegative -> any sign, ...), each with that property as a constraint ``holds(x, ops)
>= 0`` (or ``> 0``) that restores it. ``symflat search --widen`` (:mod:`symflat.search.widen`)
searches each.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np

from symflat.errors import check_bool
from symflat.precision.errors import InequalityError

MATRIX_KINDS = ("general", "symmetric", "psd", "diagonal", "rotation")
VECTOR_KINDS = ("general", "unit", "nonnegative")


def _check_name(name, what: str) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise InequalityError(f"{what} name must be an identifier such as 'x' or 'W', got {name!r}")


def _check_bound(value, name: str, which: str) -> None:
    """A scalar's bound: ``None`` (unbounded) or a finite real number (int, float, Fraction)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction, np.integer, np.floating)):
        raise InequalityError(f"scalar {name!r}: {which} must be a real number or None (unbounded), got {value!r}")
    if not math.isfinite(float(value)):
        raise InequalityError(f"scalar {name!r}: {which} must be finite (use None for unbounded), got {value!r}")


def _resolve(size, dims: dict, owner: str) -> int:
    if isinstance(size, str):
        if size not in dims:
            raise InequalityError(f"variable {owner!r}: dimension {size!r} is not one of the inequality's dims {sorted(dims)}")
        return int(dims[size])
    if callable(size):
        return int(size(dims))
    if isinstance(size, (int, np.integer)) and size >= 0:
        return int(size)
    raise InequalityError(f"variable {owner!r}: size {size!r} must be a non-negative int, a dim name or a callable of the dims")


def _clip(x, lo, hi, lo_open, hi_open):
    """Clip a float/Fraction into [lo, hi], moving off an open end by a relative 2^-40."""
    if lo is not None and (x < lo or (lo_open and x == lo)):
        x = lo + (Fraction(max(abs(Fraction(lo)), 1)) / 2**40 if lo_open else 0)
    if hi is not None and (x > hi or (hi_open and x == hi)):
        x = hi - (Fraction(max(abs(Fraction(hi)), 1)) / 2**40 if hi_open else 0)
    return x


@dataclass(frozen=True)
class Widening:
    """One widening of a variable's domain: a ``label`` (``"S:symmetric"``, ``"x:any-sign"``), the
    wider variable, the property given up in words (``gives_up``) and as a short name (``property``,
    e.g. ``"S-psd"``, ``"x>0"``), and that property as a constraint ``holds(x, ops) >= 0``
    (``relation=">="``) or ``> 0`` on the wider domain."""

    variable: str
    label: str
    wider: "Var"
    gives_up: str
    holds: Callable
    relation: str = ">="
    property: str = ""


def _num(ops, v):
    return ops.num(Fraction(v)) if isinstance(v, (int, float, Fraction)) else ops.num(v)


class Var(ABC):
    """A variable: its name, how many free parameters it has, and how they map to its value."""

    name: str

    def widenings(self) -> list[Widening]:
        """The wider domains this variable's own words would allow (none by default)."""
        return []

    @abstractmethod
    def nparams(self, dims: dict) -> int:
        ...

    @abstractmethod
    def decode(self, z, dims: dict, ops):
        """The value for parameters ``z`` (floats or Fractions), computed in ``ops``."""

    @abstractmethod
    def encode(self, value, dims: dict) -> np.ndarray:
        """Float parameters whose decoding is (approximately) ``value`` - used to start local searches."""


@dataclass(frozen=True)
class Scalar(Var):
    """A real number in ``[lo, hi]`` (``None`` = unbounded; ``lo_open``/``hi_open`` exclude an end)."""

    name: str
    lo: float | Fraction | None = None
    hi: float | Fraction | None = None
    lo_open: bool = False
    hi_open: bool = False

    def __post_init__(self):
        _check_name(self.name, "scalar")
        _check_bound(self.lo, self.name, "lo")
        _check_bound(self.hi, self.name, "hi")
        check_bool(self.lo_open, f"scalar {self.name!r}: lo_open", error=InequalityError)
        check_bool(self.hi_open, f"scalar {self.name!r}: hi_open", error=InequalityError)
        if self.lo is not None and self.hi is not None and not self.lo < self.hi:
            raise InequalityError(f"scalar {self.name!r}: empty domain lo={self.lo} >= hi={self.hi}")

    def nparams(self, dims):
        return 1

    def decode(self, z, dims, ops):
        if ops.symbolic:  # z3 states the bounds as constraints instead
            return ops.num(z[0])
        return ops.num(_clip(z[0], self.lo, self.hi, self.lo_open, self.hi_open))

    def encode(self, value, dims):
        return np.array([float(value)])

    def contains(self, x) -> bool:
        if self.lo is not None and (x < self.lo or (self.lo_open and x == self.lo)):
            return False
        return not (self.hi is not None and (x > self.hi or (self.hi_open and x == self.hi)))

    def widenings(self) -> list[Widening]:
        """Each bound relaxed on its own: an open end included (``x > 0`` -> ``x >= 0``), a
        positive lower bound lowered to 0, a lower bound removed (any sign), an upper bound removed."""
        n, out = self.name, []
        lo, hi = self.lo, self.hi

        def above(x, ops, lo=lo):
            return x[n] - _num(ops, lo)

        def below(x, ops, hi=hi):
            return _num(ops, hi) - x[n]

        if lo is not None:
            stated = f"{n} {'>' if self.lo_open else '>='} {lo}"
            rel = ">" if self.lo_open else ">="
            short = stated.replace(" ", "")
            if self.lo_open:
                out.append(Widening(n, f"{n}:include-{lo}", Scalar(n, lo, hi, False, self.hi_open), stated, above, rel,
                                    short))
            if lo > 0 and (hi is None or 0 < hi):
                out.append(Widening(n, f"{n}:down-to-0", Scalar(n, 0, hi, False, self.hi_open), stated, above, rel,
                                    short))
            out.append(Widening(n, f"{n}:{'any-sign' if lo >= 0 else 'unbounded-below'}",
                                Scalar(n, None, hi, False, self.hi_open), stated, above, rel, short))
        if hi is not None:
            stated = f"{n} {'<' if self.hi_open else '<='} {hi}"
            rel = ">" if self.hi_open else ">="
            short = stated.replace(" ", "")
            if self.hi_open:
                out.append(Widening(n, f"{n}:include-{hi}", Scalar(n, lo, hi, self.lo_open, False), stated, below, rel,
                                    short))
            out.append(Widening(n, f"{n}:unbounded-above", Scalar(n, lo, None, self.lo_open, False), stated, below, rel,
                                short))
        return out


@dataclass(frozen=True)
class Vector(Var):
    """A vector of ``length`` entries: ``general``, ``unit`` (``b / ||b||``) or ``nonnegative`` (``b_i^2``)."""

    name: str
    length: int | str | Callable
    kind: str = "general"

    def __post_init__(self):
        _check_name(self.name, "vector")
        if self.kind not in VECTOR_KINDS:
            raise InequalityError(f"vector {self.name!r}: unknown kind {self.kind!r}; use one of {VECTOR_KINDS}")

    def size(self, dims) -> int:
        return _resolve(self.length, dims, self.name)

    def nparams(self, dims):
        return self.size(dims)

    def decode(self, z, dims, ops):
        v = ops.array(np.asarray(list(z), dtype=object))
        if self.kind == "nonnegative":
            return v * v
        if self.kind == "unit":
            return v / ops.norm(v)
        return v

    def encode(self, value, dims):
        v = np.asarray(value, dtype=float).ravel()
        return np.sqrt(np.abs(v)) if self.kind == "nonnegative" else v

    def widenings(self) -> list[Widening]:
        """``unit`` -> any vector (``||v|| = 1`` given up); ``nonnegative`` -> any signs."""
        n = self.name
        if self.kind == "unit":
            return [Widening(n, f"{n}:general", Vector(n, self.length), f"||{n}|| = 1",
                             lambda x, ops: -(ops.fro2(x[n]) - 1) ** 2, property=f"{n}-unit")]
        if self.kind == "nonnegative":
            return [Widening(n, f"{n}:general", Vector(n, self.length), f"{n} >= 0 entrywise",
                             lambda x, ops: ops.min(list(x[n])) if len(x[n]) else ops.num(0),
                             property=f"{n}-nonnegative")]
        return []


@dataclass(frozen=True)
class Matrix(Var):
    """A matrix of ``shape = (rows, cols)`` of kind ``general``, ``symmetric`` (``(B + B^T)/2``),
    ``psd`` (``B B^T``), ``diagonal`` (rectangular allowed) or ``rotation`` (Cayley transform of the
    skew part of ``B``: a rotation, ``det = +1``)."""

    name: str
    shape: tuple
    kind: str = "general"

    def __post_init__(self):
        _check_name(self.name, "matrix")
        if self.kind not in MATRIX_KINDS:
            raise InequalityError(f"matrix {self.name!r}: unknown kind {self.kind!r}; use one of {MATRIX_KINDS}")
        if callable(self.shape):
            return
        if len(tuple(self.shape)) != 2:
            raise InequalityError(f"matrix {self.name!r}: shape must be (rows, cols), got {self.shape!r}")

    def dims_of(self, dims) -> tuple[int, int]:
        shape = self.shape(dims) if callable(self.shape) else self.shape
        r, c = (_resolve(s, dims, self.name) for s in shape)
        if self.kind in ("symmetric", "psd", "rotation") and r != c:
            raise InequalityError(f"matrix {self.name!r} of kind {self.kind!r} must be square, got {r}x{c}")
        return r, c

    def nparams(self, dims):
        r, c = self.dims_of(dims)
        return min(r, c) if self.kind == "diagonal" else r * c

    def decode(self, z, dims, ops):
        return decode_matrix(self.kind, self.dims_of(dims), z, ops)

    def encode(self, value, dims):
        return encode_matrix(self.kind, np.asarray(value, dtype=float))

    def widenings(self) -> list[Widening]:
        """``psd`` -> ``symmetric`` (indefinite) -> ``general``; ``diagonal`` and ``rotation`` ->
        ``general`` (so full rank, orthogonality and ``det = +1`` are given up too)."""
        return [Widening(self.name, f"{self.name}:{kind}", Matrix(self.name, self.shape, kind), words,
                         lambda x, ops, f=holds: f(x[self.name], ops), property=f"{self.name}-{self.kind}")
                for kind, words, holds in _matrix_widenings(self.name, self.kind)]


def _property(kind: str) -> Callable:
    """``holds(M, ops) >= 0`` exactly where ``M`` has the property of ``kind``."""
    def symmetric(m, ops):
        return -ops.fro2(m - m.T)

    def psd(m, ops):
        return ops.min(symmetric(m, ops), ops.lam_min((m + m.T) * ops.q(1, 2)))

    def diagonal(m, ops):
        off = [m[i, j] for i in range(m.shape[0]) for j in range(m.shape[1]) if i != j]
        return -ops.sum(v * v for v in off) if off else ops.num(0)

    def rotation(m, ops):
        return ops.min(-ops.fro2(m.T @ m - ops.eye(m.shape[1])), ops.det(m))

    return {"symmetric": symmetric, "psd": psd, "diagonal": diagonal, "rotation": rotation}[kind]


_MATRIX_WORDS = {"psd": "positive semi-definite", "symmetric": "symmetric", "diagonal": "diagonal",
                 "rotation": "a rotation (orthogonal, det = +1)"}
_MATRIX_WIDER = {"psd": ("symmetric", "general"), "symmetric": ("general",), "diagonal": ("general",),
                 "rotation": ("general",), "general": ()}


def _matrix_widenings(name: str, kind: str) -> list[tuple[str, str, Callable]]:
    """(wider kind, property given up in words, holds(M, ops)) for a matrix of ``kind``."""
    return [(wider, f"{name} is {_MATRIX_WORDS[kind]}", _property(kind)) for wider in _MATRIX_WIDER[kind]]


@dataclass(frozen=True)
class Matrices(Var):
    """A list of matrices with ``shapes(dims) -> [(r1, c1), (r2, c2), ...]`` (or a fixed list), all of
    one kind - e.g. the weights of a deep network."""

    name: str
    shapes: Callable | tuple | list
    kind: str = "general"

    def __post_init__(self):
        _check_name(self.name, "matrices")
        if self.kind not in MATRIX_KINDS:
            raise InequalityError(f"matrices {self.name!r}: unknown kind {self.kind!r}; use one of {MATRIX_KINDS}")

    def shapes_of(self, dims) -> list[tuple[int, int]]:
        shapes = self.shapes(dims) if callable(self.shapes) else self.shapes
        try:
            out = [(_resolve(r, dims, self.name), _resolve(c, dims, self.name)) for r, c in shapes]
        except (TypeError, ValueError) as e:
            if isinstance(e, InequalityError):
                raise
            raise InequalityError(f"matrices {self.name!r}: shapes must be a list of (rows, cols), got {shapes!r}") from None
        if not out:
            raise InequalityError(f"matrices {self.name!r}: the list of shapes is empty for dims {dims}")
        return out

    def _sizes(self, dims):
        return [min(r, c) if self.kind == "diagonal" else r * c for r, c in self.shapes_of(dims)]

    def nparams(self, dims):
        return sum(self._sizes(dims))

    def decode(self, z, dims, ops):
        out, k = [], 0
        for shape, size in zip(self.shapes_of(dims), self._sizes(dims)):
            out.append(decode_matrix(self.kind, shape, z[k:k + size], ops))
            k += size
        return out

    def encode(self, value, dims):
        return np.concatenate([encode_matrix(self.kind, np.asarray(v, dtype=float)) for v in value])

    def widenings(self) -> list[Widening]:
        """As for :class:`Matrix`, every matrix of the list at once."""
        return [Widening(self.name, f"{self.name}:{kind}", Matrices(self.name, self.shapes, kind), words,
                         lambda x, ops, f=holds: ops.min([f(m, ops) for m in x[self.name]]),
                         property=f"{self.name}-{self.kind}")
                for kind, words, holds in _matrix_widenings(self.name + "_k", self.kind)]


def decode_matrix(kind: str, shape: tuple[int, int], z, ops) -> np.ndarray:
    """Matrix of ``kind`` and ``shape`` from its free parameters ``z`` in arithmetic ``ops``."""
    r, c = shape
    z = list(z)
    if kind == "diagonal":
        out = ops.zeros((r, c))
        for i, v in enumerate(z):
            out[i, i] = ops.num(v)
        return out
    b = ops.array(np.asarray(z, dtype=object).reshape(r, c))
    if kind == "general":
        return b
    if kind == "symmetric":
        return (b + b.T) * ops.q(1, 2)
    if kind == "psd":
        return b @ b.T
    s = (b - b.T) * ops.q(1, 2)  # rotation: Cayley transform, orthogonal for every real skew S
    eye = ops.eye(r)
    return ops.solve((eye + s).T, (eye - s).T).T


def encode_matrix(kind: str, a: np.ndarray) -> np.ndarray:
    """Float parameters of a ``kind`` matrix close to ``a`` (inverse of :func:`decode_matrix`)."""
    if a.ndim != 2:
        raise InequalityError(f"expected a matrix, got an array of shape {a.shape}")
    if kind == "diagonal":
        return np.diag(a).astype(float).copy()
    if kind in ("general", "symmetric"):
        return a.ravel().astype(float)
    if kind == "psd":
        w, q = np.linalg.eigh((a + a.T) / 2)
        return (q * np.sqrt(np.clip(w, 0, None))).ravel()
    n = a.shape[0]
    # rotation: S = (I + Q)^{-1} (I - Q) inverts the Cayley transform when -1 is not an eigenvalue
    try:
        s = np.linalg.solve(np.eye(n) + a, np.eye(n) - a)
    except np.linalg.LinAlgError:
        s = np.zeros((n, n))
    if not np.all(np.isfinite(s)) or math.isnan(float(np.sum(s))):
        s = np.zeros((n, n))
    return s.ravel()
