"""Losses of deep linear networks at symbolic depth and widths, and the objects built on them.

- :func:`matrix` — a matrix symbol of symbolic shape; :class:`MomentSymbols` — ``Sigma_x`` (symmetric),
  its symmetric root, ``Sigma_yx``, ``Sigma_y`` of a chain;
- :func:`square_loss` — ``l = tr(Sigma_y) - 2 tr(P Sigma_yx^T) + tr(P Sigma_x P^T)`` with
  ``P = W_{m:1}``: the expected ``||y - P x||^2`` written with the moments (Mulayoff & Michaeli
  2020, eq. 2);
- :func:`loss_linearisation` — ``tr(G^T P)`` with ``G`` a symbol for ``grad phi(P)``: by the chain
  rule its first variation is that of any differentiable loss ``phi(W_{m:1})`` at the point where
  ``G = grad phi(P)``;
- :func:`omega` — the solution-set relation ``P Sigma_x = Sigma_yx`` (global minima when
  ``Sigma_x`` is invertible, Mulayoff & Michaeli eq. 4);
- :func:`hessian_block`, :func:`phi_block` — the Hessian block ``d^2 l / d w_i d w_j`` in
  Kronecker form and ``Phi_k = (W_{k-1:1} Sigma_x^{1/2}) kron (W_{m:k+1})^T`` (eq. 16);
- :func:`flow_derivative` — ``d/dt`` of a matrix expression along gradient flow
  ``dW_l/dt = -grad_l``.
"""

from __future__ import annotations

import sympy as sp

from symflat.symbolic.matrix_calculus.algebra import Atom, MatPoly, Relation, Rules, TracePoly
from symflat.symbolic.matrix_calculus.calculus import derivative, second_variation
from symflat.symbolic.matrix_calculus.chain import LayerChain
from symflat.symbolic.matrix_calculus.kron import KronPoly, bilinear_block

KRON_RULES = ("vec(AXB) = (B^T kron A) vec X", "(A kron B)(C kron D) = AC kron BD, (A kron B)^T = A^T kron B^T")


def matrix(name: str, rows, cols, symmetric: bool = False) -> MatPoly:
    """A matrix symbol of symbolic shape."""
    return MatPoly.atom(Atom(name, sp.sympify(rows), sp.sympify(cols), symmetric=symmetric))


class MomentSymbols:
    """Symbolic data moments of a chain: ``Sigma_x`` (``d_0 x d_0``, symmetric), its symmetric root
    ``S`` (``S S = Sigma_x``), ``Sigma_yx`` (``d_m x d_0``), ``Sigma_y`` (``d_m x d_m``)."""

    def __init__(self, chain: LayerChain):
        d0, dm = chain.d[0], chain.d[chain.depth]
        self.sigma_x = matrix("Sigma_x", d0, d0, symmetric=True)
        self.root = matrix("Sigma_x^{1/2}", d0, d0, symmetric=True)
        self.sigma_yx = matrix("Sigma_yx", dm, d0)
        self.sigma_y = matrix("Sigma_y", dm, dm, symmetric=True)
        self.root_relation = Relation.of(self.root @ self.root, self.sigma_x, "S S = Sigma_x")


def square_loss(chain: LayerChain, moments: MomentSymbols) -> TracePoly:
    """``tr(Sigma_y) - 2 tr(P Sigma_yx^T) + tr(P Sigma_x P^T)``, ``P = W_{m:1}``."""
    P = chain.product()
    return moments.sigma_y.trace() - (P @ moments.sigma_yx.T).trace().scale(2) + (P @ moments.sigma_x @ P.T).trace()


def omega(chain: LayerChain, moments: MomentSymbols) -> Relation:
    """``W_{m:1} Sigma_x = Sigma_yx`` (the minimum set Omega when ``Sigma_x`` is full rank)."""
    return Relation.of(chain.product() @ moments.sigma_x, moments.sigma_yx, "w in Omega (W_{m:1} Sigma_x = Sigma_yx)")


def loss_linearisation(chain: LayerChain, name: str = "G") -> tuple[TracePoly, MatPoly]:
    """``(tr(G^T W_{m:1}), G)``: the first-order chain rule for a loss ``phi(W_{m:1})``,
    ``G = grad phi(W_{m:1})`` held fixed."""
    P = chain.product()
    G = matrix(name, P.rows, P.cols)
    return (G.T @ P).trace(), G


def hessian_block(loss: TracePoly, chain: LayerChain, i, j, rules: Rules | None = None) -> KronPoly:
    """``d^2 l / (d vec W_i d vec W_j)`` (rows ``vec W_i``, columns ``vec W_j``) in Kronecker form."""
    di, ej = chain.direction(i), chain.direction(j, "E")
    form = second_variation(loss, (chain.layer(i), di), (chain.layer(j), ej))
    return bilinear_block(form, di, ej, rules)


def phi_block(chain: LayerChain, moments: MomentSymbols, k) -> KronPoly:
    """``Phi_k = (W_{k-1:1} Sigma_x^{1/2}) kron (W_{m:k+1})^T`` (Mulayoff & Michaeli eq. 16)."""
    return KronPoly.kron(chain.segment(k - 1, 1) @ moments.root, chain.segment(chain.depth, k + 1).T)


def flow_derivative(expr: MatPoly, velocities) -> MatPoly:
    """``d/dt expr`` when each variable moves with the given velocity: ``sum D expr [v]``."""
    out = MatPoly.zero(expr.rows, expr.cols)
    for var, v in velocities:
        out = out + derivative(expr, var, v)
    return out
