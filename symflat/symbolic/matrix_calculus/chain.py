"""A product ``W_m ... W_1`` of symbolic depth, through its segments.

A :class:`LayerChain` has a symbolic depth ``m`` and widths ``d_0, ..., d_m`` (``d[k]`` of a
SymPy ``IndexedBase``); layer ``k`` is ``W_k`` (``d_k x d_{k-1}``). Every product of consecutive
layers is one *segment* ``W_{hi:lo} = W_hi W_{hi-1} ... W_lo`` (``d_hi x d_{lo-1}``), a matrix
symbol whose defining relations are

    W_{a:b} W_{b-1:c} = W_{a:c},    W_{a:a} = W_a,    W_{a:a+1} = I,

valid whenever each segment involved has ``hi >= lo - 1``. A statement about a *generic* layer
``k`` (``1 <= k <= m``, ``k`` a symbol) of a product written with such segments holds for every
depth and every position at once: the segments hide exactly the factors the statement does not
look at (the "generic factor").

Layer positions are compared through a parametrisation by non-negative integers: declaring
ordered layers ``("i", "j")`` sets ``i = 1 + q_0``, ``j = i + 1 + q_1``, ``m = j + q_2`` with
``q_r >= 0``, so that ``i < j <= m`` and every comparison the calculus needs (is layer ``k``
inside segment ``W_{a:b}``?) is decided by the sign of a linear form in the ``q_r``. A
comparison that these facts do not decide raises :class:`MatrixCalculusError`.
"""

from __future__ import annotations

import sympy as sp

from symflat.symbolic.matrix_calculus.algebra import Atom, MatPoly, MatrixCalculusError


class _Constant:
    """Widths of a chain of square factors of one size (``d[k] = n`` for every ``k``)."""

    def __init__(self, size):
        self.size = size

    def __getitem__(self, k):
        return self.size


class LayerChain:
    """The layers ``W_1..W_m`` of a network of symbolic depth ``depth`` (a name or a symbol).

    ``layers`` names ordered generic layer indices (``1 <= l_1 < l_2 < ... <= m``; a name may be
    given as ``("k", 1)``: one more than the previous one, for consecutive layers).
    ``room_above`` is how many layers the depth leaves above the last named one (``k + 1 <= m``
    for ``room_above=1``). ``dims`` names the widths (``d[k]``), or is one size expression for a
    chain of square factors of that size (powers ``Q^j = Q_{j:1}`` of one matrix). Segments are built
    by :meth:`segment`, layers by :meth:`layer`.
    """

    def __init__(self, name: str = "W", depth="m", layers=(), *, room_above: int = 0, dims="d"):
        if not isinstance(name, str) or not name.isidentifier():
            raise MatrixCalculusError(f"chain name must be an identifier, got {name!r}")
        self.name = name
        self.depth = depth if isinstance(depth, sp.Symbol) else sp.Symbol(str(depth), integer=True, positive=True)
        if isinstance(dims, str):
            dims = sp.IndexedBase(dims)
        self.d = dims if isinstance(dims, sp.IndexedBase) else _Constant(sp.sympify(dims))
        self.indices: dict[str, sp.Expr] = {}
        self._param: dict = {}
        gaps = []
        prev = None
        for r, spec in enumerate(layers):
            q = sp.Symbol(f"_q{r}_{name}", integer=True, nonnegative=True)
            if isinstance(spec, tuple):                      # ("k", 1): previous index + 1, exactly
                label, step = spec
                if not isinstance(step, int) or step < 1 or label in self.indices:
                    raise MatrixCalculusError(f"layers: ({label!r}, {step!r}) needs a new label and a positive integer step")
                if prev is None:
                    raise MatrixCalculusError("a consecutive layer needs a previous layer")
                expr = prev + step
                self.indices[label] = expr
                prev = expr
                continue
            if not isinstance(spec, str) or not spec.isidentifier() or spec in self.indices or spec == str(self.depth):
                raise MatrixCalculusError(f"layers: each index needs a new identifier name, got {spec!r}")
            sym = sp.Symbol(spec, integer=True, positive=True)
            self._param[sym] = (1 + q) if prev is None else (self._param_of(prev) + 1 + q)
            self.indices[spec] = sym
            gaps.append(q)
            prev = sym
        top = sp.Symbol(f"_q_top_{name}", integer=True, nonnegative=True)
        lowest = 1 if prev is None else self._param_of(prev) + room_above
        self._param[self.depth] = lowest + top

    def _param_of(self, expr):
        return sp.expand(sp.sympify(expr).subs(self._param))

    def __getitem__(self, label: str) -> sp.Expr:
        return self.indices[label]

    # ---------------------------------------------------------------- order facts

    def nonnegative(self, expr) -> bool | None:
        """Whether ``expr >= 0`` follows from the chain's order facts (``None``: undecided)."""
        e = self._param_of(expr)
        if e.is_nonnegative:
            return True
        if (-e - 1).is_nonnegative:                          # integers: e < 0  <=>  -e - 1 >= 0
            return False
        return None

    def contains(self, hi, lo, k) -> bool:
        """Whether layer ``k`` is a factor of ``W_{hi:lo}``; raises when undecided."""
        a, b = self.nonnegative(sp.sympify(k) - lo), self.nonnegative(sp.sympify(hi) - k)
        if a is False or b is False:
            return False
        if a and b:
            return True
        raise MatrixCalculusError(f"cannot decide whether layer {k} lies in W_{{{hi}:{lo}}} from the order facts "
                                  f"{self.facts()}")

    def facts(self) -> str:
        names = [str(v) for v in self.indices.values()]
        return " < ".join(["0"] + names) + f" <= {self.depth}" if names else f"1 <= {self.depth}"

    # ---------------------------------------------------------------- segments

    def segment_atom(self, hi, lo) -> Atom:
        hi, lo = sp.sympify(hi), sp.sympify(lo)
        if not self.nonnegative(hi - lo + 1):            # a segment must provably have hi >= lo - 1
            raise MatrixCalculusError(f"segment W_{{{hi}:{lo}}}: hi >= lo - 1 does not follow from {self.facts()}")
        if sp.expand(hi - lo) == 0:
            name = f"{self.name}_{{{hi}}}"
        else:
            name = f"{self.name}_{{{hi}:{lo}}}"
        return Atom(name, self.d[hi], self.d[lo - 1], chain=self, hi=hi, lo=lo)

    def segment(self, hi, lo) -> MatPoly:
        """``W_{hi:lo} = W_hi ... W_lo`` (the identity ``I_{d_hi}`` when ``lo = hi + 1``)."""
        a = self.segment_atom(hi, lo)
        if a.empty:
            return MatPoly.identity(a.rows)
        return MatPoly.atom(a)

    def layer(self, k) -> MatPoly:
        """``W_k``, a ``d_k x d_{k-1}`` matrix."""
        return self.segment(k, k)

    def product(self) -> MatPoly:
        """``W_{m:1} = W_m ... W_1``."""
        return self.segment(self.depth, 1)

    def direction(self, k, name: str = "Delta") -> MatPoly:
        """A perturbation ``Delta_k`` of layer ``k`` (same shape as ``W_k``)."""
        k = sp.sympify(k)
        return MatPoly.atom(Atom(f"{name}_{{{k}}}", self.d[k], self.d[k - 1], index=k))

    def variation_rule(self, a: Atom, k, direction: MatPoly) -> MatPoly | None:
        """Derivative of the segment atom ``a`` in the direction ``direction`` of layer ``k``:
        ``W_{hi:k+1} Delta W_{k-1:lo}`` when ``lo <= k <= hi`` (the segment is linear in its
        factor ``W_k``, which occurs once), ``None`` (zero) when ``k`` lies outside."""
        if a.chain is not self or not self.contains(a.hi, a.lo, k):
            return None
        return self.segment(a.hi, sp.sympify(k) + 1) @ direction @ self.segment(sp.sympify(k) - 1, a.lo)
