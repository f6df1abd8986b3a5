"""Conversion of derived objects: LaTeX, numpy/mpmath callables, numeric arrays."""

import mpmath
import numpy as np
import pytest
import sympy as sp

from symflat.symbolic import (
    SymbolicError,
    chain_at_minimum,
    generic_minimum,
    to_callable,
    to_latex,
    to_mpmath,
    to_numpy,
)

x, y = sp.symbols("x y", real=True)


def test_latex_of_expressions_matrices_and_structures():
    assert to_latex(x**2) == "x^{2}"
    assert r"\begin{matrix}" in to_latex([x, y])
    res = chain_at_minimum(generic_minimum(2, 4), 1, 4)
    assert to_latex(res) == sp.latex(res.hessian())


def test_callables_numpy_and_mpmath():
    M = sp.Matrix([[x * y, sp.sqrt(2) * x], [y, 1]])
    f = to_callable(M, [x, y])
    assert np.allclose(f([2.0, 3.0]), [[6.0, 2 * np.sqrt(2)], [3.0, 1.0]])
    g = to_callable(sp.Matrix([x, y]), [x, y])
    assert g([1, 2]).shape == (2,)
    with mpmath.workdps(40):
        h = to_callable(sp.sqrt(2) * x, [x], backend="mpmath")
        assert abs(h([mpmath.mpf(1)]) - mpmath.sqrt(2)) < mpmath.mpf(10) ** -38
    z = sp.Symbol("z")
    assert to_callable(x + z, [x], constants={z: 1})([1.0]) == 2.0
    with pytest.raises(SymbolicError, match="no values"):
        to_callable(x + z, [x])
    with pytest.raises(SymbolicError, match="backend"):
        to_callable(x, [x], backend="cupy")
    with pytest.raises(SymbolicError, match="expected 2 values"):
        f([1.0])


def test_numeric_evaluation_of_exact_objects():
    M = sp.Matrix([[sp.Rational(1, 3), sp.sqrt(2)]])
    assert np.allclose(to_numpy(M), [[1 / 3, np.sqrt(2)]])
    m = to_mpmath(M, dps=50)
    with mpmath.workdps(50):
        assert abs(m[0, 1] - mpmath.sqrt(2)) < mpmath.mpf(10) ** -48
    assert to_numpy(sp.Rational(1, 4)) == 0.25
    with pytest.raises(SymbolicError, match="free symbols"):
        to_numpy(x)
    with pytest.raises(SymbolicError, match="cannot convert"):
        to_latex(object())
