"""Structured exact Hessian of deep linear networks and its factorisation at global minima.

For ``A = L W_m ... W_1`` (``L`` a fixed left factor: ``I`` for ``DeepLinear``, ``w^T`` for
``LinearWithOutput``) and the quadratic loss with gradient ``G = 2(A Sigma_x - Sigma_yx)`` in ``A``:

- ``vec(A) = U_k vec(W_k)`` with ``U_k = (W_{k-1:1})^T kron W_{m:k+1}`` (Mulayoff & Michaeli 2020,
  supp. eq. S40), so the Hessian is ``H = 2 J^T (Sigma_x kron I) J + R``, ``J = [U_1, ..., U_m]``,
  where ``R`` (off-diagonal blocks only) is the derivative of ``W_{m:k+1}^T G W_{k-1:1}^T`` in
  ``W_q`` at fixed ``G`` (their eq. S42); ``R = 0`` when ``A Sigma_x = Sigma_yx`` (eq. S44).
- At a global minimum ``H = 2 Phi Phi^T`` with ``Phi_k = (W_{k-1:1} Sigma_x^{1/2}) kron
  (W_{m:k+1})^T`` stacked (Lemma 3, eq. 15-16).

These are matrix products of the weights, so an exact Hessian at a rational point costs a few
matrix multiplications instead of symbolic differentiation.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from symflat.models import DeepLinear, LinearWithOutput, ScalarChain
from symflat.numeric.objective import layer_product
from symflat.symbolic.data import ExactMoments, as_moments
from symflat.symbolic.derive import derive
from symflat.symbolic.errors import NotAMinimumError, SymbolicError
from symflat.symbolic.exact import as_matrix, orthonormal_eigenbasis, random_matrix
from symflat.symbolic.identity import IdentityResult, prove_equal
from symflat.symbolic.losses import layer_matrices, output_vector
from symflat.symbolic.params import Parameters


def weight_list(model, point, *, noise=None, scale=None) -> list[sp.Matrix]:
    """The weight matrices ``[W_1, ..., W_m]`` of a point (flat vec, dict or list of matrices);
    for a residual ``LinearWithOutput`` the point holds the ``theta_k`` and
    ``W_k = I + s/sqrt(L d) N_k + theta_k / L``."""
    return layer_matrices(model, Parameters.of(model).values_to_blocks(point), noise=noise, scale=scale)


def _left_factor(model, output=None) -> sp.Matrix:
    if isinstance(model, LinearWithOutput):
        return output_vector(model, output).T
    if isinstance(model, (DeepLinear, ScalarChain)):
        return sp.eye(model.dims[-1])
    raise SymbolicError(f"structured deep-linear Hessian: unsupported model {type(model).__name__}")


def partial_products(Ws: list[sp.Matrix], left: sp.Matrix):
    """``pre[k] = W_k...W_1`` (``pre[0] = I``) and ``post[k] = L W_m...W_{k+1}`` (``post[m] = L``)."""
    m = len(Ws)
    pre = [sp.eye(Ws[0].shape[1])]
    for W in Ws:
        pre.append(W * pre[-1])
    post = [None] * (m + 1)
    post[m] = left
    for k in range(m - 1, -1, -1):
        post[k] = post[k + 1] * Ws[k]
    return pre, post


def _check_chain(Ws: list[sp.Matrix], left: sp.Matrix, moments: ExactMoments):
    for k in range(1, len(Ws)):
        if Ws[k].shape[1] != Ws[k - 1].shape[0]:
            raise SymbolicError(f"W_{k + 1} has {Ws[k].shape[1]} columns but W_{k} has {Ws[k - 1].shape[0]} rows")
    if moments.sigma_x.shape != (Ws[0].shape[1],) * 2:
        raise SymbolicError(f"Sigma_x has shape {tuple(moments.sigma_x.shape)}; the network input has dimension {Ws[0].shape[1]}")
    if moments.sigma_yx.shape != (left.shape[0], Ws[0].shape[1]):
        raise SymbolicError(f"Sigma_yx has shape {tuple(moments.sigma_yx.shape)}, expected {(left.shape[0], Ws[0].shape[1])}")


def jacobian(pre, post) -> sp.Matrix:
    """``J = [U_1, ..., U_m]`` with ``U_k = (W_{k-1:1})^T kron (L W_{m:k+1})``: ``d vec(A) / d w``
    (supp. eq. S40), from the partial products of :func:`partial_products`."""
    return sp.Matrix.hstack(*[_kron(pre[k].T, post[k + 1]) for k in range(len(pre) - 1)])


def _kron(a: sp.Matrix, b: sp.Matrix) -> sp.Matrix:
    ra, ca = a.shape
    rb, cb = b.shape
    return sp.Matrix(ra * rb, ca * cb, lambda i, j: a[i // rb, j // cb] * b[i % rb, j % cb])


def residual(A: sp.Matrix, moments: ExactMoments) -> sp.Matrix:
    """``G = 2(A Sigma_x - Sigma_yx)``: the gradient of the loss in the end-to-end matrix."""
    return 2 * (A * moments.sigma_x - moments.sigma_yx)


def structured_hessian(model, data, point, *, output=None, noise=None, scale=None) -> sp.Matrix:
    """The exact Hessian of the quadratic loss at ``point`` via ``2 J^T (Sigma_x kron I) J + R``.
    For a residual ``LinearWithOutput`` it is taken in the ``theta_k``: ``d W_k / d theta_k = I / L``,
    so it is the ``W``-Hessian divided by ``L^2``."""
    left = _left_factor(model, output)
    moments = as_moments(data)
    Ws = weight_list(model, point, noise=noise, scale=scale)
    _check_chain(Ws, left, moments)
    pre, post = partial_products(Ws, left)
    J = jacobian(pre, post)
    H = 2 * J.T * _kron(moments.sigma_x, sp.eye(left.shape[0])) * J
    G = residual(post[0], moments)
    if any(g != 0 for g in G):
        _add_residual_term(H, Ws, pre, post, G)
    if isinstance(model, LinearWithOutput) and model.residual:
        H = H / model.depth**2
    return H


def _add_residual_term(H: sp.Matrix, Ws, pre, post, G):
    """Add ``d/dW_q [W_{m:k+1}^T G W_{k-1:1}^T]`` (q < k) and its transpose to ``H``."""
    m = len(Ws)
    offsets = np.cumsum([0] + [W.shape[0] * W.shape[1] for W in Ws]).tolist()
    for k in range(m):
        for q in range(k):
            # W_{k-1:1} = M W_q N with M = W_{k-1:q+1}, N = W_{q-1:1}; entry (a,b) of the k-gradient
            # changes with W_q[r,s] by Lmat[a,s] * M[b,r], Lmat = post[k+1]^T G N^T.
            M = _between(Ws, q + 1, k)
            N = pre[q]
            Lmat = post[k + 1].T * G * N.T
            dk, dq = Ws[k].shape[0], Ws[q].shape[0]
            for b in range(Ws[k].shape[1]):
                for a in range(dk):
                    row = offsets[k] + b * dk + a
                    for s in range(Ws[q].shape[1]):
                        ls = Lmat[a, s]
                        if ls == 0:
                            continue
                        for r in range(dq):
                            val = ls * M[b, r]
                            col = offsets[q] + s * dq + r
                            H[row, col] += val
                            H[col, row] += val


def _between(Ws, lo: int, hi: int) -> sp.Matrix:
    """``W_hi ... W_{lo+1}`` in 0-based list terms: product of ``Ws[lo:hi]`` (identity if empty)."""
    return layer_product(Ws, lo + 1, hi, Ws[lo].shape[1])


def _plain(model):
    if isinstance(model, LinearWithOutput) and model.residual:
        raise SymbolicError("minimum-set formulas take the plain weights W_k: use LinearWithOutput(residual=False) "
                            "with W_k = I + s/sqrt(L d) N_k + theta_k / L already formed")


def end_to_end_at(model, point, *, output=None) -> sp.Matrix:
    _plain(model)
    left = _left_factor(model, output)
    Ws = weight_list(model, point)
    return left * partial_products(Ws, left)[0][-1]


def check_minimum(model, data, point, *, output=None) -> sp.Matrix:
    """Raise :class:`NotAMinimumError` unless ``A Sigma_x = Sigma_yx`` exactly (the minimum set
    ``Omega``, eq. 4, written so that it needs no inverse); return ``A``."""
    moments = as_moments(data)
    A = end_to_end_at(model, point, output=output)
    G = (A * moments.sigma_x - moments.sigma_yx).applyfunc(sp.cancel)
    bad = [(i, j) for i in range(G.shape[0]) for j in range(G.shape[1]) if G[i, j] != 0]
    if bad:
        i, j = bad[0]
        raise NotAMinimumError(f"the point is not a global minimum: (A Sigma_x - Sigma_yx)[{i},{j}] = {G[i, j]} != 0 "
                               f"({len(bad)} nonzero entries)")
    return A


def sqrt_psd(S: sp.Matrix) -> sp.Matrix:
    """The symmetric square root of a positive semidefinite ``S`` (exact; radicals if needed)."""
    S = sp.Matrix(S)
    if S.shape[0] != S.shape[1]:
        raise SymbolicError(f"square root needs a square matrix, got shape {tuple(S.shape)}")
    if S.is_diagonal():
        if any(v.is_negative for v in S.diagonal()):
            raise SymbolicError("Sigma_x has a negative diagonal entry; it is not positive semidefinite")
        return sp.diag(*[sp.sqrt(v) for v in S.diagonal()])
    if S != S.T:
        raise SymbolicError("Sigma_x is not symmetric, so it has no symmetric square root")
    P, values = orthonormal_eigenbasis(S)
    if any(v.is_negative for v in values):
        raise SymbolicError("Sigma_x has a negative eigenvalue; it is not positive semidefinite")
    return (P * sp.diag(*[sp.sqrt(v) for v in values]) * P.T).applyfunc(sp.simplify)


def gram_root(S: sp.Matrix) -> sp.Matrix:
    """Some ``R`` with ``R R^T = S``: the Cholesky factor when ``S`` is positive definite (square
    roots of rationals only, cheap), else the symmetric root :func:`sqrt_psd`. ``Phi Phi^T``
    depends on ``R`` only through ``R R^T``, so any such root gives the same Hessian (eq. 15)."""
    S = sp.Matrix(S)
    if S.shape[0] == S.shape[1] and S == S.T and not S.is_diagonal():
        try:
            R = S.cholesky(hermitian=False)
        except ValueError:  # a zero pivot: the symmetric root decides
            R = None
        if R is not None and all(e.is_real is not False for e in R):  # an indefinite S gives imaginary pivots
            return R
    return sqrt_psd(S)


def phi_blocks(model, data, point, *, output=None, root: sp.Matrix | None = None) -> list[sp.Matrix]:
    """``Phi_k = (W_{k-1:1} Sigma_x^{1/2}) kron (L W_{m:k+1})^T`` (eq. 16), each ``d_k d_{k-1} x d_x d_y``.
    ``root`` may supply any ``R`` with ``R R^T = Sigma_x`` (default: the symmetric root)."""
    _plain(model)
    left = _left_factor(model, output)
    moments = as_moments(data)
    Ws = weight_list(model, point)
    _check_chain(Ws, left, moments)
    R = gram_root(moments.sigma_x) if root is None else as_matrix(root, "root of Sigma_x", moments.sigma_x.shape)
    if root is not None and (R * R.T - moments.sigma_x).applyfunc(sp.cancel) != sp.zeros(*R.shape):
        raise SymbolicError("the given root R does not satisfy R R^T = Sigma_x")
    return phi_blocks_of(Ws, R, left)


def phi_blocks_of(Ws: list[sp.Matrix], root: sp.Matrix, left: sp.Matrix | None = None) -> list[sp.Matrix]:
    """``Phi_k = (W_{k-1:1} R) kron (L W_{m:k+1})^T`` (eq. 16) straight from the weight matrices and a
    root ``R`` (``R R^T = Sigma_x``), unchecked; ``left`` defaults to the identity (``DeepLinear``)."""
    left = sp.eye(Ws[-1].rows) if left is None else left
    pre, post = partial_products(Ws, left)
    return [_kron(pre[k] * root, post[k + 1].T) for k in range(len(Ws))]


def phi_of(Ws: list[sp.Matrix], root: sp.Matrix, left: sp.Matrix | None = None) -> sp.Matrix:
    """The stacked ``Phi`` of :func:`phi_blocks_of` (Lemma 3)."""
    return sp.Matrix.vstack(*phi_blocks_of(Ws, root, left))


def phi_matrix(model, data, point, **kw) -> sp.Matrix:
    """``Phi = [Phi_1^T, ..., Phi_m^T]^T`` (Lemma 3), ``N x d_x d_y``."""
    return sp.Matrix.vstack(*phi_blocks(model, data, point, **kw))


def hessian_at_minimum(model, data, point, **kw) -> sp.Matrix:
    """``H = 2 Phi Phi^T`` (eq. 15) at a point checked to be a global minimum."""
    check_minimum(model, data, point, output=kw.get("output"))
    Phi = phi_matrix(model, data, point, **kw)
    return 2 * Phi * Phi.T


def random_minimum(model: DeepLinear, data, rng: np.random.Generator, **kw) -> list[sp.Matrix]:
    """A random exact point of ``Omega``: random rational layers, one layer solved so ``A = T``
    with ``T = Sigma_yx Sigma_x^{-1}`` (eq. 3). Uses a right inverse of ``W_{m:2}`` when every
    ``d_j >= d_y`` and a left inverse of ``W_{m-1:1}`` otherwise (capacity condition)."""
    if not isinstance(model, (DeepLinear, ScalarChain)):
        raise SymbolicError(f"random_minimum: needs a DeepLinear or ScalarChain, got {type(model).__name__}")
    moments = as_moments(data)
    if moments.sigma_x.det() == 0:
        raise SymbolicError("Sigma_x is singular, so T = Sigma_yx Sigma_x^{-1} is not defined (Mulayoff & Michaeli assume full rank)")
    T = moments.sigma_yx * moments.sigma_x.inv()
    dims = model.dims
    if T.shape != (dims[-1], dims[0]):
        raise SymbolicError(f"data maps R^{T.shape[1]} -> R^{T.shape[0]} but the network has dims {list(dims)}")
    if not (min(dims) >= min(dims[0], dims[-1])):
        raise SymbolicError(f"dims {list(dims)} violate the capacity condition min d_j >= min(d_x, d_y)")
    m = len(dims) - 1
    if m == 1:
        return [T]
    for _ in range(50):
        Ws = [random_matrix(rng, dims[k + 1], dims[k], nonzero=True, **kw) for k in range(m)]
        if min(dims[1:]) >= dims[-1]:
            B = _between(Ws, 1, m)  # W_m ... W_2, shape d_y x d_1, full row rank wanted
            gram = B * B.T
            if gram.det() == 0:
                continue
            Ws[0] = B.T * gram.inv() * T
        else:
            C = _between(Ws, 0, m - 1)  # W_{m-1} ... W_1, shape d_{m-1} x d_x
            gram = C.T * C
            if gram.det() == 0:
                continue
            Ws[-1] = T * gram.inv() * C.T
        if _between(Ws, 0, m) == T:
            return Ws
    raise SymbolicError("could not draw a nonsingular random minimum in 50 tries")


def factorisation_identity(model, data, point, *, root=None, **kw) -> IdentityResult:
    """Lemma 3 at one point as an :class:`~symflat.symbolic.identity.IdentityResult`: the Hessian
    obtained by differentiating the loss (:func:`symflat.symbolic.derive.derive`) against
    ``2 Phi Phi^T`` (after checking that the point is a global minimum)."""
    factored = hessian_at_minimum(model, data, point, root=root)
    return prove_equal(derive(model, data).at(point), factored, **kw)
