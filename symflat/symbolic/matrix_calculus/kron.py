"""vec/Kronecker forms: the Hessian blocks of a bilinear form as Kronecker products.

Column-major ``vec`` throughout. Rules (The Matrix Cookbook, section on the Kronecker product and
the vec operator):

- ``vec(A X B) = (B^T kron A) vec(X)``, hence
  ``tr(X^T A Y B) = vec(X)^T (B^T kron A) vec(Y)``;
- ``vec(Y^T) = K_{p,q} vec(Y)`` for ``Y`` of shape ``p x q`` (the commutation matrix), so
  ``tr(X^T A Y^T B) = vec(X)^T (B^T kron A) K_{p,q} vec(Y)``;
- ``(A kron B)^T = A^T kron B^T``, ``(A kron B)(C kron D) = AC kron BD`` (mixed products).

A :class:`KronPoly` is ``sum c (L kron R) [K_{p,q}]`` with ``L`` and ``R`` words; its normal form
normalises ``L`` and ``R`` separately (chain and solution-set relations), so two Kronecker
polynomials with equal normal forms are equal for all sizes.
"""

from __future__ import annotations

import sympy as sp

from symflat.symbolic.matrix_calculus.algebra import (
    MatPoly,
    MatrixCalculusError,
    Rules,
    TracePoly,
    factor_shape,
    transpose_word,
    word_key,
    word_str,
)
from symflat.symbolic.matrix_calculus.calculus import _single, _variable


class KronPoly:
    """``sum_t c_t (L_t kron R_t) K_t`` with ``K_t`` the identity or a commutation matrix
    ``K_{p,q}`` (stored as ``(p, q)``)."""

    __slots__ = ("terms",)

    def __init__(self):
        self.terms: dict = {}

    def add(self, left: MatPoly, right: MatPoly, coeff=1, commutation=None) -> "KronPoly":
        for wl, cl in left.items():
            for wr, cr in right.items():
                key = (word_key(wl), word_key(wr), _comm_key(commutation))
                item = self.terms.get(key)
                c = coeff * cl * cr
                self.terms[key] = (wl, left.rows, left.cols, wr, right.rows, right.cols, commutation,
                                   c if item is None else item[-1] + c)
        return self

    @classmethod
    def kron(cls, left: MatPoly, right: MatPoly) -> "KronPoly":
        """``left kron right``."""
        return cls().add(left, right)

    def items(self):
        return list(self.terms.values())

    def _parts(self, item):
        wl, lr, lc, wr, rr, rc, comm, c = item
        return MatPoly(lr, lc, {wl: 1}), MatPoly(rr, rc, {wr: 1}), comm, c

    @property
    def T(self) -> "KronPoly":
        out = KronPoly()
        for item in self.items():
            left, right, comm, c = self._parts(item)
            if comm is not None:
                raise MatrixCalculusError("transpose of a term with a commutation matrix is not supported")
            out.add(left.T, right.T, c)
        return out

    def __matmul__(self, other: "KronPoly") -> "KronPoly":
        out = KronPoly()
        for a in self.items():
            la, ra, ca, xa = self._parts(a)
            if ca is not None:
                raise MatrixCalculusError("product after a commutation matrix is not supported")
            for b in other.items():
                lb, rb, cb, xb = other._parts(b)
                out.add(la @ lb, ra @ rb, xa * xb, cb)
        return out

    def scale(self, c) -> "KronPoly":
        out = KronPoly()
        for item in self.items():
            left, right, comm, x = self._parts(item)
            out.add(left, right, c * x, comm)
        return out

    def __add__(self, other: "KronPoly") -> "KronPoly":
        out = self.scale(1)
        for item in other.items():
            left, right, comm, x = other._parts(item)
            out.add(left, right, x, comm)
        return out

    def __sub__(self, other: "KronPoly") -> "KronPoly":
        return self + other.scale(-1)

    def apply(self, B: MatPoly) -> MatPoly:
        """The matrix ``M`` with ``vec(M) = self vec(B)``: ``(L kron R) vec(B) = vec(R B L^T)``."""
        out = None
        for item in self.items():
            left, right, comm, c = self._parts(item)
            if comm is not None:
                raise MatrixCalculusError("apply: a term with a commutation matrix is not supported")
            term = (right @ B @ left.T).scale(c)
            out = term if out is None else out + term
        if out is None:
            raise MatrixCalculusError("apply: the Kronecker polynomial is zero (its shape is unknown)")
        return out

    def normal(self, rules: Rules | None = None) -> "KronPoly":
        out = KronPoly()
        for item in self.items():
            left, right, comm, c = self._parts(item)
            out.add(left.normal(rules), right.normal(rules), c, comm)
        out.terms = {k: v for k, v in out.terms.items() if sp.simplify(v[-1]) != 0}
        return out

    def is_zero(self, rules: Rules | None = None) -> bool:
        return not self.normal(rules).terms

    def to_sympy(self) -> sp.MatrixExpr:
        from symflat.symbolic.matrix_calculus.convert import kron_to_sympy
        return kron_to_sympy(self)

    def __str__(self) -> str:
        parts = []
        for wl, _, _, wr, _, _, comm, c in self.items():
            k = f" K_{comm}" if comm is not None else ""
            parts.append(f"({c})*({word_str(wl)}) kron ({word_str(wr)}){k}")
        return " + ".join(parts) or "0"

    __repr__ = __str__


def _comm_key(comm):
    return None if comm is None else (str(comm[0]), str(comm[1]))


def _word_poly(w, rows) -> MatPoly:
    out = MatPoly.identity(rows)
    for f in w:
        out = out @ _single(f)
    return out


def vec_operator(p: MatPoly, x: MatPoly, rules: Rules | None = None) -> KronPoly:
    """The matrix ``M`` with ``vec(p) = M vec(X)``, for ``p`` linear in the matrix symbol ``x``
    (each term ``A X B`` gives ``B^T kron A``, each ``A X^T B`` gives ``(B^T kron A) K``)."""
    a = _variable(x)
    out = KronPoly()
    for w, c in p.normal(rules).items():
        pos = [i for i, (b, _) in enumerate(w) if b.key() == a.key()]
        if len(pos) != 1:
            raise MatrixCalculusError(f"vec_operator: not linear in {a.name}: {word_str(w)}")
        i = pos[0]
        A = _word_poly(w[:i], p.rows)
        B = _word_poly(w[i + 1:], factor_shape(w[i])[1])
        comm = (x.rows, x.cols) if w[i][1] else None
        out.add(B.T, A, c, comm)
    return out


def bilinear_block(b: TracePoly, dx: MatPoly, dy: MatPoly, rules: Rules | None = None) -> KronPoly:
    """The block ``M`` with ``b = vec(dX)^T M vec(dY)``, for ``b`` bilinear in the matrix
    symbols ``dx`` and ``dy`` (the Hessian block of rows ``vec X``, columns ``vec Y``)."""
    ax, ay = _variable(dx), _variable(dy)
    out = KronPoly()
    for w, c in b.normal(rules).items():
        px = [i for i, (a, _) in enumerate(w) if a.key() == ax.key()]
        py = [i for i, (a, _) in enumerate(w) if a.key() == ay.key()]
        if len(px) != 1 or len(py) != 1:
            raise MatrixCalculusError(f"bilinear_block: term tr({word_str(w)}) is not bilinear in {ax.name}, {ay.name}")
        i = px[0]
        rot = w[i:] + w[:i]
        if not rot[0][1]:                         # tr(dX C) = tr(C^T dX^T): put dX^T first
            rot = transpose_word(rot)
            rot = rot[-1:] + rot[:-1]
        j = [k for k, (a, _) in enumerate(rot) if a.key() == ay.key()][0]
        A = _word_poly(rot[1:j], dx.rows)
        B = _word_poly(rot[j + 1:], factor_shape(rot[j])[1])
        comm = (dy.rows, dy.cols) if rot[j][1] else None
        out.add(B.T, A, c, comm)
    return out
