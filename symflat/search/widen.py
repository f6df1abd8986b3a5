"""Silent hypotheses (``symflat search ID --widen``): does the inequality survive on a wider domain?

A paper often states a bound for a general class and encodes, or proves, it only on the special
class where it applies it: a symmetric matrix where any matrix was allowed, a PSD one where the
statement says symmetric, a positive parameter where zero or a negative value is not excluded. Each
variable knows its widenings (:meth:`symflat.precision.domains.Var.widenings`): the same variable
with one property given up. :func:`widenings` lists them, plus integer dimensions lowered to 1;
:func:`widen` searches each wider inequality (the others unchanged) and reports, for each, whether
it breaks, with a stored counterexample, and the *repair*: the property given up, as a
:class:`~symflat.precision.Hypothesis` that restores the claim when added to the wider statement.

Which widenings the statement's words allow is for the reader of the paper to decide: the report
lists every one, and a widening that breaks is a finding only if the statement did not require
the property. A breaking widening is encoded as a claim of the wider statement (``result.inequality``,
expected refuted) beside a corrected claim carrying the repair (``result.repaired()``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from symflat.claims import Evidence
from symflat.precision.domains import Scalar, Widening
from symflat.precision.errors import PrecisionError
from symflat.precision.inequality import DEFAULT_LADDER, Hypothesis, Inequality
from symflat.search.errors import SearchSetupError, as_inequality
from symflat.search.optimize import SearchResult, search

__all__ = ["WideningResult", "widen", "widen_check", "widenings"]


@dataclass
class WideningResult:
    """One widening: its ``label`` (``"S:symmetric"``), the variable (or dimension) widened, the
    property given up (``gives_up``), the wider ``inequality``, the ``repair`` hypothesis, and, once
    searched, the search ``result`` (or the ``error`` that stopped it). ``narrower_held`` lists the
    smaller widenings of the same variable that did not break: when one breaks, a repair weaker
    than ``repair`` (the domain of such a widening) may already suffice."""

    label: str
    variable: str
    gives_up: str
    inequality: Inequality
    repair: Hypothesis
    result: SearchResult | None = None
    error: str = ""
    narrower_held: list = field(default_factory=list)

    @property
    def breaks(self) -> bool:
        """A confirmed counterexample on the wider domain was found."""
        return self.result is not None and self.result.found

    @property
    def counterexample(self):
        return self.result.counterexample if self.breaks else None

    @property
    def check_name(self) -> str:
        """The ledger check name of this widening: ``search-widen-<label>``."""
        return "search-widen-" + self.label.replace(":", "-")

    def repaired(self) -> Inequality:
        """The wider inequality with the repair hypothesis added (the corrected statement)."""
        w = self.inequality
        return Inequality(w.lhs, w.rhs, w.relation, variables=w.variables, hypotheses=[*w.hypotheses, self.repair],
                          dims=w.dims, name=w.name, statement=w.statement, scale=w.scale)

    def describe(self) -> str:
        if self.error:
            return f"{self.label}: not searched ({self.error})"
        if self.result is None:
            return f"{self.label}: not searched yet (gives up: {self.gives_up})"
        if self.breaks:
            weaker = (f" (no violation on the narrower widening {', '.join(self.narrower_held)}: a weaker repair "
                      f"may do)" if self.narrower_held else "")
            return (f"{self.label}: BREAKS without '{self.gives_up}'; repair: hypothesis {self.repair.name} "
                    f"({self.gives_up}){weaker}; {self.counterexample.describe()}")
        if not self.admissible:
            return (f"{self.label}: shows nothing: no point of the wider domain satisfied the hypotheses "
                    f"{self.inequality.hypothesis_names} ({self.result.summary()})")
        return f"{self.label}: holds without '{self.gives_up}' as far as searched ({self.result.summary()})"

    @property
    def admissible(self) -> bool:
        """The search met points of the wider domain where every hypothesis holds."""
        return self.result is not None and (self.breaks or self.result.best_objective < 1)

    def evidence(self) -> Evidence:
        """``open`` evidence for the claim (a widening says nothing about the claim as stated):
        ``widening``, ``breaks``, ``gives_up``, ``repair`` and, when it breaks, the counterexample
        (on the wider domain; it replays with ``--widen LABEL --replay``)."""
        data = {"widening": self.label, "gives_up": self.gives_up, "repair": self.repair.name, "method": "search",
                "scope": "instances", "breaks": self.breaks, "admissible": self.admissible,
                "narrower_held": list(self.narrower_held)}
        if self.result is not None:
            data.update(evaluations=self.result.evaluations, seed=self.result.seed, dps=max(self.result.ladder))
        if self.breaks:
            cex = self.counterexample
            return Evidence.open(self.describe(), counterexample=cex.to_json(self.inequality), slack=cex.slack,
                                 instances=1, cases="the stored counterexample on the wider domain", **data)
        return Evidence.open(self.describe(), instances=0, **data)


def _wider(ineq: Inequality, w: Widening) -> Inequality:
    variables = [w.wider if v.name == w.variable else v for v in ineq.variables]
    return Inequality(ineq.lhs, ineq.rhs, ineq.relation, variables=variables, hypotheses=ineq.hypotheses,
                      dims=ineq.dims, name=f"{ineq.name or 'inequality'} [{w.label}]", statement=ineq.statement,
                      scale=ineq.scale)


def _repair(w: Widening) -> Hypothesis:
    return Hypothesis(w.property or w.label.replace(":", "-"), w.holds, w.relation, statement=w.gives_up)


def _dims_widenings(ineq: Inequality) -> list[WideningResult]:
    """Each integer dimension whose smallest searched value is above 1, lowered to 1."""
    out = []
    for k, vals in ineq.dims.items():
        if vals[0] <= 1:
            continue
        lo = vals[0]
        dims = dict(ineq.dims, **{k: list(range(1, lo)) + list(vals)})
        try:
            wide = Inequality(ineq.lhs, ineq.rhs, ineq.relation, variables=ineq.variables, hypotheses=ineq.hypotheses,
                              dims=dims, name=f"{ineq.name or 'inequality'} [{k}:down-to-1]", statement=ineq.statement,
                              scale=ineq.scale)
        except PrecisionError:  # the shapes are not defined below the stated range
            continue
        repair = Hypothesis(f"{k}>={lo}", lambda x, ops, k=k, lo=lo: ops.num(x[k] - lo), ">=",
                            statement=f"{k} >= {lo}")
        out.append(WideningResult(f"{k}:down-to-1", k, f"{k} >= {lo}", wide, repair))
    return out


def widenings(ineq) -> list[WideningResult]:
    """Every one-step widening of ``ineq`` (an Inequality or a claim carrying one), not yet
    searched: each variable's (in order), then each dimension lowered to 1."""
    ineq = as_inequality(ineq, "widenings: ineq")
    out = [WideningResult(w.label, w.variable, w.gives_up, _wider(ineq, w), _repair(w))
           for v in ineq.variables for w in v.widenings()]
    return out + _dims_widenings(ineq)


def widen(ineq, budget: float = 10.0, *, seed: int = 0, ladder=DEFAULT_LADDER, only=None,
          searcher: Callable | None = None) -> list[WideningResult]:
    """Search every widening of ``ineq`` (or those whose labels are in ``only``), ``budget``
    seconds in all, split evenly (at least 0.5 s each). ``searcher(ineq, seconds) ->
    SearchResult`` replaces the serial search. Returns the :class:`WideningResult` list, those
    that break first kept in their original order."""
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not budget > 0:
        raise SearchSetupError(f"widen: budget must be positive seconds, got {budget!r}")
    todo = widenings(ineq)
    if only is not None:
        only = [only] if isinstance(only, str) else list(only)
        labels = [w.label for w in todo]
        unknown = [o for o in only if o not in labels]
        if unknown:
            raise SearchSetupError(f"widen: no widening {', '.join(map(repr, unknown))}; this inequality has {labels}")
        todo = [w for w in todo if w.label in only]
    if not todo:
        return []
    each = max(0.5, budget / len(todo))
    run = searcher or (lambda wide, b: search(wide, budget=b, seed=seed, ladder=ladder, shrink_seconds=max(1.0, b / 2)))
    for w in todo:
        try:
            w.result = run(w.inequality, each)
        except PrecisionError as e:  # e.g. every evaluation undefined on the wider domain
            w.error = str(e)
    for i, w in enumerate(todo):
        if w.breaks:
            w.narrower_held = [v.label for v in todo[:i] if v.variable == w.variable and v.result is not None
                               and not v.breaks and v.admissible and _inside(v, w)]
    return todo


def _var(w: WideningResult):
    return next((v for v in w.inequality.variables if v.name == w.variable), None)


def _inside(small: WideningResult, big: WideningResult) -> bool:
    """Whether the wider domain of ``small`` lies inside that of ``big`` (same variable)."""
    a, b = _var(small), _var(big)
    if isinstance(a, Scalar) and isinstance(b, Scalar):
        lo_ok = b.lo is None or (a.lo is not None and (a.lo > b.lo or (a.lo == b.lo and (a.lo_open or not b.lo_open))))
        hi_ok = b.hi is None or (a.hi is not None and (a.hi < b.hi or (a.hi == b.hi and (a.hi_open or not b.hi_open))))
        return lo_ok and hi_ok
    order = {"psd": 0, "symmetric": 1, "general": 2}
    ka, kb = getattr(a, "kind", None), getattr(b, "kind", None)
    return ka in order and kb in order and order[ka] <= order[kb]


def widen_check(ineq, *, budget: float | None = None, ladder=DEFAULT_LADDER, name: str = "widen") -> Callable:
    """A check running :func:`widen` during ``symflat check``: ``open`` evidence listing each
    widening (``widenings``: label, gives_up, breaks, repair) with the counterexample of every one
    that breaks (``counterexamples``: label -> stored point). It never refutes the claim as stated."""
    ineq = as_inequality(ineq, "widen_check: ineq")

    def check(ctx) -> Evidence:
        b = budget if budget is not None else max(0.5, min(20.0, 0.6 * ctx.time_left()))
        results = widen(ineq, b, seed=ctx.seed, ladder=ladder)
        broken = [r for r in results if r.breaks]
        rows = [{"widening": r.label, "gives_up": r.gives_up, "breaks": r.breaks, "repair": r.repair.name,
                 **({"error": r.error} if r.error else {})} for r in results]
        detail = (f"{len(broken)} of {len(results)} widenings break it: " +
                  "; ".join(f"{r.label} (repair: {r.gives_up})" for r in broken)) if broken else \
            f"none of the {len(results)} widenings breaks it as far as searched"
        return Evidence.open(detail, widenings=rows, method="search", seed=ctx.seed, scope="instances",
                             instances=len(broken),
                             counterexamples={r.label: r.counterexample.to_json(r.inequality) for r in broken})

    check.__name__ = name
    return check
