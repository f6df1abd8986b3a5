"""Fast exact path for the scalar chain ``f(x) = w_m ... w_1 x`` (Mulayoff & Michaeli 2020, Sec. 3).

With ``P = prod_j w_j``, ``P_q = prod_{j != q} w_j`` and ``P_qk = prod_{j != q,k} w_j`` the loss
``l = sigma_y^2 - 2 sigma_xy P + sigma_x^2 P^2`` has the Hessian

    H_qk = 2 sigma_x^2 P_q P_k + 2 (sigma_x^2 P - sigma_xy) P_qk   (q != k),   H_qq = 2 sigma_x^2 P_q^2,

built here from prefix/suffix products (no differentiation, no ``simplify``). On the minimum set
``P = tau = sigma_xy / sigma_x^2`` (eq. 7) the second term vanishes, so ``H = 2 sigma_x^2 v v^T``
with ``v_q = P_q = tau / w_q`` (eq. 8-9): rank one, top eigenvalue ``2 sigma_x^2 ||v||^2`` with
eigenvector ``v`` (eq. 10), every other eigenvalue 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symflat.models import ScalarChain
from symflat.symbolic.data import as_moments
from symflat.symbolic.errors import NotAMinimumError, SymbolicError
from symflat.symbolic.exact import to_exact


def _prefix_suffix(w):
    m = len(w)
    pre = [sp.Integer(1)] * (m + 1)
    for j in range(m):
        pre[j + 1] = pre[j] * w[j]
    suf = [sp.Integer(1)] * (m + 1)
    for j in range(m - 1, -1, -1):
        suf[j] = w[j] * suf[j + 1]
    return pre, suf


def leave_one_out(w) -> list:
    """``[P_1, ..., P_m]`` with ``P_q = prod_{j != q} w_j`` (prefix times suffix product)."""
    pre, suf = _prefix_suffix(w)
    return [pre[q] * suf[q + 1] for q in range(len(w))]


def chain_hessian(w, sigma_x2, sigma_xy) -> sp.Matrix:
    """The exact Hessian of ``sigma_y^2 - 2 sigma_xy P + sigma_x^2 P^2`` at any point ``w``."""
    w = [to_exact(v, f"w_{j + 1}") for j, v in enumerate(w)]
    if not w:
        raise SymbolicError("the scalar chain needs at least one weight")
    m = len(w)
    sx2, sxy = to_exact(sigma_x2, "sigma_x^2"), to_exact(sigma_xy, "sigma_xy")
    pre, suf = _prefix_suffix(w)
    v = [pre[q] * suf[q + 1] for q in range(m)]
    r = 2 * (sx2 * pre[m] - sxy)
    H = sp.zeros(m, m)
    for q in range(m):
        H[q, q] = 2 * sx2 * v[q] ** 2
        between = sp.Integer(1)
        for k in range(q + 1, m):
            H[q, k] = H[k, q] = 2 * sx2 * v[q] * v[k] + r * pre[q] * between * suf[k + 1]
            between = between * w[k]
    return H


@dataclass(frozen=True)
class ChainMinimum:
    """The Hessian of a scalar chain at a global minimum, with its exact spectrum."""

    weights: tuple
    sigma_x2: sp.Expr
    tau: sp.Expr
    v: tuple

    @property
    def depth(self) -> int:
        return len(self.weights)

    def hessian(self) -> sp.Matrix:
        """``H = 2 sigma_x^2 v v^T`` (eq. 9); only the upper triangle is built, then mirrored."""
        m, c, v = self.depth, 2 * self.sigma_x2, self.v
        H = sp.zeros(m, m)
        for q in range(m):
            cq = c * v[q]
            for k in range(q, m):
                H[q, k] = H[k, q] = cq * v[k]
        return H

    @property
    def top_eigenvalue(self) -> sp.Expr:
        """``2 sigma_x^2 sum_q v_q^2`` (eq. 10, with ``v_q = tau / w_q``)."""
        return 2 * self.sigma_x2 * sp.Add(*[x**2 for x in self.v])

    @property
    def eigenvector(self) -> sp.Matrix:
        return sp.Matrix(self.v)

    def valley_directions(self) -> list[sp.Matrix]:
        """A basis of the zero eigenspace ``v^perp`` (directions along the valley of minima):
        ``v_{k+1} e_k - v_k e_{k+1}`` for ``k = 1..m-1``."""
        m, v = self.depth, self.v
        out = []
        for k in range(m - 1):
            u = sp.zeros(m, 1)
            u[k], u[k + 1] = v[k + 1], -v[k]
            out.append(u)
        return out

    def eigenvalues(self) -> dict:
        """All eigenvalues with multiplicities: the top one once and ``0`` (``m - 1`` times)."""
        top = self.top_eigenvalue
        return {top: 1, sp.Integer(0): self.depth - 1} if self.depth > 1 else {top: 1}


def generic_minimum(m: int, tau: sp.Expr | None = None) -> tuple:
    """A symbolic point of ``Omega`` (eq. 7): free ``w_1..w_{m-1}`` and ``w_m = tau / prod_{j<m} w_j``."""
    if not isinstance(m, int) or m < 1:
        raise SymbolicError(f"depth must be a positive integer, got {m!r}")
    tau = sp.Symbol("tau", positive=True) if tau is None else to_exact(tau, "tau")
    free = sp.symbols(f"w1:{m}", real=True, nonzero=True) if m > 1 else ()
    return (*free, tau / sp.Mul(*free))


def chain_at_minimum(weights, sigma_x2, sigma_xy) -> ChainMinimum:
    """The Hessian structure at ``weights``, after checking exactly that ``sigma_x^2 P = sigma_xy``."""
    w = tuple(to_exact(v, f"w_{j + 1}") for j, v in enumerate(weights))
    if not w:
        raise SymbolicError("the scalar chain needs at least one weight")
    sx2, sxy = to_exact(sigma_x2, "sigma_x^2"), to_exact(sigma_xy, "sigma_xy")
    if sx2.is_zero:
        raise SymbolicError("sigma_x^2 = 0: the minimum set is not defined")
    v = tuple(leave_one_out(w))
    P = v[0] * w[0]
    gap = sp.cancel(sx2 * P - sxy)
    if gap != 0:
        raise NotAMinimumError(f"the point is not a global minimum: sigma_x^2 prod(w) - sigma_xy = {gap} != 0")
    return ChainMinimum(w, sx2, sxy / sx2, v)


def chain_minimum(model: ScalarChain, data, weights) -> ChainMinimum:
    """:func:`chain_at_minimum` for a ``ScalarChain`` and its data (``Moments`` or ``Points``)."""
    if not isinstance(model, ScalarChain):
        raise SymbolicError(f"chain_minimum needs a ScalarChain, got {type(model).__name__}")
    weights = list(weights)
    if len(weights) != model.depth:
        raise SymbolicError(f"the chain has depth {model.depth} but {len(weights)} weights were given")
    sx2, sxy, _ = chain_moments(data)
    return chain_at_minimum(weights, sx2, sxy)


def chain_moments(data) -> tuple:
    """``(sigma_x^2, sigma_xy, sigma_y^2)`` of scalar data (``sigma_y^2`` may be ``None``)."""
    mo = as_moments(data)
    if mo.sigma_x.shape != (1, 1) or mo.sigma_yx.shape != (1, 1):
        raise SymbolicError(f"a scalar chain needs 1x1 moments, got Sigma_x {tuple(mo.sigma_x.shape)}, "
                            f"Sigma_yx {tuple(mo.sigma_yx.shape)}")
    return mo.sigma_x[0, 0], mo.sigma_yx[0, 0], None if mo.sigma_y is None else mo.sigma_y[0, 0]
