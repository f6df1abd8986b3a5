"""The Hessian of a deep linear network as a quadratic form in weight perturbations.

Elkabetz & Cohen 2021, Lemma 5 (eq. 12): with the end-to-end matrix ``W_{n:1} = W_n ... W_1`` and
a training loss ``f(theta) = phi(W_{n:1})``,

    H[dW_1..dW_n] = Hphi(W_{n:1})[ sum_j W_{n:j+1} dW_j W_{j-1:1} ]
                    + 2 Tr( grad phi(W_{n:1})^T sum_{j<j'} W_{n:j'+1} dW_j' W_{j'-1:j+1} dW_j W_{j-1:1} ),

where ``Hphi(W)[E]`` is the second derivative of ``phi`` at ``W`` in direction ``E``. ``phi`` is
built from the model's data: ``phi(W) = mean_i l(W x_i, y_i)`` (eq. 11) for a linear
``DeepNetwork`` on points, or the quadratic loss of Mulayoff & Michaeli eq. 2 for ``DeepLinear``.
"""

from __future__ import annotations

import sympy as sp

from symflat.models import DeepLinear, DeepNetwork
from symflat.symbolic.data import ExactPoints, as_moments, exact_data
from symflat.symbolic.errors import SymbolicError
from symflat.symbolic.losses import chain, example_loss, quadratic_loss
from symflat.symbolic.params import Parameters


def _span(mats, lo: int, hi: int, size: int) -> sp.Matrix:
    """``W_hi ... W_lo`` (1-based, inclusive); identity of ``size`` when ``hi < lo``."""
    return chain(mats[lo - 1:hi]) if hi >= lo else sp.eye(size)


def end_to_end_phi(model, data):
    """``(E, phi(E))``: a matrix ``E`` of symbols for the end-to-end map and the loss in it."""
    dims = model.dims
    E = sp.Matrix(dims[-1], dims[0], lambda i, j: sp.Symbol(f"E_{i + 1}{j + 1}", real=True))
    if isinstance(model, DeepLinear):
        return E, quadratic_loss(E, as_moments(data))
    if isinstance(model, DeepNetwork):
        if model.activation != "linear":
            raise SymbolicError(f"Lemma 5 is for linear activations; this network uses {model.activation!r}")
        pts = exact_data(data)
        if not isinstance(pts, ExactPoints):
            raise SymbolicError("a DeepNetwork loss needs training points")
        total = sum((example_loss(model, E * pts.X[i, :].T, pts.Y[i, :].T) for i in range(pts.n)), sp.Integer(0))
        return E, total / pts.n
    raise SymbolicError(f"Lemma 5 quadratic form: unsupported model {type(model).__name__}")


def perturbation_symbols(model) -> list[sp.Matrix]:
    """Symbol matrices ``dW_j`` with the shapes of the weights."""
    return [sp.Matrix(*b.shape, lambda i, j, b=b: sp.Symbol(f"d{b.name}_{i + 1}{j + 1}", real=True)) for b in model.blocks]


def lemma5_form(model, data, weights=None, perturbation=None) -> sp.Expr:
    """Eq. 12 of Elkabetz & Cohen for ``model``/``data`` at ``weights`` (default: weight symbols)
    in direction ``perturbation`` (default: symbols ``dW_j``)."""
    params = Parameters.of(model)
    Ws = list(params.blocks.values()) if weights is None else list(params.values_to_blocks(weights).values())
    dWs = perturbation_symbols(model) if perturbation is None else list(params.values_to_blocks(perturbation).values())
    n, d0 = len(Ws), model.dims[0]
    E, phi = end_to_end_phi(model, data)
    e_syms = list(E)
    end = chain(Ws)
    at_end = dict(zip(e_syms, list(end)))
    grad = sp.Matrix(E.shape[0], E.shape[1], lambda i, j: sp.diff(phi, E[i, j]).xreplace(at_end))
    first = sp.zeros(*E.shape)
    for j in range(1, n + 1):
        first += _span(Ws, j + 1, n, model.dims[n]) * dWs[j - 1] * _span(Ws, 1, j - 1, d0)
    t = sp.Symbol("t_lemma5")
    hess_term = sp.diff(phi.xreplace({e: v + t * f for e, v, f in zip(e_syms, list(end), list(first))}), t, 2).subs(t, 0)
    cross = sp.zeros(*E.shape)
    for j in range(1, n + 1):
        for jp in range(j + 1, n + 1):
            cross += (_span(Ws, jp + 1, n, model.dims[n]) * dWs[jp - 1] * _span(Ws, j + 1, jp - 1, model.dims[j])
                      * dWs[j - 1] * _span(Ws, 1, j - 1, d0))
    return hess_term + 2 * (grad.T * cross).trace()


def direct_form(hessian: sp.Matrix, model, perturbation=None) -> sp.Expr:
    """``dtheta^T H dtheta`` with ``dtheta`` the vec-layout arrangement of ``(dW_1, ..., dW_n)``."""
    params = Parameters.of(model)
    dWs = perturbation_symbols(model) if perturbation is None else list(params.values_to_blocks(perturbation).values())
    dtheta = sp.Matrix([x for M in dWs for j in range(M.shape[1]) for x in M[:, j]])
    return (dtheta.T * hessian * dtheta)[0, 0]
