"""Ready-made checks a claim file attaches to run the precision engine during ``symflat check``.

    ineq = Inequality(lhs, rhs, ">=", variables=[...], hypotheses=[...], dims={...})
    lemma4 = paper.lemma("lemma-4", r"...", eq="22", inequality=ineq)
    lemma4.check(search_check(ineq))          # adversarial search + certified sample
    lemma4.check(precision_check(ineq, instances=[...]))   # given instances, high precision + balls

Both are seeded by ``ctx.seed`` and bounded by ``ctx.time_left()``, and return :class:`Evidence`
of scope ``instances`` (what a search or a list of points shows): ``refuted`` with the stored,
exactly replayable counterexample; ``certified`` when ball arithmetic puts the slack strictly on
the right side of zero on every instance tested (and no equality case was met); otherwise
``checked`` (e.g. an equality case, reported with ``tight=True``). Only :func:`decide_check` on an
inequality without dimensions can give ``proved`` (in general: z3 decides every real point).
"""

from __future__ import annotations

import time
from typing import Callable, Iterable

import numpy as np

from symflat.claims import Evidence
from symflat.precision.inequality import DEFAULT_LADDER, Inequality, Point
from symflat.search.counterexample import from_confirmation
from symflat.search.errors import SearchSetupError, as_inequality
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


def _dims_text(dims: list) -> str:
    if not dims or dims == [{}]:
        return ""
    return " over dims " + ", ".join("(" + ", ".join(f"{k}={v}" for k, v in d.items()) + ")" for d in dims[:6]) + \
        (f" and {len(dims) - 6} more" if len(dims) > 6 else "")


def search_evidence(ineq: Inequality, res: SearchResult, *, certify_instances: int = 8, dps: int = 50,
                    seed: int = 0, dropped=(), deadline: float | None = None) -> Evidence:
    """Evidence from a search result (plus a certified sample when nothing was found).

    Scope is always ``instances`` (a search shows nothing about the points it did not visit):

    * ``refuted``: one instance, the stored counterexample (with its worst witness, if any);
    * ``certified``: no violation, no equality case met, and arb balls put the slack strictly on
      the right side of zero at every point of the seeded sample; ``instances`` = those points;
    * ``checked``: no violation, but an equality case was reached, or some sampled point is
      undecided by balls; ``instances`` = the points the search evaluated;
    * ``open``: no point satisfying the hypotheses was found.

    The search's float evaluation count is under ``evaluations`` in every case.
    """
    name = ineq.name or "inequality"
    common = {"seed": seed, "dps": max(res.ladder), "method": "search", "evaluations": res.evaluations,
              "undefined": res.undefined, "scope": "instances"}
    if dropped:
        common["dropped"] = list(dropped)
    if res.found:
        cex = res.counterexample
        return Evidence.refuted(f"{name}: {cex.describe()}", slack=cex.slack, counterexample=cex.to_json(ineq),
                                instances=1, cases="the stored counterexample", **common)
    searched = f"{res.evaluations} points evaluated by the search (seed {seed}){_dims_text(res.dims_tried)}"
    if not res.best_objective < 1:  # objective >= 1 means some hypothesis failed everywhere it looked
        return Evidence.open(f"{name}: the search found no point satisfying the hypotheses "
                             f"{ineq.hypothesis_names} in {res.evaluations} evaluations; it shows nothing",
                             instances=0, cases=searched, **common)
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
        return Evidence.refuted(f"{name}: {cex.describe()}", slack=cex.slack, counterexample=cex.to_json(ineq),
                                instances=1, cases="the stored counterexample", **common)
    detail = res.summary()
    if sample and ok == len(sample) and not tight:
        return Evidence.certified(f"{detail}; slack certified positive (arb) on {ok} sampled points", **data,
                                  certified_instances=ok, instances=ok,
                                  cases=f"{ok} sampled points (seed [{seed}, 7]){_dims_text(grid)}")
    why = ("an equality case was reached, so no margin is certified" if tight else
           "some sampled points are tight or undecided by balls")
    return Evidence.checked(f"{detail}; ball arithmetic certified {ok} of {len(sample)} sampled points; {why}",
                            **data, certified_instances=ok, instances=res.evaluations, cases=searched)


def search_check(ineq: Inequality, *, budget: float | None = None, ladder=DEFAULT_LADDER, certify_instances: int = 8,
                 dps: int | None = None, shrink: bool = True, drop: Iterable[str] = (), name: str = "search") -> Callable:
    """A check running :func:`~symflat.search.optimize.search` on ``ineq`` (an Inequality or a
    claim carrying one), then certifying a sample if nothing broke. Default ``budget``: 60% of
    the time the runner gives the check (at most 20 s); shrinking and certification stay within
    the rest. With ``drop`` it runs the ablation of :func:`~symflat.search.ablation.ablate`
    (the claim's standing with every hypothesis, then the search without those dropped)."""
    from symflat.search.ablation import ablate
    from symflat.search.parallel import check_drop

    ineq = as_inequality(ineq, "search_check: ineq")
    drop = check_drop(ineq, drop)
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, (int, float)) or not budget > 0):
        raise SearchSetupError(f"search_check: budget must be positive seconds or None, got {budget!r}")

    def check(ctx) -> Evidence:
        b = budget if budget is not None else max(0.5, min(20.0, 0.6 * ctx.time_left()))
        d = dps or ctx.dps
        if drop:
            return ablate(ineq, drop, budget=b, seed=ctx.seed, ladder=ladder, dps=d,
                          certify_instances=certify_instances).evidence()
        res = search(ineq, budget=b, seed=ctx.seed, ladder=ladder, shrink=shrink, shrink_seconds=max(1.0, b / 4))
        return search_evidence(ineq, res, certify_instances=certify_instances, dps=d, seed=ctx.seed,
                               deadline=time.monotonic() + max(1.0, b / 4))

    check.__name__ = name
    check.__doc__ = f"Adversarial search on {ineq.name or 'the inequality'}{' without ' + ', '.join(drop) if drop else ''}."
    return check


def precision_check(ineq: Inequality, instances=None, *, n: int = 16, dps: int | None = None,
                    ladder=DEFAULT_LADDER, certify: bool = True, name: str = "precision") -> Callable:
    """A check evaluating ``ineq`` on ``instances`` at high precision, then with balls.

    ``instances``: a list of points (``Point`` or dicts of variable values), a callable
    ``f(rng) -> list`` of them, or ``None`` for ``n`` points from the samplers. Scope: those
    instances (``instances`` = how many satisfy the hypotheses).
    """
    ineq = as_inequality(ineq, "precision_check: ineq")
    if instances is not None and not callable(instances) and not isinstance(instances, (list, tuple)):
        raise SearchSetupError(f"precision_check: instances must be a list of points, a callable rng -> list, or None; "
                               f"got {type(instances).__name__}")

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
                            "instances": 1, "cases": f"instance {pts.index(p)} of {len(pts)}", "scope": "instances"}
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
        data = {"dps": d, "seed": ctx.seed, "instances": len(pts), "method": "precision", "tight": tight > 0,
                "scope": "instances", "cases": f"{len(pts)} {'given' if instances is not None else 'sampled'} points"
                                              f" satisfying the hypotheses"}
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
                 solver: str = "z3", name: str | None = None) -> Callable:
    """A check deciding a small polynomial (rational, radical) ``ineq`` with ``solver`` (z3 or cvc5)
    at each dimension choice (default: the smallest): when every negation is unsat, ``proved``
    (scope general) if the inequality has no dimensions, else ``certified`` on the dimension choices
    decided (scope instances: the claim quantifies over every dimension); ``refuted`` with the
    solver's exact model (confirmed at high precision); else ``open`` with the reason."""
    from symflat.precision.decide import decide

    ineq = as_inequality(ineq, "decide_check: ineq")

    def check(ctx) -> Evidence:
        grid = dims if dims is not None else ineq.dims_grid()[:1]
        decided, version = [], ""
        for d in grid:
            res = decide(ineq, d, timeout_ms=timeout_ms, solver=solver)
            version = res.version
            if res.status == "refuted":
                conf = ineq.confirm(res.point)
                cex = from_confirmation(ineq, res.point, conf)
                return Evidence.refuted(f"{ineq.name or 'inequality'}: {res.detail}", slack=cex.slack, method=solver,
                                        solver=solver, version=version, counterexample=cex.to_json(ineq), dps=conf.dps,
                                        instances=1, cases=f"{solver}'s model at dims {d}")
            if res.status != "proved":
                return Evidence.open(f"{solver} could not decide dims {d}: {res.detail}", method=solver, solver=solver,
                                     version=version, reason=res.reason, decided=len(decided))
            decided.append(d)
        if not ineq.dims:
            return Evidence.proved(f"{solver} proves it: the negation is unsat over all real points", method=solver,
                                   solver=solver, version=version)
        return Evidence.certified(f"{solver} proves it (negation unsat) for dims {decided}", method=solver, solver=solver,
                                  version=version, instances=len(decided),
                                  cases=_dims_text(decided).replace(" over dims ", "dims "))

    check.__name__ = name or solver
    return check
