"""An inequality with its variables, domains and named hypotheses, evaluated at chosen precision.

``Inequality(lhs, rhs, "<=", variables=[...], hypotheses=[...], dims={...})`` states
``lhs(x) <= rhs(x)`` for every ``x`` in the variables' domains satisfying every hypothesis
``h(x) >= 0`` (or ``> 0``). Sides and hypotheses are functions ``f(x, ops)`` written once for all
arithmetics (see :mod:`symflat.precision.backends`). The *slack* is ``rhs - lhs`` for ``<=`` / ``<``
and ``lhs - rhs`` for ``>=`` / ``>``: it is ``>= 0`` exactly where the inequality holds.

Equality cases are first-class: at ``dps`` digits a slack within ``tol = scale * 10^-(dps - guard)``
of zero (``scale = max(|lhs|, |rhs|)``, ``guard = max(5, dps // 3)`` digits for rounding) is
*tight*, not violated; a violation is only *confirmed* if it persists, with a stable value, at the
top precisions of a rising ladder (30, 60, 120 digits by default).

Points outside the declared domain are an error, never a violation: a plain ``dict`` of values is
checked against every variable's domain (:mod:`symflat.precision.membership`) and raises
:class:`~symflat.precision.errors.DomainError`; a :class:`Point`'s parameters are decoded into the
domain, so it is always inside.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Iterable

import mpmath
import numpy as np

from symflat.precision.backends import FloatOps, MpOps, Ops
from symflat.errors import check_int
from symflat.precision.domains import Var
from symflat.precision.errors import DomainError, InequalityError
from symflat.precision.membership import check_value

RELATIONS = ("<=", ">=", "<", ">")
_NOT_PARAMETERS = (bool, str, bytes, complex, np.complexfloating, np.bool_)  # (z3 terms are parameters too)
DEFAULT_LADDER = (30, 60, 120)
FLOAT = FloatOps()


def guard_digits(dps: int) -> int:
    """Digits set aside for rounding when deciding whether a slack is zero at ``dps`` digits."""
    return max(5, dps // 3)


@dataclass(frozen=True)
class Hypothesis:
    """A named hypothesis ``func(x, ops) >= 0`` (``relation=">="``) or ``> 0`` (``">"``); its name
    matches the claim's hypothesis label (e.g. ``"a2"``) so ``symflat search --drop a2`` finds it."""

    name: str
    func: Callable
    relation: str = ">="
    statement: str = ""

    def __post_init__(self):
        if self.relation not in (">=", ">"):
            raise InequalityError(f"hypothesis {self.name!r}: relation must be '>=' or '>' (write h(x) >= 0), got {self.relation!r}")
        if not callable(self.func):
            raise InequalityError(f"hypothesis {self.name!r}: func must be callable as func(x, ops)")


def _exact_str(v) -> str:
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if not math.isfinite(f):
            raise InequalityError(f"point has a non-finite parameter {f!r}")
        return str(Fraction(f))
    return str(Fraction(v))


@dataclass
class Point:
    """A point of an inequality's domain: integer dims and the free parameters of each variable
    (floats or exact Fractions; decoded into values inside each arithmetic)."""

    dims: dict
    params: dict

    def to_json(self) -> dict:
        """Exact JSON form: every parameter as a rational string ``"p/q"`` (floats are dyadic, so exact)."""
        return {"dims": {k: int(v) for k, v in self.dims.items()},
                "params": {k: [_exact_str(v) for v in vs] for k, vs in self.params.items()}}

    @classmethod
    def from_json(cls, data: dict) -> "Point":
        try:
            return cls({k: int(v) for k, v in data.get("dims", {}).items()},
                       {k: [Fraction(v) for v in vs] for k, vs in data["params"].items()})
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as e:
            raise InequalityError(f"malformed stored point {data!r}: {e}") from None

    def flat(self, order: list[str]) -> np.ndarray:
        return np.array([float(v) for name in order for v in self.params[name]], dtype=float)

    def size(self) -> int:
        return sum(len(v) for v in self.params.values())


@dataclass
class Evaluation:
    """One evaluation at ``dps`` digits: both sides, the slack, its zero tolerance and the verdict
    (``holds``, ``tight`` or ``violated``), and each hypothesis' value and whether it is satisfied."""

    dps: int
    lhs: mpmath.mpf
    rhs: mpmath.mpf
    slack: mpmath.mpf
    tol: mpmath.mpf
    verdict: str
    hypotheses: dict = field(default_factory=dict)

    @property
    def admissible(self) -> bool:
        return all(ok for _, ok in self.hypotheses.values())

    def describe(self) -> str:
        return (f"at {self.dps} digits: lhs = {mpmath.nstr(self.lhs, 12)}, rhs = {mpmath.nstr(self.rhs, 12)}, "
                f"slack = {mpmath.nstr(self.slack, 8)} ({self.verdict})")


@dataclass
class Confirmation:
    """The verdict over a precision ladder: ``violated`` (at every level, stable), ``tight``,
    ``holds``, ``inadmissible`` (a hypothesis fails) or ``unstable`` (rounding-dependent)."""

    verdict: str
    evaluations: list

    @property
    def slack(self):
        return self.evaluations[-1].slack if self.evaluations else None

    @property
    def dps(self) -> int:
        return self.evaluations[-1].dps if self.evaluations else 0


def _as_hypotheses(hyps) -> list[Hypothesis]:
    if isinstance(hyps, Hypothesis) or not hasattr(hyps, "__iter__"):
        raise InequalityError(f"hypotheses must be a list of Hypothesis objects or a dict name -> func, got {hyps!r}")
    if isinstance(hyps, dict):
        hyps = [Hypothesis(k, *(v if isinstance(v, tuple) else (v,))) for k, v in hyps.items()]
    out = list(hyps)
    for h in out:
        if not isinstance(h, Hypothesis):
            raise InequalityError(f"hypotheses must be Hypothesis objects or a dict name -> func, got {h!r}")
    names = [h.name for h in out]
    if len(set(names)) != len(names):
        raise InequalityError(f"duplicate hypothesis names: {names}")
    return out


class Inequality:
    """``lhs(x) <relation> rhs(x)`` over ``variables``, under ``hypotheses``, for integer ``dims``.

    ``dims`` maps dimension names to the values to search (e.g. ``{"m": range(1, 5)}``); ``scale``
    optionally overrides ``max(|lhs|, |rhs|)`` as the magnitude the zero tolerance is relative to.
    """

    def __init__(self, lhs: Callable, rhs: Callable, relation: str = "<=", *, variables: Iterable[Var] = (),
                 hypotheses=(), dims: dict | None = None, name: str = "", statement: str = "",
                 scale: Callable | None = None):
        if relation not in RELATIONS:
            raise InequalityError(f"relation must be one of {RELATIONS}, got {relation!r}")
        if not callable(lhs) or not callable(rhs):
            raise InequalityError("lhs and rhs must be callables f(x, ops)")
        self.lhs, self.rhs, self.relation = lhs, rhs, relation
        if isinstance(variables, Var) or not hasattr(variables, "__iter__"):
            raise InequalityError(f"variables must be a list of Scalar/Vector/Matrix/Matrices, got {variables!r}")
        self.variables = list(variables)
        for v in self.variables:
            if not isinstance(v, Var):
                raise InequalityError(f"variables must be Scalar/Vector/Matrix/Matrices objects, got {v!r}")
        names = [v.name for v in self.variables]
        if len(set(names)) != len(names):
            raise InequalityError(f"duplicate variable names: {names}")
        self.hypotheses = _as_hypotheses(hypotheses)
        self.dims = {}
        if not isinstance(dims, (dict, type(None))):
            raise InequalityError(f"dims must be a dict name -> values, got {dims!r}")
        for k, vals in (dims or {}).items():
            if isinstance(vals, (int, np.integer)) or not hasattr(vals, "__iter__"):
                raise InequalityError(f"dimension {k!r}: give the values to take as a list or range, got {vals!r}")
            vals = sorted({check_int(v, f"dimension {k!r}", minimum=0, error=InequalityError) for v in vals})
            if not vals:
                raise InequalityError(f"dimension {k!r} has no values to take")
            if k in names:
                raise InequalityError(f"{k!r} is both a dimension and a variable")
            self.dims[k] = vals
        self.name, self.statement, self.scale = name, statement, scale
        for d in self.dims_grid()[:1]:
            for v in self.variables:
                v.nparams(d)  # validates shapes against the dims early

    def __repr__(self):
        return f"Inequality({self.name or 'unnamed'}: lhs {self.relation} rhs, vars={[v.name for v in self.variables]}, hyps={self.hypothesis_names})"

    # structure ----------------------------------------------------------------------------------
    @property
    def hypothesis_names(self) -> list[str]:
        return [h.name for h in self.hypotheses]

    @property
    def strict(self) -> bool:
        return self.relation in ("<", ">")

    def drop(self, *names: str) -> "Inequality":
        """The same inequality with the named hypotheses removed (``"a2"`` or ``"paper/a2"``)."""
        wanted = {n.split("/")[-1] for n in names}
        unknown = wanted - set(self.hypothesis_names)
        if unknown:
            raise InequalityError(f"no hypothesis named {sorted(unknown)}; this inequality has {self.hypothesis_names}")
        out = Inequality(self.lhs, self.rhs, self.relation, variables=self.variables,
                         hypotheses=[h for h in self.hypotheses if h.name not in wanted], dims=self.dims,
                         name=self.name, statement=self.statement, scale=self.scale)
        return out

    def dims_grid(self) -> list[dict]:
        """All dimension choices, smallest first (by total size, then lexicographically)."""
        keys = list(self.dims)
        combos = [dict(zip(keys, vals)) for vals in itertools.product(*(self.dims[k] for k in keys))]
        return sorted(combos, key=lambda d: (sum(d.values()), tuple(d.values())))

    def layout(self, dims: dict) -> list[tuple[Var, int]]:
        return [(v, v.nparams(dims)) for v in self.variables]

    def point(self, dims: dict, flat) -> Point:
        """The point with these dims whose parameters are ``flat`` (variables in order)."""
        params, k = {}, 0
        flat = list(flat)
        for v, n in self.layout(dims):
            params[v.name] = flat[k:k + n]
            k += n
        if k != len(flat):
            raise InequalityError(f"expected {k} parameters for dims {dims}, got {len(flat)}")
        return Point(dict(dims), params)

    def _check_dims(self, dims: dict):
        missing = set(self.dims) - set(dims)
        if missing:
            raise InequalityError(f"point is missing dimensions {sorted(missing)}")
        for k in self.dims:
            check_int(dims[k], f"dimension {k!r} of the point", minimum=0, error=DomainError)

    def values(self, point, ops: Ops) -> dict:
        """Variable values (and dims) at ``point`` in ``ops``: a :class:`Point` is decoded from its
        parameters; a plain dict ``name -> value`` is converted entry by entry."""
        if isinstance(point, Point):
            self._check_dims(point.dims)
            x = dict(point.dims)
            for v, n in self.layout(point.dims):
                z = point.params.get(v.name)
                if z is None or len(z) != n:
                    raise InequalityError(f"point has {0 if z is None else len(z)} parameters for {v.name!r}, expected {n}")
                bad = [p for p in z if p is None or isinstance(p, _NOT_PARAMETERS)]
                if bad:
                    raise InequalityError(f"point parameters of {v.name!r} must be real numbers (float or Fraction), "
                                          f"got {bad[0]!r}")
                x[v.name] = v.decode(z, point.dims, ops)
            return x
        if not isinstance(point, dict):
            raise InequalityError(f"a point is a Point or a dict of variable values, got {type(point).__name__}")
        missing = {v.name for v in self.variables} - set(point)
        if missing:
            raise InequalityError(f"point is missing variables {sorted(missing)}")
        unknown = set(point) - {v.name for v in self.variables} - set(self.dims)
        if unknown:
            raise InequalityError(f"point has values for {sorted(unknown)}, which are neither variables "
                                  f"{[v.name for v in self.variables]} nor dimensions {sorted(self.dims)}")
        self._check_dims(point)
        dims = {k: int(point[k]) for k in self.dims}
        for v in self.variables:
            check_value(v, point[v.name], dims)
        return {k: ops.convert(v) for k, v in point.items()}

    def slack_of(self, lhs, rhs):
        return rhs - lhs if self.relation in ("<=", "<") else lhs - rhs

    # float64: the search objective ------------------------------------------------------------
    def objective(self, point) -> float:
        """Relative slack ``slack / (|lhs| + |rhs|)`` where every hypothesis holds, else
        ``1 + (total hypothesis violation, capped)``; ``+inf`` where evaluation fails. Computed in
        float64, and again with mpmath at 20 digits where float64 overflows or breaks down. Lower is
        closer to a counterexample; negative suggests one (to be confirmed at high precision)."""
        f = self._relative(point, FLOAT)
        if math.isfinite(f):
            return f
        ops = MpOps(20)
        with ops.active():
            return self._relative(point, ops)

    def _relative(self, point, ops) -> float:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                x = self.values(point, ops)
                viol = 0.0
                for h in self.hypotheses:
                    hv = float(h.func(x, ops))
                    if not math.isfinite(hv):
                        return math.inf
                    if hv < 0 or (h.relation == ">" and hv <= 0):
                        viol += min(1.0, abs(hv)) + 1e-3
                if viol:
                    return 1.0 + viol
                lhs, rhs = ops.num(self.lhs(x, ops)), ops.num(self.rhs(x, ops))
                s = self.slack_of(lhs, rhs)
                denom = abs(lhs) + abs(rhs)
                if any(mpmath.isnan(v) or mpmath.isinf(v) for v in (s, denom)):  # no float(): mpf may exceed it
                    return math.inf  # undefined here (NaN) or overflowed: never a pass, never a violation
                rel = float(s / denom) if denom > 0 else (0.0 if s == 0 else math.copysign(1.0, float(s)))
            except (ArithmeticError, ValueError, np.linalg.LinAlgError, TypeError, RuntimeError):
                return math.inf  # includes mpmath's 'no convergence'
        return rel if math.isfinite(rel) else math.inf

    # high precision ----------------------------------------------------------------------------
    def evaluate(self, point, dps: int = 50) -> Evaluation:
        """Evaluate sides, slack and hypotheses with mpmath at ``dps`` digits (at least 10).

        Raises :class:`DomainError` for a point outside the declared domain."""
        dps = check_int(dps, "dps (decimal digits)", minimum=10, error=InequalityError)
        ops = MpOps(dps)
        with ops.active():
            x = self.values(point, ops)
            lhs, rhs = ops.num(self.lhs(x, ops)), ops.num(self.rhs(x, ops))
            slack = self.slack_of(lhs, rhs)
            scale = abs(ops.num(self.scale(x, ops))) if self.scale else max(abs(lhs), abs(rhs))
            eps = mpmath.mpf(10) ** (-(dps - guard_digits(dps)))
            tol = scale * eps
            if not (mpmath.isfinite(lhs) and mpmath.isfinite(rhs)):
                raise InequalityError(f"{self.name or 'inequality'}: non-finite side at the point (lhs={lhs}, rhs={rhs})")
            verdict = "violated" if slack < -tol else ("tight" if abs(slack) <= tol else "holds")
            hyps = {}
            for h in self.hypotheses:
                hv = ops.num(h.func(x, ops))
                htol = eps * (1 + abs(hv))
                hyps[h.name] = (hv, bool(hv > htol) if h.relation == ">" else bool(hv >= -htol))
        return Evaluation(dps, lhs, rhs, slack, tol, verdict, hyps)

    def confirm(self, point, ladder: Iterable[int] = DEFAULT_LADDER) -> Confirmation:
        """Re-evaluate at each precision of ``ladder``. A violation counts only if the two highest
        precisions both see it, with a stable value (agreeing to within half the slack); lower
        levels may call it tight (their tolerance is coarser) but never ``holds``. A rounding
        artefact fades as precision rises and is reported ``tight``/``unstable``."""
        if isinstance(ladder, (int, np.integer)) or not hasattr(ladder, "__iter__"):
            raise InequalityError(f"ladder must be a list of precisions in digits, e.g. (30, 60, 120), got {ladder!r}")
        ladder = sorted(check_int(d, "ladder (precisions in digits)", minimum=10, error=InequalityError) for d in ladder)
        if not ladder:
            raise InequalityError("the precision ladder is empty")
        evals = []
        for d in ladder:
            ev = self.evaluate(point, d)
            evals.append(ev)
            if not ev.admissible:
                return Confirmation("inadmissible", evals)
            if ev.verdict == "holds":
                return Confirmation("holds", evals)
        top = evals[-1]
        if len(evals) == 1:
            return Confirmation(top.verdict, evals)
        prev = evals[-2]
        if top.verdict == prev.verdict == "violated":
            stable = abs(top.slack - prev.slack) <= abs(top.slack) / 2
            return Confirmation("violated" if stable else "unstable", evals)
        if top.verdict in ("tight", "holds"):
            return Confirmation(top.verdict, evals)
        return Confirmation("unstable", evals)

    def certify(self, point, dps: int = 50, max_dps: int = 400):
        """Ball-arithmetic verdict at ``point`` (see :func:`symflat.precision.certify.certify`)."""
        from symflat.precision.certify import certify

        return certify(self, point, dps=dps, max_dps=max_dps)
