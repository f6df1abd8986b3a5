"""Deciding small polynomial inequalities exactly with z3 (nonlinear real arithmetic).

The inequality's own functions are evaluated on z3 real variables (:class:`Z3Ops`), one per free
parameter, at each dimension choice. The solver is asked for a point of the domain where every
hypothesis holds and the inequality fails: ``unsat`` means no such point exists -> ``proved``
(for that dimension choice); ``sat`` gives an exact rational model, re-checked at high precision
-> ``refuted``; ``unknown`` or a time-out -> ``open``. Only variables whose decoding is
polynomial (general, symmetric, PSD, diagonal matrices; general vectors; scalars) are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from symflat.precision.backends import Z3Ops
from symflat.precision.domains import Matrices, Matrix, Scalar, Vector
from symflat.precision.errors import NotSupported, PrecisionError
from symflat.precision.inequality import Inequality, Point


@dataclass
class Decision:
    """``status``: ``proved``, ``refuted`` or ``open``; ``point`` the exact counterexample when
    refuted; ``dims`` the dimension choice decided; ``detail`` what happened."""

    status: str
    dims: dict
    detail: str
    point: Point | None = None


def _z3():
    try:
        import z3
    except ImportError:
        raise PrecisionError("z3 decisions need the z3-solver package (pip install 'symflat[z3]')") from None
    return z3


def _symbols(ineq: Inequality, dims: dict):
    z3 = _z3()
    syms, domain = {}, []
    for v in ineq.variables:
        if isinstance(v, (Matrix, Matrices)) and v.kind == "rotation":
            raise NotSupported(f"variable {v.name!r}: rotations (Cayley transform) are not polynomial")
        if isinstance(v, Vector) and v.kind == "unit":
            raise NotSupported(f"variable {v.name!r}: unit vectors are not polynomial in their parameters")
        n = v.nparams(dims)
        zs = [z3.Real(f"{v.name}_{i}") for i in range(n)]
        syms[v.name] = zs
        if isinstance(v, Scalar):
            x = zs[0]
            if v.lo is not None:
                lo = z3.RealVal(str(Fraction(v.lo)))
                domain.append(x > lo if v.lo_open else x >= lo)
            if v.hi is not None:
                hi = z3.RealVal(str(Fraction(v.hi)))
                domain.append(x < hi if v.hi_open else x <= hi)
    return syms, domain


def _model_value(model, sym) -> Fraction:
    val = model.eval(sym, model_completion=True)
    if hasattr(val, "numerator_as_long"):
        return Fraction(val.numerator_as_long(), val.denominator_as_long())
    # an algebraic number: take a close rational (re-checked at high precision by the caller)
    return Fraction(val.approx(40).as_fraction())


def decide(ineq: Inequality, dims: dict | None = None, timeout_ms: int = 10_000) -> Decision:
    """Decide ``ineq`` at one dimension choice (default: the smallest)."""
    z3 = _z3()
    d = dict(dims) if dims is not None else ineq.dims_grid()[0]
    syms, domain = _symbols(ineq, d)
    ops = Z3Ops()
    point = Point(d, {k: list(v) for k, v in syms.items()})
    x = ineq.values(point, ops)
    lhs, rhs = ops.num(ineq.lhs(x, ops)), ops.num(ineq.rhs(x, ops))
    holds = {"<=": lhs <= rhs, "<": lhs < rhs, ">=": lhs >= rhs, ">": lhs > rhs}[ineq.relation]
    s = z3.SolverFor("QF_NRA")
    s.set("timeout", int(timeout_ms))
    s.add(*domain)
    for h in ineq.hypotheses:
        hv = ops.num(h.func(x, ops))
        s.add(hv > 0 if h.relation == ">" else hv >= 0)
    s.add(z3.Not(holds))
    res = s.check()
    if res == z3.unsat:
        return Decision("proved", d, f"z3: no point violates it with dims {d} (negation unsat)")
    if res == z3.sat:
        m = s.model()
        cex = Point(d, {k: [_model_value(m, z) for z in zs] for k, zs in syms.items()})
        conf = ineq.confirm(cex)
        if conf.verdict == "violated":
            return Decision("refuted", d, f"z3 model, confirmed: {conf.evaluations[-1].describe()}", cex)
        return Decision("open", d, f"z3 model not confirmed at high precision ({conf.verdict})", cex)
    return Decision("open", d, f"z3 returned unknown ({s.reason_unknown()})")
