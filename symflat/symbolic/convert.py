"""Turning derived objects into LaTeX, Python callables (numpy or mpmath) and numeric arrays.

Every exact object of the engine is a SymPy expression or matrix; :func:`to_callable` lambdifies
it over a flat list of symbols (the weights in the shared vec layout, for derived objects of a
model), :func:`to_numpy` / :func:`to_mpmath` evaluate a symbol-free one.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from symflat.symbolic.errors import SymbolicError
from symflat.symbolic.exact import to_exact

BACKENDS = ("numpy", "mpmath")


def _sympy_object(obj):
    if isinstance(obj, sp.Basic) or isinstance(obj, sp.MatrixBase):
        return obj
    if isinstance(obj, (list, tuple)):
        return sp.Matrix(obj)
    if hasattr(obj, "hessian") and callable(obj.hessian):
        return obj.hessian()
    raise SymbolicError(f"cannot convert {type(obj).__name__}: expected a SymPy expression or matrix")


def to_latex(obj, names: dict | None = None) -> str:
    """LaTeX of an expression, a matrix, a list (as a column) or an object with ``hessian()``;
    ``names`` maps symbols to LaTeX (e.g. ``Parameters.latex_names()``)."""
    return sp.latex(_sympy_object(obj), symbol_names=names or {})


def to_callable(obj, symbols, backend: str = "numpy", constants: dict | None = None):
    """``f(values)`` evaluating ``obj`` with ``symbols`` set to the flat sequence ``values``;
    ``constants`` gives values to other symbols. numpy returns floats/arrays (a column matrix
    becomes a 1-D array); mpmath returns mpf/matrix at the current ``mp.dps``."""
    if backend not in BACKENDS:
        raise SymbolicError(f"unknown backend {backend!r}; use one of {BACKENDS}")
    obj = _sympy_object(obj)
    symbols = list(symbols)
    if constants:
        obj = obj.xreplace({sp.sympify(k): to_exact(v, f"constant {k}") for k, v in constants.items()})
    extra = set(obj.free_symbols) - set(symbols)
    if extra:
        raise SymbolicError(f"symbols {sorted(map(str, extra))} have no values; pass constants=")
    f = sp.lambdify([symbols], obj, modules=backend)
    n = len(symbols)
    column = isinstance(obj, sp.MatrixBase) and obj.shape[1] == 1

    def call(values):
        values = list(values)
        if len(values) != n:
            raise SymbolicError(f"expected {n} values (one per symbol, in order), got {len(values)}")
        out = f(values)
        if backend == "numpy" and isinstance(obj, sp.MatrixBase):
            out = np.asarray(out, dtype=float)
            return out.reshape(-1) if column else out
        return out

    return call


def to_numpy(obj) -> np.ndarray | float:
    """A symbol-free exact object as float64 (array for a matrix)."""
    obj = _sympy_object(obj)
    if obj.free_symbols:
        raise SymbolicError(f"cannot evaluate numerically: free symbols {sorted(map(str, obj.free_symbols))}")
    if isinstance(obj, sp.MatrixBase):
        return np.array(obj.evalf(17).tolist(), dtype=float)
    return float(obj.evalf(17))


def to_mpmath(obj, dps: int = 30):
    """A symbol-free exact object as mpmath numbers at ``dps`` digits (``mpmath.matrix`` for matrices)."""
    obj = _sympy_object(obj)
    if obj.free_symbols:
        raise SymbolicError(f"cannot evaluate numerically: free symbols {sorted(map(str, obj.free_symbols))}")
    with mpmath.workdps(dps):
        if isinstance(obj, sp.MatrixBase):
            return mpmath.matrix([[mpmath.mpf(str(sp.N(v, dps + 5))) for v in obj.row(i)] for i in range(obj.shape[0])])
        return mpmath.mpf(str(sp.N(obj, dps + 5)))
