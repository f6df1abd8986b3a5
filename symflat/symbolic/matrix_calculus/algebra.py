"""Normal forms of polynomials in matrices of symbolic size, with traces.

A :class:`MatPoly` is a finite sum ``sum_w c_w w`` of *words*: products of factors ``A`` or
``A^T`` of atoms (a :class:`Atom` is a named matrix of symbolic shape, or a segment ``W_{hi:lo}``
of a :class:`~symflat.symbolic.matrix_calculus.chain.LayerChain`). A :class:`TracePoly` is a
scalar ``sum_w c_w tr(w)``. Coefficients are SymPy scalars (``2``, ``-2/n``).

The normal form of a word applies, in order: (1) the chain relations
``W_{a:b} W_{b-1:c} = W_{a:c}`` (maximal merging; an empty segment ``W_{a:a+1}`` is the
identity) and ``(W_{a:b})^T (W_{c:a+1})^T = (W_{c:b})^T``; (2) symmetry of atoms declared
symmetric (``S^T = S``); (3) the stated :class:`Relation` s, each also used transposed
(solution-set simplification, e.g. ``W_{m:1} Sigma_x -> Sigma_yx`` on Mulayoff & Michaeli's
Omega). A trace word is further taken modulo cyclic rotation and ``tr(M) = tr(M^T)``
(the trace rules of The Matrix Cookbook): its key is the least of the rotations of
the word and of its transpose. Every rewrite is an identity that holds for all sizes, so a
normal form equal to zero *proves* the identity for all sizes; a nonzero normal form proves
nothing (the rules are sound, not complete) and is reported as undecided, never as false.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from symflat.symbolic.errors import SymbolicError


class MatrixCalculusError(SymbolicError):
    """Input the matrix-calculus engine cannot work with (non-conformable shapes, an unknown
    symbol, a layer whose position in a segment cannot be decided)."""


def same(a, b) -> bool:
    """Symbolic equality of two size or index expressions."""
    return sp.expand(sp.sympify(a) - sp.sympify(b)) == 0


@dataclass(frozen=True)
class Atom:
    """A matrix of symbolic shape ``rows x cols``. A segment of a chain carries ``chain`` and
    ``hi``, ``lo`` (it is ``W_hi ... W_lo``); a plain atom may carry an ``index`` (``Delta_k``)."""

    name: str
    rows: sp.Expr
    cols: sp.Expr
    symmetric: bool = False
    chain: object | None = field(default=None, compare=False, hash=False)
    hi: sp.Expr | None = None
    lo: sp.Expr | None = None
    index: sp.Expr | None = None

    @property
    def is_segment(self) -> bool:
        return self.chain is not None

    @property
    def empty(self) -> bool:
        """A segment ``W_{a:a+1}`` (no factor): the identity."""
        return self.is_segment and same(self.hi - self.lo + 1, 0)

    def key(self) -> tuple:
        """Identity of the atom in normal forms: name, index, segment range and shape (two symbols
        of one name but different shapes stay apart)."""
        return (self.name, str(self.index), str(self.hi), str(self.lo), str(self.rows), str(self.cols))

    def __str__(self) -> str:
        return self.name


Factor = tuple  # (Atom, transposed: bool)
Word = tuple    # tuple of Factors


def factor_shape(f: Factor) -> tuple:
    atom, t = f
    return (atom.cols, atom.rows) if t else (atom.rows, atom.cols)


def transpose_word(w: Word) -> Word:
    return tuple((a, (not t) and not a.symmetric) for a, t in reversed(w))


def word_key(w: Word) -> tuple:
    return tuple((a.key(), t) for a, t in w)


def word_str(w: Word) -> str:
    return " ".join(str(a) + ("^T" if t else "") for a, t in w) or "I"


@dataclass(frozen=True)
class Relation:
    """``lhs = rhs`` on a solution set: every occurrence of the word ``lhs`` (and of its
    transpose) is replaced by ``rhs``. ``name`` says where it comes from (``"w in Omega"``)."""

    lhs: Word
    rhs: "MatPoly"
    name: str = ""

    @classmethod
    def of(cls, lhs: "MatPoly", rhs: "MatPoly", name: str = "") -> "Relation":
        """``lhs = rhs`` with ``lhs`` one word (coefficient 1) of the same shape as ``rhs``."""
        items = lhs.items()
        if len(items) != 1 or items[0][1] != 1 or not items[0][0]:
            raise MatrixCalculusError(f"relation: the left side must be one product of matrices, got {lhs}")
        lhs._check_same_shape(rhs, "=")
        return cls(items[0][0], rhs, name)

    def transposed(self) -> "Relation":
        return Relation(transpose_word(self.lhs), self.rhs.T, self.name)


@dataclass
class Rules:
    """What a normal form may use: the segment relations of the chains (always) and the stated
    solution-set :class:`Relation` s."""

    relations: list = field(default_factory=list)

    def all_relations(self) -> list:
        out = []
        for r in self.relations:
            out.append(r)
            t = r.transposed()
            if word_key(t.lhs) != word_key(r.lhs):
                out.append(t)
        return out


def _merge_pair(f: Factor, g: Factor):
    """The single factor equal to ``f g`` by the chain relations, or None."""
    (a, ta), (b, tb) = f, g
    if not (a.is_segment and b.is_segment and a.chain is b.chain and ta == tb):
        return None
    if not ta and same(a.lo - 1, b.hi):
        return (_segment_like(a, a.hi, b.lo), False)
    if ta and same(b.lo - 1, a.hi):          # (W_{a.hi:a.lo})^T (W_{b.hi:b.lo})^T = (W_{b.hi:a.lo})^T
        return (_segment_like(a, b.hi, a.lo), True)
    return None


def _segment_like(a: Atom, hi, lo) -> Atom:
    return a.chain.segment_atom(hi, lo)


def merge_word(w: Word) -> Word:
    """Maximal merging of adjacent segments; empty segments dropped."""
    out: list = []
    for f in w:
        if f[0].empty:
            continue
        out.append(f)
        while len(out) >= 2:
            m = _merge_pair(out[-2], out[-1])
            if m is None:
                break
            out[-2:] = [m] if not m[0].empty else []
    return tuple(out)


def _find(w: Word, pattern: Word) -> int:
    n, k = len(w), len(pattern)
    pk = word_key(pattern)
    for s in range(n - k + 1):
        if word_key(w[s:s + k]) == pk:
            return s
    return -1


class _WordSum:
    """A sum of words with coefficients, keyed by the word's normal form (:func:`word_key`)."""

    __slots__ = ("terms",)

    def __init__(self, terms=None):
        self.terms: dict = {}
        for w, c in (terms or {}).items():
            self._add(w, c)

    def _add(self, w: Word, c) -> None:
        k = word_key(w)
        if k in self.terms:
            w0, c0 = self.terms[k]
            self.terms[k] = (w0, c0 + c)
        else:
            self.terms[k] = (w, sp.sympify(c))


class MatPoly(_WordSum):
    """``sum_w c_w w``: a matrix polynomial of symbolic shape ``rows x cols``."""

    __slots__ = ("rows", "cols")

    def __init__(self, rows, cols, terms=None):
        self.rows, self.cols = sp.sympify(rows), sp.sympify(cols)
        super().__init__(terms)

    @classmethod
    def atom(cls, a: Atom, transposed: bool = False) -> "MatPoly":
        f = (a, transposed and not a.symmetric)
        r, c = factor_shape(f)
        return cls(r, c, {(f,): 1})

    @classmethod
    def identity(cls, n) -> "MatPoly":
        return cls(n, n, {(): 1})

    @classmethod
    def zero(cls, rows, cols) -> "MatPoly":
        return cls(rows, cols)

    def items(self):
        return list(self.terms.values())

    def __add__(self, other: "MatPoly") -> "MatPoly":
        self._check_same_shape(other, "+")
        out = MatPoly(self.rows, self.cols)
        for w, c in self.items() + other.items():
            out._add(w, c)
        return out

    def __neg__(self) -> "MatPoly":
        return self.scale(-1)

    def __sub__(self, other: "MatPoly") -> "MatPoly":
        return self + (-other)

    def scale(self, c) -> "MatPoly":
        return MatPoly(self.rows, self.cols, {w: c * c0 for w, c0 in self.items()})

    def __matmul__(self, other: "MatPoly") -> "MatPoly":
        if not same(self.cols, other.rows):
            raise MatrixCalculusError(f"product of a {self.rows} x {self.cols} and a {other.rows} x {other.cols} matrix: "
                                      f"{self.cols} columns against {other.rows} rows")
        out = MatPoly(self.rows, other.cols)
        for w1, c1 in self.items():
            for w2, c2 in other.items():
                out._add(w1 + w2, c1 * c2)
        return out

    @property
    def T(self) -> "MatPoly":
        return MatPoly(self.cols, self.rows, {transpose_word(w): c for w, c in self.items()})

    def _check_same_shape(self, other, op):
        if not (same(self.rows, other.rows) and same(self.cols, other.cols)):
            raise MatrixCalculusError(f"'{op}' of a {self.rows} x {self.cols} and a {other.rows} x {other.cols} matrix")

    def normal(self, rules: Rules | None = None) -> "MatPoly":
        """Normal form: merged segments, relations applied to a fixed point, like terms
        collected, zero coefficients dropped."""
        rels = (rules or Rules()).all_relations()
        out = MatPoly(self.rows, self.cols)
        pending = [(merge_word(w), c) for w, c in self.items()]
        for _ in range(64):
            nxt = []
            for w, c in pending:
                for r in rels:
                    s = _find(w, r.lhs)
                    if s >= 0:
                        for rw, rc in r.rhs.items():
                            nxt.append((merge_word(w[:s] + rw + w[s + len(r.lhs):]), c * rc))
                        break
                else:
                    out._add(w, c)
            if not nxt:
                break
            pending = nxt
        else:
            raise MatrixCalculusError("relations do not terminate (64 rounds of rewriting)")
        out.terms = {k: (w, sp.expand(c)) for k, (w, c) in out.terms.items() if not _is_zero(c)}
        return out

    def is_zero(self, rules: Rules | None = None) -> bool:
        return not self.normal(rules).terms

    def trace(self) -> "TracePoly":
        if not same(self.rows, self.cols):
            raise MatrixCalculusError(f"trace of a non-square {self.rows} x {self.cols} matrix")
        out = TracePoly()
        for w, c in self.items():
            if w:
                out._add(w, c)
            else:
                out._add((), c * self.rows)
        return out

    def to_sympy(self) -> sp.MatrixExpr:
        from symflat.symbolic.matrix_calculus.convert import poly_to_sympy
        return poly_to_sympy(self)

    def __str__(self) -> str:
        return " + ".join(f"({c})*{word_str(w)}" for w, c in self.items()) or "0"

    __repr__ = __str__


def _is_zero(c) -> bool:
    c = sp.expand(c)
    return c == 0 or sp.simplify(c) == 0


def cyclic_merge(w: Word) -> Word:
    """``w`` with its segments merged maximally, across the end of the word too (``tr(w)``)."""
    w = merge_word(w)
    for _ in range(len(w) + 1):          # merge across the end: tr(A W_k) with A = W_{k-1:1}...
        if len(w) >= 2 and _merge_pair(w[-1], w[0]) is not None:
            w = merge_word(w[-1:] + w[:-1])
        else:
            break
    return w


class TracePoly(_WordSum):
    """``sum_w c_w tr(w)``: a scalar polynomial in traces of words. The empty word stands for the
    scalar 1 (its coefficient is the plain scalar part)."""

    __slots__ = ()

    def items(self):
        return list(self.terms.values())

    def __add__(self, other: "TracePoly") -> "TracePoly":
        out = TracePoly()
        for w, c in self.items() + other.items():
            out._add(w, c)
        return out

    def __neg__(self):
        return self.scale(-1)

    def __sub__(self, other):
        return self + (-other)

    def scale(self, c) -> "TracePoly":
        return TracePoly({w: c * c0 for w, c0 in self.items()})

    def normal(self, rules: Rules | None = None) -> "TracePoly":
        """Normal form modulo rotation, transposition, chain relations and stated relations."""
        rels = (rules or Rules()).all_relations()
        out = TracePoly()
        # (word, coefficient, size of the square matrix under the trace; None for the scalar part)
        pending = [(w, c, factor_shape(w[0])[0] if w else None) for w, c in self.items()]
        for _ in range(64):
            nxt = []
            for w, c, size in pending:
                w = cyclic_merge(w)
                hit = None
                for r in rels:
                    for s in range(len(w)):
                        rot = w[s:] + w[:s]
                        if len(r.lhs) <= len(rot) and word_key(rot[:len(r.lhs)]) == word_key(r.lhs):
                            hit = (rot, r)
                            break
                    if hit:
                        break
                if hit:
                    rot, r = hit
                    for rw, rc in r.rhs.items():
                        nxt.append((rw + rot[len(r.lhs):], c * rc, size))
                elif w:
                    out._add(_least_rotation(w), c)
                else:                                    # tr(I_size) = size; the scalar part stays as it is
                    out._add((), c if size is None else c * size)
            if not nxt:
                break
            pending = nxt
        else:
            raise MatrixCalculusError("relations do not terminate (64 rounds of rewriting)")
        out.terms = {k: (w, sp.expand(c)) for k, (w, c) in out.terms.items() if not _is_zero(c)}
        return out

    def is_zero(self, rules: Rules | None = None) -> bool:
        return not self.normal(rules).terms

    def to_sympy(self) -> sp.Expr:
        from symflat.symbolic.matrix_calculus.convert import trace_to_sympy
        return trace_to_sympy(self)

    def __str__(self) -> str:
        return " + ".join(f"({c})*tr({word_str(w)})" if w else f"({c})" for w, c in self.items()) or "0"

    __repr__ = __str__


def _least_rotation(w: Word) -> Word:
    cands = []
    for v in (w, transpose_word(w)):
        for s in range(len(v)):
            cands.append(v[s:] + v[:s])
    return min(cands, key=word_key)
