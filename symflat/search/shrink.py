"""Shrinking a confirmed counterexample: smallest dimensions first, then the simplest entries.

1. Dimensions: for each dimension choice no larger (coordinate-wise) than the current one, smallest
   total first, run a short search there; a confirmed violation replaces the counterexample.
2. Entries: first rescale all parameters by a power of two bringing them near 1 (homogeneous
   bounds keep their violation), then round all parameters jointly to the smallest denominator among 1, 2, 4, 10,
   100, 10^3, 10^4, 10^6 that keeps the violation (joint rounding keeps couplings such as
   alignment); then greedily replace each parameter by the simplest rational that keeps it
   (:func:`simpler`: ``0``, ``+-1``, continued-fraction approximations, decimal roundings, fewest
   bits first) - accepting a change only if the violation is confirmed over the whole precision
   ladder with the new exact entries.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction

from symflat.precision.inequality import DEFAULT_LADDER, Inequality, Point
from symflat.search.counterexample import Counterexample, from_confirmation

DENOMINATORS = (1, 2, 4, 10, 100, 1000, 10**4, 10**6)


def _bits(f: Fraction) -> int:
    return abs(f.numerator).bit_length() + f.denominator.bit_length()


def simpler(x) -> list[Fraction]:
    """Candidate replacements for ``x``, simplest (fewest numerator + denominator bits) first, all
    different from ``x``: 0, +-1, continued-fraction approximations with bounded denominators, and
    ``x`` rounded to 1..6 significant decimal digits."""
    fx = Fraction(x)
    out = [Fraction(0), Fraction(1) if fx > 0 else Fraction(-1)]
    out += [fx.limit_denominator(d) for d in DENOMINATORS]
    if fx:
        out += [Fraction(f"{float(fx):.{k}e}") for k in range(6)]
    unique = {c for c in out if c != fx}
    return sorted(unique, key=lambda c: (_bits(c), abs(c - fx)))


def _scalings(p: Point) -> list[Fraction]:
    """Factors (powers of two, so exact) that bring the largest, then the smallest nonzero
    parameter magnitude to about 1; empty when they are there already."""
    mags = [abs(v) for vs in p.params.values() for v in vs if v != 0]
    if not mags:
        return []
    out = []
    for m in (max(mags), min(mags)):
        e = -round(math.log2(float(m))) if float(m) > 0 else 0
        if e:
            out.append(Fraction(2) ** e)
    return out


def _complexity(p: Point) -> tuple:
    return sum(p.dims.values()), p.size(), sum(_bits(Fraction(v)) for vs in p.params.values() for v in vs)


def _violates(ineq: Inequality, p: Point, ladder, verdict: str = "violated"):
    if verdict == "violated" and ineq.objective(p) >= 0:
        return None
    try:
        conf = ineq.confirm(p, ladder)
    except (ValueError, ArithmeticError, RuntimeError, TypeError):
        return None
    return conf if conf.verdict == verdict else None


def shrink_dims(ineq: Inequality, cex: Counterexample, ladder, deadline: float, seed: int) -> Counterexample:
    from symflat.search.optimize import search

    current = cex
    smaller = [d for d in ineq.dims_grid()
               if all(d[k] <= current.point.dims[k] for k in d) and d != current.point.dims]
    for i, d in enumerate(smaller):
        left = deadline - time.monotonic()
        if left <= 0.2:
            break
        res = search(ineq, budget=min(left / 2, max(0.5, left / (len(smaller) - i + 1))), seed=seed + 1 + i,
                     ladder=ladder, shrink=False, certify=False, dims=[d], dropped=current.dropped)
        if res.found:
            return shrink_dims(ineq, res.counterexample, ladder, deadline, seed + 101)
    return current


def shrink_entries(ineq: Inequality, cex: Counterexample, ladder, deadline: float,
                   verdict: str = "violated") -> Counterexample:
    """Simplest entries keeping the confirmation ``verdict`` (``tight`` to isolate an equality case)."""
    point = Point(dict(cex.point.dims), {k: [Fraction(v) for v in vs] for k, vs in cex.point.params.items()})
    conf = None
    for c in _scalings(point):  # bring magnitudes to ~1 (keeps the violation of homogeneous bounds)
        trial = Point(point.dims, {k: [v * c for v in vs] for k, vs in point.params.items()})
        found = _violates(ineq, trial, ladder, verdict)
        if found is not None:
            point, conf = trial, found
            break
    for d in DENOMINATORS:  # joint rounding first: keeps couplings between entries (alignment, near-rank-deficiency)
        if time.monotonic() > deadline:
            break
        trial = Point(point.dims, {k: [v.limit_denominator(d) for v in vs] for k, vs in point.params.items()})
        if trial.params != point.params:
            c = _violates(ineq, trial, ladder, verdict)
            if c is not None:
                point, conf = trial, c
                break
    for name in list(point.params):
        for i in range(len(point.params[name])):
            for cand in simpler(point.params[name][i]):
                if time.monotonic() > deadline:
                    break
                trial = Point(point.dims, {k: list(v) for k, v in point.params.items()})
                trial.params[name][i] = cand
                c = _violates(ineq, trial, ladder, verdict)
                if c is not None:
                    point, conf = trial, c
                    break
    if conf is None:
        conf = ineq.confirm(point, ladder)
        if conf.verdict != verdict:  # exact re-reading of the float point did not keep it
            return cex
    return from_confirmation(ineq, point, conf, dropped=cex.dropped, shrunk=True)


def shrink(ineq: Inequality, cex: Counterexample, ladder=DEFAULT_LADDER, seconds: float = 5.0,
           seed: int = 0) -> Counterexample:
    """A counterexample no more complex than ``cex`` (dims, then entries), within ``seconds``."""
    deadline = time.monotonic() + seconds
    small = shrink_dims(ineq, cex, ladder, time.monotonic() + seconds / 2, seed)
    out = shrink_entries(ineq, small, ladder, deadline)
    return out if _complexity(out.point) <= _complexity(cex.point) else cex


def strict_equality(ineq: Inequality, point: Point, ladder=DEFAULT_LADDER, seconds: float = 3.0) -> Counterexample | None:
    """For a *strict* inequality met with equality (numerically) at ``point``: simplify the entries
    while the equality persists, and return a counterexample if ball arithmetic then finds the
    slack exactly zero (rigorous refutation of strictness); else ``None``."""
    conf = ineq.confirm(point, ladder)
    if not ineq.strict or conf.verdict != "tight":
        return None
    start = from_confirmation(ineq, point, conf)
    simple = shrink_entries(ineq, start, ladder, time.monotonic() + seconds, verdict="tight")
    cert = ineq.certify(simple.point, dps=min(ladder), max_dps=min(ladder))
    if cert.status != "refuted":
        return None
    simple.certified = f"{cert.status} (slack exactly {cert.enclosure})"
    return simple
