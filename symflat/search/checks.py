"""Ready-made checks a claim file attaches to run the precision engine during ``symflat check``.

    ineq = Inequality(lhs, rhs, ">=", variables=[...], hypotheses=[...], dims={...})
    lemma4 = paper.lemma("lemma-4", r"...", eq="22", inequality=ineq)
    lemma4.check(search_check(ineq))          # adversarial search + certified sample
    lemma4.check(precision_check(ineq, instances=[...]))   # given instances, high precision + balls

Both are seeded by ``ctx.seed`` and bounded by ``ctx.time_left()``, and return :class:`Evidence`:
``refuted`` with the stored, exactly replayable counterexample; ``certified`` when ball arithmetic
puts the slack strictly on the right side of zero on every instance tested; otherwise ``checked``
(e.g. an equality case, reported with ``tight=True``).
"""

from __future__ import annotations

import time
from typing import Callable, Iterable

import numpy as np

from symflat.claims import Evidence, Status
from symflat.precision.inequality import DEFAULT_LADDER, Inequality, Point
from symflat.search.counterexample import from_confirmation
from symflat.search.optimize import SearchResult, search
from symflat.search.samplers import sample_point


def _exact_values(v):
    """A user-given value as exact text (nested lists of strings for arrays)."""
    if isinstance(v, (list, tuple)):
        return [_exact_values(x) for x in v]
    if isinstance(v, np.ndarray):
        return [_exact_values(x) for x in v.tolist()] if v.ndim else str(v.item())
    return v if isinstance(v, int) else str(v)


def _certify_all(ineq: Inequality, points, dps: int, deadline: float | None = None) -> tuple[int, int, list]:
    """(certified, tight-or-undecided, refuted certificates) over ``points``; points not reached
    before ``deadline`` count as undecided."""
    ok, undecided, bad = 0, 0, []
    for p in points:
        if deadline is not None and time.monotonic() > deadline:
            undecided += 1
            continue
        cert = ineq.certify(p, dps=dps, max_dps=4 * dps)
        if cert.status == "certified":
            ok += 1
        elif cert.status == "refuted":
            bad.append((p, cert))
        else:
            undecided += 1
    return ok, undecided, bad


def search_evidence(ineq: Inequality, res: SearchResult, *, certify_instances: int = 8, dps: int = 50,
                    seed: int = 0, dropped=(), deadline: float | None = None) -> Evidence:
    """Evidence from a search result (plus a certified sample when nothing was found)."""
    common = {"seed": seed, "dps": max(res.ladder), "method": "search", "instances": res.evaluations,
              "undefined": res.undefined}
    if dropped:
        common["dropped"] = list(dropped)
    if res.found:
        cex = res.counterexample
        return Evidence.refuted(f"{ineq.name or 'inequality'}: {cex.describe()}", slack=cex.slack,
                                counterexample=cex.to_json(ineq), **common)
    if not res.best_objective < 1:  # objective >= 1 means some hypothesis failed everywhere it looked
        return Evidence.open(f"{ineq.name or 'inequality'}: the search found no point satisfying the hypotheses "
                             f"{ineq.hypothesis_names} in {res.evaluations} evaluations; it shows nothing", **common)
    tight = res.tight_point is not None
    rng = np.random.default_rng([seed, 7])
    grid = ineq.dims_grid()
    scored = [(ineq.objective(p), p) for p in (sample_point(ineq, rng, grid[i % len(grid)]) for i in range(certify_instances))]
    sample = [p for f, p in scored if f < 1]  # hypotheses hold (in float) - other points prove nothing
    # ``slack``: smallest relative slack on the seeded sample (reproducible from the seed, so the
    # ledger can compare runs); ``search_min_slack``: the lowest the time-bounded search reached.
    data = dict(common, slack=min((f for f, _ in scored if f < 1), default=None), search_min_slack=res.best_objective,
                tight=tight)
    if tight:
        data["tight_point"] = res.tight_point.to_json()
    ok, undecided, bad = _certify_all(ineq, sample, dps, deadline) if sample else (0, 0, [])
    if bad:  # a sampled point the float search misjudged: ball arithmetic refutes it outright
        p, cert = bad[0]
        conf = ineq.confirm(p, res.ladder)
        cex = from_confirmation(ineq, p, conf, dropped=dropped)
        cex.certified = f"{cert.status} (slack in {cert.enclosure})"
        return Evidence.refuted(f"{ineq.name or 'inequality'}: {cex.describe()}", slack=cex.slack,
                                counterexample=cex.to_json(ineq), **common)
    detail = res.summary()
    if sample and ok == len(sample):
        return Evidence.certified(f"{detail}; slack certified positive (arb) on {ok} sampled instances", **data,
                                  certified_instances=ok)
    return Evidence.checked(f"{detail}; ball arithmetic certified {ok} of {len(sample)} sampled instances"
                            f"{' (the others are tight or undecided)' if undecided else ''}", **data,
                            certified_instances=ok)


def drop_evidence(ev: Evidence, drop) -> Evidence:
    """Re-label the evidence of a search run with hypotheses removed: a violation then shows that
    they are necessary (status ``open``, ``hypothesis_necessary=True``); it never refutes the claim."""
    names = ", ".join(drop)
    data = dict(ev.data, dropped=list(drop))
    if ev.status is Status.REFUTED:
        return Evidence.open(f"hypothesis {names} is necessary: without it, {ev.detail}", hypothesis_necessary=True, **data)
    return Evidence.open(f"without hypothesis {names} no violation was found ({ev.detail})", hypothesis_necessary=False, **data)


def search_check(ineq: Inequality, *, budget: float | None = None, ladder=DEFAULT_LADDER, certify_instances: int = 8,
                 dps: int | None = None, shrink: bool = True, drop: Iterable[str] = (), name: str = "search") -> Callable:
    """A check running :func:`~symflat.search.optimize.search` on ``ineq``, then certifying a
    sample if nothing broke. Default ``budget``: 60% of the time the runner gives the check (at
    most 20 s); shrinking and certification stay within the rest.
    With ``drop`` it searches without those hypotheses and reports via :func:`drop_evidence`."""
    drop = tuple(drop)
    target = ineq.drop(*drop) if drop else ineq

    def check(ctx) -> Evidence:
        b = budget if budget is not None else max(0.5, min(20.0, 0.6 * ctx.time_left()))
        res = search(target, budget=b, seed=ctx.seed, ladder=ladder, shrink=shrink, dropped=drop,
                     shrink_seconds=max(1.0, b / 4))
        ev = search_evidence(target, res, certify_instances=certify_instances, dps=dps or ctx.dps,
                             seed=ctx.seed, dropped=drop, deadline=time.monotonic() + max(1.0, b / 4))
        return drop_evidence(ev, drop) if drop else ev

    check.__name__ = name
    check.__doc__ = f"Adversarial search on {ineq.name or 'the inequality'}{' without ' + ', '.join(drop) if drop else ''}."
    return check


def precision_check(ineq: Inequality, instances=None, *, n: int = 16, dps: int | None = None,
                    ladder=DEFAULT_LADDER, certify: bool = True, name: str = "precision") -> Callable:
    """A check evaluating ``ineq`` on ``instances`` at high precision, then with balls.

    ``instances``: a list of points (``Point`` or dicts of variable values), a callable
    ``f(rng) -> list`` of them, or ``None`` for ``n`` points from the samplers.
    """

    def check(ctx) -> Evidence:
        rng = ctx.rng
        if instances is None:
            grid = ineq.dims_grid()
            pts = [sample_point(ineq, rng, grid[i % len(grid)]) for i in range(n)]
        else:
            pts = list(instances(rng) if callable(instances) else instances)
        if not pts:
            return Evidence.open("no instances to evaluate")
        d = dps or ctx.dps
        tight, admissible = 0, []
        for p in pts:
            ev = ineq.evaluate(p, d)
            if not ev.admissible:
                continue
            admissible.append(p)
            if ev.verdict != "holds":
                conf = ineq.confirm(p, ladder)
                if conf.verdict == "violated":
                    point = p if isinstance(p, Point) else None
                    data = {"slack": str(conf.slack), "dps": conf.dps, "seed": ctx.seed, "method": "precision",
                            "instances": len(pts)}
                    if point is not None:
                        cex = from_confirmation(ineq, point, conf)
                        data["counterexample"] = cex.to_json(ineq)
                    else:
                        data["counterexample"] = {"values": {k: _exact_values(v) for k, v in p.items()}}
                    return Evidence.refuted(f"violated at instance {pts.index(p)}: {conf.evaluations[-1].describe()}",
                                            **data)
                tight += conf.verdict == "tight"
        if not admissible:
            return Evidence.open(f"none of the {len(pts)} instances satisfies the hypotheses")
        pts = admissible
        data = {"dps": d, "seed": ctx.seed, "instances": len(pts), "method": "precision", "tight": tight > 0}
        if certify:
            ok, _, _ = _certify_all(ineq, pts, d)
            if ok == len(pts):
                return Evidence.certified(f"slack certified on all {ok} instances (arb, {d} digits)", **data)
            return Evidence.checked(f"no violation at {d} digits on {len(pts)} instances ({tight} tight); "
                                    f"ball arithmetic certified {ok}", **data, certified_instances=ok)
        return Evidence.checked(f"no violation at {d} digits on {len(pts)} instances ({tight} tight)", **data)

    check.__name__ = name
    return check


def decide_check(ineq: Inequality, dims: list[dict] | None = None, *, timeout_ms: int = 10_000,
                 name: str = "z3") -> Callable:
    """A check deciding a small polynomial ``ineq`` with z3 at each dimension choice (default: the
    smallest): ``proved`` when every negation is unsat, ``refuted`` with z3's exact model (confirmed
    at high precision), else ``open``."""
    from symflat.precision.decide import decide

    def check(ctx) -> Evidence:
        grid = dims if dims is not None else ineq.dims_grid()[:1]
        decided = []
        for d in grid:
            res = decide(ineq, d, timeout_ms=timeout_ms)
            if res.status == "refuted":
                conf = ineq.confirm(res.point)
                cex = from_confirmation(ineq, res.point, conf)
                return Evidence.refuted(f"{ineq.name or 'inequality'}: {res.detail}", slack=cex.slack, method="z3",
                                        counterexample=cex.to_json(ineq), dps=conf.dps, instances=len(decided) + 1)
            if res.status != "proved":
                return Evidence.open(f"z3 could not decide dims {d}: {res.detail}", method="z3", instances=len(decided))
            decided.append(d)
        return Evidence.proved(f"z3 proves it (negation unsat) for dims {decided}", method="z3", instances=len(decided))

    check.__name__ = name
    return check
