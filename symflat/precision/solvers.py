"""Two SMT solvers for nonlinear real arithmetic behind one call: z3 and cvc5, both fed SMT-LIB 2.

A query is a list of real variable names and a list of SMT-LIB assertions (polynomials with rational
coefficients, ``and``/``or``/``not``); :func:`solve` answers ``sat`` with an exact model (rationals,
or real algebraic numbers as SymPy ``CRootOf``: defining polynomial and isolating interval),
``unsat``, or ``unknown`` with the solver's reason (time-out, incompleteness). Both solvers decide
the existential theory of the reals (z3 by nlsat, cvc5 by cylindrical algebraic coverings), so
``unknown`` here means a resource limit, never a guess.
"""

from __future__ import annotations

import os
import pickle
import re
import resource
import select
import signal
import time
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from symflat.precision.errors import PrecisionError

SOLVERS = ("z3", "cvc5")
_EXTRA = {"z3": ("z3", "z3-solver"), "cvc5": ("cvc5", "cvc5")}


@dataclass
class SolverAnswer:
    """``result``: ``sat``, ``unsat`` or ``unknown``; ``model``: exact values of the declared
    variables when sat; ``reason``: why unknown."""

    result: str
    solver: str
    version: str
    seconds: float
    model: dict | None = None
    reason: str | None = None


def _module(solver: str):
    if solver not in SOLVERS:
        raise PrecisionError(f"solver={solver!r}: use one of {SOLVERS}")
    extra, pkg = _EXTRA[solver]
    try:
        return __import__(solver)
    except ImportError:
        raise PrecisionError(f"solver {solver!r} is not installed: pip install 'symflat[{extra}]' (package {pkg})") from None


def solver_version(solver: str) -> str:
    """The installed version of ``solver`` (``z3`` or ``cvc5``)."""
    mod = _module(solver)
    return mod.get_version_string() if solver == "z3" else str(mod.__version__)


def _algebraic(coeffs_low_first, inside) -> sp.Expr:
    """The real root of the polynomial with these rational coefficients that ``inside(root)`` picks."""
    x = sp.Symbol("x")
    poly = sp.Poly(sum(sp.Rational(str(c)) * x ** i for i, c in enumerate(coeffs_low_first)), x)
    roots = [r for r in poly.real_roots() if inside(r)]
    if len(roots) != 1:
        raise PrecisionError(f"could not isolate the algebraic model value of {poly.as_expr()} ({len(roots)} candidates)")
    return roots[0]


# --- z3 ------------------------------------------------------------------------------------------

def _z3_value(v) -> sp.Expr:
    import z3

    if z3.is_rational_value(v):
        return sp.Rational(v.numerator_as_long(), v.denominator_as_long())
    if z3.is_algebraic_value(v):
        approx = sp.Rational(str(v.approx(40).as_fraction()))
        # the root nearest a 40-digit approximation; roots of a squarefree integer polynomial of
        # small degree are far further apart, and the choice is re-verified by the caller
        return _algebraic(v.poly(), lambda r: abs(sp.N(r - approx, 60)) < sp.Rational(1, 10 ** 30))
    raise PrecisionError(f"z3 returned a model value it cannot express exactly: {v}")


def _solve_z3(text: str, names, timeout_ms: int) -> SolverAnswer:
    z3 = _module("z3")
    s = z3.SolverFor("QF_NRA")
    s.set("timeout", int(timeout_ms))
    s.add(z3.parse_smt2_string(text))
    t = time.perf_counter()
    res = s.check()
    secs = time.perf_counter() - t
    version = z3.get_version_string()
    if res == z3.unsat:
        return SolverAnswer("unsat", "z3", version, secs)
    if res == z3.sat:
        m = s.model()
        vals = {d.name(): _z3_value(m[d]) for d in m.decls()}
        return SolverAnswer("sat", "z3", version, secs, {n: vals.get(n, sp.Integer(0)) for n in names})
    reason = s.reason_unknown()
    if "timeout" in reason or "canceled" in reason:
        reason = f"solver timeout ({timeout_ms} ms)"
    return SolverAnswer("unknown", "z3", version, secs, reason=reason)


# --- cvc5 ----------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\(|\)|[^\s()]+")


def _sexpr_to_sympy(text: str, var: sp.Symbol) -> sp.Expr:
    """Arithmetic s-expressions as cvc5 prints them (``+ - * /``, integers, decimals, one variable)."""
    tokens = _TOKEN.findall(text)

    def parse(i):
        tok = tokens[i]
        if tok != "(":
            return (var if tok == "x" else sp.Rational(tok)), i + 1
        op, i = tokens[i + 1], i + 2
        args = []
        while tokens[i] != ")":
            a, i = parse(i)
            args.append(a)
        if op == "+":
            val = sp.Add(*args)
        elif op == "*":
            val = sp.Mul(*args)
        elif op == "-":
            val = -args[0] if len(args) == 1 else args[0] - sp.Add(*args[1:])
        elif op == "/":
            val = args[0] / args[1]
        else:
            raise PrecisionError(f"unexpected operator {op!r} in a cvc5 model value")
        return val, i + 1

    return parse(0)[0]


def _cvc5_value(tm, v) -> tuple:
    """A model value as plain data: ``("rat", p, q)`` or ``("alg", coefficients, lo, hi)``."""
    if v.isRealValue():
        f = v.getRealValue()
        return ("rat", f.numerator, f.denominator)
    if v.isRealAlgebraicNumber():
        x = tm.mkVar(tm.getRealSort(), "x")
        poly = sp.Poly(_sexpr_to_sympy(str(v.getRealAlgebraicNumberDefiningPolynomial(x)), sp.Symbol("x")), sp.Symbol("x"))
        lo, hi = (str(b.getRealValue()) for b in (v.getRealAlgebraicNumberLowerBound(), v.getRealAlgebraicNumberUpperBound()))
        return ("alg", [str(c) for c in reversed(poly.all_coeffs())], lo, hi)
    return ("unknown", str(v))


def _decode(value) -> sp.Expr:
    if value[0] == "rat":
        return sp.Rational(value[1], value[2])
    if value[0] == "alg":
        lo, hi = sp.Rational(value[2]), sp.Rational(value[3])
        return _algebraic(value[1], lambda r: bool(sp.N(r - lo, 60) > 0) and bool(sp.N(hi - r, 60) > 0))
    raise PrecisionError(f"cvc5 returned a model value it cannot express exactly: {value[1]}")


def _cvc5_child(text: str, names, timeout_ms: int) -> tuple:
    """Runs in a forked process (cvc5's nonlinear search does not always honour its time limits)."""
    try:
        cvc5 = _module("cvc5")
        tm = cvc5.TermManager()
        s = cvc5.Solver(tm)
        s.setOption("produce-models", "true")
        s.setOption("tlimit-per", str(int(timeout_ms)))
        s.setLogic("QF_NRA")
        parser = cvc5.InputParser(s)
        parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, text, "symflat")
        sm = parser.getSymbolManager()
        while True:
            cmd = parser.nextCommand()
            if cmd.isNull():
                break
            cmd.invoke(s, sm)
        res = s.checkSat()
        if res.isUnsat():
            return ("unsat", None, None)
        if res.isSat():
            terms = {str(t): t for t in sm.getDeclaredTerms()}
            return ("sat", {n: _cvc5_value(tm, s.getValue(terms[n])) if n in terms else ("rat", 0, 1) for n in names}, None)
        return ("unknown", None, str(res.getUnknownExplanation()))
    except Exception as exc:  # reported to the parent, which raises it as a symflat error
        return ("error", None, f"{type(exc).__name__}: {exc}")


def _in_child(func, args, timeout_s: float):
    """``func(*args)`` in a forked child (plain ``os.fork``: the check runners' workers are daemonic
    and may not start multiprocessing children); ``None`` if it has not answered in ``timeout_s``,
    in which case the child is killed."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child; a CPU limit ends it even if its parent dies before it can kill it
        try:
            cpu = int(timeout_s) + 2
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
            os.close(rfd)
            data = pickle.dumps(func(*args))
            with os.fdopen(wfd, "wb") as out:
                out.write(data)
        finally:
            os._exit(0)
    os.close(wfd)
    chunks, deadline, done = [], time.monotonic() + timeout_s, False
    with os.fdopen(rfd, "rb", buffering=0) as inp:
        while not done:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([inp], [], [], left)[0]:
                break
            chunk = inp.read(65536)
            chunks.append(chunk)
            done = not chunk
    if not done:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return pickle.loads(b"".join(chunks)) if done and chunks[:-1] else None


def _solve_cvc5(text: str, names, timeout_ms: int) -> SolverAnswer:
    cvc5 = _module("cvc5")
    version = str(cvc5.__version__)
    t = time.perf_counter()
    msg = _in_child(_cvc5_child, (text, list(names), timeout_ms), timeout_ms / 1000 + 0.5)
    secs = time.perf_counter() - t
    if msg is None:
        return SolverAnswer("unknown", "cvc5", version, secs, reason=f"solver timeout ({timeout_ms} ms)")
    result, model, info = msg
    if result == "error":
        raise PrecisionError(f"cvc5 failed: {info}")
    if result == "unsat":
        return SolverAnswer("unsat", "cvc5", version, secs)
    if result == "sat":
        return SolverAnswer("sat", "cvc5", version, secs, {n: _decode(v) for n, v in model.items()})
    reason = f"solver timeout ({timeout_ms} ms)" if "TIMEOUT" in info else f"cvc5 returned unknown ({info})"
    return SolverAnswer("unknown", "cvc5", version, secs, reason=reason)


def solve(names, assertions, solver: str = "z3", timeout_ms: int = 10_000) -> SolverAnswer:
    """Is there a real point (values for ``names``) where every SMT-LIB ``assertions`` holds?"""
    _module(solver)
    if not isinstance(timeout_ms, int) or timeout_ms <= 0:
        raise PrecisionError(f"timeout_ms={timeout_ms!r}: give a positive integer number of milliseconds")
    text = "".join(f"(declare-fun {n} () Real)" for n in names) + "".join(f"(assert {a})" for a in assertions)
    return (_solve_z3 if solver == "z3" else _solve_cvc5)(text, list(names), timeout_ms)


def smt_term(expr: sp.Expr, names: dict) -> str:
    """SMT-LIB text of a polynomial ``expr`` with rational coefficients; ``names`` maps its symbols
    to SMT names."""
    expr = sp.expand(expr)
    gens = [s for s in names if s in expr.free_symbols]
    if not gens:
        return _smt_rational(sp.Rational(expr))
    poly = sp.Poly(expr, *gens)
    terms = []
    for monom, coeff in poly.terms():
        factors = [names[g] for g, k in zip(gens, monom) for _ in range(k)]
        c = sp.Rational(coeff)
        if not factors:
            terms.append(_smt_rational(c))
        elif c == 1:
            terms.append(factors[0] if len(factors) == 1 else f"(* {' '.join(factors)})")
        else:
            terms.append(f"(* {_smt_rational(c)} {' '.join(factors)})")
    return terms[0] if len(terms) == 1 else f"(+ {' '.join(terms)})"


def _smt_rational(c: sp.Rational) -> str:
    f = Fraction(int(c.p), int(c.q))
    num = f"{abs(f.numerator)}.0"
    body = num if f.denominator == 1 else f"(/ {num} {f.denominator}.0)"
    return f"(- {body})" if f < 0 else body
