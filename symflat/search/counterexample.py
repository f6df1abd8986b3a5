"""A confirmed counterexample: the exact point, its slack over the precision ladder, whether ball
arithmetic certifies it, and the hypotheses dropped to find it; beside the simplest witness, the
most violating one the search met (``worst``) and what the shrinker did (``shrink_stats``); JSON
round trip and exact replay of both witnesses."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import mpmath
import numpy as np

from symflat.precision.backends import FloatOps
from symflat.precision.errors import InequalityError
from symflat.precision.inequality import DEFAULT_LADDER, Confirmation, Inequality, Point


def _readable(value):
    """Float rendering of a variable value (for people; the exact point is in ``point``)."""
    if isinstance(value, list):
        return [_readable(v) for v in value]
    if isinstance(value, np.ndarray):
        return np.asarray(value, dtype=float).tolist()
    if isinstance(value, (int, np.integer)):
        return int(value)
    return float(value)


@dataclass
class Counterexample:
    """A violation of ``inequality`` at ``point`` confirmed at every precision in ``ladder``.

    ``worst``: the most violating witness met (lowest relative slack), when it differs from
    ``point``; ``shrink_stats``: per-pass candidate, confirmation and success counts, totals, and
    what stopped the shrinker (see :mod:`symflat.search.shrink`)."""

    point: Point
    slack: str
    lhs: str
    rhs: str
    ladder: list
    certified: str = "not attempted"
    dropped: list = field(default_factory=list)
    shrunk: bool = False
    inequality: str = ""
    shrink_stats: dict = field(default_factory=dict)
    worst: "Counterexample | None" = None

    def to_json(self, ineq: Inequality | None = None) -> dict:
        data = {"inequality": self.inequality, "point": self.point.to_json(), "slack": self.slack,
                "lhs": self.lhs, "rhs": self.rhs, "ladder": list(self.ladder), "certified": self.certified,
                "dropped": list(self.dropped), "shrunk": self.shrunk}
        if ineq is not None:
            x = ineq.values(self.point, FloatOps())
            data["values"] = {k: _readable(v) for k, v in x.items()}
        if self.shrink_stats:
            data["shrink"] = self.shrink_stats
        if self.worst is not None:
            data["worst"] = self.worst.to_json(ineq)
        return data

    @classmethod
    def from_json(cls, data) -> "Counterexample":
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as e:
                raise InequalityError(f"stored counterexample is not valid JSON: {e}") from None
        if not isinstance(data, dict) or "point" not in data:
            raise InequalityError(f"stored counterexample needs a 'point' entry, got {str(data)[:200]!r}")
        worst = data.get("worst")
        return cls(Point.from_json(data["point"]), str(data.get("slack", "")), str(data.get("lhs", "")),
                   str(data.get("rhs", "")), list(data.get("ladder", DEFAULT_LADDER)), str(data.get("certified", "")),
                   list(data.get("dropped", [])), bool(data.get("shrunk", False)), str(data.get("inequality", "")),
                   dict(data.get("shrink", {})), cls.from_json(worst) if isinstance(worst, dict) else None)

    def describe(self) -> str:
        dims = ", ".join(f"{k}={v}" for k, v in self.point.dims.items())
        return (f"counterexample{' (' + dims + ')' if dims else ''}: lhs = {self.lhs}, rhs = {self.rhs}, "
                f"slack = {self.slack} at {max(self.ladder)} digits; ball arithmetic: {self.certified}")


def from_confirmation(ineq: Inequality, point: Point, conf: Confirmation, dropped=(), shrunk=False) -> Counterexample:
    top = conf.evaluations[-1]
    return Counterexample(point, mpmath.nstr(top.slack, 20), mpmath.nstr(top.lhs, 20), mpmath.nstr(top.rhs, 20),
                          [e.dps for e in conf.evaluations], dropped=list(dropped), shrunk=shrunk,
                          inequality=ineq.name)


def replay(ineq: Inequality, cex: Counterexample | dict | str, ladder=None, *, worst: bool = False) -> Confirmation:
    """Re-evaluate a stored counterexample exactly (its rational parameters) over the ladder;
    with ``worst=True`` its most violating witness instead (the simplest one if none is stored)."""
    if not isinstance(cex, Counterexample):
        cex = Counterexample.from_json(cex)
    if worst and cex.worst is not None:
        cex = cex.worst
    return ineq.confirm(cex.point, ladder or cex.ladder or DEFAULT_LADDER)
