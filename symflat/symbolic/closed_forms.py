"""Closed forms at special minima and exact spectra of Hessians at minima.

- Scalar chains: the widest minima (Mulayoff & Michaeli 2020, eq. 12) ``|w_j| = |tau|^{1/m}``
  with ``prod_j sgn(w_j) = sgn(tau)`` (``2^{m-1}`` points) and their sharpness (eq. 13)
  ``2 m sigma_x^2 |tau|^{2(1 - 1/m)}``.
- Deep linear networks: the balanced construction of eq. 27 from an SVD ``T = U S V^T``:
  ``W_m = U S_m^{1/m}``, ``W_j = S_j^{1/m}``, ``W_1 = S_1^{1/m} V^T``, with sharpness
  ``2 m sigma_max(T)^{2(1 - 1/m)}`` (eq. 28, for ``Sigma_x = I``) and top eigenvector
  ``b = Phi (v kron u)`` (Theorem 1).
- The spectrum and eigenvectors of ``H = 2 Phi Phi^T`` at any minimum through the small
  ``2 Phi^T Phi`` (``d_x d_y x d_x d_y``, same nonzero eigenvalues; eq. 20).
"""

from __future__ import annotations

import itertools

import sympy as sp

from symflat.models import DeepLinear, ScalarChain
from symflat.symbolic.deep_linear import check_minimum, phi_matrix
from symflat.symbolic.errors import SymbolicError
from symflat.symbolic.exact import as_matrix, orthonormal_eigenbasis, to_exact


def scalar_widest_minima(m: int, tau) -> list[tuple]:
    """All points of eq. 12: ``|w_j| = |tau|^{1/m}`` with an even (tau > 0) or odd (tau < 0)
    number of negative weights."""
    if not isinstance(m, int) or m < 1:
        raise SymbolicError(f"depth must be a positive integer, got {m!r}")
    tau = to_exact(tau, "tau")
    if tau.is_zero:
        raise SymbolicError("tau = 0: every point with a zero weight is a minimum; eq. 12 needs tau != 0")
    if tau.is_positive is None and tau.is_negative is None:
        raise SymbolicError(f"the sign of tau = {tau} is unknown; declare the symbol positive or negative")
    r = sp.Abs(tau) ** sp.Rational(1, m)
    want_odd = bool(tau.is_negative)
    out = []
    for signs in itertools.product((1, -1), repeat=m):
        if (signs.count(-1) % 2 == 1) == want_odd:
            out.append(tuple(s * r for s in signs))
    return out


def scalar_widest_sharpness(m: int, sigma_x2, tau) -> sp.Expr:
    """``2 m sigma_x^2 |tau|^{2(1 - 1/m)}`` (eq. 13)."""
    return 2 * m * to_exact(sigma_x2, "sigma_x^2") * sp.Abs(to_exact(tau, "tau")) ** (2 - sp.Rational(2, m))


def _check_svd(T: sp.Matrix, U: sp.Matrix, s: list, V: sp.Matrix):
    dy, dx = T.shape
    if U.shape != (dy, dy) or V.shape != (dx, dx):
        raise SymbolicError(f"SVD factors must be U {dy}x{dy} and V {dx}x{dx}, got {tuple(U.shape)} and {tuple(V.shape)}")
    if len(s) != min(dx, dy):
        raise SymbolicError(f"need min(d_x, d_y) = {min(dx, dy)} singular values, got {len(s)}")
    if any(sp.simplify(a - b).is_positive for a, b in zip(s[1:], s)) or any(v.is_negative for v in s):
        raise SymbolicError("singular values must be nonnegative and in decreasing order")
    for name, Q in (("U", U), ("V", V)):
        if (Q.T * Q - sp.eye(Q.shape[0])).applyfunc(sp.simplify) != sp.zeros(*Q.shape):
            raise SymbolicError(f"{name} is not orthogonal")
    S = sp.zeros(dy, dx)
    for k, v in enumerate(s):
        S[k, k] = v
    if (U * S * V.T - T).applyfunc(sp.simplify) != sp.zeros(dy, dx):
        raise SymbolicError("U diag(s) V^T does not equal T")


def exact_svd(T: sp.Matrix) -> tuple[sp.Matrix, list, sp.Matrix]:
    """A full SVD ``T = U diag(s) V^T`` with square orthogonal ``U``, ``V`` (exact, radicals allowed)."""
    dy, dx = T.shape
    V, values = orthonormal_eigenbasis(T.T * T)
    s = [sp.sqrt(v) for v in values][: min(dx, dy)]
    cols = []
    for k in range(min(dx, dy)):
        if s[k] != 0:
            cols.append((T * V[:, k] / s[k]).applyfunc(sp.simplify))
    basis = cols + [c for c in sp.Matrix.hstack(*cols).T.nullspace()] if cols else list(sp.eye(dy).columnspace())
    U = sp.Matrix.hstack(*sp.GramSchmidt(basis, orthonormal=True)).applyfunc(sp.simplify) if cols else sp.eye(dy)
    return U, [sp.simplify(v) for v in s], V


def _rect_diag(rows: int, cols: int, values: list) -> sp.Matrix:
    M = sp.zeros(rows, cols)
    for k in range(min(rows, cols)):
        M[k, k] = values[k] if k < len(values) else 0
    return M


def balanced_minimum(model, T, svd=None) -> list[sp.Matrix]:
    """The eq. 27 construction ``[W_1, ..., W_m]`` for ``T`` (``svd = (U, s, V)`` optional, checked)."""
    if isinstance(model, ScalarChain):
        model = model.as_deep_linear()
    if not isinstance(model, DeepLinear):
        raise SymbolicError(f"balanced_minimum needs a DeepLinear network, got {type(model).__name__}")
    dims, m = model.dims, model.depth
    T = as_matrix(T, "T", (dims[-1], dims[0]))
    if not model.has_capacity:
        raise SymbolicError(f"dims {list(dims)} violate the capacity condition min d_j >= min(d_x, d_y)")
    if svd is None:
        U, s, V = exact_svd(T)
    else:
        U, s, V = as_matrix(svd[0], "U"), [to_exact(v, "singular value") for v in svd[1]], as_matrix(svd[2], "V")
        _check_svd(T, U, s, V)
    if m == 1:
        return [T]
    roots = [v ** sp.Rational(1, m) for v in s]
    Ws = [_rect_diag(dims[j + 1], dims[j], roots) for j in range(m)]
    Ws[0] = Ws[0] * V.T
    Ws[-1] = U * Ws[-1]
    return Ws


def balanced_sharpness(m: int, sigma_max) -> sp.Expr:
    """``2 m sigma_max(T)^{2(1 - 1/m)}`` (eq. 17 / 28, ``Sigma_x = I``)."""
    return 2 * m * to_exact(sigma_max, "sigma_max") ** (2 - sp.Rational(2, m))


def top_eigenvector(model, data, point, u, v) -> sp.Matrix:
    """``b = Phi (v kron u)`` (Theorem 1) for top singular vectors ``u`` (left), ``v`` (right) of T."""
    u = as_matrix(u, "u")
    v = as_matrix(v, "v")
    return phi_matrix(model, data, point) * sp.Matrix(sp.kronecker_product(v, u))


def minimum_spectrum(model, data, point) -> dict:
    """Exact eigenvalues (with multiplicities) of ``H = 2 Phi Phi^T`` at a checked minimum: the
    nonzero ones from ``2 Phi^T Phi`` and ``0`` with multiplicity ``N - rank``."""
    check_minimum(model, data, point)
    Phi = phi_matrix(model, data, point)
    small = (2 * Phi.T * Phi).applyfunc(sp.simplify)
    eig = {}
    for val, mult in small.eigenvals().items():
        val = sp.simplify(val)
        if val != 0:
            eig[val] = eig.get(val, 0) + mult
    eig_zero = Phi.shape[0] - sum(eig.values())
    if eig_zero:
        eig[sp.Integer(0)] = eig_zero
    return eig


def minimum_eigenpairs(model, data, point) -> list[tuple]:
    """``[(lambda, multiplicity, [b, ...])]`` for the nonzero eigenvalues of ``H = 2 Phi Phi^T`` at a
    checked minimum: ``b = Phi c`` for each eigenvector ``c`` of the small ``2 Phi^T Phi`` (eq. 20);
    the zero eigenspace (valley directions) is the orthogonal complement of their span."""
    check_minimum(model, data, point)
    Phi = phi_matrix(model, data, point)
    small = (2 * Phi.T * Phi).applyfunc(sp.simplify)
    out = []
    for val, mult, vecs in small.eigenvects():
        val = sp.simplify(val)
        if val != 0:
            out.append((val, mult, [(Phi * c).applyfunc(sp.simplify) for c in vecs]))
    return out
