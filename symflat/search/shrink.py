"""Shrinking a confirmed counterexample to the simplest one a reader can check by hand.

The model is Hypothesis's shrinker (``internal/conjecture/shrinker.py``):

* one public total order, :func:`simplicity_key`: points with small integers and low-height
  rationals come first (the largest height ``max(|p|, q)`` of an entry ``p/q``, then the sum of
  heights), then points with fewer nonzero entries, then smaller dimensions; ties are broken
  entry by entry (integers before fractions of the same height, positive before negative);
* a candidate is accepted only if it still violates (confirmed over the whole precision ladder,
  with its exact rational entries) **and** its key is strictly smaller than the current one;
* shrinking is a list of small passes (:data:`PASSES`) run in turn until none of them changes the
  point (a fixed point); each pass counts its candidates, its confirmations and its successes.
  Unlike Hypothesis, successful passes are not moved to the front: the passes are few and cheap,
  and a fixed order makes the stored counterexample easier to predict from the pass list;
* the budget is a number of confirmations (and of float pre-tests), so the result does not depend
  on the speed of the machine; wall time is only an outer cap, and the report says which stopped it;
* confirmations are cached by the exact point;
* the shrinker never imports the search engine: the pass over smaller dimensions calls the
  ``search_fn`` it is given (the engine, :mod:`symflat.search.optimize`, passes itself in).

Beside the simplest witness, the most violating one met along the way (lowest relative slack
``slack / (|lhs| + |rhs|)``) is kept as :attr:`Counterexample.worst`; both replay exactly.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterator

import mpmath

from symflat.precision.inequality import DEFAULT_LADDER, Confirmation, Inequality, Point
from symflat.search.counterexample import Counterexample, from_confirmation
from symflat.search.errors import SearchError

__all__ = ["PASSES", "ShrinkBudget", "Shrinker", "height", "shrink", "simpler", "simplicity_key", "strict_equality"]

DENOMINATORS = (1, 2, 4, 10, 100, 1000, 10**4, 10**6)
HEIGHT_LIMIT = 12  # every rational of height <= this is a candidate replacement for an entry
TIGHT_PREFILTER = 1e-8  # float relative slack a candidate equality point must reach before confirming
DIMS_EVALUATIONS = 3000  # float evaluations of the search run at each smaller dimension choice


def height(x) -> int:
    """Height ``max(|p|, q)`` of the rational ``p/q`` in lowest terms; 0 for zero."""
    f = Fraction(x)
    return 0 if f == 0 else max(abs(f.numerator), f.denominator)


def _entry_key(f: Fraction) -> tuple:
    return height(f), f.denominator, f < 0, abs(f.numerator)


def _entries(p: Point) -> list[Fraction]:
    return [Fraction(v) for vs in p.params.values() for v in vs]


def simplicity_key(point: Point) -> tuple:
    """The total order the shrinker descends: smaller is simpler.

    ``(largest entry height, sum of entry heights, number of nonzero entries, sum of dims, dims,
    entries)``, heights as in :func:`height`, entries compared one by one (height, denominator,
    sign, numerator). So ``w = 2`` precedes ``w = -1/2`` precedes ``w = 3/500000``, and a point
    with integer entries precedes any point with an entry of larger height, whatever the dims.
    """
    entries = _entries(point)
    heights = [height(f) for f in entries]
    dims = tuple(int(point.dims[k]) for k in sorted(point.dims))
    return (max(heights, default=0), sum(heights), sum(1 for f in entries if f), sum(dims), dims,
            tuple(_entry_key(f) for f in entries))


def _exact(point: Point) -> tuple:
    return (tuple(sorted((k, int(v)) for k, v in point.dims.items())),
            tuple((k, tuple(Fraction(v) for v in vs)) for k, vs in point.params.items()))


def _low_height(limit: int) -> list[Fraction]:
    out = {Fraction(p, q) for q in range(1, limit + 1) for p in range(-limit, limit + 1)}
    return sorted(out, key=_entry_key)


_LOW = _low_height(HEIGHT_LIMIT)


def simpler(x) -> list[Fraction]:
    """Candidate replacements for the entry ``x`` that are simpler than it (smaller entry key),
    simplest first: every rational of height at most :data:`HEIGHT_LIMIT`, the best approximations
    of ``x`` with denominators in :data:`DENOMINATORS`, and ``x`` rounded to 1..6 significant digits."""
    fx = Fraction(x)
    own = _entry_key(fx)
    out = set(f for f in _LOW if _entry_key(f) < own)
    out.update(fx.limit_denominator(d) for d in DENOMINATORS)
    if fx:
        out.update(Fraction(f"{float(fx):.{k}e}") for k in range(6))
    return sorted((c for c in out if _entry_key(c) < own), key=lambda c: (_entry_key(c), abs(c - fx)))


def _with_entries(p: Point, entries: list[Fraction]) -> Point:
    params, k = {}, 0
    for name, vs in p.params.items():
        params[name] = entries[k:k + len(vs)]
        k += len(vs)
    return Point(dict(p.dims), params)


# passes: each yields candidate points from the current one -------------------------------------

def _zero_blocks(p: Point, _s) -> Iterator[Point]:
    """Each variable set to zero as a whole, then each entry on its own."""
    for name, vs in p.params.items():
        if any(vs):
            yield Point(dict(p.dims), {k: ([Fraction(0)] * len(v) if k == name else list(v)) for k, v in p.params.items()})
    entries = _entries(p)
    for i, f in enumerate(entries):
        if f:
            yield _with_entries(p, entries[:i] + [Fraction(0)] + entries[i + 1:])


def _blocks(shrinker: "Shrinker", p: Point) -> dict:
    """Matrix parameter blocks of each variable: ``name -> [(start, rows, cols), ...]`` (row-major,
    as :func:`~symflat.precision.domains.decode_matrix` reads them); diagonal kinds, scalars and
    vectors have none."""
    from symflat.precision.domains import Matrices, Matrix

    out = {}
    for v in shrinker.ineq.variables:
        if getattr(v, "kind", "") == "diagonal":
            continue
        if isinstance(v, Matrix):
            out[v.name] = [(0, *v.dims_of(p.dims))]
        elif isinstance(v, Matrices):
            k, blocks = 0, []
            for r, c in v.shapes_of(p.dims):
                blocks.append((k, r, c))
                k += r * c
            out[v.name] = blocks
    return out


def _edited(p: Point, name: str, edit: Callable) -> Point:
    params = {k: list(v) for k, v in p.params.items()}
    params[name] = edit(list(params[name]))
    return Point(dict(p.dims), params)


def _zero_lines(p: Point, shrinker) -> Iterator[Point]:
    """Row ``i``, column ``i``, or both, set to zero in every matrix of a variable at once, then in
    one matrix: moves towards a leading block (``diag(1, 0)`` rather than a dense aligned matrix)."""
    for name, blocks in _blocks(shrinker, p).items():
        size = max(max(r, c) for _, r, c in blocks)
        groups = [blocks] + ([[b] for b in blocks] if len(blocks) > 1 else [])
        for group in groups:
            for i in range(size):
                for rows, cols in ((True, True), (True, False), (False, True)):
                    def edit(vs, group=group, i=i, rows=rows, cols=cols):
                        for start, r, c in group:
                            for a in range(r):
                                for b in range(c):
                                    if (rows and a == i) or (cols and b == i):
                                        vs[start + a * c + b] = Fraction(0)
                        return vs
                    yield _edited(p, name, edit)


def _signs(p: Point, shrinker) -> Iterator[Point]:
    """Every entry replaced by its sign (``-1, 0, 1``): all at once, then one variable, then one
    matrix block at a time (keeps sign patterns such as alignment, drops magnitudes)."""
    sign = lambda f: Fraction((f > 0) - (f < 0))  # noqa: E731 - one-line helper
    yield Point(dict(p.dims), {k: [sign(Fraction(v)) for v in vs] for k, vs in p.params.items()})
    if len(p.params) > 1:
        for name in p.params:
            yield _edited(p, name, lambda vs: [sign(Fraction(v)) for v in vs])
    for name, blocks in _blocks(shrinker, p).items():
        if len(blocks) > 1:
            for start, r, c in blocks:
                def edit(vs, start=start, n=r * c):
                    vs[start:start + n] = [sign(Fraction(v)) for v in vs[start:start + n]]
                    return vs
                yield _edited(p, name, edit)


def _equal_blocks(p: Point, shrinker) -> Iterator[Point]:
    """In a list of equally shaped matrices, every matrix replaced by one of them (balanced
    configurations, where the bounds of deep linear networks are often tight)."""
    for name, blocks in _blocks(shrinker, p).items():
        if len(blocks) > 1 and len({(r, c) for _, r, c in blocks}) == 1:
            n = blocks[0][1] * blocks[0][2]
            for start, _, _ in blocks:
                yield _edited(p, name, lambda vs, start=start: vs[start:start + n] * len(blocks))


def _scale_and_round(p: Point, _s) -> Iterator[Point]:
    """All entries rounded jointly to a common denominator (keeps couplings such as alignment),
    first as they are, then rescaled by the power of two that brings the largest, or the smallest
    nonzero, magnitude to about 1 (homogeneous bounds keep their violation)."""
    entries = _entries(p)
    mags = [abs(f) for f in entries if f]
    scales = [Fraction(1)]
    for m in (max(mags, default=0), min(mags, default=0)):
        if m:
            e = -round(math.log2(m))
            if e and Fraction(2) ** e not in scales:
                scales.append(Fraction(2) ** e)
    for s in scales:
        for d in DENOMINATORS:
            yield _with_entries(p, [(f * s).limit_denominator(d) for f in entries])


def _simplest_entries(p: Point, _s) -> Iterator[Point]:
    """Each entry replaced by each simpler rational (:func:`simpler`), simplest first."""
    entries = _entries(p)
    for i, f in enumerate(entries):
        for c in simpler(f):
            yield _with_entries(p, entries[:i] + [c] + entries[i + 1:])


def _integer_descent(p: Point, _s) -> Iterator[Point]:
    """Each integer entry ``n`` moved towards 0 by halving steps (``n/2, 3n/4, 7n/8, ..., n - 1``
    in magnitude): restarted from each success, a binary search for the smallest integer that keeps
    the violation (``x = 922`` rather than ``1000`` for ``exp(x) <= 10^400``)."""
    entries = _entries(p)
    for i, f in enumerate(entries):
        if f.denominator != 1 or abs(f) <= 2:
            continue
        n, sign, seen = abs(f.numerator), (1 if f > 0 else -1), set()
        gap = n
        while gap > 1:
            gap = (gap + 1) // 2
            m = n - gap if n - gap != n else n - 1
            if m not in seen and 0 < m < n:
                seen.add(m)
                yield _with_entries(p, entries[:i] + [Fraction(sign * m)] + entries[i + 1:])
        if n - 1 not in seen:
            yield _with_entries(p, entries[:i] + [Fraction(sign * (n - 1))] + entries[i + 1:])


def _smaller_dims(p: Point, shrinker: "Shrinker") -> Iterator[Point]:
    """For each dimension choice no larger (coordinate-wise) than the current one, smallest first:
    the engine's search there (``search_fn``), its witness shrunk in turn; cached per choice."""
    if shrinker.search_fn is None:
        return
    smaller = [d for d in shrinker.ineq.dims_grid()
               if all(d[k] <= p.dims[k] for k in d) and d != {k: p.dims[k] for k in d}]
    for d in smaller:
        yield from shrinker.witness_at(d)


@dataclass
class ShrinkPass:
    """One pass: a name, a candidate generator, and its counts (candidates whose key was smaller,
    confirmations over the ladder, accepted candidates)."""

    name: str
    generate: Callable
    candidates: int = 0
    confirms: int = 0
    successes: int = 0

    def stats(self) -> dict:
        return {"candidates": self.candidates, "confirms": self.confirms, "successes": self.successes}


PASSES = (("zero", _zero_blocks), ("zero-lines", _zero_lines), ("signs", _signs), ("scale-and-round", _scale_and_round),
          ("simplest-entries", _simplest_entries), ("integer-descent", _integer_descent), ("equal-blocks", _equal_blocks),
          ("smaller-dims", _smaller_dims))


@dataclass(frozen=True)
class ShrinkBudget:
    """What a shrink may spend: ``confirms`` precision-ladder confirmations and ``evaluations``
    float pre-tests (these make the result machine-independent), within ``seconds`` of wall time
    (an outer cap only)."""

    confirms: int = 300
    evaluations: int = 30_000
    seconds: float = 30.0

    def __post_init__(self):
        for name in ("confirms", "evaluations"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise SearchError(f"shrink budget: {name} must be a non-negative int, got {v!r}")
        if not (isinstance(self.seconds, (int, float)) and self.seconds > 0):
            raise SearchError(f"shrink budget: seconds must be a positive number, got {self.seconds!r}")


class _Exhausted(Exception):
    """The confirmation, evaluation or time budget is spent."""


class Shrinker:
    """Shrinks a point confirmed to have ``verdict`` (``violated``, or ``tight`` to isolate an
    equality case) down :func:`simplicity_key`; see the module docstring."""

    def __init__(self, ineq: Inequality, ladder=DEFAULT_LADDER, *, verdict: str = "violated",
                 budget: ShrinkBudget = ShrinkBudget(), search_fn: Callable | None = None, seed: int = 0):
        self.ineq, self.ladder, self.verdict, self.budget = ineq, tuple(ladder), verdict, budget
        self.search_fn, self.seed = search_fn, seed
        self.passes = [ShrinkPass(n, g) for n, g in PASSES]
        self.cache: dict = {}
        self.confirms = self.evaluations = 0
        self.deadline = time.monotonic() + budget.seconds
        self.stopped = "fixed point"
        self.worst: tuple | None = None  # (relative slack, point, confirmation)
        self._dims_cache: dict = {}
        self._current_pass: ShrinkPass | None = None

    # the test function --------------------------------------------------------------------------
    def _spend(self, confirms: int = 0, evaluations: int = 0):
        if self.confirms + confirms > self.budget.confirms:
            self.stopped = "confirmation budget"
            raise _Exhausted
        if self.evaluations + evaluations > self.budget.evaluations:
            self.stopped = "evaluation budget"
            raise _Exhausted
        if time.monotonic() > self.deadline:
            self.stopped = "time cap"
            raise _Exhausted
        self.confirms += confirms
        self.evaluations += evaluations

    def _note(self, point: Point, conf: Confirmation):
        top = conf.evaluations[-1]
        denom = abs(top.lhs) + abs(top.rhs)
        rel = float(top.slack / denom) if denom else float(mpmath.sign(top.slack))
        if self.worst is None or rel < self.worst[0]:
            self.worst = (rel, point, conf)

    def confirmed(self, point: Point) -> Confirmation | None:
        """The confirmation of ``point`` if it has the wanted verdict, else ``None`` (cached)."""
        key = _exact(point)
        if key in self.cache:
            return self.cache[key]
        self._spend(evaluations=1)
        obj = self.ineq.objective(point)
        near = obj < 0 if self.verdict == "violated" else abs(obj) < TIGHT_PREFILTER
        out = None
        if near:
            self._spend(confirms=1)
            if self._current_pass is not None:
                self._current_pass.confirms += 1
            try:
                conf = self.ineq.confirm(point, self.ladder)
            except (ArithmeticError, ValueError, RuntimeError, TypeError):  # undefined there: not a witness
                conf = None
            if conf is not None and conf.verdict == self.verdict:
                out = conf
                if self.verdict == "violated":
                    self._note(point, conf)
        self.cache[key] = out
        return out

    # the smaller-dims pass's engine calls ------------------------------------------------------------
    def witness_at(self, dims: dict) -> list[Point]:
        key = tuple(sorted(dims.items()))
        if key not in self._dims_cache:
            self._dims_cache[key] = []
            left = self.deadline - time.monotonic()
            if left <= 0:
                self.stopped = "time cap"
                raise _Exhausted
            res = self.search_fn(self.ineq, dims, self.seed + 1 + len(self._dims_cache), left)
            self._spend(confirms=min(res.confirmations, self.budget.confirms - self.confirms))
            if res.counterexample is not None:
                raw = res.counterexample.point
                conf = self.confirmed(raw)
                if conf is not None:
                    self._dims_cache[key] = [self._descend(raw, conf, passes=self.passes[:-1])[0]]
        return self._dims_cache[key]

    # the loop ---------------------------------------------------------------------------------------
    def _descend(self, point: Point, conf: Confirmation, passes) -> tuple[Point, Confirmation]:
        """Run ``passes`` in turn until none changes the point (or the budget ends)."""
        try:
            changed = True
            while changed:
                changed = False
                for sp in passes:
                    progress = True
                    while progress:  # rerun a pass from the new point while it succeeds
                        progress = False
                        current_key = simplicity_key(point)
                        for cand in sp.generate(point, self):
                            if simplicity_key(cand) >= current_key:
                                continue
                            sp.candidates += 1
                            outer, self._current_pass = self._current_pass, sp
                            try:
                                c = self.confirmed(cand)
                            finally:
                                self._current_pass = outer
                            if c is not None:
                                point, conf = cand, c
                                sp.successes += 1
                                progress = changed = True
                                break
        except _Exhausted:
            pass
        return point, conf

    def shrink(self, cex: Counterexample) -> Counterexample:
        """The simplest witness reached from ``cex`` (``cex`` itself if none is simpler), with
        :attr:`Counterexample.worst` and :attr:`Counterexample.shrink_stats` filled in."""
        start = Point(dict(cex.point.dims), {k: [Fraction(v) for v in vs] for k, vs in cex.point.params.items()})
        conf = self.confirmed(start)
        if conf is None:  # the exact re-reading of the float point lost the verdict: nothing to shrink
            self.stopped = f"start point no longer {self.verdict} when read exactly"
            point = None
        else:
            point, conf = self._descend(start, conf, self.passes if self.search_fn else self.passes[:-1])
        stats = self.stats()
        if point is None:
            out = cex
        else:
            out = from_confirmation(self.ineq, point, conf, dropped=cex.dropped, shrunk=point != start)
        out.shrink_stats = stats
        if self.worst is not None and self.verdict == "violated":
            _, wpoint, wconf = self.worst
            worst = from_confirmation(self.ineq, wpoint, wconf, dropped=cex.dropped)
            out.worst = worst if _exact(wpoint) != _exact(out.point) else None
        return out

    def stats(self) -> dict:
        return {"passes": {sp.name: sp.stats() for sp in self.passes}, "confirms": self.confirms,
                "evaluations": self.evaluations, "stopped": self.stopped,
                "budget": {"confirms": self.budget.confirms, "evaluations": self.budget.evaluations,
                           "seconds": self.budget.seconds}}


def shrink(ineq: Inequality, cex: Counterexample, ladder=DEFAULT_LADDER, *, budget: ShrinkBudget | None = None,
           search_fn: Callable | None = None, seed: int = 0) -> Counterexample:
    """The simplest counterexample reachable from ``cex`` (never less simple than it).

    ``search_fn(ineq, dims, seed, seconds) -> SearchResult`` searches one smaller dimension choice
    (without shrinking); without it the dimensions stay as they are.
    """
    if not isinstance(cex, Counterexample):
        raise SearchError(f"shrink: cex must be a Counterexample, got {type(cex).__name__}")
    return Shrinker(ineq, ladder, budget=budget or ShrinkBudget(), search_fn=search_fn, seed=seed).shrink(cex)


def strict_equality(ineq: Inequality, point: Point, ladder=DEFAULT_LADDER,
                    budget: ShrinkBudget = ShrinkBudget(confirms=60, evaluations=5000, seconds=3.0)) -> Counterexample | None:
    """For a *strict* inequality met with equality (numerically) at ``point``: simplify the entries
    while the equality persists, and return a counterexample if ball arithmetic then finds the
    slack exactly zero (rigorous refutation of strictness); else ``None``."""
    conf = ineq.confirm(point, ladder)
    if not ineq.strict or conf.verdict != "tight":
        return None
    start = from_confirmation(ineq, point, conf)
    simple = Shrinker(ineq, ladder, verdict="tight", budget=budget).shrink(start)
    cert = ineq.certify(simple.point, dps=min(ladder), max_dps=min(ladder))
    if cert.status != "refuted":
        return None
    simple.certified = f"{cert.status} (slack exactly {cert.enclosure})"
    return simple
