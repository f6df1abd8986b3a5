"""Between SymPy matrix expressions (``MatrixSymbol`` of symbolic shape, ``MatMul``, ``MatAdd``,
``Transpose``, ``Trace``, ``KroneckerProduct``) and the engine's polynomials.

:func:`from_sympy` reads a SymPy expression (a matrix, or a scalar built from traces);
``to_sympy`` of each polynomial class writes one back, with segments ``W_{hi:lo}`` as
``MatrixSymbol`` s of that name and the commutation matrix as ``K_{p,q}``.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions import (
    Identity,
    KroneckerProduct,
    MatAdd,
    MatMul,
    MatPow,
    MatrixExpr,
    MatrixSymbol,
    Trace,
    Transpose,
    ZeroMatrix,
)

from symflat.symbolic.matrix_calculus.algebra import Atom, MatPoly, MatrixCalculusError, TracePoly


def _atom_symbol(a: Atom) -> MatrixSymbol:
    return MatrixSymbol(a.name, a.rows, a.cols)


def _word_to_sympy(w, rows) -> sp.MatrixExpr:
    if not w:
        return Identity(rows)
    mats = [_atom_symbol(a).T if t else _atom_symbol(a) for a, t in w]
    return mats[0] if len(mats) == 1 else MatMul(*mats)


def poly_to_sympy(p: MatPoly) -> sp.MatrixExpr:
    if not p.terms:
        return ZeroMatrix(p.rows, p.cols)
    return MatAdd(*[c * _word_to_sympy(w, p.rows) for w, c in p.items()])


def trace_to_sympy(p: TracePoly) -> sp.Expr:
    return sp.Add(*[c * (Trace(_word_to_sympy(w, None)) if w else 1) for w, c in p.items()])


def kron_to_sympy(k) -> sp.MatrixExpr:
    terms = []
    for wl, lr, _, wr, rr, _, comm, c in k.items():
        term = KroneckerProduct(_word_to_sympy(wl, lr), _word_to_sympy(wr, rr))
        if comm is not None:
            p, q = comm
            term = term * MatrixSymbol(f"K_{{{p},{q}}}", p * q, p * q)
        terms.append(c * term)
    return MatAdd(*terms) if terms else sp.S.Zero


def from_sympy(expr, symmetric=()) -> MatPoly | TracePoly:
    """The engine's polynomial of a SymPy matrix expression or of a scalar made of traces.
    ``symmetric`` lists the ``MatrixSymbol`` s known to be symmetric."""
    sym = {s.name if isinstance(s, MatrixSymbol) else str(s) for s in symmetric}
    if isinstance(expr, MatrixExpr):
        return _matrix(expr, sym)
    return _scalar(sp.sympify(expr), sym)


def _matrix(e, sym) -> MatPoly:
    if isinstance(e, MatrixSymbol):
        return MatPoly.atom(Atom(str(e.name), e.rows, e.cols, symmetric=str(e.name) in sym))
    if isinstance(e, Transpose):
        return _matrix(e.arg, sym).T
    if isinstance(e, Identity):
        return MatPoly.identity(e.rows)
    if isinstance(e, ZeroMatrix):
        return MatPoly.zero(e.rows, e.cols)
    if isinstance(e, MatAdd):
        parts = [_matrix(a, sym) for a in e.args]
        out = parts[0]
        for p in parts[1:]:
            out = out + p
        return out
    if isinstance(e, MatMul):
        coeff = sp.Mul(*[a for a in e.args if not isinstance(a, MatrixExpr)])
        mats = [_matrix(a, sym) for a in e.args if isinstance(a, MatrixExpr)]
        out = mats[0]
        for m in mats[1:]:
            out = out @ m
        return out.scale(coeff)
    if isinstance(e, MatPow) and e.exp.is_Integer and e.exp > 0:
        base = _matrix(e.base, sym)
        out = base
        for _ in range(int(e.exp) - 1):
            out = out @ base
        return out
    raise MatrixCalculusError(f"unsupported matrix expression {type(e).__name__}: {e}")


def _scalar(e, sym) -> TracePoly:
    if isinstance(e, Trace):
        return _matrix(e.arg, sym).trace()
    if isinstance(e, sp.Add):
        out = TracePoly()
        for a in e.args:
            out = out + _scalar(a, sym)
        return out
    if isinstance(e, sp.Mul):
        traced = [a for a in e.args if a.has(Trace)]
        if len(traced) > 1:
            raise MatrixCalculusError(f"products of traces are not supported: {e}")
        coeff = sp.Mul(*[a for a in e.args if not a.has(Trace)])
        return _scalar(traced[0], sym).scale(coeff) if traced else TracePoly({(): coeff})
    if not e.has(Trace) and not e.atoms(MatrixSymbol):
        return TracePoly({(): e})
    raise MatrixCalculusError(f"unsupported scalar expression {type(e).__name__}: {e}")


def commutation_matrix(p: int, q: int) -> sp.Matrix:
    """``K_{p,q}`` with ``K vec(Y) = vec(Y^T)`` for ``Y`` of shape ``p x q`` (column-major vec)."""
    K = sp.zeros(p * q, p * q)
    for r in range(p):
        for c in range(q):
            K[r * q + c, c * p + r] = 1
    return K


class Instance:
    """Explicit values for a polynomial's atoms: ``layers`` (``[W_1, ..., W_m]`` for the chain's
    segments), ``matrices`` (atom name -> matrix) and ``indices`` (index or depth symbol -> int).
    Used to cross-check general results at explicit sizes; never part of a proof."""

    def __init__(self, layers=(), matrices=None, indices=None):
        self.layers = [sp.Matrix(W) for W in layers]
        self.matrices = {k: sp.Matrix(v) for k, v in (matrices or {}).items()}
        self.indices = dict(indices or {})

    def _int(self, e) -> int:
        v = sp.sympify(e).subs(self.indices)
        if not v.is_Integer:
            raise MatrixCalculusError(f"instance: index {e} has no value (got {v})")
        return int(v)

    def atom(self, a: Atom) -> sp.Matrix:
        if a.is_segment:
            hi, lo = self._int(a.hi), self._int(a.lo)
            out = sp.eye(self.layers[lo - 2].rows if lo >= 2 else self.layers[0].cols)
            for k in range(lo, hi + 1):
                out = self.layers[k - 1] * out
            return out
        if a.name not in self.matrices:
            raise MatrixCalculusError(f"instance: no value for {a.name}")
        return self.matrices[a.name]

    def word(self, w, rows) -> sp.Matrix:
        out = None
        for a, t in w:
            m = self.atom(a).T if t else self.atom(a)
            out = m if out is None else out * m
        return out if out is not None else sp.eye(self._int(rows) if not isinstance(rows, int) else rows)

    def size(self, e) -> int:
        """Value of a size expression ``d[k]`` (widths from the layers) or a plain integer."""
        e = sp.sympify(e)
        if isinstance(e, sp.Indexed):
            k = self._int(e.indices[0])
            return self.layers[0].cols if k == 0 else self.layers[k - 1].rows
        return self._int(e)

    def value(self, p):
        from symflat.symbolic.matrix_calculus.kron import KronPoly
        if isinstance(p, TracePoly):
            return sp.nsimplify(sum((c * (self.word(w, 1).trace() if w else 1) for w, c in p.items()), sp.S.Zero))
        if isinstance(p, KronPoly):
            total = None
            for wl, lr, _, wr, rr, _, comm, c in p.items():
                term = c * sp.kronecker_product(self.word(wl, self.size(lr)), self.word(wr, self.size(rr)))
                if comm is not None:
                    term = term * commutation_matrix(self.size(comm[0]), self.size(comm[1]))
                total = term if total is None else total + term
            return total
        out = sp.zeros(self.size(p.rows), self.size(p.cols))
        for w, c in p.items():
            out += c * self.word(w, self.size(p.rows))
        return out
