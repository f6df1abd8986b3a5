"""The planted suite: every false inequality is refuted within the default budget, with a stored
counterexample that replays exactly and that ball arithmetic refutes; no true one is refuted."""

import time

import mpmath
import pytest

from search_planted_cases import FALSE, TRUE
from symflat.search import replay, search
from symflat.search.optimize import search as search_fn

DEFAULT_BUDGET = search_fn.__defaults__[0]


@pytest.mark.parametrize("name", sorted(FALSE))
def test_false_planted_inequality_is_refuted(name):
    ineq = FALSE[name]()
    t0 = time.monotonic()
    res = search(ineq, budget=DEFAULT_BUDGET, seed=0)
    assert res.found, f"{name}: {res.summary()}"
    assert time.monotonic() - t0 < DEFAULT_BUDGET * 2.5  # search + shrink + certification
    cex = res.counterexample
    assert cex.certified.startswith("refuted"), cex.certified
    again = replay(ineq, cex.to_json(ineq))
    if ineq.strict:  # equality breaks strictness: the replay sees a tight point, balls refute it
        assert again.verdict == "tight"
    else:
        assert again.verdict == "violated" and mpmath.nstr(again.slack, 20) == cex.slack


@pytest.mark.parametrize("name", sorted(TRUE))
def test_true_planted_inequality_is_never_refuted(name):
    res = search(TRUE[name](), budget=2.0, seed=3)
    assert not res.found, res.summary()
    assert res.evaluations > 100
