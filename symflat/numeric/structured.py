"""Sharpness from the structure of the Hessian at global minima.

Deep linear networks (Mulayoff & Michaeli 2020, Lemma 3, eq. 15-16 and 20-21): on the set of
global minima ``Omega`` (``A Sigma_x = Sigma_yx``) the Hessian is ``H = 2 Phi Phi^T`` with
``Phi_k = (P_{<k} Sigma_x^{1/2}) kron P_{>k}^T``. Its nonzero spectrum is that of the
``d_x d_y x d_x d_y`` matrix ``2 Phi^T Phi``, which acts on ``B`` (``d_y x d_x``) as

    2 Phi^T Phi : B -> 2 sum_k  P_{>k} P_{>k}^T  B  Sigma_x^{1/2} P_{<k}^T P_{<k} Sigma_x^{1/2},

so one product costs ``O(m (d_x^2 d_y + d_x d_y^2))`` and nothing depends on the number of
samples. The top eigenvector of ``H`` is ``Phi b`` (block ``k``: ``vec(P_{>k}^T B Sigma_x^{1/2} P_{<k}^T)``).
Lanczos on it starts from the best rank-one ``B`` (see :func:`rank_one_start`).

One-hidden-layer ReLU network at an interpolating minimum (Mulayoff, Michaeli & Soudry 2021,
eq. S59): the residuals vanish, so ``H = (1/n) J^T J`` and its nonzero spectrum is that of the
``n x n`` Gram matrix ``(1/n) J J^T``.

Both are a factorisation ``H = K K^T`` (:class:`GramFactor`): the solver works on the small
``K^T K`` and lifts its top eigenvector with ``K``; :func:`symflat.numeric.gram_operator` hands the
small matrix to any scipy solver.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from symflat.numeric.errors import NumericError
from symflat.numeric.linalg import dense_extreme, lanczos
from symflat.numeric.objective import LinearMomentsObjective, ReluOneHiddenObjective, prefix_suffix


class NotApplicable(NumericError):
    """The structured method's hypothesis fails at this point (not a global/interpolating minimum)."""


DENSE_LIMIT = 256  # assemble and diagonalise the small matrix below this dimension


def _eye_or(bk, a, n):
    return bk.eye(n) if a is None else a


def deep_linear_operator(obj: LinearMomentsObjective, w):
    """The factors of ``2 Phi^T Phi`` up to an orthogonal change of basis.

    With any factor ``F F^T = Sigma_x`` (Cholesky when ``Sigma_x`` is positive definite) and
    ``F = Sigma_x^{1/2} U``, ``U`` orthogonal, the operator ``B -> 2 sum_k R_k B S_k`` with
    ``R_k = P_{>k} P_{>k}^T`` and ``S_k = F^T P_{<k}^T P_{<k} F`` is ``2 Phi^T Phi`` conjugated by
    ``U``: same spectrum, and an eigenvector ``B`` maps to the parameter block
    ``P_{>k}^T B F^T P_{<k}^T`` of ``Phi b``. Returns ``(Rs, Ss, F, L, R)`` with ``L``/``R`` the
    prefix and suffix products of :func:`prefix_suffix`.
    """
    bk = obj.backend
    mats = obj.mats(w)
    L, R = prefix_suffix(mats, obj.out)
    dy = obj.syx.shape[0]
    F = bk.gram_factor(obj.sx)
    Ps = [_eye_or(bk, R[k + 1], dy) for k in range(1, len(mats) + 1)]  # P_{>k}, with the output row if any
    Qs = [F] + [Lk @ F for Lk in L[1:-1]]  # P_{<k} F
    return _grams(Ps, bk, outer=True), _grams(Qs, bk, outer=False), F, L, R


def _grams(mats, bk, outer):
    """``[M M^T]`` (``outer``) or ``[M^T M]`` stacked; one batched product when the shapes agree."""
    if len({tuple(M.shape) for M in mats}) == 1:
        M = bk.stack(mats)
        return M @ M.swapaxes(1, 2) if outer else M.swapaxes(1, 2) @ M
    return bk.stack([M @ M.T if outer else M.T @ M for M in mats])


RANDOM_SHARE = 0.1  # weight of the random vector mixed into the rank-one start of the Lanczos run


def rank_one_start(Rs, Ss, bk, seed):
    """Lanczos start vector: the best rank-one ``B = v u^T`` by one round of alternating
    eigenproblems, mixed with a random unit vector of weight :data:`RANDOM_SHARE`.

    On a rank-one ``B`` the Rayleigh quotient of eq. (20) is ``2 sum_k (v^T R_k v)(u^T S_k u)``,
    maximised in ``u`` for fixed ``v`` (and back) by a top eigenvector. At the global minima we
    tried the top eigenvector of ``2 Phi^T Phi`` is such a rank-one matrix, so this start is
    already close to it; the random part keeps every eigenvector present in the start, as in a
    random start, so Lanczos still finds the top of the spectrum where the rank-one guess is off.
    """
    m, dy, dx = Rs.shape[0], Rs.shape[1], Ss.shape[1]
    tr = Rs.reshape(m, dy * dy)[:, :: dy + 1].sum(1)  # tr R_k: weights for a first u
    u = bk.top_eigvec((tr @ Ss.reshape(m, dx * dx)).reshape(dx, dx))
    cu = (Ss.reshape(m * dx, dx) @ u).reshape(m, dx) @ u  # u^T S_k u
    v = bk.top_eigvec((cu @ Rs.reshape(m, dy * dy)).reshape(dy, dy))
    b = (v[:, None] * u[None, :]).reshape(-1)
    g = bk.random_normal(dx * dy, seed)
    return b + RANDOM_SHARE * g / bk.norm(g)


@dataclass
class GramFactor:
    """A factor ``K`` with ``H = K K^T`` at the point.

    ``K^T K`` (size ``dim``, applied by ``small_matvec``) has the nonzero spectrum of ``H``; for a
    unit eigenvector ``b`` of it, ``K b`` (``lift``) is a Hessian eigenvector with eigenvalue
    ``||K b||^2``. ``start(seed)`` gives a Lanczos start vector, or is ``None`` for a random one.
    """

    small_matvec: Callable
    dim: int
    lift: Callable
    note: str
    start: Callable | None = None


def deep_linear_factor(obj: LinearMomentsObjective, w, *, minimum_tol=1e-9) -> GramFactor:
    """``K = sqrt(2) Phi`` of Mulayoff & Michaeli Lemma 3 (times ``dW/dtheta`` for the residual
    parametrisation). Raises :class:`NotApplicable` when ``||A Sigma_x - Sigma_yx|| / ||Sigma_yx||
    > minimum_tol``."""
    bk = obj.backend
    Rs, Ss, F, L, R = deep_linear_operator(obj, w)
    gap = obj.minimum_residual_of(R[1])
    if not gap <= minimum_tol:
        raise NotApplicable(
            f"not a global minimum: ||A Sigma_x - Sigma_yx|| / ||Sigma_yx|| = {gap:.3g} > {minimum_tol:g} "
            "(Lemma 3 of Mulayoff & Michaeli needs w in Omega)"
        )
    dy, dx = Rs.shape[1], Ss.shape[1]
    c2 = 2 * obj.step**2
    Ss2 = c2 * Ss

    def small_matvec(b):  # vec(c2 sum_k R_k B S_k), B (d_y x d_x) read row-major: two batched products over k
        return ((Rs @ b.reshape(dy, dx)) @ Ss2).sum(0).reshape(-1)

    def lift(b):  # block k: sqrt(c2) vec(P_{>k}^T B F^T P_{<k}^T), column-major
        BF = b.reshape(dy, dx) @ F.T
        blocks = []
        for k in range(1, len(L)):
            P_above = _eye_or(bk, R[k + 1], dy)
            block = P_above.T @ BF if L[k - 1] is None else P_above.T @ BF @ L[k - 1].T
            blocks.append(block.T.reshape(-1))
        return c2**0.5 * bk.concat(blocks)

    note = f"2 Phi^T Phi of size {dx * dy} (Mulayoff & Michaeli Lemma 3); minimum residual {gap:.2e}"
    return GramFactor(small_matvec, dx * dy, lift, note, start=lambda seed: rank_one_start(Rs, Ss, bk, seed))


def relu_gram_factor(obj: ReluOneHiddenObjective, w, *, minimum_tol=1e-9) -> GramFactor:
    """``K = J^T / sqrt(n)`` at an interpolating minimum of the one-hidden-layer ReLU network
    (eq. S59). Raises :class:`NotApplicable` off such a minimum or on a kink."""
    bk = obj.backend
    w = obj.weights(w)
    worst = obj.max_residual(w)
    if not worst <= minimum_tol:
        raise NotApplicable(f"not an interpolating minimum: max |f(x_i) - y_i| / max(|y|, 1) = {worst:.3g} > {minimum_tol:g}")
    w1, b1 = obj.model.block("w1"), obj.model.block("b1")
    z = bk.to_numpy(obj.x)[:, None] * bk.to_numpy(w[w1.slice])[None, :] + bk.to_numpy(w[b1.slice])[None, :]
    if np.any(z == 0):
        raise NotApplicable("a training point sits exactly on a ReLU kink: the Hessian is not defined there")
    J = obj.jacobian(w)
    n = obj.n
    note = f"Gram matrix (1/n) J J^T of size {n} at an interpolating minimum (MMS 2021 eq. S59)"
    return GramFactor(lambda u: J @ (J.T @ u) / n, n, lambda u: J.T @ u / n**0.5, note)


def top_pair(factor: GramFactor, bk, *, tol=1e-8, maxiter=1000, seed=0):
    """Top eigenpair of ``H = K K^T`` through ``K^T K``: dense LAPACK up to :data:`DENSE_LIMIT`,
    else Lanczos. Returns ``(eigenvalue, unit Hessian eigenvector, products, dim, note, converged)``."""
    if factor.dim <= DENSE_LIMIT:
        eye = bk.eye(factor.dim)
        G = np.stack([bk.to_numpy(factor.small_matvec(eye[i])) for i in range(factor.dim)], axis=1)
        _, bvec = dense_extreme((G + G.T) / 2, "LA")
        b, products, converged = bk.asarray(bvec), 0, True
    else:
        v0 = factor.start(seed) if factor.start else None
        pair = lanczos(factor.small_matvec, factor.dim, bk, which="LA", tol=tol, maxiter=maxiter, v0=v0, seed=seed)
        b, products, converged = pair.vector, pair.products, pair.converged
    v = factor.lift(b)
    lam = bk.dot(v, v)  # ||K b||^2 = b^T K^T K b: eq. (20) for deep linear networks
    return lam, v / lam**0.5, products, factor.dim, factor.note, converged
