"""Sharpness from the structure of the Hessian at global minima.

Deep linear networks (Mulayoff & Michaeli 2020, Lemma 3, eq. 15-16 and 20-21): on the set of
global minima ``Omega`` (``A Sigma_x = Sigma_yx``) the Hessian is ``H = 2 Phi Phi^T`` with
``Phi_k = (P_{<k} Sigma_x^{1/2}) kron P_{>k}^T``. Its nonzero spectrum is that of the
``d_x d_y x d_x d_y`` matrix ``2 Phi^T Phi``, which acts on ``B`` (``d_y x d_x``) as

    2 Phi^T Phi : B -> 2 sum_k  P_{>k} P_{>k}^T  B  Sigma_x^{1/2} P_{<k}^T P_{<k} Sigma_x^{1/2},

so one product costs ``O(m (d_x^2 d_y + d_x d_y^2))`` and nothing depends on the number of
samples. The top eigenvector of ``H`` is ``Phi b`` (block ``k``: ``vec(P_{>k}^T B Sigma_x^{1/2} P_{<k}^T)``).

One-hidden-layer ReLU network at an interpolating minimum (Mulayoff, Michaeli & Soudry 2021,
eq. S59): the residuals vanish, so ``H = (1/n) J^T J`` and its nonzero spectrum is that of the
``n x n`` Gram matrix ``(1/n) J J^T``.
"""

from __future__ import annotations

import numpy as np

from symflat.numeric.linalg import dense_extreme, lanczos
from symflat.numeric.objective import LinearMomentsObjective, ReluOneHiddenObjective, prefix_suffix


class NotApplicable(ValueError):
    """The structured method's hypothesis fails at this point (not a global/interpolating minimum)."""


DENSE_LIMIT = 256  # assemble and diagonalise the small matrix below this dimension


def _eye_or(bk, a, n):
    return bk.eye(n) if a is None else a


def deep_linear_operator(obj: LinearMomentsObjective, w):
    """The factors ``(R_k, S_k)`` of ``2 Phi^T Phi = 2 sum_k S_k kron R_k`` and ``Sigma_x^{1/2}``."""
    bk = obj.backend
    mats = obj.mats(w)
    L, R = prefix_suffix(mats, obj.out)
    dx, dy = obj.sx.shape[0], obj.syx.shape[0]
    sh = bk.sym_sqrt(obj.sx)
    Rs, Ss = [], []
    for k in range(1, len(mats) + 1):
        P = _eye_or(bk, R[k + 1], dy)  # P_{>k} (d_y x d_k), with the fixed output row when present
        Rs.append(P @ P.T)
        Q = sh if L[k - 1] is None else L[k - 1] @ sh  # P_{<k} Sigma_x^{1/2}
        Ss.append(Q.T @ Q)
    return bk.stack(Rs), bk.stack(Ss), sh, L, R


def deep_linear(obj: LinearMomentsObjective, w, *, tol=1e-8, maxiter=1000, seed=0, minimum_tol=1e-9):
    """Top Hessian eigenpair of a deep linear network at a global minimum via ``2 Phi^T Phi``.

    Returns ``(eigenvalue, eigenvector in parameter space (backend array), products, dim, note,
    converged)``.
    Raises :class:`NotApplicable` when ``||A Sigma_x - Sigma_yx|| / ||Sigma_yx|| > minimum_tol``.
    """
    gap = obj.minimum_residual(w)
    if not gap <= minimum_tol:
        raise NotApplicable(
            f"not a global minimum: ||A Sigma_x - Sigma_yx|| / ||Sigma_yx|| = {gap:.3g} > {minimum_tol:g} "
            "(Lemma 3 of Mulayoff & Michaeli needs w in Omega)"
        )
    bk = obj.backend
    Rs, Ss, sh, L, R = deep_linear_operator(obj, w)
    dy, dx = Rs.shape[1], Ss.shape[1]
    dim = dx * dy

    if dim <= DENSE_LIMIT:
        Rn, Sn = bk.to_numpy(Rs), bk.to_numpy(Ss)
        Hs = 2 * sum(np.kron(Sn[k], Rn[k]) for k in range(Rn.shape[0]))
        lam, bvec = dense_extreme((Hs + Hs.T) / 2, "LA")
        b, products, converged = bk.asarray(bvec), 0, True
    else:
        m = Rs.shape[0]
        Rcat = Rs.swapaxes(0, 1).reshape(dy, m * dy)  # [R_1 ... R_m]
        Scat = Ss.swapaxes(0, 1).reshape(dx, m * dx)  # [S_1 ... S_m]

        def matvec(b):  # vec(2 sum_k R_k B S_k) as two GEMMs: B^T [R_k]_k, then [S_k]_k stacked
            T = (b.reshape(dx, dy) @ Rcat).reshape(dx, m, dy).swapaxes(0, 1).reshape(m * dx, dy)
            return 2 * (Scat @ T).reshape(-1)

        pair = lanczos(matvec, dim, bk, which="LA", tol=tol, maxiter=maxiter, seed=seed)
        b, products, converged = pair.vector, pair.products, pair.converged
    B = b.reshape(dx, dy).T
    blocks = []
    for k in range(1, len(L)):
        P_above = _eye_or(bk, R[k + 1], dy)
        Q = sh if L[k - 1] is None else L[k - 1] @ sh
        blocks.append((P_above.T @ B @ Q.T).T.reshape(-1))  # vec(P_{>k}^T B Sigma^{1/2} P_{<k}^T)
    phib = bk.concat(blocks)
    nrm2 = bk.dot(phib, phib)
    lam = 2 * nrm2  # eq. (20): lambda_max = max_{|b|=1} 2 ||Phi b||^2
    note = f"2 Phi^T Phi of size {dim} (Mulayoff & Michaeli Lemma 3); minimum residual {gap:.2e}"
    return lam, phib / nrm2 ** 0.5, products, dim, note, converged


def relu_gram(obj: ReluOneHiddenObjective, w, *, tol=1e-8, maxiter=1000, seed=0, minimum_tol=1e-9):
    """Top Hessian eigenpair of the one-hidden-layer ReLU network at an interpolating minimum
    from the ``n x n`` Gram matrix ``(1/n) J J^T`` (eq. S59)."""
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
    if n <= 2000:
        G = bk.to_numpy(J @ J.T) / n
        lam, u = dense_extreme((G + G.T) / 2, "LA")
        u, products, converged = bk.asarray(u), 0, True
    else:
        pair = lanczos(lambda u: J @ (J.T @ u) / n, n, bk, which="LA", tol=tol, maxiter=maxiter, seed=seed)
        u, products, converged = pair.vector, pair.products, pair.converged
    v = J.T @ u
    nv = bk.norm(v)
    lam = nv * nv / n
    note = f"Gram matrix (1/n) J J^T of size {n} at an interpolating minimum (MMS 2021 eq. S59)"
    return lam, v / nv, products, n, note, converged
