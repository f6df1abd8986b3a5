"""One call from a model and its data to the exact loss, gradient and Hessian.

``d = derive(model, data)`` gives a :class:`Derivation`: ``d.loss``, ``d.gradient()`` (``N x 1``),
``d.hessian()`` (``N x N``), all with respect to the weights in the shared vec layout
(``d.params.vector``); ``d.at(point, "hessian")`` substitutes a point exactly;
``d.lambdify("hessian", backend="numpy"|"mpmath")`` returns ``f(theta)`` for a flat vector;
``d.latex("loss")`` returns LaTeX. Derivatives are taken with symengine when it is installed
(falling back to SymPy), and the Hessian's upper triangle is mirrored.
"""

from __future__ import annotations

from functools import cached_property

import sympy as sp

from symflat.models import DeepNetwork, ReluOneHidden
from symflat.symbolic.convert import to_callable, to_latex
from symflat.symbolic.data import ExactPoints, exact_data
from symflat.symbolic.errors import SymbolicError
from symflat.symbolic.exact import to_exact
from symflat.symbolic.losses import layer_matrices, loss_expression
from symflat.symbolic.params import Parameters

try:  # optional accelerator for differentiation
    import symengine as _se
except ImportError:  # pragma: no cover - symengine is in the 'fast' extra
    _se = None

WHAT = ("loss", "gradient", "hessian")


def _has_piecewise(expr) -> bool:
    return expr.has(sp.Max, sp.Min, sp.Heaviside, sp.Piecewise, sp.Abs)


class _Engine:
    """Differentiation and substitution in symengine, with results returned to SymPy with the
    original symbols (symengine drops SymPy assumptions such as ``real=True``)."""

    def __init__(self, expr: sp.Expr, symbols):
        self.symbols = list(symbols)
        self.names = {sp.Symbol(s.name): s for s in set(expr.free_symbols) | set(self.symbols)}
        self.expr = _se.sympify(expr)
        self.vars = [_se.sympify(s) for s in self.symbols]

    def back(self, e) -> sp.Expr:
        out = sp.sympify(e)
        return out.xreplace(self.names) if out.free_symbols else out

    def gradient(self) -> list:
        return [self.expr.diff(v) for v in self.vars]

    def hessian(self, gradient: list) -> list:
        n = len(self.vars)
        H = [[None] * n for _ in range(n)]
        for i in range(n):
            for j in range(i, n):
                H[i][j] = H[j][i] = gradient[i].diff(self.vars[j])
        return H

    def subs(self, obj, sub: dict):
        for v in sub.values():
            self.names.update({sp.Symbol(s.name): s for s in getattr(v, "free_symbols", ())})
        table = {_se.sympify(k): _se.sympify(v) for k, v in sub.items()}
        if isinstance(obj, list):
            if obj and isinstance(obj[0], list):
                return sp.Matrix([[self.back(e.subs(table)) for e in row] for row in obj])
            return sp.Matrix([self.back(e.subs(table)) for e in obj])
        return self.back(obj.subs(table))


def _engine(expr, symbols):
    if _se is None or _has_piecewise(expr):
        return None
    try:
        return _Engine(expr, symbols)
    except (RuntimeError, TypeError, NotImplementedError, AttributeError):
        return None


def gradient_of(expr: sp.Expr, symbols) -> sp.Matrix:
    """``d expr / d symbols`` as a column, via symengine when possible."""
    eng = _engine(expr, symbols)
    if eng is not None:
        return sp.Matrix([eng.back(e) for e in eng.gradient()])
    return sp.Matrix([sp.diff(expr, s) for s in symbols])


def hessian_of(expr: sp.Expr, symbols) -> sp.Matrix:
    """Second derivatives of ``expr``; only ``i <= j`` are computed, the rest mirrored. For a
    piecewise expression (``Max``) this is the classical Hessian off the kink set: the slope is a
    ``Heaviside`` step and its Dirac mass on the kinks is dropped."""
    symbols = list(symbols)
    eng = _engine(expr, symbols)
    if eng is not None:
        return sp.Matrix([[eng.back(e) for e in row] for row in eng.hessian(eng.gradient())])
    n = len(symbols)
    H = sp.zeros(n, n)
    g = [sp.diff(expr, s) for s in symbols]
    for i in range(n):
        for j in range(i, n):
            H[i, j] = H[j, i] = sp.diff(g[i], symbols[j]).replace(sp.DiracDelta, lambda *args: sp.Integer(0))
    return H


class Derivation:
    """The loss of a model on data with its exact derivatives (see the module docstring)."""

    def __init__(self, model, data, loss: sp.Expr, params: Parameters, options: dict):
        self.model, self.data, self.loss, self.params, self.options = model, data, loss, params, options
        self._pieces: dict = {}

    def __repr__(self) -> str:
        return f"Derivation({type(self.model).__name__}, {len(self.params)} parameters)"

    @cached_property
    def _engine(self):
        return _engine(self.loss, self.params.vector)

    @cached_property
    def _raw(self) -> dict:
        """Derived objects in the engine's own form (symengine lists, or SymPy)."""
        eng = self._engine
        if eng is None:
            return {"loss": self.loss}
        g = eng.gradient()
        return {"loss": eng.expr, "gradient": g, "hessian": eng.hessian(g)}

    @cached_property
    def _gradient(self) -> sp.Matrix:
        if self._engine is None:
            return gradient_of(self.loss, self.params.vector)
        return sp.Matrix([self._engine.back(e) for e in self._raw["gradient"]])

    @cached_property
    def _hessian(self) -> sp.Matrix:
        if self._engine is None:
            return hessian_of(self.loss, self.params.vector)
        return sp.Matrix([[self._engine.back(e) for e in row] for row in self._raw["hessian"]])

    def gradient(self) -> sp.Matrix:
        """``nabla loss`` as an ``N x 1`` matrix in the vec layout."""
        return self._gradient

    def hessian(self) -> sp.Matrix:
        """``nabla^2 loss`` as an ``N x N`` symmetric matrix in the vec layout."""
        return self._hessian

    def get(self, what: str):
        if what not in WHAT:
            raise SymbolicError(f"unknown derived object {what!r}; use one of {WHAT}")
        return self.loss if what == "loss" else self.gradient() if what == "gradient" else self.hessian()

    def at(self, point, what: str = "hessian", simplify: bool = False):
        """``what`` at ``point`` (flat vec or per-block matrices), substituted exactly. A piecewise
        (ReLU) loss at a numeric point is evaluated on its smooth piece; at a kink, where the
        Hessian does not exist, this raises :class:`SymbolicError`."""
        if what not in WHAT:
            raise SymbolicError(f"unknown derived object {what!r}; use one of {WHAT}")
        sub = self.params.substitution(point)
        piece = self._piece_at(point, sub)
        if piece is not None:
            out = piece.at(point, what)
        elif self._engine is not None:
            out = self._engine.subs(self._raw[what], sub)
        else:
            out = self.get(what).xreplace(sub)
        if simplify:
            out = out.applyfunc(sp.simplify) if isinstance(out, sp.MatrixBase) else sp.simplify(out)
        return out

    def _piece_at(self, point, sub: dict):
        """For a piecewise loss at a numeric point: the derivation of its smooth piece (the
        activation pattern there), which is exact and fast; raises on a kink. ``None`` otherwise."""
        if self.options.get("pattern") is not None or not _has_piecewise(self.loss):
            return None
        if any(v.free_symbols for v in sub.values()) or (set(self.loss.free_symbols) - set(self.params.vector)):
            return None
        pattern = activation_pattern(self.model, self.data, point, strict=True)
        key = repr(pattern)
        if key not in self._pieces:
            self._pieces[key] = derive(self.model, self.data, **{**self.options, "pattern": pattern})
        return self._pieces[key]

    def free_symbols(self, what: str = "loss") -> set:
        """Symbols other than the weights (symbolic data, output vector, ...)."""
        return set(self.get(what).free_symbols) - set(self.params.vector)

    def lambdify(self, what: str = "loss", backend: str = "numpy", constants: dict | None = None):
        """``f(theta)`` evaluating ``what`` at a flat parameter vector in vec layout; ``constants``
        gives values to any other symbols. ``backend`` is ``"numpy"`` (floats; the gradient as a
        1-D array) or ``"mpmath"`` (current ``mp.dps``)."""
        return to_callable(self.get(what), self.params.vector, backend, constants)

    def latex(self, what: str = "loss") -> str:
        """LaTeX of ``what`` with weights written ``W^{(j)}_{r,c}``."""
        return to_latex(self.get(what), self.params.latex_names())


def derive(model, data, *, output=None, noise=None, scale=None, pattern=None) -> Derivation:
    """Build the exact loss of ``model`` on ``data`` (``Moments`` or ``Points``; numeric, rational or
    symbolic entries). ``output``/``noise``/``scale``: the fixed ``w``, ``N_k`` and ``s`` of
    ``LinearWithOutput``; ``pattern``: a fixed activation pattern for the ReLU families."""
    params = Parameters.of(model)
    loss = loss_expression(model, params.blocks, data, output=output, noise=noise, scale=scale, pattern=pattern)
    return Derivation(model, exact_data(data), loss, params,
                      {"output": output, "noise": noise, "scale": scale, "pattern": pattern})


def activation_pattern(model, data, point, *, strict: bool = False) -> list:
    """The activation pattern at an exact point: for ``ReluOneHidden`` an ``n x k`` 0/1 list
    (``1`` iff ``w1_i x_j + b1_i > 0``, supp. Sec. V); for ``DeepNetwork`` per example the side
    (1 for ``z > 0``) of every hidden unit. A pre-activation that is exactly 0 sits on a kink: it
    is reported as side 0 (the paper's strict inequality), or raises when ``strict``."""
    params = Parameters.of(model)
    blocks = params.values_to_blocks(point)
    pts = exact_data(data)
    if not isinstance(pts, ExactPoints):
        raise SymbolicError("activation patterns need training points, not moments")
    if isinstance(model, ReluOneHidden):
        return [[_side(pts.X[j, 0] * blocks["w1"][i] + blocks["b1"][i], strict, f"neuron {i + 1}", j, pts)
                 for i in range(model.width)] for j in range(pts.n)]
    if isinstance(model, DeepNetwork):
        mats = layer_matrices(model, blocks)
        alpha, alpha_bar = (to_exact(v, "slope") for v in model.slopes)
        kinks = strict and alpha != alpha_bar
        out = []
        for j in range(pts.n):
            h, sides = pts.X[j, :].T, []
            for layer, W in enumerate(mats[:-1], start=1):
                z = W * h
                s = [_side(v, kinks, f"unit {u + 1} of layer {layer}", j, pts) for u, v in enumerate(z)]
                sides.append(s)
                h = sp.Matrix([(alpha if si else alpha_bar) * v for si, v in zip(s, z)])
            out.append(sides)
        return out
    raise SymbolicError(f"{type(model).__name__} has no activation pattern")


def _side(z, strict: bool, unit: str, example: int, pts: ExactPoints) -> int:
    if not z.is_number:
        raise SymbolicError(f"activation pattern needs numeric data and point; pre-activation {z} is symbolic")
    if strict and z == 0:
        raise SymbolicError(f"{unit} has its kink on training example {example + 1} (x = {list(pts.X[example, :])}): "
                            "the loss is not twice differentiable there")
    return int(bool(z > 0))
