"""Hypothesis ablation (``symflat search ID --drop H``): is hypothesis ``H`` needed?

The answer is only meaningful against the claim's standing with *every* hypothesis, so
:func:`ablate` runs two searches:

1. with all hypotheses: a violation there refutes the claim itself (outcome ``claim-refuted``);
2. without the dropped ones: a witness found there is read against the full hypothesis list at
   high precision. If it satisfies every dropped hypothesis too, it is a counterexample to the
   claim as stated (outcome ``claim-refuted``, reported so, never as "H is necessary"). Only a
   witness that violates a dropped hypothesis, while meeting every other one, and with the claim
   not refuted in step 1, shows that the dropped hypotheses are necessary (outcome ``necessary``).
   No witness: necessity is not shown (outcome ``not-shown``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import mpmath

from symflat.claims import Evidence, Status
from symflat.precision.inequality import DEFAULT_LADDER, Inequality
from symflat.search.checks import search_evidence
from symflat.search.counterexample import Counterexample
from symflat.search.errors import SearchSetupError, as_inequality
from symflat.search.optimize import SearchResult, search
from symflat.search.parallel import check_drop

__all__ = ["OUTCOMES", "AblationResult", "ablate"]

OUTCOMES = ("claim-refuted", "necessary", "not-shown")


@dataclass
class AblationResult:
    """The outcome of dropping ``dropped`` (one of :data:`OUTCOMES`), the claim's ``standing``
    with every hypothesis (evidence of the first search), the witness (a counterexample to the
    claim, or to it without the dropped hypotheses) and, for ``necessary``, each dropped
    hypothesis the witness violates with its value there."""

    ineq: Inequality
    dropped: tuple
    outcome: str
    standing: Evidence
    witness: Counterexample | None = None
    violates: dict = field(default_factory=dict)
    searches: list = field(default_factory=list)

    @property
    def necessary(self) -> bool:
        return self.outcome == "necessary"

    def evidence(self) -> Evidence:
        """Evidence for the claim: ``refuted`` (outcome ``claim-refuted``: the counterexample meets
        every hypothesis), else ``open`` with ``hypothesis_necessary`` true or false and the
        standing with all hypotheses under ``standing``."""
        names = ", ".join(self.dropped)
        evaluations = sum(r.evaluations for r in self.searches)
        common = {"dropped": list(self.dropped), "ablation": self.outcome, "standing": self.standing.status.value,
                  "method": "search", "evaluations": evaluations, "scope": "instances"}
        for key in ("seed", "dps"):
            if key in self.standing.data:
                common[key] = self.standing.data[key]
        label = self.ineq.name or "inequality"
        if self.outcome == "claim-refuted":
            return Evidence.refuted(
                f"{label}: the claim itself is refuted, not only without {names}: the counterexample meets "
                f"every hypothesis, {names} included; {self.witness.describe()}",
                slack=self.witness.slack, counterexample=self.witness.to_json(self.ineq), instances=1,
                cases="the stored counterexample", **common)
        standing = f"with every hypothesis the claim stands: {self.standing.status.value} ({self.standing.detail})"
        if self.outcome == "necessary":
            values = "; ".join(f"{h} = {mpmath.nstr(v, 8)}" for h, v in self.violates.items())
            return Evidence.open(
                f"hypothesis {names} is necessary: the witness violates {', '.join(self.violates)} ({values}) and "
                f"meets every other hypothesis, where {self.witness.describe()}; {standing}",
                hypothesis_necessary=True, counterexample=self.witness.to_json(self.ineq.drop(*self.dropped)),
                violates={h: mpmath.nstr(v, 20) for h, v in self.violates.items()}, instances=1,
                cases="the stored witness", **common)
        return Evidence.open(f"without hypothesis {names} no violation was found ({evaluations} evaluations); {standing}",
                             hypothesis_necessary=False, instances=0, **common)


def _default_searcher(seed: int, ladder) -> Callable:
    def run(target: Inequality, dropped: tuple, budget: float) -> SearchResult:
        return search(target, budget=budget, seed=seed, ladder=ladder, dropped=dropped,
                      shrink_seconds=max(1.0, budget / 2))

    return run


def ablate(ineq, drop, *, budget: float = 10.0, seed: int = 0, ladder=DEFAULT_LADDER, dps: int = 30,
           certify_instances: int = 8, searcher: Callable | None = None) -> AblationResult:
    """Whether the hypotheses ``drop`` of ``ineq`` (an Inequality or a claim carrying one) are
    necessary; see the module docstring. ``budget`` seconds are split between the two searches.
    ``searcher(target, dropped, seconds) -> SearchResult`` replaces the serial search (the CLI
    fans it out over executors)."""
    ineq = as_inequality(ineq, "ablate: ineq")
    names = check_drop(ineq, drop)
    if not names:
        raise SearchSetupError("ablate: drop names no hypothesis; give at least one of "
                               f"{ineq.hypothesis_names}")
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not budget > 0:
        raise SearchSetupError(f"ablate: budget must be positive seconds, got {budget!r}")
    run = searcher or _default_searcher(seed, ladder)
    full = run(ineq, (), budget / 2)
    standing = search_evidence(ineq, full, certify_instances=certify_instances, dps=dps, seed=seed)
    if standing.status is Status.REFUTED:
        witness = full.counterexample or Counterexample.from_json(standing.data["counterexample"])
        return AblationResult(ineq, names, "claim-refuted", standing, witness, searches=[full])
    target = ineq.drop(*names)
    res = run(target, names, budget / 2)
    if not res.found:
        return AblationResult(ineq, names, "not-shown", standing, searches=[full, res])
    witness = res.counterexample
    violates = _violated(ineq, witness, names, max(ladder))
    if not violates:  # the witness meets every hypothesis: a counterexample to the claim as stated
        witness.dropped = []
        if witness.worst is not None and _violated(ineq, witness.worst, names, max(ladder)):
            witness.worst = None  # the worst witness needs a dropped hypothesis: not one against the claim
        return AblationResult(ineq, names, "claim-refuted", standing, witness, searches=[full, res])
    return AblationResult(ineq, names, "necessary", standing, witness, violates, searches=[full, res])


def _violated(ineq: Inequality, cex: Counterexample, names, dps: int) -> dict:
    """The hypotheses among ``names`` that fail at the witness (at ``dps`` digits), with their values."""
    ev = ineq.evaluate(cex.point, dps)
    return {h: ev.hypotheses[h][0] for h in names if not ev.hypotheses[h][1]}
