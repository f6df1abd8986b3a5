"""z3 and cvc5 decisions through the SymPy front end (roots, |.|, max/min, denominators), checked
against hand derivations."""

import sys
from fractions import Fraction

import pytest
import sympy as sp

from symflat.precision import Inequality, PrecisionError, Scalar
from symflat.precision.decide import decide, decide_formula
from symflat.precision.solvers import solver_version

SOLVERS = ["z3", "cvc5"]
x, y, z = sp.symbols("x y z", real=True)
a, b = sp.symbols("a b", nonnegative=True)


@pytest.mark.parametrize("solver", SOLVERS)
def test_true_inequalities_are_proved_and_the_solver_is_recorded(solver):
    for goal, hyps in [((a + b) / 2 >= sp.sqrt(a * b), []),                       # AM-GM, with a root
                       (x ** 6 + y ** 6 + z ** 6 >= 3 * x ** 2 * y ** 2 * z ** 2, []),  # AM-GM, 3 variables
                       (x ** 4 * y ** 2 + x ** 2 * y ** 4 + 1 >= 3 * x ** 2 * y ** 2, []),  # Motzkin: >= 0, not SOS
                       (sp.Abs(x - y) >= sp.Max(x, y) - sp.Min(x, y), []),
                       (x / (1 + x ** 2) <= sp.Rational(1, 2), []),                   # 1 + x^2 - 2x = (x-1)^2
                       (sp.sqrt(x) <= (1 + x) / 2, [x >= 0])]:
        res = decide_formula(goal, hyps, solver=solver)
        assert res.status == "proved", (goal, res.detail)
        assert res.solver == solver and res.version == solver_version(solver) and res.version
        ev = res.evidence("check")
        assert ev.status.value == "proved" and ev.data["solver"] == solver and ev.data["version"] == res.version


@pytest.mark.parametrize("solver", SOLVERS)
def test_false_inequalities_come_back_refuted_with_an_exact_witness(solver):
    res = decide_formula(x ** 2 + y ** 2 >= 3 * x * y, solver=solver)
    assert res.status == "refuted"
    wx, wy = (Fraction(str(res.witness[n])) for n in ("x", "y"))
    assert wx * wx + wy * wy < 3 * wx * wy           # by hand, in exact rationals
    res = decide_formula(sp.sqrt(a) <= a, solver=solver)  # false on (0, 1)
    assert res.status == "refuted" and 0 < res.witness["a"] < 1
    # a witness that is irrational: x^2 = 2 is forced, and the goal says x is rational-looking
    res = decide_formula(sp.Ne(x ** 2, 2), [x > 0], solver=solver)
    assert res.status == "refuted" and sp.simplify(res.witness["x"] - sp.sqrt(2)) == 0


@pytest.mark.parametrize("solver", SOLVERS)
def test_what_cannot_be_decided_is_open_with_the_reason(solver):
    cases = [(sp.exp(x) >= 1 + x, [], "unsupported function exp"),
             (x ** y > 0, [x > 0], "non-polynomial term"),
             (x ** 2 >= sp.Float(0.5), [x >= 1], "inexact float"),
             (1 / x ** 2 > 0, [], "undefined"),          # x = 0 is admissible and the goal is undefined there
             (sp.sqrt(x) >= 0, [], "undefined")]
    for goal, hyps, why in cases:
        res = decide_formula(goal, hyps, solver=solver)
        assert res.status == "open" and why in res.reason, (goal, res.reason)
    w = sp.symbols("w0:4", real=True)
    res = decide_formula(sum(v ** 4 for v in w) >= 4 * w[0] * w[1] * w[2] * w[3], solver=solver, timeout_ms=1)
    assert res.status in ("open", "proved")       # 1 ms: a time-out must never be reported as a verdict
    if res.status == "open":
        assert "timeout" in res.reason


def test_integer_symbols_are_decided_over_the_reals_and_never_refuted_by_a_fraction():
    n = sp.Symbol("n", integer=True)
    assert decide_formula(n ** 2 >= 0).status == "proved"
    res = decide_formula(sp.Or(n <= 0, n >= 1))       # true on the integers, false at n = 1/2
    assert res.status == "open" and "non-integer" in res.reason


def test_solver_missing_gives_one_line_error_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "cvc5", None)
    with pytest.raises(PrecisionError, match=r"pip install 'symflat\[cvc5\]'"):
        decide_formula(x >= x, solver="cvc5")
    with pytest.raises(PrecisionError, match="use one of"):
        decide_formula(x >= x, solver="mathematica")


@pytest.mark.parametrize("solver", SOLVERS)
def test_inequality_objects_are_decided_by_either_solver(solver):
    amgm = Inequality(lambda v, o: (v["a"] + v["b"]) * o.q(1, 2), lambda v, o: o.sqrt(v["a"] * v["b"]), ">=",
                      variables=[Scalar("a", lo=0), Scalar("b", lo=0)])
    assert decide(amgm, solver=solver).status == "proved"
    wrong = Inequality(lambda v, o: (v["a"] + v["b"]) * o.q(1, 3), lambda v, o: o.sqrt(v["a"] * v["b"]), ">=",
                       variables=[Scalar("a", lo=0), Scalar("b", lo=0)])
    res = decide(wrong, solver=solver)
    assert res.status == "refuted"
    pa, pb = res.point.params["a"][0], res.point.params["b"][0]
    assert ((pa + pb) / 3) ** 2 < pa * pb        # (a + b)/3 < sqrt(ab), squared: both sides >= 0
