"""Fan a search out over the kernel's executors (process pool or Dask).

Inequalities hold plain Python functions that need not pickle, so a task names the claim instead
(claim paths, claim id, hypotheses to drop, seed, budget, ladder): each worker loads the claim
files, runs an independent search with its own seed and returns a picklable summary. The caller
keeps the first counterexample found, shrinks and certifies it once, and sums the work done.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

from symflat.precision.inequality import Inequality, Point
from symflat.search.counterexample import Counterexample
from symflat.search.errors import SearchSetupError, as_inequality
from symflat.search.optimize import SearchResult, engine_for_shrinking, search
from symflat.search.shrink import ShrinkBudget, shrink


def check_drop(ineq: Inequality, drop, owner: str = "the inequality") -> tuple[str, ...]:
    """The hypothesis labels in ``drop`` (``"a2"`` or ``"paper/a2"``), each one the inequality has."""
    if isinstance(drop, str):
        drop = (drop,)
    names = tuple(d.split("/")[-1] if isinstance(d, str) else d for d in drop)
    for d in names:
        if not isinstance(d, str) or not d:
            raise SearchSetupError(f"drop: hypothesis names are non-empty strings, got {d!r}")
    unknown = [d for d in names if d not in ineq.hypothesis_names]
    if unknown:
        raise SearchSetupError(f"drop: {owner} has no hypothesis {', '.join(map(repr, unknown))}; "
                               f"its inequality's hypotheses are {ineq.hypothesis_names}")
    return names


def claim_inequality(claim, drop=()) -> Inequality:
    """The inequality a claim carries in ``claim.extras['inequality']``, minus dropped hypotheses."""
    ineq = as_inequality(claim, "")
    names = check_drop(ineq, drop, f"claim {claim.id}")
    return ineq.drop(*names) if names else ineq


@dataclass(frozen=True)
class SearchTask:
    """One worker's share of a search."""

    paths: tuple
    claim_id: str
    drop: tuple
    seed: int
    budget: float
    ladder: tuple


def run_search_task(task: SearchTask) -> dict:
    """Worker entry point: search the named claim's inequality; return a picklable summary."""
    from symflat.discovery import load_claims

    reg = load_claims(list(task.paths), [task.claim_id])
    ineq = claim_inequality(reg.get(task.claim_id), task.drop)
    res = search(ineq, budget=task.budget, seed=task.seed, ladder=task.ladder, shrink=False, certify=False,
                 dropped=task.drop)
    return {"counterexample": res.counterexample.to_json() if res.found else None,
            "best": res.best_objective, "best_point": res.best_point.to_json() if res.best_point else None,
            "tight": res.tight_point.to_json() if res.tight_point else None, "evaluations": res.evaluations,
            "undefined": res.undefined, "local_runs": res.local_runs, "confirmations": res.confirmations, "dims": res.dims_tried}


def parallel_search(ineq: Inequality, paths, claim_id: str, executor, *, workers: int, budget: float, seed: int,
                    ladder, drop=(), do_shrink: bool = True) -> SearchResult:
    """Run ``workers`` independent searches (seeds ``seed*1000 + i``) through ``executor``."""
    t0 = time.monotonic()
    tasks = [SearchTask(tuple(str(Path(p).resolve()) for p in paths), claim_id, tuple(drop), seed * 1000 + i, budget, tuple(ladder))
             for i in range(workers)]
    found, best, best_point, tight, evals, runs, confs, dims, errors = None, math.inf, None, None, 0, 0, 0, [], []
    undefined = 0
    for out in executor.map_unordered(run_search_task, tasks, timeout=budget * 2 + 30):
        if out.error:
            errors.append(out.error)
            continue
        v = out.value
        evals, runs, confs = evals + v["evaluations"], runs + v["local_runs"], confs + v["confirmations"]
        undefined += v["undefined"]
        dims.extend(d for d in v["dims"] if d not in dims)
        if v["best"] < best and v["best_point"]:
            best, best_point = v["best"], Point.from_json(v["best_point"])
        if v["tight"] and tight is None:
            tight = Point.from_json(v["tight"])
        if v["counterexample"] and found is None:
            found = Counterexample.from_json(v["counterexample"])
    if errors and not evals:
        raise SearchSetupError(f"every search worker failed: {errors[0]}")
    if found is not None:
        if do_shrink:
            found = shrink(ineq, found, ladder=ladder, budget=ShrinkBudget(seconds=max(2.0, 0.5 * budget)), seed=seed,
                           search_fn=engine_for_shrinking(ladder, drop))
        cert = ineq.certify(found.point, dps=max(30, min(ladder)), max_dps=max(ladder) * 2)
        found.certified = f"{cert.status} (slack in {cert.enclosure})" if cert.enclosure else cert.status
    return SearchResult(found, best, best_point, tight, evals, runs, confs, time.monotonic() - t0, seed, tuple(ladder), dims,
                        undefined)
