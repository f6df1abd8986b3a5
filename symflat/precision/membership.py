"""Whether a value given by a caller lies in a variable's declared domain.

A :class:`~symflat.precision.inequality.Point` holds free parameters that decoding maps *into*
the domain, so it is always inside. A plain ``dict`` of values (``ineq.evaluate({"x": 3})``) is
taken as given, and an inequality says nothing outside its domain: evaluating it there would
report a false violation. :func:`check_value` therefore refuses such a value with a
:class:`~symflat.precision.errors.DomainError` naming the variable, the value and the domain.

Exact values (ints, Fractions, SymPy rationals) are compared exactly against scalar bounds;
matrix properties (symmetry, positive semidefiniteness, orthogonality) are checked in float64 to a
relative ``TOL``, so a rounded input that is in the domain up to rounding passes.
"""

from __future__ import annotations

import functools
from fractions import Fraction

import numpy as np

from symflat.precision.domains import Matrices, Matrix, Scalar, Var, Vector
from symflat.precision.errors import DomainError

TOL = 1e-9


def _floats(value, name: str) -> np.ndarray:
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise DomainError(f"variable {name!r}: value must be real numbers, got {value!r}") from None
    if not np.all(np.isfinite(a)):
        raise DomainError(f"variable {name!r}: value must be finite, got {value!r}")
    return a


def _exact(x):
    """``x`` as a Fraction when it is exactly rational (int, float, Fraction, SymPy rational), else a float."""
    try:
        return Fraction(x)
    except (TypeError, ValueError):
        pass
    try:
        return Fraction(str(x))
    except (TypeError, ValueError, ZeroDivisionError):
        return float(x)


@functools.singledispatch
def check_value(var: Var, value, dims: dict) -> None:
    """Raise :class:`DomainError` unless ``value`` lies in ``var``'s domain at these ``dims``."""
    raise DomainError(f"variable {getattr(var, 'name', var)!r}: no domain check for {type(var).__name__}")


@check_value.register
def _(var: Scalar, value, dims):
    a = _floats(value, var.name)
    if a.shape != ():
        raise DomainError(f"variable {var.name!r} is a scalar, got a value of shape {a.shape}")
    x = _exact(value.item() if isinstance(value, np.ndarray) else value)
    if not var.contains(x):
        lo = "(-inf" if var.lo is None else f"{'(' if var.lo_open else '['}{var.lo}"
        hi = "+inf)" if var.hi is None else f"{var.hi}{')' if var.hi_open else ']'}"
        raise DomainError(f"variable {var.name!r} = {value!r} is outside its domain {lo}, {hi}: "
                          "the inequality says nothing there")


@check_value.register
def _(var: Vector, value, dims):
    a = _floats(value, var.name)
    n = var.size(dims)
    if a.shape != (n,):
        raise DomainError(f"variable {var.name!r} must be a vector of length {n}, got shape {a.shape}")
    if var.kind == "unit" and abs(float(np.linalg.norm(a)) - 1) > TOL:
        raise DomainError(f"variable {var.name!r} must be a unit vector, got norm {np.linalg.norm(a):.12g}")
    if var.kind == "nonnegative" and np.any(a < 0):
        raise DomainError(f"variable {var.name!r} must be entrywise >= 0, got {value!r}")


def _check_matrix(name: str, kind: str, shape: tuple[int, int], value) -> None:
    a = _floats(value, name)
    if a.shape != tuple(shape):
        raise DomainError(f"variable {name!r} must be a {shape[0]}x{shape[1]} matrix, got shape {a.shape}")
    scale = max(1.0, float(np.abs(a).max()) if a.size else 1.0)
    if kind in ("symmetric", "psd") and float(np.abs(a - a.T).max(initial=0.0)) > TOL * scale:
        raise DomainError(f"variable {name!r} must be symmetric ({kind}), got {value!r}")
    if kind == "psd" and a.size and float(np.linalg.eigvalsh((a + a.T) / 2)[0]) < -TOL * scale:
        raise DomainError(f"variable {name!r} must be positive semidefinite, got smallest eigenvalue "
                          f"{np.linalg.eigvalsh((a + a.T) / 2)[0]:.6g}")
    if kind == "diagonal" and np.any(_off_diagonal(a)):
        raise DomainError(f"variable {name!r} must be diagonal, got {value!r}")
    if kind == "rotation":
        err = float(np.abs(a.T @ a - np.eye(a.shape[0])).max(initial=0.0))
        if err > TOL or (a.size and np.linalg.det(a) <= 0):
            raise DomainError(f"variable {name!r} must be a rotation (Q^T Q = I, det Q = +1), got {value!r}")


def _off_diagonal(a: np.ndarray) -> np.ndarray:
    out = a.copy()
    k = min(a.shape)
    out[range(k), range(k)] = 0
    return out


@check_value.register
def _(var: Matrix, value, dims):
    _check_matrix(var.name, var.kind, var.dims_of(dims), value)


@check_value.register
def _(var: Matrices, value, dims):
    shapes = var.shapes_of(dims)
    if not isinstance(value, (list, tuple)) or len(value) != len(shapes):
        raise DomainError(f"variable {var.name!r} must be a list of {len(shapes)} matrices, got {value!r}")
    for k, (v, shape) in enumerate(zip(value, shapes)):
        _check_matrix(f"{var.name}[{k}]", var.kind, shape, v)


__all__ = ["TOL", "check_value"]
