"""The one-hidden-layer ReLU network on 1-D data: gradient in a fixed activation pattern and the
Gram matrix of tangent features at an interpolating minimum.

Mulayoff, Michaeli & Soudry 2021: with ``I_i(x) = 1`` iff ``w1_i x + b1_i > 0`` (supp. Sec. V),

    grad_theta f(x) = [x w2 . I(x); w2 . I(x); (x w1 + b1) . I(x); 1]          (eq. S32)

and at a twice-differentiable minimum with zero loss the Hessian of ``(1/2n) sum_j (f(x_j)-y_j)^2``
is ``Phi Phi^T / n`` with ``Phi = [grad f(x_1), ..., grad f(x_n)]`` (main text eq. 26), whose top
eigenvalue equals that of the ``n x n`` Gram matrix ``Phi^T Phi / n`` (eq. 27).
"""

from __future__ import annotations

import sympy as sp

from symflat.models import ReluOneHidden
from symflat.symbolic.data import ExactPoints, exact_data
from symflat.symbolic.derive import activation_pattern
from symflat.symbolic.errors import NotAMinimumError, SymbolicError
from symflat.symbolic.exact import to_exact
from symflat.symbolic.losses import relu_output
from symflat.symbolic.params import Parameters


def _model(model) -> ReluOneHidden:
    if not isinstance(model, ReluOneHidden):
        raise SymbolicError(f"expected a ReluOneHidden network, got {type(model).__name__}")
    return model


def gradient_in_pattern(model: ReluOneHidden, x, active, point=None) -> sp.Matrix:
    """Eq. S32 for input ``x`` with the active set fixed to ``active`` (0/1 per neuron), at
    ``point`` or in the weight symbols; ``(3k+1) x 1`` in the layout ``[w1, b1, w2, b2]``."""
    k = _model(model).width
    active = [int(a) for a in active]
    if len(active) != k or any(a not in (0, 1) for a in active):
        raise SymbolicError(f"active must list {k} entries of 0 or 1, got {active}")
    params = Parameters.of(model)
    blocks = params.blocks if point is None else params.values_to_blocks(point)
    x = to_exact(x, "x")
    w1, b1, w2 = blocks["w1"], blocks["b1"], blocks["w2"]
    return sp.Matrix([*(x * w2[i] * active[i] for i in range(k)), *(w2[i] * active[i] for i in range(k)),
                      *((x * w1[i] + b1[i]) * active[i] for i in range(k)), 1])


def pattern_at(model: ReluOneHidden, data, point, *, allow_kinks: bool = False) -> list[list[int]]:
    """The exact activation pattern ``I_{j,i}`` at ``point``; raises if a knot sits on a training
    point (pre-activation exactly 0), where the loss is not twice differentiable."""
    _points(data)
    return activation_pattern(_model(model), data, point, strict=not allow_kinks)


def _points(data) -> ExactPoints:
    pts = exact_data(data)
    if not isinstance(pts, ExactPoints) or pts.X.shape[1] != 1 or pts.Y.shape[1] != 1:
        raise SymbolicError("the ReLU network needs scalar training points (Points with 1-D x and y)")
    return pts


def tangent_features(model: ReluOneHidden, data, point) -> sp.Matrix:
    """``Phi = [grad f(x_1), ..., grad f(x_n)]`` (``(3k+1) x n``) at ``point``."""
    pts = _points(data)
    pattern = pattern_at(model, data, point)
    return sp.Matrix.hstack(*[gradient_in_pattern(model, pts.X[j, 0], pattern[j], point) for j in range(pts.n)])


def check_interpolation(model: ReluOneHidden, data, point):
    """Raise :class:`NotAMinimumError` unless ``f(x_j) = y_j`` exactly for every example."""
    pts = _points(data)
    blocks = Parameters.of(_model(model)).values_to_blocks(point)
    for j in range(pts.n):
        r = sp.simplify(relu_output(blocks, pts.X[j, 0]) - pts.Y[j, 0])
        if r != 0:
            raise NotAMinimumError(f"the network does not interpolate: f(x_{j + 1}) - y_{j + 1} = {r} != 0")


def hessian_at_interpolation(model: ReluOneHidden, data, point) -> sp.Matrix:
    """``Phi Phi^T / n`` (eq. 26), after checking zero loss and no knot on a training point."""
    check_interpolation(model, data, point)
    Phi = tangent_features(model, data, point)
    return Phi * Phi.T / Phi.shape[1]


def gram_matrix(model: ReluOneHidden, data, point) -> sp.Matrix:
    """The ``n x n`` Gram matrix ``Phi^T Phi / n`` at an interpolating minimum (its nonzero
    eigenvalues are those of the Hessian, eq. 27)."""
    check_interpolation(model, data, point)
    Phi = tangent_features(model, data, point)
    return Phi.T * Phi / Phi.shape[1]
