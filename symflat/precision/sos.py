"""Exact sum-of-squares certificates: ``p >= 0`` (on a semialgebraic set) with a proof checked in SymPy.

A certificate of ``p >= 0`` on ``K = {g_i >= 0, h_j = 0}`` is an identity (Putinar's form)

    p = z_0^T Q_0 z_0 + sum_i g_i z_i^T Q_i z_i + sum_j h_j lam_j,   every Q_i positive semidefinite,

with ``z_i`` vectors of monomials and ``lam_j`` arbitrary polynomials: each term is >= 0 on ``K``.
It is found numerically and then made exact:

1. the Gram-matrix semidefinite program (cvxpy, Clarabel or SCS), maximising the smallest
   eigenvalue so the solution sits inside the cone where it can;
2. where that smallest eigenvalue is 0 (``p`` has real zeros), the common kernel of the solution is
   read off, rounded to a rational basis and imposed as linear constraints (facial reduction);
3. the solution rounded to rationals and projected exactly (rational arithmetic) onto the affine
   space of Gram matrices that reproduce ``p`` and annihilate that kernel;
4. the check, in exact rationals: every ``Q_i`` has an ``L D L^T`` factorisation with ``D >= 0``,
   and ``p`` minus the certificate expands to 0 in SymPy.

Only step 4 makes the claim: a certificate that fails it is not a proof (``open``, with the reason).
Without multipliers, a polynomial that is nonnegative but not a sum of squares (Motzkin's
``x^4 y^2 + x^2 y^4 + 1 - 3 x^2 y^2``) has no certificate; ``denominator=k`` multiplies ``p`` by
``(1 + |x|^2)^k`` first (Reznick), which certifies such cases. When no certificate is found, a
numeric local search looks for a rational point of ``K`` where ``p < 0``, checked exactly
(``refuted``, with the witness).

:func:`prove_nonnegative` takes a relation (``lhs >= rhs``, possibly with square roots, absolute
values and denominators, under assumptions) and reduces it to this form with the front end of
:mod:`~symflat.precision.decide`: a root ``sqrt(b)`` becomes ``r`` with ``r >= 0`` and
``r^2 - b = 0``; ``N/D >= 0`` becomes ``N D >= 0``.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import sympy as sp
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix

from symflat.precision.errors import PrecisionError

BACKENDS = ("CLARABEL", "SCS")


def _cvxpy():
    try:
        import cvxpy
    except ImportError:
        raise PrecisionError("sum-of-squares certificates need cvxpy: pip install 'symflat[sos]'") from None
    return cvxpy


def backend_version(backend: str) -> str:
    """``cvxpy <v> + <backend> <v>``."""
    cp = _cvxpy()
    mod = {"CLARABEL": "clarabel", "SCS": "scs"}[backend]
    try:
        v = __import__(mod).__version__
    except (ImportError, AttributeError):
        raise PrecisionError(f"backend {backend} is not installed: pip install 'symflat[sos]'") from None
    return f"cvxpy {cp.__version__} + {mod} {v}"


@dataclass
class Gram:
    """One term ``multiplier * z^T Q z`` of a certificate (``multiplier`` 1 for the free SOS term)."""

    multiplier: sp.Expr
    basis: list
    Q: sp.Matrix

    def squares(self) -> sp.Expr:
        """``z^T Q z`` as a weighted sum of squares ``sum_k d_k (l_k . z)^2`` (exact L D L^T)."""
        L, D = ldl(self.Q)
        z = sp.Matrix(self.basis)
        return sp.Add(*(D[k] * (sum((L[i, k] * z[i] for i in range(len(z))), sp.Integer(0))) ** 2
                        for k in range(len(D)) if D[k] != 0))


@dataclass
class SOSCertificate:
    """``status``: ``proved`` (exact certificate checked), ``refuted`` (exact witness with
    ``p < 0`` on the set) or ``open`` (``reason``). ``grams`` and ``equalities`` hold the
    certificate; :meth:`expression` rebuilds it as a SymPy expression equal to ``polynomial``."""

    status: str
    detail: str
    polynomial: sp.Expr
    variables: list
    solver: str
    version: str
    reason: str | None = None
    grams: list = field(default_factory=list)
    equalities: list = field(default_factory=list)
    witness: dict | None = None
    seconds: float = 0.0
    factor: sp.Expr = sp.Integer(1)

    def expression(self) -> sp.Expr:
        """``sum_i g_i sum_k d_k (l_k . z_i)^2 + sum_j h_j lam_j`` (equal to ``factor * p``)."""
        return sp.Add(*(g.multiplier * g.squares() for g in self.grams), *(h * lam for h, lam in self.equalities))

    def evidence(self, what: str = "", **data):
        """This result as :class:`~symflat.claims.Evidence` (``proved`` only for a checked certificate)."""
        from symflat.claims import Evidence

        common = {"method": "sos", "solver": self.solver, "version": self.version, "solver_seconds": round(self.seconds, 3),
                  **data}
        text = f"{what}: {self.detail}" if what else self.detail
        if self.status == "proved":
            return Evidence.proved(text, gram_sizes=[len(g.basis) for g in self.grams], **common)
        if self.status == "refuted":
            return Evidence.refuted(text, counterexample={k: str(v) for k, v in (self.witness or {}).items()}, **common)
        return Evidence.open(text, reason=self.reason, **common)


# --- exact linear algebra ------------------------------------------------------------------------

def ldl(Q: sp.Matrix):
    """Exact ``Q = L diag(D) L^T`` of a rational symmetric matrix with ``D >= 0``; raises
    :class:`PrecisionError` (with the failing pivot) when ``Q`` is not positive semidefinite."""
    n = Q.shape[0]
    A = [[Fraction(int(sp.Rational(Q[i, j]).p), int(sp.Rational(Q[i, j]).q)) for j in range(n)] for i in range(n)]
    for i in range(n):
        for j in range(i):
            if A[i][j] != A[j][i]:
                raise PrecisionError("ldl: the matrix is not symmetric")
    L = [[Fraction(int(i == j)) for j in range(n)] for i in range(n)]
    D = [Fraction(0)] * n
    for k in range(n):
        d = A[k][k]
        if d < 0:
            raise PrecisionError(f"not positive semidefinite: pivot {k} is {d}")
        if d == 0:
            if any(A[i][k] != 0 for i in range(k + 1, n)):
                raise PrecisionError(f"not positive semidefinite: zero pivot {k} with a nonzero column below it")
            continue
        D[k] = d
        for i in range(k + 1, n):
            L[i][k] = A[i][k] / d
        for i in range(k + 1, n):
            for j in range(k + 1, i + 1):
                A[i][j] -= L[i][k] * d * L[j][k]
                A[j][i] = A[i][j]
    return sp.Matrix(n, n, lambda i, j: sp.Rational(L[i][j].numerator, L[i][j].denominator)), \
        [sp.Rational(d.numerator, d.denominator) for d in D]


def _project(A: list, b: list, u0: list) -> list:
    """The point of ``{u : A u = b}`` nearest ``u0`` (exact rationals); ``None`` if inconsistent."""
    m, n = len(A), len(u0)
    Ab = DomainMatrix([[QQ(*_pq(x)) for x in row] + [QQ(*_pq(bi))] for row, bi in zip(A, b)], (m, n + 1), QQ)
    R, pivots = Ab.rref()
    if n in pivots:
        return None
    r = len(pivots)
    u = DomainMatrix([[QQ(*_pq(x))] for x in u0], (n, 1), QQ)
    if r == 0:
        return u0
    Ar, br = R[:r, :n], R[:r, n:]
    resid = Ar * u - br
    y = (Ar * Ar.transpose()).lu_solve(resid)
    out = u - Ar.transpose() * y
    return [out[i, 0].element for i in range(n)]


def _pq(x):
    x = Fraction(x) if not isinstance(x, Fraction) else x
    return (x.numerator, x.denominator)


# --- the semidefinite program ---------------------------------------------------------------------

def _monomials(variables, lo, hi):
    out = []
    for deg in range(lo, hi + 1):
        for combo in itertools.combinations_with_replacement(variables, deg):
            out.append(sp.Mul(*combo))
    return out or [sp.Integer(1)]


def _newton_basis(p: sp.Expr, variables, half: int):
    """Monomials of degree <= ``half`` whose exponents lie in half the box spanned by ``p``'s terms
    (a cheap outer bound of half the Newton polytope; a Gram basis never needs more)."""
    exps = np.array(sp.Poly(p, *variables).monoms())
    lo, hi = exps.min(axis=0), exps.max(axis=0)
    degs = exps.sum(axis=1)
    out = []
    for m in _monomials(variables, 0, half):
        e = sp.Poly(m, *variables).monoms()[0]
        d = sum(e)
        if all(2 * e[i] >= lo[i] and 2 * e[i] <= hi[i] for i in range(len(e))) and degs.min() <= 2 * d <= degs.max():
            out.append(m)
    return out


class _Program:
    """Unknowns: the upper triangles of the Gram matrices, then the coefficients of the equality
    multipliers; one linear equation per monomial of the identity."""

    def __init__(self, p, variables, ineqs, eqs, half, newton):
        self.variables = variables
        self.grams = []   # (multiplier, basis)
        free = _newton_basis(p, variables, half) if newton else _monomials(variables, 0, half)
        if free:
            self.grams.append((sp.Integer(1), free))
        for g in ineqs:
            dg = sp.Poly(g, *variables).total_degree()
            k = (2 * half - dg) // 2
            if k >= 0:
                self.grams.append((g, _monomials(variables, 0, k)))
        self.eqs = []
        for h in eqs:
            dh = sp.Poly(h, *variables).total_degree()
            if 2 * half - dh >= 0:
                self.eqs.append((h, _monomials(variables, 0, 2 * half - dh)))
        cols, self.slices = [], []
        for g, basis in self.grams:
            start = len(cols)
            n = len(basis)
            cols.extend(("gram", len(self.slices), i, j) for i in range(n) for j in range(i, n))
            self.slices.append((start, len(cols)))
        self.eq_slices = []
        for h, basis in self.eqs:
            start = len(cols)
            cols.extend(("eq", len(self.eq_slices), i) for i in range(len(basis)))
            self.eq_slices.append((start, len(cols)))
        self.ncols = len(cols)
        rows: dict = {}

        def add(monom_poly: sp.Poly, col: int, weight):
            for mon, c in monom_poly.terms():
                rows.setdefault(mon, {})
                rows[mon][col] = rows[mon].get(col, 0) + Fraction(int(c.p), int(c.q)) * weight

        for gi, (g, basis) in enumerate(self.grams):
            gp = sp.Poly(g, *variables)
            start = self.slices[gi][0]
            polys = [sp.Poly(m, *variables) for m in basis]
            c = start
            for i in range(len(basis)):
                for j in range(i, len(basis)):
                    add(gp * polys[i] * polys[j], c, 1 if i == j else 2)
                    c += 1
        for ei, (h, basis) in enumerate(self.eqs):
            hp = sp.Poly(h, *variables)
            for i, m in enumerate(basis):
                add(hp * sp.Poly(m, *variables), self.eq_slices[ei][0] + i, 1)
        target = {mon: Fraction(int(c.p), int(c.q)) for mon, c in sp.Poly(p, *variables).terms()}
        self.monoms = sorted(set(rows) | set(target))
        self.A = [[rows.get(mon, {}).get(c, Fraction(0)) for c in range(self.ncols)] for mon in self.monoms]
        self.b = [target.get(mon, Fraction(0)) for mon in self.monoms]

    def matrices(self, u):
        out = []
        for (g, basis), (s, e) in zip(self.grams, self.slices):
            n = len(basis)
            M = [[0] * n for _ in range(n)]
            it = iter(u[s:e])
            for i in range(n):
                for j in range(i, n):
                    M[i][j] = M[j][i] = next(it)
            out.append(M)
        return out

    def kernel_rows(self, kernels):
        """Linear equations ``Q_i k = 0`` for rational kernel vectors ``k`` of each Gram matrix."""
        rows = []
        for gi, ks in enumerate(kernels):
            s, _ = self.slices[gi]
            n = len(self.grams[gi][1])
            index, c = {}, s
            for i in range(n):
                for j in range(i, n):
                    index[(i, j)] = index[(j, i)] = c
                    c += 1
            for k in ks:
                for i in range(n):
                    row = [Fraction(0)] * self.ncols
                    for j in range(n):
                        row[index[(i, j)]] += k[j]
                    rows.append(row)
        return rows

    def solve_numeric(self, backend):
        cp = _cvxpy()
        Qs = [cp.Variable((len(b), len(b)), symmetric=True) for _, b in self.grams]
        lams = [cp.Variable(len(b)) for _, b in self.eqs]
        t = cp.Variable()
        parts = []
        for Q, (_, basis) in zip(Qs, self.grams):
            n = len(basis)
            parts.extend(Q[i, j] for i in range(n) for j in range(i, n))
        for lam in lams:
            parts.extend(lam[i] for i in range(lam.shape[0]))
        u = cp.hstack(parts)
        A = np.array([[float(x) for x in row] for row in self.A])
        b = np.array([float(x) for x in self.b])
        cons = [A @ u == b, t <= 1] + [Q - t * np.eye(Q.shape[0]) >> 0 for Q in Qs]
        prob = cp.Problem(cp.Maximize(t), cons)
        try:
            prob.solve(solver=backend)
        except Exception as exc:  # cvxpy's SolverError and the backends' own errors
            return None, None, f"{backend} failed: {type(exc).__name__}: {exc}"
        if prob.status not in ("optimal", "optimal_inaccurate") or t.value is None:
            return None, None, f"the semidefinite program is {prob.status}"
        return [float(x) for x in u.value], float(t.value), None


def _rational_kernel(M: np.ndarray, tol: float):
    """A rational basis (reduced row echelon form, small denominators) of the numerical kernel of ``M``."""
    w, V = np.linalg.eigh(M)
    scale = max(1.0, float(np.max(np.abs(w))))
    K = V[:, w < tol * scale]
    if K.shape[1] == 0:
        return []
    # numeric RREF with partial pivoting, then round each entry
    A = np.array(K.T, dtype=float)
    r, piv_cols = 0, []
    for c in range(A.shape[1]):
        if r == A.shape[0]:
            break
        p = r + int(np.argmax(np.abs(A[r:, c])))
        if abs(A[p, c]) < 1e-8:
            continue
        A[[r, p]] = A[[p, r]]
        A[r] /= A[r, c]
        for i in range(A.shape[0]):
            if i != r:
                A[i] -= A[i, c] * A[r]
        piv_cols.append(c)
        r += 1
    out = []
    norm = max(1e-300, float(np.max(np.abs(M))))
    for row in A[:r]:
        for bound in (1, 2, 4, 6, 10, 12, 100, 1000, 10 ** 4, 10 ** 6):
            k = [Fraction(float(v)).limit_denominator(bound) for v in row]
            kv = np.array([float(v) for v in k])
            if np.linalg.norm(M @ kv) <= 1e-5 * norm * np.linalg.norm(kv):
                out.append(k)
                break
        else:
            out.append([Fraction(float(v)).limit_denominator(10 ** 6) for v in row])
    return out


def _exact_check(prog: _Program, u, p, variables):
    mats = prog.matrices(u)
    grams = []
    for (g, basis), M in zip(prog.grams, mats):
        Q = sp.Matrix(len(basis), len(basis), lambda i, j: sp.Rational(M[i][j].numerator, M[i][j].denominator))
        ldl(Q)   # raises when not PSD
        grams.append(Gram(g, basis, Q))
    eqs = []
    for (h, basis), (s, e) in zip(prog.eqs, prog.eq_slices):
        lam = sp.Add(*(sp.Rational(c.numerator, c.denominator) * m for c, m in zip(u[s:e], basis)))
        eqs.append((h, lam))
    total = sp.Add(*(g.multiplier * (sp.Matrix(g.basis).T * g.Q * sp.Matrix(g.basis))[0, 0] for g in grams),
                   *(h * lam for h, lam in eqs))
    if sp.expand(p - total) != 0:
        raise PrecisionError("the identity p = certificate does not hold exactly")
    return grams, eqs


def sos_certificate(p, inequalities=(), equalities=(), *, variables=None, degree: int | None = None,
                    denominator: int = 0, backend: str = "CLARABEL", goal=None, assumptions=()) -> SOSCertificate:
    """Certify ``p >= 0`` on ``{g >= 0 for g in inequalities, h = 0 for h in equalities}``.

    ``degree``: the even degree of the certificate (default: the smallest that fits ``p`` and the
    constraints); ``denominator=k`` certifies ``(1 + sum x_i^2)^k p`` instead (which has the same
    sign). ``goal``/``assumptions``: the original problem, used to check a refuting witness."""
    t0 = time.perf_counter()
    if backend not in BACKENDS:
        raise PrecisionError(f"backend={backend!r}: use one of {BACKENDS}")
    version = backend_version(backend)
    p = sp.expand(sp.sympify(p))
    ineqs = [sp.expand(sp.sympify(g)) for g in inequalities]
    eqs = [sp.expand(sp.sympify(h)) for h in equalities]
    allexprs = [p, *ineqs, *eqs]
    if variables is None:
        variables = sorted(set().union(*(e.free_symbols for e in allexprs)), key=lambda s: s.name)
    variables = list(variables)
    for e in allexprs:
        try:
            poly = sp.Poly(e, *variables) if variables else None
        except sp.PolynomialError:
            poly = None
        if variables and (poly is None or not all(c.is_Rational for c in poly.coeffs())):
            raise PrecisionError(f"sos_certificate needs polynomials with rational coefficients in {variables}; got {e}")
    if not isinstance(denominator, int) or denominator < 0:
        raise PrecisionError(f"denominator={denominator!r}: give a nonnegative integer")
    factor = (1 + sum(v ** 2 for v in variables)) ** denominator
    target = sp.expand(factor * p)
    base = dict(polynomial=p, variables=variables, solver=backend, version=version, factor=factor)
    if not variables:
        ok = p >= 0
        return SOSCertificate("proved" if ok else "refuted", f"constant {p}", **base, seconds=time.perf_counter() - t0)
    degs = [sp.Poly(e, *variables).total_degree() for e in [target, *ineqs, *eqs]]
    need = max(degs)
    d2 = degree if degree is not None else need + (need % 2)
    if d2 % 2 or d2 < sp.Poly(target, *variables).total_degree():
        raise PrecisionError(f"degree={degree}: give an even degree >= {sp.Poly(target, *variables).total_degree()}")
    prog = _Program(target, variables, ineqs, eqs, d2 // 2, newton=not ineqs and not eqs)
    if prog.grams:
        u_num, t_num, err = prog.solve_numeric(backend)
    else:
        u_num, t_num, err = None, None, "no monomial basis fits p (odd degree, or its Newton polytope has no interior lattice half)"
    reason = err
    if u_num is not None:
        scale = max(1.0, max(abs(x) for x in u_num))
        if t_num < -1e-6 * scale:
            reason = f"no certificate of degree {d2}: the best Gram matrices have smallest eigenvalue {t_num:.2e} < 0"
        else:
            attempts = [(prog.A, prog.b)]
            if t_num < 1e-7 * scale:  # on the boundary of the cone: impose the kernel exactly as well
                kernels = [_rational_kernel(np.array(M, dtype=float), 1e-6) for M in prog.matrices(u_num)]
                rows = prog.kernel_rows(kernels)
                attempts.append((prog.A + rows, prog.b + [Fraction(0)] * len(rows)))
            for digits, (rows, rhs) in itertools.product((1, 2, 3, 4, 6, 8, 10, 12), attempts):
                u0 = [Fraction(x).limit_denominator(10 ** digits) for x in u_num]
                u = _project(rows, rhs, u0)
                if u is None:
                    reason = "the rounded kernel is inconsistent with the polynomial (facial reduction failed)"
                    continue
                try:
                    grams, eqpart = _exact_check(prog, u, target, variables)
                except PrecisionError as exc:
                    reason = f"the rounded certificate fails the exact check ({exc})"
                    continue
                sizes = "+".join(str(len(g.basis)) for g in grams)
                what = f"(1 + |x|^2)^{denominator} p" if denominator else "p"
                return SOSCertificate("proved", f"exact SOS certificate: {what} = sum of {len(grams)} Gram term(s) "
                                      f"(sizes {sizes}) + {len(eqpart)} equality multiplier(s), degree {d2}; Q PSD by exact "
                                      f"LDL^T, identity expanded to 0 in SymPy ({version})", **base, grams=grams,
                                      equalities=eqpart, seconds=time.perf_counter() - t0)
    witness = _refute(p, ineqs, eqs, variables, goal, assumptions)
    if witness is not None:
        return SOSCertificate("refuted", f"counterexample {', '.join(f'{k} = {v}' for k, v in witness.items())} "
                              "(checked exactly)", **base, witness=witness, reason=reason, seconds=time.perf_counter() - t0)
    return SOSCertificate("open", f"no certificate: {reason}", **base, reason=reason, seconds=time.perf_counter() - t0)


def _refute(p, ineqs, eqs, variables, goal, assumptions, starts: int = 30):
    """A rational point of the set where ``p < 0`` (or, with ``goal``, where the original goal
    fails and its assumptions hold), found by local minimisation and checked exactly."""
    from scipy.optimize import minimize

    from symflat.precision.decide import truth

    if eqs and goal is None:
        return None   # rational points rarely satisfy polynomial equalities exactly
    f = sp.lambdify(variables, p, "numpy")
    gs = [sp.lambdify(variables, g, "numpy") for g in ineqs]
    rng = np.random.default_rng(0)

    def penalised(x):
        with np.errstate(all="ignore"):   # far-away trial points overflow; they are simply bad
            return float(f(*x)) + 1e3 * sum(max(0.0, -float(g(*x))) ** 2 for g in gs)

    def check(pt):
        if goal is not None:
            orig = {s: pt[s] for s in pt if not s.name.startswith("_")}
            if all(truth(a, orig) for a in assumptions) and truth(goal, orig) is False:
                return {s.name: v for s, v in orig.items()}
        elif all(g.xreplace(pt) >= 0 for g in ineqs) and p.xreplace(pt) < 0:
            return {s.name: v for s, v in pt.items()}
        return None

    for _ in range(300):   # simple rational points first: they make readable witnesses
        pt = {v: sp.Rational(int(rng.integers(-6, 7)), int(rng.integers(1, 4))) for v in variables}
        if goal is not None or not eqs:
            found = check(pt)
            if found is not None:
                return found
    for k in range(starts):
        x0 = rng.normal(0, 2.0 ** (k % 4), len(variables))
        try:
            res = minimize(penalised, x0, method="Nelder-Mead", options={"maxiter": 400 * len(variables), "xatol": 1e-10})
        except (ValueError, OverflowError, ZeroDivisionError):
            continue
        if not np.all(np.isfinite(res.x)) or res.fun >= 0:
            continue
        for digits in (1, 2, 3, 4, 6, 8):
            pt = {v: sp.Rational(Fraction(float(x)).limit_denominator(10 ** digits)) for v, x in zip(variables, res.x)}
            found = check(pt)
            if found is not None:
                return found
    return None


def prove_nonnegative(goal, assumptions=(), *, degree: int | None = None, denominator: int = 0,
                      backend: str = "CLARABEL") -> SOSCertificate:
    """Certify a relation ``lhs >= rhs`` (or ``<=``) over the reals where it is defined, under
    ``assumptions`` (relations; symbols' ``positive``/``nonnegative`` assumptions included). Roots
    and absolute values become constrained auxiliary variables, denominators are cleared."""
    from symflat.precision.decide import _REL, _symbol_constraints, _Translator, _Untranslatable

    goal = sp.sympify(goal)
    if type(goal) not in (sp.GreaterThan, sp.LessThan):
        raise PrecisionError(f"prove_nonnegative needs a relation with >= or <=, got {goal}")
    assumptions = [sp.sympify(a) for a in assumptions]
    symbols = sorted(set().union(goal.free_symbols, *(a.free_symbols for a in assumptions)), key=lambda s: s.name)
    tr = _Translator()
    conds: list = []
    version = backend_version(backend)
    try:
        lhs, rhs = tr.term(goal.lhs, conds), tr.term(goal.rhs, conds)
        ineqs, eqs = [], []
        for a in [c for s in symbols for c in _symbol_constraints(s)] + assumptions:
            if a is sp.true:
                continue
            if type(a) not in _REL:
                raise _Untranslatable(f"assumption {a} is not a single relation")
            _, op, poly = tr.atom(type(a)(tr.term(a.lhs, conds), tr.term(a.rhs, conds), evaluate=False))
            if op in (">=", ">"):
                ineqs.append(poly)
            elif op in ("<=", "<"):
                ineqs.append(-poly)
            elif op == "=":
                eqs.append(poly)
        for (kind, key), s in tr._cache.items():
            if kind == "root":
                base, q = key
                ineqs.append(s)
                num, den = sp.fraction(sp.together(s ** q - base))
                eqs.append(sp.expand(num * den))
            elif kind == "abs":
                ineqs.append(s)
                eqs.append(sp.expand(s ** 2 - key ** 2))
            else:
                raise _Untranslatable(f"{kind} needs a case split: use decide_formula")
    except _Untranslatable as exc:
        return SOSCertificate("open", f"not reducible to polynomials: {exc}", goal, symbols, backend, version, reason=str(exc))
    diff = lhs - rhs if isinstance(goal, sp.GreaterThan) else rhs - lhs
    num, den = sp.fraction(sp.together(diff))
    p = sp.expand(num if (den.is_positive or den.is_number and den > 0) else num * den)
    variables = symbols + tr.aux
    return sos_certificate(p, ineqs, eqs, variables=variables, degree=degree, denominator=denominator, backend=backend,
                           goal=goal, assumptions=assumptions)
