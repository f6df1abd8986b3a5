"""Keep a bound as a regression test of your own code.

    from symflat.testing import assert_bound

    def test_sharpness_bound():
        assert_bound(my_inequality, budget=5, seed=0)

:func:`assert_bound` runs the adversarial search (and, optionally, fixed instances at high
precision); on failure the ``AssertionError`` shows the counterexample, its slack at each precision
and a line that replays it exactly.
"""

from __future__ import annotations

import json

from symflat.errors import SymflatError, check_bool, check_int, check_real
from symflat.precision.errors import InequalityError
from symflat.precision.inequality import DEFAULT_LADDER, Inequality, Point
from symflat.search.counterexample import Counterexample, from_confirmation, replay
from symflat.search.optimize import search


class BoundViolation(SymflatError, AssertionError):
    """An inequality asserted by :func:`assert_bound` failed; ``counterexample`` holds the proof."""

    def __init__(self, message: str, counterexample: Counterexample):
        super().__init__(message)
        self.counterexample = counterexample


def _message(ineq: Inequality, cex: Counterexample, how: str) -> str:
    payload = json.dumps(cex.to_json(), separators=(",", ":"))
    return (f"bound {ineq.name or 'inequality'} violated ({how}): {cex.describe()}\n"
            f"values: {json.dumps(cex.to_json(ineq)['values'])}\n"
            f"replay: symflat.testing.replay_counterexample(ineq, {payload!r})")


def assert_bound(ineq: Inequality, *, instances=(), budget: float = 5.0, seed: int = 0,
                 ladder=DEFAULT_LADDER, shrink: bool = True) -> None:
    """Assert ``ineq`` on every point in ``instances`` (checked over the precision ladder) and
    against an adversarial search of ``budget`` seconds (``budget=0`` skips the search).

    Raises :class:`BoundViolation` (an ``AssertionError``) with the counterexample and how to
    replay it; an equality case is not a failure. An instance outside the inequality's declared
    domain raises :class:`~symflat.precision.errors.DomainError` (the bound says nothing there).
    """
    if not isinstance(ineq, Inequality):
        raise InequalityError(f"assert_bound needs an Inequality, got {type(ineq).__name__}")
    check_real(budget, "budget (seconds)", minimum=0, error=InequalityError)
    check_int(seed, "seed", minimum=0, error=InequalityError)
    check_bool(shrink, "shrink", error=InequalityError)
    if isinstance(instances, (dict, Point, str)) or not hasattr(instances, "__iter__"):
        raise InequalityError(f"instances must be a list of points (Point objects or dicts of values), got {instances!r}")
    for i, p in enumerate(instances):
        conf = ineq.confirm(p, ladder)
        if conf.verdict == "violated":
            point = p if isinstance(p, Point) else None
            if point is None:
                raise AssertionError(f"bound {ineq.name or 'inequality'} violated at instance {i}: "
                                     f"{conf.evaluations[-1].describe()}")
            cex = from_confirmation(ineq, point, conf)
            raise BoundViolation(_message(ineq, cex, f"instance {i}"), cex)
    if budget == 0:
        return
    res = search(ineq, budget=budget, seed=seed, ladder=ladder, shrink=shrink)
    if res.found:
        raise BoundViolation(_message(ineq, res.counterexample, f"search with seed {seed}"), res.counterexample)


def replay_counterexample(ineq: Inequality, stored) -> str:
    """Re-evaluate a stored counterexample (the JSON text or dict from a failure message) and
    return the verdict over its precision ladder: ``violated`` when it still breaks the bound."""
    return replay(ineq, stored).verdict
