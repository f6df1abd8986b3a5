"""Calculus reductions of transcendental inequalities to decided side conditions."""

import pytest
import sympy as sp

from symflat.precision import PrecisionError
from symflat.precision.calculus import concave_chord, convex_tangent, monotone

x, y, u, al = sp.symbols("x y u alpha", real=True)


def test_textbook_inequalities_are_proved():
    assert monotone(x - sp.log(1 + x), x, 0, [x >= 0]).status == "proved"            # log(1+x) <= x
    assert convex_tangent(sp.exp(x) - 1 - x, x, 0, []).status == "proved"            # e^x >= 1 + x
    r = convex_tangent(y - 1 - sp.log(y), y, 1, [y > 0], strict=True, solver="cvc5")  # log y <= y - 1
    assert r.status == "proved" and "cvc5" in " ".join(r.solvers())
    # log(1 + 2u) >= u on [0, 1]: concave, values 0 and log 3 - 1 > 0 at the ends
    assert concave_chord(sp.log(1 + 2 * u) - u, u, 0, 1, []).status == "proved"


def test_false_or_unjustified_reductions_are_not_proved():
    # log(1 + 2u) >= u fails at u = 2 (log 5 < 2): the chord's end value is negative
    r = concave_chord(sp.log(1 + 2 * u) - u, u, 0, 2, [])
    assert r.status == "open" and "refuted: the constant -2 + log(5)" in r.detail
    # log(1 + x) >= x/2 is false for large x: its derivative 1/(1+x) - 1/2 is negative past x = 1
    r = monotone(sp.log(1 + x) - x / 2, x, 0, [x >= 0])
    assert r.status != "proved"
    # the segment to the start must stay admissible: {x <= -1 or x >= 1} is not an interval around 2
    r = monotone(x ** 2 - 1 + 0 * sp.log(x ** 2), x, 2, [sp.Or(x <= -1, x >= 1), x ** 2 > 0])
    assert r.status != "proved" and any("segments" in w and s.status == "refuted" for w, s in r.steps)


def test_derivatives_that_stay_transcendental_are_refused():
    with pytest.raises(PrecisionError, match="still transcendental"):
        monotone(x * sp.log(x) - x, x, 1, [x >= 1], base=None)   # derivative log(x): no sign information
    # exp relaxed to a positive variable: e^x - 1 >= 0 for x >= 0 needs more than e^x > 0, so it stays open
    r = monotone(sp.exp(x) - x, x, 0, [x >= 0])
    assert r.status == "open" and "too weak" in " ".join(str(s.reason) for _, s in r.steps if not isinstance(s, str))
    base = convex_tangent(y - 1 - sp.log(y), y, 1, [y > 0])
    with pytest.raises(PrecisionError, match="given reduction is about"):
        monotone(x - sp.log(1 + x), x, 0, [x >= 0], base=base)


def test_the_first_inequality_of_marion_chizat_lemma_4_by_hand_derivative():
    F = al * sp.log(1 - x) - sp.log(1 - 2 * al * x)
    r = monotone(F, x, 0, [al > 0, x >= 0, x <= sp.Rational(1, 2), 1 - 2 * al * x > 0])
    assert r.status == "proved"
    # the derivative the reduction decided agrees with the one derived by hand
    hand = al * (1 - 2 * x + 2 * al * x) / ((1 - x) * (1 - 2 * al * x))
    assert sp.simplify(sp.diff(F, x) - hand) == 0
    # dropping x <= 1/2 breaks it: alpha = 1/10, x near 1 has 1 - 2x + 2 alpha x < 0
    assert monotone(F, x, 0, [al > 0, x >= 0, x < 1, 1 - 2 * al * x > 0]).status != "proved"
    ev = r.evidence("lemma 4")
    assert ev.status.value == "proved" and ev.data["solver"] == "z3"
