"""Transcendental inequalities reduced to decided polynomial side conditions by one-variable calculus.

``exp``, ``log`` and real powers are outside polynomial arithmetic, but the derivatives of logs
are rational, and where ``exp`` remains in a sign condition it is relaxed to a positive variable
(sound; a counterexample to the relaxation only leaves the condition ``open``). Each reduction below applies one textbook theorem along a variable ``x`` (other symbols
are parameters) and asks :func:`~symflat.precision.decide.decide_formula` for every side condition:

- :func:`monotone` (mean value theorem): if ``F`` is differentiable on the admissible set ``A``,
  every segment from ``(p, start)`` to an admissible ``(p, x)`` stays in ``A``, and
  ``(x - start) dF/dx >= 0`` on ``A``, then ``F(p, x) >= F(p, start)``;
- :func:`convex_tangent`: if ``d^2F/dx^2 >= 0`` on ``A`` and the segments from ``c`` stay in
  ``A``, then ``F(x) >= F(c) + F'(c)(x - c)``;
- :func:`concave_chord`: if ``d^2F/dx^2 <= 0`` on ``A`` (an interval ``a <= x <= b``), then
  ``F(x) >= min(F(a), F(b))``.

The conclusion asked for is ``F >= 0`` on ``A``; the remaining base condition (``F(start) >= 0``,
the tangent ``>= 0``, the endpoint values ``>= 0``) is decided the same way when polynomial, read
off exactly when it simplifies to a constant, or given as a :class:`Reduction` of its own (a
chain). Definedness (``log`` arguments and bases of real powers positive on ``A``) is decided too.
A reduction is ``proved`` only when every step is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from symflat.precision.decide import Decision, _sign, decide_formula
from symflat.precision.errors import PrecisionError


@dataclass
class Reduction:
    """``status`` (``proved`` or ``open``), the theorem applied, and its steps: each a
    ``(what, Decision | Reduction | str)`` (a string for an exact constant evaluation)."""

    status: str
    theorem: str
    statement: str
    steps: list = field(default_factory=list)
    expr: sp.Expr | None = None      # the F shown to be >= 0

    @property
    def detail(self) -> str:
        parts = []
        for what, res in self.steps:
            parts.append(f"{what}: {res if isinstance(res, str) else res.status}")
        return f"{self.statement} by {self.theorem} [{'; '.join(parts)}]"

    def solvers(self) -> set:
        out = set()
        for _, res in self.steps:
            if isinstance(res, Decision):
                out.add(f"{res.solver} {res.version}")
            elif isinstance(res, Reduction):
                out |= res.solvers()
        return out

    def evidence(self, what: str = "", **data):
        """As :class:`~symflat.claims.Evidence` (``proved`` only when every step is)."""
        from symflat.claims import Evidence

        solvers = sorted(self.solvers())
        names = sorted({s.split()[0] for s in solvers})
        common = {"method": "+".join(names) + " (calculus reduction)", "solver": "+".join(names),
                  "version": ", ".join(solvers), **data}
        text = f"{what}: {self.detail}" if what else self.detail
        if self.status == "proved":
            return Evidence.proved(text, **common)
        failed = [f"{w}: {_status(s)}" for w, s in self.steps if _status(s) != "proved"]
        return Evidence.open(text, reason="; ".join(failed), **common)


def _status(res) -> str:
    return res.split(":")[0] if isinstance(res, str) else res.status


def _worst(steps) -> str:
    """``proved`` when every step is; otherwise ``open``: a failed side condition shows that this
    reduction does not apply, not that the inequality is false."""
    return "proved" if all(_status(s) == "proved" for _, s in steps) else "open"


def _nonneg(expr, assumptions, solver, timeout_ms, given=None):
    """``expr >= 0`` on the admissible set: a given reduction, an exact constant, or a decision."""
    expr = sp.simplify(sp.expand_log(expr, force=True))
    if given is not None:
        if given.expr is None or sp.simplify(sp.expand_log(given.expr - expr, force=True)) != 0:
            raise PrecisionError(f"the given reduction is about {given.expr}, not about {expr}")
        return given
    if not expr.free_symbols:
        s = _sign(expr)
        ok = s is not None and s >= 0
        how = "exactly" if expr.is_Rational else "60-digit evaluation"
        return f"{'proved' if ok else 'refuted'}: the constant {expr} is {'>=' if ok else '<'} 0 ({how})"
    return decide_formula(sp.Ge(expr, 0), assumptions, solver=solver, timeout_ms=timeout_ms)


def _defined(F, assumptions, solver, timeout_ms):
    """Positivity of every log argument and real-power base of ``F`` on the admissible set."""
    args = [a.args[0] for a in F.atoms(sp.log)]
    args += [p.base for p in F.atoms(sp.Pow) if not p.exp.is_Integer and p.base.free_symbols]
    if not args:
        return []
    return [("log arguments and real-power bases > 0", decide_formula(sp.And(*(a > 0 for a in args)), assumptions,
                                                                       solver=solver, timeout_ms=timeout_ms))]


def _derivative(F, x, order):
    """The ``order``-th derivative of ``F``, simplified; it must be algebraic apart from ``exp``."""
    d = sp.simplify(sp.together(sp.diff(F, x, order)))
    if d.has(sp.log) or any(not p.exp.is_Rational for p in d.atoms(sp.Pow) if not isinstance(p, sp.exp)):
        raise PrecisionError(f"the derivative {d} is still transcendental: reduce it further first")
    return d


def _decide_sign(rel, assumptions, solver, timeout_ms) -> Decision:
    """Decide ``rel``; each ``exp(t)`` in it is relaxed to a fresh positive variable (sound: if the
    relation holds for every positive value, it holds for ``exp(t)``). A counterexample to the
    relaxation is no counterexample to ``rel``: it gives ``open``."""
    exps = sorted(rel.atoms(sp.exp), key=str)
    if not exps:
        return decide_formula(rel, assumptions, solver=solver, timeout_ms=timeout_ms)
    relaxed = rel.xreplace({e: sp.Symbol(f"_exp{i}", positive=True) for i, e in enumerate(exps)})
    res = decide_formula(relaxed, assumptions, solver=solver, timeout_ms=timeout_ms)
    if res.status == "refuted":
        reason = f"relaxing {', '.join(map(str, exps))} to positive variables is too weak ({res.detail})"
        return Decision("open", reason, res.solver, res.version, res.seconds, reason=reason)
    res.detail += f" (with {', '.join(map(str, exps))} relaxed to positive variables)"
    return res


def _segment(x, start_of, assumptions, solver, timeout_ms):
    """Every segment from ``(p, start)`` to an admissible ``(p, x)`` stays admissible."""
    th = sp.Dummy("theta", real=True)
    moved = {x: start_of + th * (x - start_of)}
    goal = sp.And(*(a.xreplace(moved) for a in assumptions)) if assumptions else sp.true
    return decide_formula(goal, list(assumptions) + [th >= 0, th <= 1], solver=solver, timeout_ms=timeout_ms)


def monotone(F, x, start, assumptions, *, base=None, solver: str = "z3", timeout_ms: int = 10_000) -> Reduction:
    """``F >= 0`` on ``assumptions`` from ``F(start) >= 0`` and ``(x - start) F_x >= 0``."""
    F, assumptions = sp.sympify(F), [sp.sympify(a) for a in assumptions]
    dF = _derivative(F, x, 1)
    steps = _defined(F, assumptions, solver, timeout_ms)
    steps.append(("segments to the start stay admissible", _segment(x, start, assumptions, solver, timeout_ms)))
    steps.append((f"(x - start) dF/dx >= 0 with dF/dx = {dF}",
                  _decide_sign(sp.Ge((x - start) * dF, 0), assumptions, solver, timeout_ms)))
    steps.append((f"F at {x} = {start} >= 0", _nonneg(F.subs(x, start), assumptions, solver, timeout_ms, base)))
    return Reduction(_worst(steps), "the mean value theorem", f"{F} >= 0 (monotone in {x} from {start})", steps, F)


def convex_tangent(F, x, c, assumptions, *, base=None, strict: bool = False, solver: str = "z3",
                   timeout_ms: int = 10_000) -> Reduction:
    """``F >= 0`` on ``assumptions`` from convexity in ``x`` and a nonnegative tangent at ``c``.
    ``strict``: decide ``d2F/dx2 > 0`` instead, so ``F`` exceeds its tangent wherever ``x != c``."""
    F, assumptions = sp.sympify(F), [sp.sympify(a) for a in assumptions]
    d2 = _derivative(F, x, 2)
    Fc = sp.simplify(sp.expand_log(F.subs(x, c), force=True))
    dFc = sp.simplify(sp.expand_log(sp.diff(F, x).subs(x, c), force=True))
    steps = _defined(F, assumptions, solver, timeout_ms)
    steps.append(("segments to the tangent point stay admissible", _segment(x, c, assumptions, solver, timeout_ms)))
    rel = sp.Gt if strict else sp.Ge
    steps.append((f"d2F/dx2 = {d2} {'>' if strict else '>='} 0",
                  _decide_sign(rel(d2, 0), assumptions, solver, timeout_ms)))
    steps.append((f"tangent {Fc} + ({dFc})({x} - {c}) >= 0", _nonneg(Fc + dFc * (x - c), assumptions, solver, timeout_ms, base)))
    return Reduction(_worst(steps), "convexity (a convex function lies above its tangents)" if not strict else
                     "strict convexity (strictly above its tangent away from the point of contact)",
                     f"{F} >= 0 (convex in {x}, tangent at {c}{', equality only at ' + str(x) + ' = ' + str(c) if strict else ''})",
                     steps, F)


def concave_chord(F, x, a, b, assumptions, *, solver: str = "z3", timeout_ms: int = 10_000) -> Reduction:
    """``F >= 0`` for ``a <= x <= b`` (and ``assumptions``) from concavity in ``x`` and ``F(a), F(b) >= 0``."""
    F, assumptions = sp.sympify(F), [sp.sympify(v) for v in assumptions]
    d2 = _derivative(F, x, 2)
    interval = list(assumptions) + [x >= a, x <= b]
    steps = _defined(F, interval, solver, timeout_ms)
    steps.append((f"d2F/dx2 = {d2} <= 0 on [{a}, {b}]", _decide_sign(sp.Le(d2, 0), interval, solver, timeout_ms)))
    for end in (a, b):
        steps.append((f"F({end}) >= 0", _nonneg(F.subs(x, end), assumptions, solver, timeout_ms)))
    return Reduction(_worst(steps), "concavity (a concave function lies above its chords)",
                     f"{F} >= 0 on [{a}, {b}] (concave in {x})", steps, F)
