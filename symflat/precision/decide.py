"""Deciding universally quantified real inequalities exactly, with z3 or cvc5.

A problem is a *goal* (a SymPy relation, or ``And``/``Or``/``Not``/``Implies``/``Equivalent`` of
relations) over real variables, under *assumptions*. It holds for every real point iff no point
satisfies the assumptions and violates the goal; the solver is asked for such a point
(:mod:`~symflat.precision.solvers`). The front end first turns the problem into polynomial
arithmetic, keeping it equivalent:

- a root ``b**(p/q)`` becomes a fresh ``r >= 0`` with ``r**q = b`` (SymPy's real root needs
  ``b >= 0``: a *definedness condition*); ``|b|`` a fresh ``a >= 0`` with ``a**2 = b**2``;
  ``Max``/``Min`` a fresh ``m`` with a case split;
- a relation between rational functions, ``N/D`` against 0, becomes ``N*D`` against 0
  (``N/D = N*D/D**2``), with ``D != 0`` as a definedness condition;
- a symbol's SymPy assumptions (``positive``, ``nonnegative``, ``negative``, ``nonpositive``,
  ``nonzero``) become constraints; every variable ranges over the reals (an ``integer`` symbol
  too: a proof then covers the integers, while a model at a non-integer value gives ``open``).

``unsat`` -> ``proved``: the goal is defined and true wherever the assumptions hold. ``sat`` -> the
model (rationals, or real algebraic numbers given by polynomial and isolating interval) is checked
on the *original* problem in SymPy -> ``refuted`` with that exact witness (or ``open`` when the
goal is merely undefined there). A solver time-out, an unsupported function (exp, log, sin ...), a
non-polynomial term (symbolic exponent) or an inexact constant gives ``open`` with the reason.

:func:`decide_formula` takes SymPy; :func:`decide` takes an :class:`~symflat.precision.Inequality`
at one dimension choice (its sides evaluated on SymPy symbols by
:class:`~symflat.precision.backends.SympyOps`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp
from sympy.logic import boolalg

from symflat.precision.backends import SympyOps
from symflat.precision.domains import Matrices, Matrix, Scalar, Vector
from symflat.precision.errors import NotSupported, PrecisionError
from symflat.precision.inequality import Inequality, Point
from symflat.precision.solvers import SOLVERS, smt_term, solve, solver_version


@dataclass
class Decision:
    """``status``: ``proved``, ``refuted`` or ``open``; ``solver``/``version`` who decided;
    ``reason`` why it is open; ``witness`` the exact counterexample (symbol name -> SymPy number)
    when refuted; ``dims`` and ``point`` for an :class:`Inequality`."""

    status: str
    detail: str
    solver: str
    version: str
    seconds: float = 0.0
    reason: str | None = None
    witness: dict | None = None
    dims: dict | None = None
    point: Point | None = None

    def evidence(self, what: str = "", **data):
        """This decision as :class:`~symflat.claims.Evidence`: ``proved`` (general) for a formula,
        ``certified`` on one instance for an Inequality decided at a dimension choice, ``refuted``
        with the witness, ``open`` with the reason."""
        from symflat.claims import Evidence

        common = {"method": self.solver, "solver": self.solver, "version": self.version,
                  "solver_seconds": round(self.seconds, 4), **data}
        text = f"{what}: {self.detail}" if what else self.detail
        if self.status == "proved" and self.dims:   # one dimension choice of an Inequality: an instance
            return Evidence.certified(text, instances=1, cases=f"dims {self.dims}", **common)
        if self.status == "proved":
            return Evidence.proved(text, **common)
        if self.status == "refuted":
            return Evidence.refuted(text, counterexample={k: str(v) for k, v in (self.witness or {}).items()}, **common)
        return Evidence.open(text, reason=self.reason, **common)


class _Untranslatable(Exception):
    """The problem leaves polynomial real arithmetic (the message says where)."""


_REL = {sp.StrictLessThan: "<", sp.LessThan: "<=", sp.StrictGreaterThan: ">", sp.GreaterThan: ">=",
        sp.Equality: "=", sp.Unequality: "distinct"}


class _Translator:
    """Eliminates roots, absolute values, max/min and denominators (see the module docstring)."""

    def __init__(self):
        self.aux: list[sp.Symbol] = []
        self.defs: list = []        # translated atoms defining the auxiliary symbols
        self._cache: dict = {}

    def _fresh(self, kind: str, key, make):
        if (kind, key) not in self._cache:
            s = sp.Symbol(f"_{kind}{len(self.aux)}", real=True)
            self.aux.append(s)
            self._cache[(kind, key)] = s
            self.defs.extend(make(s))
        return self._cache[(kind, key)]

    def term(self, e, conds: list) -> sp.Expr:
        """``e`` with roots, |.|, max/min replaced by auxiliary symbols (rational functions stay);
        definedness conditions go to ``conds``."""
        e = sp.sympify(e)
        if e.is_Symbol:
            return e
        if e.is_Rational:
            return e
        if e.is_Float:
            raise _Untranslatable(f"inexact float constant {e}: write it as a Rational")
        if e.is_number and not e.free_symbols and e.is_Atom:
            raise _Untranslatable(f"unsupported constant {e} (not rational or algebraic)")
        if isinstance(e, sp.Add):
            return sp.Add(*(self.term(a, conds) for a in e.args))
        if isinstance(e, sp.Mul):
            return sp.Mul(*(self.term(a, conds) for a in e.args))
        if isinstance(e, sp.Pow):
            b, x = e.args
            if not x.is_Rational:
                raise _Untranslatable(f"non-polynomial term {e} (exponent {x} is not a rational number)")
            bt = self.term(b, conds)
            if x.is_Integer:
                if x < 0:
                    conds.append(sp.Ne(bt, 0))
                return bt ** x
            p, q = int(x.p), int(x.q)
            conds.append(sp.Ge(bt, 0))
            if p < 0:
                conds.append(sp.Ne(bt, 0))
            # defined only where bt >= 0: the definition must not itself force bt >= 0
            r = self._fresh("root", (bt, q), lambda s: [("or", [("not", self.atom(sp.Ge(bt, 0))),
                                                                ("and", [self.atom(sp.Ge(s, 0)), self.atom(sp.Eq(s ** q, bt))])])])
            return r ** p
        if isinstance(e, sp.Abs):
            bt = self.term(e.args[0], conds)
            return self._fresh("abs", bt, lambda s: [self.atom(sp.Ge(s, 0)), self.atom(sp.Eq(s ** 2, bt ** 2))])
        if isinstance(e, (sp.Max, sp.Min)):
            ts = [self.term(a, conds) for a in e.args]
            big = isinstance(e, sp.Max)

            def make(s):
                bound = [self.atom(sp.Ge(s, t) if big else sp.Le(s, t)) for t in ts]
                return bound + [("or", [self.atom(sp.Eq(s, t)) for t in ts])]

            return self._fresh("max" if big else "min", tuple(ts), make)
        if isinstance(e, sp.Function) or isinstance(e, sp.Application):
            raise _Untranslatable(f"unsupported function {getattr(e.func, '__name__', e.func)} in {e}")
        raise _Untranslatable(f"non-polynomial term {e}")

    def atom(self, rel) -> tuple:
        """A relation between translated rational functions as ``(op, polynomial)``: ``poly op 0``."""
        if rel in (sp.true, sp.false):
            return ("true",) if rel is sp.true else ("false",)
        op = _REL[type(rel)]
        num, den = sp.fraction(sp.together(rel.lhs - rel.rhs))
        return ("rel", op, sp.expand(num * den))

    def formula(self, f, conds: list):
        """A Boolean combination of relations, translated; definedness conditions go to ``conds``."""
        f = sp.sympify(f)
        if f is sp.true or f is True:
            return ("true",)
        if f is sp.false or f is False:
            return ("false",)
        if type(f) in _REL:
            return self.atom(type(f)(self.term(f.lhs, conds), self.term(f.rhs, conds), evaluate=False))
        if isinstance(f, boolalg.And):
            return ("and", [self.formula(a, conds) for a in f.args])
        if isinstance(f, boolalg.Or):
            return ("or", [self.formula(a, conds) for a in f.args])
        if isinstance(f, boolalg.Not):
            return ("not", self.formula(f.args[0], conds))
        if isinstance(f, boolalg.Implies):
            return ("or", [("not", self.formula(f.args[0], conds)), self.formula(f.args[1], conds)])
        if isinstance(f, boolalg.Equivalent):
            a, b = (self.formula(x, conds) for x in f.args)
            return ("and", [("or", [("not", a), b]), ("or", [("not", b), a])])
        raise _Untranslatable(f"not a relation or a Boolean combination of relations: {f}")


def _smt(node, names) -> str:
    kind = node[0]
    if kind == "true":
        return "true"
    if kind == "false":
        return "false"
    if kind == "rel":
        _, op, poly = node
        t = smt_term(poly, names)
        return f"(not (= {t} 0.0))" if op == "distinct" else f"({op} {t} 0.0)"
    if kind == "not":
        return f"(not {_smt(node[1], names)})"
    parts = [_smt(a, names) for a in node[1]]
    if not parts:
        return "true" if kind == "and" else "false"
    return parts[0] if len(parts) == 1 else f"({kind} {' '.join(parts)})"


def _symbol_constraints(s: sp.Symbol) -> list:
    """A symbol's sign assumptions as relations, unevaluated (SymPy would fold ``x >= 0`` to ``True``
    for a nonnegative ``x``, and the solver would then treat ``x`` as any real)."""
    out = []
    if s.is_positive:
        out.append(sp.StrictGreaterThan(s, 0, evaluate=False))
    elif s.is_nonnegative:
        out.append(sp.GreaterThan(s, 0, evaluate=False))
    if s.is_negative:
        out.append(sp.StrictLessThan(s, 0, evaluate=False))
    elif s.is_nonpositive:
        out.append(sp.LessThan(s, 0, evaluate=False))
    if s.is_zero is False and not (s.is_positive or s.is_negative):
        out.append(sp.Unequality(s, 0, evaluate=False))
    return out


def _sign(value) -> int | None:
    """Sign of an exact real constant: rationals exactly; otherwise a 60-digit evaluation away
    from zero, and zero through the minimal polynomial. ``None``: undefined (complex, infinite)."""
    value = sp.nsimplify(value) if value.is_Float else value
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return None
    if value.is_Rational:
        return int(bool(value > 0)) - int(bool(value < 0))
    v = sp.N(value, 60)
    if not v.is_real and v.as_real_imag()[1] != 0:
        return None
    if abs(v) > sp.Float("1e-40", 60):
        return 1 if v > 0 else -1
    try:
        if sp.minimal_polynomial(value, sp.Dummy()).is_Symbol:
            return 0
    except (NotImplementedError, ValueError):
        pass
    v = sp.N(value, 200)
    if abs(v) > sp.Float("1e-180", 200):
        return 1 if v > 0 else -1
    raise PrecisionError(f"could not decide the sign of {value} exactly")


def truth(f, values: dict) -> bool | None:
    """Truth of a Boolean combination of relations at exact ``values``; ``None`` where a term is
    undefined (division by zero, even root of a negative number)."""
    f = sp.sympify(f)
    if f in (sp.true, True):
        return True
    if f in (sp.false, False):
        return False
    if type(f) in _REL:
        try:
            diff = (f.lhs - f.rhs).xreplace(values)
            if any(isinstance(p, sp.Pow) and p.exp.is_Rational and not p.exp.is_Integer and _sign(p.base) == -1
                   for p in sp.preorder_traversal(diff) if isinstance(p, sp.Pow)):
                return None
            s = _sign(diff)
        except ZeroDivisionError:
            return None
        if s is None:
            return None
        return {"<": s < 0, "<=": s <= 0, ">": s > 0, ">=": s >= 0, "=": s == 0, "distinct": s != 0}[_REL[type(f)]]
    args = [truth(a, values) for a in f.args]
    if any(a is None for a in args):
        return None
    if isinstance(f, boolalg.And):
        return all(args)
    if isinstance(f, boolalg.Or):
        return any(args)
    if isinstance(f, boolalg.Not):
        return not args[0]
    if isinstance(f, boolalg.Implies):
        return (not args[0]) or args[1]
    if isinstance(f, boolalg.Equivalent):
        return args[0] == args[1]
    raise PrecisionError(f"cannot evaluate {f}")


def _smt_name(s: sp.Symbol, i: int) -> str:
    return f"v{i}_" + re.sub(r"[^A-Za-z0-9_]", "_", s.name)


def decide_formula(goal, assumptions=(), *, solver: str = "z3", timeout_ms: int = 10_000) -> Decision:
    """Decide ``forall x: assumptions(x) => goal(x)`` over the reals (symbols' SymPy assumptions
    included). Returns a :class:`Decision`."""
    if solver not in SOLVERS:
        raise PrecisionError(f"solver={solver!r}: use one of {SOLVERS}")
    version = solver_version(solver)
    goal = sp.sympify(goal)
    assumptions = [sp.sympify(a) for a in assumptions]
    symbols = sorted(set().union(goal.free_symbols, *(a.free_symbols for a in assumptions)), key=lambda s: s.name)
    domain = [c for s in symbols for c in _symbol_constraints(s)]
    tr = _Translator()
    try:
        hyp_conds, goal_conds = [], []
        hyps = [tr.formula(a, hyp_conds) for a in domain + assumptions]
        g = tr.formula(goal, goal_conds)
        hyps += [tr.atom(c) for c in hyp_conds]
        defined = ("and", [tr.atom(c) for c in goal_conds])
    except _Untranslatable as exc:
        return Decision("open", f"not decidable in polynomial real arithmetic: {exc}", solver, version, reason=str(exc))
    allsyms = symbols + tr.aux
    names = {s: _smt_name(s, i) for i, s in enumerate(allsyms)}
    negation = ("and", hyps + tr.defs + [("or", [("not", g), ("not", defined)])])
    ans = solve(list(names.values()), [_smt(negation, names)], solver=solver, timeout_ms=timeout_ms)
    if ans.result == "unsat":
        return Decision("proved", f"{solver} {version}: no real point satisfies the assumptions and violates the goal "
                        f"(negation unsat, {ans.seconds:.3f} s)", solver, version, ans.seconds)
    if ans.result == "unknown":
        return Decision("open", f"{solver} could not decide: {ans.reason}", solver, version, ans.seconds, reason=ans.reason)
    witness = {s: ans.model[names[s]] for s in symbols}
    fractional = [s.name for s in symbols if s.is_integer and not witness[s].is_integer]
    if fractional:   # integer symbols are decided over the reals: a proof covers them, a real model does not refute
        reason = f"the counterexample {_describe({s.name: v for s, v in witness.items()})} gives the integer symbol(s) " \
                 f"{', '.join(fractional)} non-integer values (integers are decided over the reals)"
        return Decision("open", reason, solver, version, ans.seconds, reason=reason)
    admissible = all(truth(a, witness) for a in domain + assumptions)
    holds = truth(goal, witness)
    shown = {s.name: v for s, v in witness.items()}
    if admissible and holds is False:
        return Decision("refuted", f"{solver} {version}: counterexample {_describe(shown)} (checked exactly in SymPy)",
                        solver, version, ans.seconds, witness=shown)
    if admissible and holds is None:
        reason = f"the goal is undefined at the admissible point {_describe(shown)}"
        return Decision("open", reason, solver, version, ans.seconds, reason=reason, witness=shown)
    reason = f"the solver's model {_describe(shown)} does not violate the original problem (internal inconsistency)"
    return Decision("open", reason, solver, version, ans.seconds, reason=reason, witness=shown)


def _describe(values: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in values.items())


# --- inequalities with dimensions ----------------------------------------------------------------

def _symbols(ineq: Inequality, dims: dict):
    syms, domain = {}, []
    for v in ineq.variables:
        if isinstance(v, (Matrix, Matrices)) and v.kind == "rotation":
            raise NotSupported(f"variable {v.name!r}: rotations (Cayley transform) need an inverse, not available")
        if isinstance(v, Vector) and v.kind == "unit":
            raise NotSupported(f"variable {v.name!r}: unit vectors are not polynomial in their parameters")
        zs = [sp.Symbol(f"{v.name}_{i}", real=True) for i in range(v.nparams(dims))]
        syms[v.name] = zs
        if isinstance(v, Scalar):
            x = zs[0]
            if v.lo is not None:
                lo = sp.Rational(Fraction(v.lo))
                domain.append(x > lo if v.lo_open else x >= lo)
            if v.hi is not None:
                hi = sp.Rational(Fraction(v.hi))
                domain.append(x < hi if v.hi_open else x <= hi)
    return syms, domain


def formula(ineq: Inequality, dims: dict) -> tuple:
    """``(goal, assumptions, symbols)`` of ``ineq`` at ``dims`` as SymPy: the relation between the
    sides, the variables' bounds and the hypotheses, over one real symbol per free parameter."""
    syms, domain = _symbols(ineq, dims)
    ops = SympyOps()
    x = ineq.values(Point(dims, {k: list(v) for k, v in syms.items()}), ops)
    lhs, rhs = ops.num(ineq.lhs(x, ops)), ops.num(ineq.rhs(x, ops))
    rel = {"<=": sp.Le, "<": sp.Lt, ">=": sp.Ge, ">": sp.Gt}[ineq.relation]
    hyps = [(sp.Gt if h.relation == ">" else sp.Ge)(ops.num(h.func(x, ops)), 0) for h in ineq.hypotheses]
    return rel(lhs, rhs), domain + hyps, syms


def decide(ineq: Inequality, dims: dict | None = None, timeout_ms: int = 10_000, solver: str = "z3") -> Decision:
    """Decide ``ineq`` at one dimension choice (default: the smallest) with ``solver``."""
    d = dict(dims) if dims is not None else ineq.dims_grid()[0]
    try:
        goal, assumptions, syms = formula(ineq, d)
    except NotSupported as exc:
        version = solver_version(solver)
        return Decision("open", f"not decidable in polynomial real arithmetic: {exc}", solver, version, reason=str(exc), dims=d)
    res = decide_formula(goal, assumptions, solver=solver, timeout_ms=timeout_ms)
    res.dims = d
    res.detail = f"{res.detail} (dims {d})" if d else res.detail
    if res.status == "refuted":
        def rational(v):
            v = sp.nsimplify(v) if isinstance(v, sp.Float) else v
            return Fraction(int(v.p), int(v.q)) if v.is_Rational else Fraction(str(sp.N(v, 40)))
        res.point = Point(d, {k: [rational(res.witness[z.name]) for z in zs] for k, zs in syms.items()})
    return res
