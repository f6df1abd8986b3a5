"""Deciding ``expr == 0`` exactly: by simplification when that is cheap, else by exact evaluation.

Procedure of :func:`prove_zero` for each entry (a matrix is checked entrywise):

1. If the entry is a rational function of its symbols and small (``count_ops <= max_ops``),
   ``cancel`` puts it in canonical form ``p/q``: it is zero iff ``p = 0``. This decides.
   Other small entries are first expanded (a zero expansion proves them).
2. A constant entry is decided exactly through its minimal polynomial (when algebraic).
3. Otherwise, if small, ``simplify``; a zero result proves the identity.
4. Otherwise evaluate exactly at random rational points (respecting ``positive``/``nonzero``
   assumptions of the symbols): numerators ``p`` drawn uniformly from ``2^31`` integers,
   denominators from ``1..1024``. A rational value is compared exactly; an algebraic one through
   its minimal polynomial; any other value at ``dps`` digits. A nonzero value refutes, with the
   point kept as a counterexample. All-zero values give probabilistic evidence: for a rational
   function whose numerator has degree at most ``D`` the chance that a nonzero one vanishes at
   ``k`` independent points is at most ``(D / 2^31)^k`` (Schwartz-Zippel), reported as
   ``failure_bound``.

The result records which method decided: ``cancel``/``simplify`` *prove* (status ``proved``);
random points give ``checked``; a nonzero value gives ``refuted``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

from symflat.claims import Evidence
from symflat.symbolic.errors import SymbolicError

PROVING = ("automatic", "cancel", "simplify", "exact-constant")
NUMERATOR_RANGE = 2**31
DENOMINATOR_MAX = 1024


@dataclass
class IdentityResult:
    """Outcome of :func:`prove_zero`. ``method`` is the weakest method needed: ``"automatic"``
    (SymPy's automatic evaluation gave 0), ``"cancel"``, ``"simplify"``, ``"exact-constant"``
    (a constant decided through its minimal polynomial) — these prove — or
    ``"random-rational-points"`` (all exact evaluations) or ``"high-precision-points"`` (some
    value could only be evaluated numerically)."""

    holds: bool
    method: str
    entries: int = 1
    points: int = 0
    failure_bound: float | None = None
    counterexample: dict | None = None
    value: str | None = None
    entry: tuple | None = None
    dps: int | None = None
    methods: dict = field(default_factory=dict)

    @property
    def proved(self) -> bool:
        return self.holds and self.method in PROVING

    def evidence(self, what: str = "identity", seed: int | None = None, general: bool = False,
                 cases: str = "one explicit size") -> Evidence:
        """The result in the claim vocabulary.

        An identity reduced to 0 holds for every value of its symbols, but only at the sizes it
        was written at: ``certified`` on that one instance (``cases`` says which), or ``proved``
        when the caller passes ``general=True`` because those symbols already cover everything
        the claim quantifies over. Random exact points give ``checked`` (instances = points per
        entry); a nonzero entry gives ``refuted``."""
        data = {"method": self.method, "entries": self.entries}
        if seed is not None:
            data["seed"] = seed
        if self.points:
            data["points"] = self.points
        if self.failure_bound is not None:
            data["failure_bound"] = self.failure_bound
        if self.dps is not None:
            data["dps"] = self.dps
        if not self.holds:
            return Evidence.refuted(f"{what}: nonzero ({self.value}) at entry {self.entry}",
                                    counterexample=self.counterexample, value=self.value, **data)
        if self.proved:
            detail = f"{what}: reduced to 0 by {self.method} ({self.entries} entries)"
            if general:
                return Evidence.proved(detail, **data)
            return Evidence.certified(detail, instances=1, cases=cases, **data)
        return Evidence.checked(f"{what}: 0 at {self.points} random exact points per entry ({self.method})",
                                instances=self.points or 1, cases=cases, **{k: v for k, v in data.items() if k != "points"})


def _entries(expr):
    if isinstance(expr, sp.MatrixBase):
        return [((i, j), expr[i, j]) for i in range(expr.shape[0]) for j in range(expr.shape[1])]
    if isinstance(expr, (list, tuple)):
        return [((i,), sp.sympify(e)) for i, e in enumerate(expr)]
    return [((), sp.sympify(expr))]


def degree_bound(expr: sp.Expr) -> tuple[int, int] | None:
    """Bounds ``(deg numerator, deg denominator)`` of a rational function written as ``expr``
    (total degree, without expanding); ``None`` if ``expr`` is not a rational function."""
    if expr.is_Symbol:
        return (1, 0)
    if expr.is_Rational:
        return (0, 0)
    if expr.is_Add or expr.is_Mul:
        parts = [degree_bound(a) for a in expr.args]
        if any(p is None for p in parts):
            return None
        n, d = parts[0]
        for n2, d2 in parts[1:]:
            n, d = (max(n + d2, n2 + d), d + d2) if expr.is_Add else (n + n2, d + d2)
        return (n, d)
    if expr.is_Pow and expr.exp.is_Integer:
        base = degree_bound(expr.base)
        if base is None:
            return None
        k = int(expr.exp)
        return (k * base[0], k * base[1]) if k >= 0 else (-k * base[1], -k * base[0])
    return None


def _random_value(sym: sp.Symbol, rng: np.random.Generator) -> sp.Rational:
    q = int(rng.integers(1, DENOMINATOR_MAX + 1))
    if sym.is_positive or sym.is_nonnegative:
        p = int(rng.integers(1, NUMERATOR_RANGE + 1))
    elif sym.is_negative or sym.is_nonpositive:
        p = -int(rng.integers(1, NUMERATOR_RANGE + 1))
    else:
        p = int(rng.integers(-(NUMERATOR_RANGE // 2), NUMERATOR_RANGE // 2 + 1))
        if p == 0 and (sym.is_nonzero or sym.is_zero is False):
            p = 1
    if sym.is_integer:
        q = 1
    return sp.Rational(p, q)


def _algebraic(expr: sp.Expr) -> bool:
    """Built from rationals by ``+``, ``*`` and rational powers (checked on the tree, without
    SymPy's assumption system, which can be slow on large constants)."""
    if expr.is_Rational:
        return True
    if expr.is_Add or expr.is_Mul:
        return all(_algebraic(a) for a in expr.args)
    if expr.is_Pow:
        return expr.exp.is_Rational and _algebraic(expr.base)
    return False


def _exact_zero(value: sp.Expr, dps: int) -> tuple[bool | None, bool]:
    """``(is_zero, exact)`` for a number; ``is_zero`` is None when it is undefined (division by 0)."""
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return None, True
    if value.is_Rational:
        return value == 0, True
    if _algebraic(value):
        try:
            x = sp.Dummy("x")
            return sp.minimal_polynomial(value, x) == x, True
        except (NotImplementedError, ValueError, sp.PolificationFailed):
            pass
    with mpmath.workdps(dps):
        v = sp.N(value, dps)
        if not v.is_number or v.has(sp.zoo, sp.nan):
            return None, False
        mag = abs(complex(v)) if not v.is_real else abs(float(v))
        scale = max(1.0, max((abs(float(sp.N(a, 15))) for a in sp.Add.make_args(sp.expand(value))), default=1.0))
        return mag <= scale * 10 ** (-(dps * 2) // 3), False


def prove_zero(expr, *, points: int = 8, seed: int = 0, max_ops: int = 400, simplify: bool = True,
               dps: int = 60) -> IdentityResult:
    """Decide ``expr == 0`` (an expression, list or matrix); see the module docstring."""
    if points < 1:
        raise SymbolicError(f"prove_zero: points must be >= 1, got {points}")
    entries = _entries(expr)
    rng = np.random.default_rng(seed)
    methods: dict = {}
    worst_bound = 0.0
    sampled = False
    numeric = False
    for idx, e in entries:
        if e == 0:
            methods["trivial"] = methods.get("trivial", 0) + 1
            continue
        small = sp.count_ops(e) <= max_ops
        rational = degree_bound(e) is not None
        if small and not rational and sp.expand(e) == 0:
            methods["cancel"] = methods.get("cancel", 0) + 1
            continue
        if not e.free_symbols:
            pass  # a constant: decided exactly below (minimal polynomial), no simplify needed
        elif small and rational:
            c = sp.cancel(e)
            if c == 0:
                methods["cancel"] = methods.get("cancel", 0) + 1
                continue
            # canonical form is nonzero: the identity is false; find a point that shows it
        elif small and simplify:
            if sp.simplify(e) == 0:
                methods["simplify"] = methods.get("simplify", 0) + 1
                continue
        syms = sorted(e.free_symbols, key=lambda s: s.name)
        if not syms:  # a constant: one evaluation decides, exactly when it is algebraic
            is_zero, exact = _exact_zero(e, dps)
            if is_zero is None:
                raise SymbolicError(f"prove_zero: entry {idx} is undefined ({e})")
            if not is_zero:
                return IdentityResult(False, "exact-constant" if exact else "high-precision-points", entries=len(entries),
                                      counterexample={}, value=str(sp.N(e, 20)), entry=idx,
                                      dps=None if exact else dps, methods=methods)
            key = "exact-constant" if exact else "points"
            methods[key] = methods.get(key, 0) + 1
            numeric |= not exact
            sampled |= not exact
            continue
        tried = 0
        good = 0
        while good < points:
            tried += 1
            if tried > 20 * points:
                raise SymbolicError(f"prove_zero: entry {idx} is undefined at almost every random point")
            pt = {s: _random_value(s, rng) for s in syms}
            is_zero, exact = _exact_zero(e.xreplace(pt), dps)
            if is_zero is None:
                continue
            good += 1
            numeric |= not exact
            if not is_zero:
                val = e.xreplace(pt)
                shown = str(val) if val.is_Rational else str(sp.N(val, 20))
                return IdentityResult(False, "random-rational-points" if exact else "high-precision-points",
                                      entries=len(entries), points=good, counterexample={str(k): str(v) for k, v in pt.items()},
                                      value=shown, entry=idx, dps=None if exact else dps, methods=methods)
        sampled = True
        methods["points"] = methods.get("points", 0) + 1
        deg = degree_bound(e)
        if deg is not None and worst_bound is not None:
            worst_bound = max(worst_bound, (deg[0] / NUMERATOR_RANGE) ** points)
        else:
            worst_bound = None
    if not sampled:
        method = next((m for m in ("simplify", "cancel", "exact-constant") if m in methods), "automatic")
        return IdentityResult(True, method, entries=len(entries), methods=methods)
    return IdentityResult(True, "high-precision-points" if numeric else "random-rational-points",
                          entries=len(entries), points=points, failure_bound=worst_bound,
                          dps=dps if numeric else None, methods=methods)


def prove_equal(lhs, rhs, **kw) -> IdentityResult:
    """Decide ``lhs == rhs`` (expressions or same-shape matrices) with :func:`prove_zero`."""
    if isinstance(lhs, sp.MatrixBase) or isinstance(rhs, sp.MatrixBase):
        lhs, rhs = sp.Matrix(lhs), sp.Matrix(rhs)
        if lhs.shape != rhs.shape:
            raise SymbolicError(f"prove_equal: shapes differ, {tuple(lhs.shape)} vs {tuple(rhs.shape)}")
    return prove_zero(sp.sympify(lhs) - sp.sympify(rhs) if not isinstance(lhs, sp.MatrixBase) else lhs - rhs, **kw)
