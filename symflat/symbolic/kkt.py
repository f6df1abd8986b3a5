"""All stationary points of a constrained problem from the Lagrange / KKT conditions.

``min f(x)`` subject to ``h_i(x) = 0`` and ``g_k(x) <= 0``: for every subset ``S`` of the
inequalities taken as active, solve ``grad f + sum_i lambda_i grad h_i + sum_{k in S} mu_k grad g_k = 0``
with ``h = 0``, ``g_S = 0`` exactly (numerators of the rational equations, with points where a
denominator vanishes removed), then keep the real solutions with ``g_k <= 0`` off ``S`` and
``mu >= 0`` on it. Used for Mulayoff & Michaeli 2020, eq. 11 (``min sum_j w_j^{-2}`` subject to
``prod_j w_j = tau``), whose solutions are the set of eq. 12.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import sympy as sp

from symflat.symbolic.errors import SymbolicError


@dataclass(frozen=True)
class StationaryPoint:
    """One KKT point: variable values, multipliers (``lambda`` for equalities, ``mu`` for
    active inequalities), objective value, the active inequalities, and how reality was decided."""

    values: dict
    multipliers: dict
    objective: sp.Expr
    active: tuple
    real_check: str


def _is_real(v: sp.Expr, params, rng) -> tuple[bool, str]:
    if v.is_real is True:
        return True, "exact"
    if v.is_real is False:
        return False, "exact"
    im = sp.simplify(sp.im(sp.expand_complex(v)))
    if im == 0:
        return True, "exact"
    if im.is_nonzero:
        return False, "exact"
    for _ in range(3):  # decide numerically at random admissible parameter values
        sub = {p: sp.Rational(int(rng.integers(2, 50)), int(rng.integers(1, 7))) for p in params}
        if abs(complex(sp.N(v.xreplace(sub), 30)).imag) > 1e-20:
            return False, "numeric"
    return True, "numeric"


def _sign_ok(expr: sp.Expr, want: str, params, rng) -> bool | None:
    e = sp.simplify(expr)
    test = e.is_nonpositive if want == "<=0" else e.is_nonnegative
    if test is not None:
        return bool(test)
    values = []
    for _ in range(5):
        sub = {p: sp.Rational(int(rng.integers(2, 50)), int(rng.integers(1, 7))) for p in params}
        values.append(float(sp.re(sp.N(e.xreplace(sub), 30))))
    return all(v <= 1e-20 for v in values) if want == "<=0" else all(v >= -1e-20 for v in values)


def kkt_points(objective, variables, equalities=(), inequalities=(), *, seed: int = 0) -> list[StationaryPoint]:
    """Every real KKT point of ``min objective`` s.t. ``equalities == 0``, ``inequalities <= 0``."""
    if isinstance(variables, sp.Symbol) or not hasattr(variables, "__iter__") or objective is None:
        raise SymbolicError(f"kkt_points: objective must be an expression and variables a list of symbols, "
                            f"got {objective!r:.60} and {variables!r:.60}")
    variables = list(variables)
    if not variables:
        raise SymbolicError("kkt_points: no variables given")
    f = sp.sympify(objective)
    hs = [sp.sympify(h) for h in equalities]
    gs = [sp.sympify(g) for g in inequalities]
    params = sorted((f.free_symbols | set().union(*(e.free_symbols for e in hs + gs))) - set(variables),
                    key=lambda s: s.name)
    rng = np.random.default_rng(seed)
    lambdas = [sp.Dummy(f"lambda{i + 1}", real=True) for i in range(len(hs))]
    denominators = [sp.denom(sp.together(e)) for e in [f, *hs, *gs]]
    found: list[StationaryPoint] = []
    for r in range(len(gs) + 1):
        for active in itertools.combinations(range(len(gs)), r):
            mus = [sp.Dummy(f"mu{k + 1}", real=True) for k in active]
            L = f + sum(l * h for l, h in zip(lambdas, hs)) + sum(mu * gs[k] for mu, k in zip(mus, active))
            eqs = [sp.numer(sp.together(sp.diff(L, x))) for x in variables]
            eqs += [sp.numer(sp.together(h)) for h in hs] + [sp.numer(sp.together(gs[k])) for k in active]
            unknowns = variables + lambdas + mus
            for sol in sp.solve(eqs, unknowns, dict=True):
                if any(u not in sol for u in variables + lambdas + mus):
                    raise SymbolicError("kkt_points: the stationary set is not finite (a free direction remains); "
                                        "fix more variables or add constraints")
                if any(sp.simplify(d.xreplace(sol)) == 0 for d in denominators):
                    continue
                checks = [_is_real(sol[u], params, rng) for u in unknowns]
                if not all(ok for ok, _ in checks):
                    continue
                how = "numeric" if any(h == "numeric" for _, h in checks) else "exact"
                inactive = [k for k in range(len(gs)) if k not in active]
                if not all(_sign_ok(gs[k].xreplace(sol), "<=0", params, rng) for k in inactive):
                    continue
                if not all(_sign_ok(sol[mu], ">=0", params, rng) for mu in mus):
                    continue
                values = {x: sp.simplify(sol[x]) for x in variables}
                mult = {f"lambda{i + 1}": sp.simplify(sol[l]) for i, l in enumerate(lambdas)}
                mult.update({f"mu{k + 1}": sp.simplify(sol[mu]) for mu, k in zip(mus, active)})
                found.append(StationaryPoint(values, mult, sp.simplify(f.xreplace(sol)), active, how))
    return found


def minimisers(points: list[StationaryPoint]) -> list[StationaryPoint]:
    """The stationary points of least objective value (compared exactly when possible)."""
    if not points:
        return []
    best = points[0].objective
    for p in points[1:]:
        diff = sp.simplify(p.objective - best)
        if diff.is_negative or (diff.is_number and diff < 0):
            best = p.objective
    return [p for p in points if sp.simplify(p.objective - best) == 0]
