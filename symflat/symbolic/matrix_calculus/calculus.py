"""Directional derivatives, gradients and Hessian bilinear forms of matrix polynomials.

All derivatives are Fréchet derivatives in a direction, computed by the product rule on words:
``D(w)[Delta] = sum_p w_{<p} D(f_p)[Delta] w_{>p}`` with ``D(X)[Delta] = Delta`` for the
variable, ``D(X^T) = Delta^T``, zero for every other atom, and for a segment of a
:class:`~symflat.symbolic.matrix_calculus.chain.LayerChain` in the direction of layer ``k``
``D(W_{a:b}) = W_{a:k+1} Delta W_{k-1:b}`` when ``b <= k <= a``, else zero. Traces commute with
the derivative.

- :func:`derivative` — ``D p [Delta]`` for a matrix or trace polynomial;
- :func:`gradient` — the matrix ``G`` with ``D f [Delta] = tr(G^T Delta)`` for all ``Delta``
  (read off by rotating each trace so that ``Delta`` comes first: ``tr(Delta^T C)`` gives ``C``,
  ``tr(Delta C)`` gives ``C^T``; Matrix Cookbook eqs. 100-103);
- :func:`substitute` — replace matrix symbols by polynomials (a perturbation ``Delta_j := D_j dW_j``);
- :func:`second_variation` — the bilinear form ``D^2 f [Delta, Delta']`` (the Hessian as a
  bilinear form; ``Delta = Delta'`` gives its quadratic form).
"""

from __future__ import annotations

import sympy as sp

from symflat.symbolic.matrix_calculus.algebra import (
    Atom,
    MatPoly,
    MatrixCalculusError,
    Rules,
    TracePoly,
    factor_shape,
    word_str,
)


def _variable(var: MatPoly) -> Atom:
    items = var.items()
    if len(items) != 1 or len(items[0][0]) != 1 or items[0][1] != 1 or items[0][0][0][1]:
        raise MatrixCalculusError(f"derivative: the variable must be one matrix symbol or one layer, got {var}")
    x = items[0][0][0][0]
    if x.is_segment and not sp.expand(x.hi - x.lo) == 0:
        raise MatrixCalculusError(f"derivative: the variable must be one layer W_k, not the product {x.name}")
    if x.symmetric:
        raise MatrixCalculusError(f"derivative: {x.name} is declared symmetric; differentiate in an unconstrained matrix")
    return x


def _single(f) -> MatPoly:
    r, c = factor_shape(f)
    return MatPoly(r, c, {(f,): 1})


def _factor_derivative(f, x: Atom, direction: MatPoly) -> MatPoly | None:
    a, t = f
    if x.is_segment:
        if not (a.is_segment and a.chain is x.chain):
            return None
        d = x.chain.variation_rule(a, x.hi, direction)
    else:
        d = direction if a.key() == x.key() else None
    if d is None:
        return None
    return d.T if t else d


def _word_derivative(w, rows, cols, x: Atom, direction: MatPoly) -> MatPoly:
    out = MatPoly.zero(rows, cols)
    for p, f in enumerate(w):
        d = _factor_derivative(f, x, direction)
        if d is None:
            continue
        left = MatPoly.identity(rows)
        for g in w[:p]:
            left = left @ _single(g)
        right = MatPoly.identity(d.cols)
        for g in w[p + 1:]:
            right = right @ _single(g)
        out = out + left @ d @ right
    return out


def derivative(p, var: MatPoly, direction: MatPoly):
    """``D p [direction]``: the derivative of ``p`` (a :class:`MatPoly` or :class:`TracePoly`)
    with respect to the matrix ``var`` (a plain matrix symbol or a layer ``W_k`` of a chain)."""
    x = _variable(var)
    if not (_same_shape(var, direction)):
        raise MatrixCalculusError(f"direction of shape {direction.rows} x {direction.cols} for a variable of shape "
                                  f"{var.rows} x {var.cols}")
    if isinstance(p, TracePoly):
        out = TracePoly()
        for w, c in p.items():
            if not w:
                continue
            rows = factor_shape(w[0])[0]
            out = out + _word_derivative(w, rows, rows, x, direction).trace().scale(c)
        return out
    out = MatPoly.zero(p.rows, p.cols)
    for w, c in p.items():
        out = out + _word_derivative(w, p.rows, p.cols, x, direction).scale(c)
    return out


def substitute(p, values: dict):
    """``p`` with each matrix symbol ``x`` (a one-symbol :class:`MatPoly` key of ``values``) replaced by
    ``values[x]`` (same shape); transposed occurrences get the transpose."""
    table = {}
    for var, val in values.items():
        x = _variable(var)
        if not _same_shape(var, val):
            raise MatrixCalculusError(f"substitute: {x.name} is {var.rows} x {var.cols}, its value {val.rows} x {val.cols}")
        table[x.key()] = val

    def word(w, rows):
        out = MatPoly.identity(rows)
        for f in w:
            v = table.get(f[0].key())
            out = out @ ((v.T if f[1] else v) if v is not None else _single(f))
        return out

    if isinstance(p, TracePoly):
        out = TracePoly()
        for w, c in p.items():
            out = out + (word(w, factor_shape(w[0])[0]).trace().scale(c) if w else TracePoly({(): c}))
        return out
    out = MatPoly.zero(p.rows, p.cols)
    for w, c in p.items():
        out = out + word(w, p.rows).scale(c)
    return out


def _scalar(f, what: str) -> None:
    if not isinstance(f, TracePoly):
        raise MatrixCalculusError(f"{what}: f must be a scalar (a TracePoly, e.g. from_sympy(Trace(...)) or M.trace()), "
                                  f"got {type(f).__name__}")


def _same_shape(a: MatPoly, b: MatPoly) -> bool:
    return sp.expand(a.rows - b.rows) == 0 and sp.expand(a.cols - b.cols) == 0


def fresh_direction(var: MatPoly, name: str) -> MatPoly:
    """A new matrix symbol of the shape of ``var`` (a perturbation)."""
    return MatPoly.atom(Atom(name, var.rows, var.cols))


def linear_coefficient(f: TracePoly, delta: MatPoly, rules: Rules | None = None) -> MatPoly:
    """The matrix ``G`` with ``f = tr(G^T Delta)``, for ``f`` linear in the matrix symbol ``delta``."""
    _scalar(f, "linear_coefficient")
    d = _variable(delta)
    out = MatPoly.zero(delta.rows, delta.cols)
    for w, c in f.normal(rules).items():
        pos = [p for p, (a, _) in enumerate(w) if a.key() == d.key()]
        if len(pos) != 1:
            raise MatrixCalculusError(f"not linear in {d.name}: term tr({word_str(w)})")
        p = pos[0]
        rot = w[p:] + w[:p]
        rest = MatPoly.identity(factor_shape(rot[0])[1])
        for g in rot[1:]:
            rest = rest @ _single(g)
        out = out + (rest if rot[0][1] else rest.T).scale(c)
    return out.normal(rules)


def gradient(f: TracePoly, var: MatPoly, rules: Rules | None = None) -> MatPoly:
    """The gradient ``G`` of the scalar ``f`` in ``var``: ``D f [Delta] = tr(G^T Delta)``."""
    _scalar(f, "gradient")
    delta = fresh_direction(var, "_Delta_grad")
    return linear_coefficient(derivative(f, var, delta), delta, rules)


def second_variation(f: TracePoly, first: tuple, second: tuple) -> TracePoly:
    """``D^2 f [Delta, Delta']`` for ``first = (X, Delta)``, ``second = (Y, Delta')`` (``X`` and
    ``Y`` may be equal or different variables): the mixed second derivative, i.e. the Hessian of
    ``f`` as a bilinear form restricted to these two blocks."""
    _scalar(f, "second_variation")
    (x, dx), (y, dy) = first, second
    return derivative(derivative(f, x, dx), y, dy)


def equal(a, b, rules: Rules | None = None) -> bool:
    """Whether ``a - b`` has normal form zero (proves ``a = b`` for all sizes; ``False`` only
    means the normal form did not decide)."""
    if isinstance(a, TracePoly) != isinstance(b, TracePoly):
        raise MatrixCalculusError("cannot compare a scalar with a matrix")
    return (a - b).is_zero(rules)
