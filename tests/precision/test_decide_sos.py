"""Exact sum-of-squares certificates, checked against hand-derived cases."""

from fractions import Fraction

import pytest
import sympy as sp

from symflat.precision import PrecisionError
from symflat.precision.sos import ldl, prove_nonnegative, sos_certificate

pytest.importorskip("cvxpy")
x, y, z = sp.symbols("x y z", real=True)
MOTZKIN = x ** 4 * y ** 2 + x ** 2 * y ** 4 + 1 - 3 * x ** 2 * y ** 2


def _independent_check(cert, p):
    """Re-derive the claim from the certificate alone: every Gram matrix PSD (its leading principal
    minors of the LDL^T pivots, by SymPy's own eigen-free test) and the identity expanded here."""
    for g in cert.grams:
        assert g.Q.is_symmetric()
        assert g.Q.is_positive_semidefinite   # SymPy's own test, independent of symflat's ldl
    total = sum(g.multiplier * (sp.Matrix(g.basis).T * g.Q * sp.Matrix(g.basis))[0, 0] for g in cert.grams) \
        + sum(h * lam for h, lam in cert.equalities)
    assert sp.expand(total - cert.factor * p) == 0
    assert sp.expand(cert.expression() - cert.factor * p) == 0


def test_two_variable_am_gm_has_the_unique_gram_matrix():
    p = x ** 2 + y ** 2 - 2 * x * y
    cert = sos_certificate(p)
    assert cert.status == "proved"
    (g,) = cert.grams
    assert g.basis == [x, y] and g.Q == sp.Matrix([[1, -1], [-1, 1]])   # (x - y)^2, by hand
    _independent_check(cert, p)
    ev = cert.evidence("am-gm")
    assert ev.status.value == "proved" and ev.data["method"] == "sos" and "cvxpy" in ev.data["version"]


def test_three_variable_am_gm_with_and_without_multipliers():
    hurwitz = x ** 6 + y ** 6 + z ** 6 - 3 * x ** 2 * y ** 2 * z ** 2   # AM-GM of x^2, y^2, z^2: SOS (Hurwitz)
    cert = sos_certificate(hurwitz)
    assert cert.status == "proved"
    _independent_check(cert, hurwitz)
    cubic = x ** 3 + y ** 3 + z ** 3 - 3 * x * y * z                        # AM-GM on the orthant: Putinar form
    assert sos_certificate(cubic).status != "proved"                       # odd degree: not globally >= 0
    cert = sos_certificate(cubic, [x, y, z])
    assert cert.status == "proved" and [g.multiplier for g in cert.grams] == [1, x, y, z]
    _independent_check(cert, cubic)


def test_motzkin_is_not_certified_without_multipliers_but_is_with_a_denominator():
    cert = sos_certificate(MOTZKIN)
    assert cert.status == "open" and "no certificate" in cert.detail   # nonnegative, but not a sum of squares
    cert = sos_certificate(MOTZKIN, denominator=1)                    # (1 + x^2 + y^2) M is SOS
    assert cert.status == "proved" and cert.factor == 1 + x ** 2 + y ** 2
    _independent_check(cert, MOTZKIN)


def test_false_inequalities_are_refuted_with_an_exact_witness():
    cert = sos_certificate(x ** 2 + y ** 2 - 3 * x * y)
    assert cert.status == "refuted"
    wx, wy = (Fraction(str(cert.witness[n])) for n in ("x", "y"))
    assert wx ** 2 + wy ** 2 - 3 * wx * wy < 0
    a = sp.Symbol("a", nonnegative=True)
    cert = prove_nonnegative(sp.sqrt(a) <= a)
    assert cert.status == "refuted" and 0 < cert.witness["a"] < 1      # sqrt(a) > a exactly on (0, 1)


def test_radical_and_rational_inequalities_after_substitution():
    a, b = sp.symbols("a b", nonnegative=True)
    cert = prove_nonnegative((a + b) / 2 >= sp.sqrt(a * b))             # sqrt(ab) -> r, r >= 0, r^2 = ab
    assert cert.status == "proved"
    assert sp.expand(cert.expression() - cert.polynomial) == 0
    t = sp.Symbol("t", positive=True)
    cert = prove_nonnegative(t + 1 / t >= 2)                             # (t^2 + 1 - 2t)/t, t > 0
    assert cert.status == "proved"


def test_exact_ldl_rejects_what_is_not_psd_and_a_tampered_certificate_is_no_proof():
    L, D = ldl(sp.Matrix([[4, 2], [2, 1]]))
    assert D == [4, 0] and L * sp.diag(*D) * L.T == sp.Matrix([[4, 2], [2, 1]])
    with pytest.raises(PrecisionError, match="not positive semidefinite"):
        ldl(sp.Matrix([[1, 2], [2, 1]]))
    with pytest.raises(PrecisionError, match="zero pivot"):
        ldl(sp.Matrix([[0, 1], [1, 5]]))
    from symflat.precision.sos import _exact_check, _Program
    prog = _Program(x ** 2 + y ** 2 - 2 * x * y, [x, y], [], [], 1, newton=True)
    with pytest.raises(PrecisionError, match="identity"):
        _exact_check(prog, [Fraction(1), Fraction(-1, 2), Fraction(1)], x ** 2 + y ** 2 - 2 * x * y, [x, y])


def test_missing_sdp_solver_names_the_extra(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "cvxpy", None)
    with pytest.raises(PrecisionError, match=r"pip install 'symflat\[sos\]'"):
        sos_certificate(x ** 2)


def test_bad_input_is_a_symflat_error():
    with pytest.raises(PrecisionError, match="rational coefficients"):
        sos_certificate(sp.exp(x) - 1)
    with pytest.raises(PrecisionError, match="backend"):
        sos_certificate(x ** 2, backend="MOSEK9")
    with pytest.raises(PrecisionError, match=">= or <="):
        prove_nonnegative(x ** 2 > 0)
