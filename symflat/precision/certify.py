"""Certified evaluation of an inequality at a point with python-flint ball arithmetic (arb).

The slack is computed as a ball guaranteed to contain the exact slack. Strictly on the good side of
zero -> ``certified``; strictly on the bad side with every hypothesis certainly satisfied ->
``refuted`` (a rigorous counterexample; also when a *strict* inequality's slack is exactly zero);
otherwise the precision is raised (and the spectral enclosures re-seeded with mpmath eigenvectors
at that precision) up to ``max_dps``, then ``inconclusive``. Sides must branch only through
``ops.max``/``ops.min``/``ops.abs``: a Python ``if`` on overlapping balls is not rigorous. Floats never certify anything: each input is converted exactly, and a ball that
straddles zero (an equality case, or too little precision) is reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass

from symflat.precision.backends import ArbOps
from symflat.errors import check_int
from symflat.precision.errors import InequalityError, NotSupported, PrecisionError


@dataclass
class Certificate:
    """``status`` is ``certified``, ``refuted`` or ``inconclusive``; ``enclosure`` the last slack
    ball (as text), ``dps`` the precision that decided (or the last tried), ``detail`` why."""

    status: str
    enclosure: str
    dps: int
    detail: str = ""

    @property
    def decided(self) -> bool:
        return self.status in ("certified", "refuted")


def _slack_ball(ineq, point, ops: ArbOps):
    with ops.active():
        x = ineq.values(point, ops)
        lhs, rhs = ops.num(ineq.lhs(x, ops)), ops.num(ineq.rhs(x, ops))
        slack = ineq.slack_of(lhs, rhs)
        hyps = {}
        for h in ineq.hypotheses:
            hv = ops.num(h.func(x, ops))
            hyps[h.name] = bool(hv > 0) if h.relation == ">" else bool(hv >= 0)
    return slack, hyps


def _inequality_of(obj):
    """The inequality that ``obj`` is, or that a claim declared with ``inequality=...`` carries."""
    from symflat.precision.inequality import Inequality

    if isinstance(obj, Inequality):
        return obj
    extras = getattr(obj, "extras", None)
    carried = extras.get("inequality") if isinstance(extras, dict) else None
    if isinstance(carried, Inequality):
        return carried
    what = f"claim {obj.id} carries no inequality" if hasattr(obj, "id") else f"got {type(obj).__name__} {obj!r:.80}"
    raise InequalityError(f"certify: ineq must be an Inequality or a claim declared with inequality=...; {what}")


def certify(ineq, point, dps: int = 50, max_dps: int = 400) -> Certificate:
    """Decide the sign of the slack at ``point`` rigorously, doubling the precision from ``dps`` up
    to ``max_dps``. The first attempt seeds spectral enclosures with float64 eigenvectors (cheap,
    enough whenever the slack is not tiny); later attempts use mpmath ones at full precision.

    ``ineq`` is an :class:`~symflat.precision.inequality.Inequality` or a claim carrying one
    (``inequality=...``); a dict ``point`` outside the declared domain raises ``DomainError``."""
    ineq = _inequality_of(ineq)
    dps = check_int(dps, "dps", minimum=5, error=PrecisionError)
    max_dps = check_int(max_dps, "max_dps", minimum=dps, error=PrecisionError)
    level, seeded, last, reason = dps, False, "", ""
    while level <= max_dps:
        ops = ArbOps(level, eig_dps=level if seeded else None)
        try:
            slack, hyps = _slack_ball(ineq, point, ops)
        except NotSupported as e:
            if seeded:
                return Certificate("inconclusive", "", level, f"not certifiable: {e}")
            seeded, reason = True, str(e)
            continue
        except (ZeroDivisionError, ValueError, RuntimeError) as e:
            if isinstance(e, PrecisionError) and not isinstance(e, NotSupported):
                raise
            reason = f"ball arithmetic failed: {e}"
            slack, hyps = None, {}
        if slack is not None:
            last = slack.str(12, radius=True)
            good = slack > 0 if ineq.strict else slack >= 0
            if good:
                return Certificate("certified", last, level, "slack enclosure is on the right side of zero")
            if slack < 0 and all(hyps.values()):
                return Certificate("refuted", last, level, "slack enclosure is below zero and every hypothesis is certain")
            if ineq.strict and slack.is_zero() and all(hyps.values()):
                return Certificate("refuted", last, level, "the slack is exactly zero: equality breaks the strict inequality")
            if slack < 0:
                failing = [k for k, ok in hyps.items() if not ok]
                reason = f"slack is negative but hypotheses {failing} are not certainly satisfied"
            elif slack.is_nan():
                reason = "the enclosure is undefined (nan): an operation met a ball it cannot handle"
            else:
                reason = "the slack enclosure contains zero (equality case or too little precision)"
        if not seeded:
            seeded = True
        else:
            level *= 2
    return Certificate("inconclusive", last, min(level, max_dps) if level > max_dps else level, reason)
