"""Exact spectra (against SymPy's eigenvalues) and z3 decisions."""

from fractions import Fraction

import numpy as np
import pytest
import sympy

from symflat.precision import Inequality, NotSupported, PrecisionError, Scalar, Vector
from symflat.precision.decide import decide
from symflat.precision.exact import exact_eigenvalues, spectrum_summary


def hessian_like():
    """``2 Phi Phi^T`` with a rational 4x2 ``Phi``: rank 2, a double zero eigenvalue (as at a minimum)."""
    phi = np.array([[1, Fraction(1, 2)], [0, 1], [2, Fraction(-1, 3)], [1, 1]], dtype=object)
    return 2 * phi @ phi.T


def test_exact_spectrum_matches_sympy_with_multiplicities():
    h = hessian_like()
    eigs = exact_eigenvalues(h)
    expected = sympy.Matrix(h.tolist()).eigenvals()
    assert sum(e.multiplicity for e in eigs) == 4
    got = {}
    for e in eigs:
        got[e.sympy()] = e.multiplicity
    assert len(got) == len(expected)
    for val, mult in expected.items():
        match = [g for g in got if abs(sympy.N(g - val, 40)) < 1e-35]
        assert len(match) == 1 and got[match[0]] == mult
    summary = spectrum_summary(eigs)
    assert summary["rank"] == 2 and summary["nullity"] == 2
    top = max(expected, key=lambda v: sympy.N(v, 50))
    assert abs(sympy.N(top, 40) - sympy.Float(summary["lambda_max_digits"], 40)) < 1e-28


def test_repeated_rational_eigenvalues_and_refinement():
    eigs = exact_eigenvalues([[2, 1, 0], [1, 2, 0], [0, 0, 3]])
    assert [(e.rational, e.multiplicity) for e in eigs] == [(1, 1), (3, 2)]
    irr = exact_eigenvalues([[1, 2], [2, "1/3"]])[1]
    assert irr.rational is None
    ball = irr.refine(60)
    assert ball.rad() < 1e-58
    assert abs(float(ball.mid()) - float(sympy.N(irr.sympy(), 30))) < 1e-14


def test_exact_spectrum_rejects_bad_input():
    with pytest.raises(PrecisionError, match="float"):
        exact_eigenvalues([[0.1, 0], [0, 1]])
    with pytest.raises(PrecisionError, match="not symmetric"):
        exact_eigenvalues([[1, 2], [3, 4]])
    with pytest.raises(PrecisionError, match="square"):
        exact_eigenvalues([[1, 2, 3]])


def sq_amgm(factor=Fraction(1)):
    return Inequality(lambda x, o: ((x["a"] + x["b"]) * o.q(1, 2)) ** 2, lambda x, o: o.num(factor) * x["a"] * x["b"],
                      ">=", variables=[Scalar("a", lo=0), Scalar("b", lo=0)])


def test_z3_proves_true_and_refutes_false_polynomial_inequalities():
    assert decide(sq_amgm()).status == "proved"
    res = decide(sq_amgm(Fraction(101, 100)))
    assert res.status == "refuted"
    a, b = res.point.params["a"][0], res.point.params["b"][0]
    assert ((a + b) / 2) ** 2 < Fraction(101, 100) * a * b  # exact check of z3's model
    cs = Inequality(lambda x, o: o.dot(x["u"], x["v"]) ** 2, lambda x, o: o.fro2(x["u"]) * o.fro2(x["v"]), "<=",
                    variables=[Vector("u", "n"), Vector("v", "n")], dims={"n": [2, 3]})
    assert decide(cs, {"n": 3}).status == "proved"


def test_decide_substitutes_roots_and_declines_transcendental_sides():
    # sqrt(a) <= a fails on (0, 1): a root is eliminated (r >= 0, r^2 = a), not declined
    ineq = Inequality(lambda x, o: o.sqrt(x["a"]), lambda x, o: x["a"], "<=", variables=[Scalar("a", lo=0)])
    res = decide(ineq)
    assert res.status == "refuted"
    a = res.point.params["a"][0]
    assert 0 < a < 1  # where sqrt(a) > a, by hand
    ineq = Inequality(lambda x, o: o.exp(x["a"]), lambda x, o: 1 + x["a"], ">=", variables=[Scalar("a")])
    res = decide(ineq)
    assert res.status == "open" and "unsupported function exp" in res.reason


