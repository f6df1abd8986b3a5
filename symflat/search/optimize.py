"""Adversarial search: minimise an inequality's relative slack over its domain, then confirm.

Within a time budget: draw batches of points from the samplers for each dimension choice (small
first), keep the lowest relative slacks (:meth:`Inequality.objective`, which respects hypotheses),
polish the best with local optimisers from random restarts (Nelder-Mead, Powell or L-BFGS-B in
float64), and send every point whose float slack is negative or nearly zero to the precision
ladder. Only a violation that persists at every precision is kept; it is then shrunk (smaller
dimensions, simpler rational entries; :mod:`symflat.search.shrink`, which is handed this search for
its smaller-dimension pass and never imports it) and checked with ball arithmetic.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize as spo

from symflat.precision.errors import InequalityError
from symflat.precision.inequality import DEFAULT_LADDER, Inequality, Point
from symflat.search.counterexample import Counterexample, from_confirmation
from symflat.search.errors import SearchError, as_inequality
from symflat.search.samplers import sample_point
from symflat.search.shrink import DIMS_EVALUATIONS, ShrinkBudget, strict_equality
from symflat.search.shrink import shrink as do_shrink

CONFIRM_BELOW = 1e-9  # float relative slacks below this go to the precision ladder
METHODS = ("Nelder-Mead", "Powell", "L-BFGS-B")


class _Stop(Exception):
    """Raised inside an objective to end a local optimisation early (time out or clear violation)."""


@dataclass
class SearchResult:
    """What a search found: a confirmed (and possibly shrunk) counterexample or none, the lowest
    relative slack seen and where, an equality case if one was met, and how much work was done."""

    counterexample: Counterexample | None
    best_objective: float
    best_point: Point | None
    tight_point: Point | None
    evaluations: int
    local_runs: int
    confirmations: int
    seconds: float
    seed: int
    ladder: tuple
    dims_tried: list = field(default_factory=list)
    undefined: int = 0  # float evaluations that gave NaN or overflowed (skipped: not a violation)

    @property
    def found(self) -> bool:
        return self.counterexample is not None

    def summary(self) -> str:
        if self.found:
            return self.counterexample.describe()
        tight = "; an equality case was reached" if self.tight_point is not None else ""
        skipped = (f"; {self.undefined} evaluations were undefined (NaN or overflow) and skipped"
                   if self.undefined else "")
        return (f"no violation in {self.evaluations} evaluations ({self.local_runs} local runs, "
                f"{self.seconds:.1f}s); lowest relative slack {self.best_objective:.3g}{tight}{skipped}")


class _Tracker:
    """Counts evaluations, remembers the best point, enforces the deadline."""

    def __init__(self, ineq: Inequality, deadline: float, max_evals: int | None = None):
        self.ineq, self.deadline, self.max_evals = ineq, deadline, max_evals
        self.evals, self.finite, self.best, self.best_point, self.first = 0, 0, math.inf, None, None

    def __call__(self, point: Point) -> float:
        if time.monotonic() > self.deadline or (self.max_evals is not None and self.evals >= self.max_evals):
            raise _Stop
        self.evals += 1
        f = self.ineq.objective(point)
        if math.isfinite(f):
            self.finite += 1
        elif self.first is None:
            self.first = point
        if f < self.best:
            self.best, self.best_point = f, point
        return f


def _local(ineq: Inequality, track: _Tracker, start: Point, method: str, max_evals: int) -> tuple[float, Point]:
    dims = start.dims
    names = [v.name for v in ineq.variables]
    x0 = start.flat(names)
    best = [track(start), start]

    def f(z):
        p = ineq.point(dims, z)
        val = track(p)
        if val < best[0]:
            best[0], best[1] = val, p
        if val < -1e-6:
            raise _Stop
        return val if math.isfinite(val) else 1e6

    if x0.size == 0:
        return best[0], best[1]
    opts = {"maxfev": max_evals} if method in ("Nelder-Mead", "Powell") else {"maxfun": max_evals}
    if method == "Nelder-Mead":
        opts.update(adaptive=x0.size > 4, xatol=1e-14, fatol=1e-16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            spo.minimize(f, x0, method=method, options=opts)
        except _Stop:
            pass
    return best[0], best[1]


def _confirm(ineq: Inequality, point: Point, ladder) -> tuple[str, object]:
    try:
        conf = ineq.confirm(point, ladder)
    except (ArithmeticError, ValueError, RuntimeError, TypeError):  # incl. InequalityError, mpmath failures
        return "error", None
    return conf.verdict, conf


def _explain_failure(ineq: Inequality, point: Point):
    """Every float evaluation failed: surface the reason instead of reporting 'no violation'."""
    try:
        ineq.evaluate(point, 30)
    except Exception as e:  # the user's functions raised: show what and where
        raise InequalityError(f"{ineq.name or 'inequality'}: every evaluation failed; at one point: "
                              f"{type(e).__name__}: {e}") from e
    raise InequalityError(f"{ineq.name or 'inequality'}: every float64 evaluation failed (overflow or "
                          f"undefined values) although high precision succeeds at {point.to_json()}")


def engine_for_shrinking(ladder, dropped=()):
    """This search as the shrinker's ``search_fn``: one dimension choice, no shrinking, at most
    :data:`~symflat.search.shrink.DIMS_EVALUATIONS` float evaluations (so it is reproducible)."""

    def search_fn(ineq: Inequality, dims: dict, seed: int, seconds: float) -> SearchResult:
        return search(ineq, budget=max(0.05, seconds), seed=seed, ladder=ladder, shrink=False, certify=False,
                      dims=[dims], dropped=dropped, max_evaluations=DIMS_EVALUATIONS)

    return search_fn


def _check_args(budget, seed, max_evaluations):
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not budget > 0 or not math.isfinite(budget):
        raise SearchError(f"search budget must be positive seconds, got {budget!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SearchError(f"search seed must be a non-negative int, got {seed!r}")
    if max_evaluations is not None and (isinstance(max_evaluations, bool) or not isinstance(max_evaluations, int)
                                        or max_evaluations < 1):
        raise SearchError(f"search max_evaluations must be a positive int or None, got {max_evaluations!r}")


def search(ineq: Inequality, budget: float = 10.0, seed: int = 0, ladder=DEFAULT_LADDER, *,
           shrink: bool = True, certify: bool = True, dims: list[dict] | None = None, batch: int = 48,
           dropped=(), max_evaluations: int | None = None, shrink_seconds: float | None = None,
           shrink_budget: ShrinkBudget | None = None) -> SearchResult:
    """Try to break ``ineq`` (an :class:`Inequality`, or a claim carrying one) within ``budget``
    seconds (and at most ``max_evaluations`` float evaluations, if given: with a budget large
    enough not to bind, the whole run is then reproducible from ``seed``; a counterexample always
    replays exactly).

    ``dims`` restricts the dimension choices (default: all of ``ineq.dims_grid()``, smallest
    first, then random with a bias to small ones). ``dropped`` only labels the result (the caller
    passes ``ineq.drop(...)`` itself). A counterexample is shrunk within ``shrink_budget`` (a count
    of confirmations, so machine-independent; default :class:`ShrinkBudget`), under an outer wall
    cap of ``shrink_seconds`` (default: half the budget, at least 2 s).
    """
    ineq = as_inequality(ineq, "search: ineq")
    _check_args(budget, seed, max_evaluations)
    t0 = time.monotonic()
    deadline = t0 + budget
    rng = np.random.default_rng(seed)
    grid = dims if dims is not None else ineq.dims_grid()
    if not grid:
        raise InequalityError("no dimension choices to search")
    track = _Tracker(ineq, deadline, max_evaluations)
    local_runs = confirmations = 0
    tight_point = None
    tried, round_ = [], 0
    confirmed_tight_dims: set = set()
    cex_point, cex_conf, strict_cex, last_checked = None, None, None, None
    try:
        while cex_point is None and strict_cex is None and time.monotonic() < deadline:
            if round_ < len(grid):
                d = grid[round_]
            else:
                d = grid[min(len(grid) - 1, int(rng.geometric(2.0 / (len(grid) + 1))) - 1)]
            round_ += 1
            if d not in tried:
                tried.append(d)
            pts = [sample_point(ineq, rng, d) for _ in range(batch)]
            scored = sorted(((track(p), i, p) for i, p in enumerate(pts)), key=lambda t: (t[0], t[1]))
            starts = [p for _, _, p in scored[:2]] + [pts[int(rng.integers(len(pts)))]]
            for k, start in enumerate(starts):
                n = start.size()
                method = METHODS[(round_ + k) % len(METHODS)] if n <= 60 else "L-BFGS-B"
                val, p = _local(ineq, track, start, method, max_evals=min(4000, 150 * (n + 1)))
                local_runs += 1
                key = tuple(sorted(d.items()))
                if val < 0 or (val < CONFIRM_BELOW and key not in confirmed_tight_dims):
                    confirmations += 1
                    verdict, conf = _confirm(ineq, p, ladder)
                    if verdict == "violated":
                        cex_point, cex_conf = p, conf
                        break
                    if verdict == "tight":
                        if ineq.strict and key not in confirmed_tight_dims:
                            eq = strict_equality(ineq, p, ladder, ShrinkBudget(
                                confirms=60, evaluations=5000, seconds=min(3.0, max(0.1, deadline - time.monotonic()))))
                            if eq is not None:
                                strict_cex = eq
                                break
                        tight_point = tight_point or p
                        confirmed_tight_dims.add(key)
            if (cex_point is None and strict_cex is None and track.best < CONFIRM_BELOW
                    and track.best_point is not None and track.best_point is not last_checked):
                last_checked = track.best_point
                verdict, conf = _confirm(ineq, track.best_point, ladder)
                confirmations += 1
                if verdict == "violated":
                    cex_point, cex_conf = track.best_point, conf
    except _Stop:
        pass
    if track.evals and not track.finite:
        _explain_failure(ineq, track.first)
    cex = strict_cex
    if strict_cex is not None:
        cex.dropped = list(dropped)
    elif cex_point is not None:
        cex = from_confirmation(ineq, cex_point, cex_conf, dropped=dropped)
        if shrink:
            seconds = shrink_seconds if shrink_seconds is not None else max(2.0, 0.5 * budget)
            sb = shrink_budget or ShrinkBudget(seconds=seconds)
            cex = do_shrink(ineq, cex, ladder=ladder, budget=sb, seed=seed,
                            search_fn=engine_for_shrinking(ladder, dropped))
        if certify:
            cert = ineq.certify(cex.point, dps=max(30, min(ladder)), max_dps=max(ladder) * 2)
            cex.certified = f"{cert.status} (slack in {cert.enclosure})" if cert.enclosure else cert.status
    return SearchResult(cex, track.best, track.best_point, tight_point, track.evals, local_runs, confirmations,
                        time.monotonic() - t0, seed, tuple(ladder), tried, track.evals - track.finite)
