"""Floating-point points of the minimum set of a deep linear network and the sharpness there.

For ``f(x) = W_m ... W_1 x`` with square loss and full-rank ``Sigma_x`` the global minima form
``Omega = {w : W_m ... W_1 = T}``, ``T = Sigma_yx Sigma_x^{-1}`` (Mulayoff & Michaeli 2020, eq. 4).
Weights are lists ``[W_1, ..., W_m]`` of numpy arrays, ``W_j`` of shape ``d_j x d_{j-1}``.

- :func:`canonical_minimum`: the balanced point of eq. (27), ``W_m = U S^{1/m}``, ``W_j = S^{1/m}``,
  ``W_1 = S^{1/m} V^T``; a flattest minimum for white data (Sec. 5).
- :func:`random_minimum`: arbitrary minima of App. IX.1, eq. (S104): random invertible ``A_i``
  inserted between the layers of eq. (27).
- :func:`layer_gains_minimum`: minima with ``sigma_max(W_k) = sigma_max(T)^{1/m}`` for every ``k``
  that are not of the form (27) (Theorem 4's hypothesis).
- :func:`flattest_sharpness`: eq. (17), ``2 m sigma_max(T)^{2(1 - 1/m)}``.
- :func:`sharpness_at_minimum`: ``lambda_max(H_w) = lambda_max(2 Phi^T Phi)`` (eq. 20) with its
  eigenvector, from ``2 Phi^T Phi = 2 sum_k S_k kron R_k`` (:func:`gram_factors`, eq. 16).

:class:`symflat.symbolic.minimum_set.MinimumSet` gathers these with their exact counterparts.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

from symflat.numeric.objective import layer_product


def psd_sqrt(S: np.ndarray) -> np.ndarray:
    """Symmetric square root of a positive semidefinite ``S`` (negative rounding noise clipped)."""
    lam, Q = np.linalg.eigh(S)
    return (Q * np.sqrt(np.clip(lam, 0, None))) @ Q.T


def gram_factors(Ws, sx) -> tuple[list, list]:
    """``R_k = P_{>k} P_{>k}^T`` (``d_y x d_y``) and ``S_k = Sx^{1/2} P_{<k}^T P_{<k} Sx^{1/2}``
    (``d_x x d_x``), ``P_{<k} = W_{k-1} ... W_1``, ``P_{>k} = W_m ... W_{k+1}``, so that
    ``2 Phi^T Phi = 2 sum_k S_k kron R_k`` (eq. 16, column-major vec)."""
    m, dx, dy = len(Ws), Ws[0].shape[1], Ws[-1].shape[0]
    h = psd_sqrt(sx)
    Rs, Ss = [], []
    for k in range(1, m + 1):
        A = layer_product(Ws, 1, k - 1, dx) @ h
        C = layer_product(Ws, k + 1, m, dy)
        Ss.append(A.T @ A)
        Rs.append(C @ C.T)
    return Rs, Ss


def sharpness_at_minimum(Ws, sx, dense_limit: int = 400) -> tuple[float, np.ndarray]:
    """``lambda_max(H_w)`` at a global minimum (eq. 20) and its eigenvector ``b`` of ``2 Phi^T Phi``
    as a ``d_y x d_x`` matrix ``B`` (``b = vec(B)``). Dense ``eigh`` up to ``dense_limit`` unknowns,
    Lanczos (ARPACK) on ``B -> 2 sum_k R_k B S_k`` above.

    Examples:
        At the balanced point (27) of ``T = diag(4, 1)`` with ``m = 2`` and white data the value is
        eq. (17), ``2 m sigma_max(T)^{2(1 - 1/m)} = 4 * 4 = 16``, with ``B`` along ``u v^T = e_1 e_1^T``:

        >>> T = np.diag([4.0, 1.0])
        >>> lam, B = sharpness_at_minimum(canonical_minimum(T, [2, 2, 2]), np.eye(2))
        >>> round(lam, 10), float(flattest_sharpness(T, 2))
        (16.0, 16.0)
        >>> np.round(np.abs(B), 10).tolist()
        [[1.0, 0.0], [0.0, 0.0]]
    """
    dx, dy = Ws[0].shape[1], Ws[-1].shape[0]
    Rs, Ss = gram_factors(Ws, sx)
    if dx * dy <= dense_limit:
        lam, vecs = np.linalg.eigh(2 * sum(np.kron(S, R) for R, S in zip(Rs, Ss)))
        return float(lam[-1]), vecs[:, -1].reshape(dx, dy).T

    def mv(b):
        B = b.reshape(dx, dy).T
        return (2 * sum(R @ B @ S for R, S in zip(Rs, Ss))).T.reshape(-1)

    op = LinearOperator((dx * dy, dx * dy), matvec=mv, dtype=float)
    lam, vec = eigsh(op, k=1, which="LA", tol=1e-12, v0=np.ones(dx * dy))
    return float(lam[0]), vec[:, 0].reshape(dx, dy).T


def phi_times(Ws, sx, B) -> list[np.ndarray]:
    """Blocks of ``Phi vec(B)``: block ``k`` is ``P_{>k}^T B Sx^{1/2} P_{<k}^T`` (App. V.3, eq. S55)."""
    m, dx, dy = len(Ws), Ws[0].shape[1], Ws[-1].shape[0]
    h = psd_sqrt(sx)
    return [layer_product(Ws, k + 1, m, dy).T @ B @ h @ layer_product(Ws, 1, k - 1, dx).T for k in range(1, m + 1)]


def flattest_sharpness(T: np.ndarray, m: int) -> float:
    """Eq. (17): ``2 m sigma_max(T)^{2(1 - 1/m)}``, the sharpness of the flattest minima (white data)."""
    return 2 * m * np.linalg.norm(T, 2) ** (2 * (1 - 1 / m))


def canonical_minimum(T: np.ndarray, dims) -> list[np.ndarray]:
    """Eq. (27) for dims ``[d_x, d_1, ..., d_y]``: ``W_j = S_j^{1/m}`` (rectangular diagonal with the
    ``m``-th roots of the singular values of ``T``), then ``W_1 <- W_1 V^T`` and ``W_m <- U W_m``."""
    m = len(dims) - 1
    U, s, Vt = np.linalg.svd(T)
    root = s ** (1.0 / m)

    def D(r, c):
        M = np.zeros((r, c))
        n = min(r, c, len(root))
        M[np.arange(n), np.arange(n)] = root[:n]
        return M

    Ws = [D(dims[j], dims[j - 1]) for j in range(1, m + 1)]
    Ws[0] = Ws[0] @ Vt
    Ws[-1] = U @ Ws[-1]
    return Ws


def random_minimum(T: np.ndarray, m: int, rng, scale: float = 1.0) -> list[np.ndarray]:
    """App. IX.1, eq. (S104), square ``d x d`` layers: eq. (27) with random invertible
    ``A_i = I + scale G_i`` (``G_i`` standard Gaussian) inserted between layers,
    ``W_i -> A_i W_i A_{i-1}^{-1}``; the end-to-end map stays ``T``."""
    d = T.shape[0]
    Ws = canonical_minimum(T, [d] * (m + 1))
    As = [np.eye(d) + scale * rng.normal(size=(d, d)) for _ in range(m - 1)]
    for i, A in enumerate(As):          # A between W_{i+1} (below) and W_{i+2} (above)
        Ws[i] = A @ Ws[i]
        Ws[i + 1] = Ws[i + 1] @ np.linalg.inv(A)
    return Ws


def random_orthogonal(d: int, rng) -> np.ndarray:
    """A Haar-distributed orthogonal ``d x d`` matrix (QR of a Gaussian matrix, signs fixed)."""
    Q, R = np.linalg.qr(rng.normal(size=(d, d)))
    return Q * np.sign(np.diag(R))


def layer_gains_minimum(T: np.ndarray, m: int, rng, spread: float = 0.3) -> list[np.ndarray]:
    """A point of ``Omega`` (square layers) with ``sigma_max(W_k) = sigma_max(T)^{1/m}`` for every
    ``k`` (Theorem 4's hypothesis) that is not of the form (27): the lower gains are
    ``s_i^{1/m} e^{z_{k,i}}`` with ``sum_k z_{k,i} = 0`` (kept ``<= sigma_max(T)^{1/m}``), and random
    orthogonal rotations ``W_k -> Q_k W_k Q_{k-1}^T`` act between layers."""
    d = T.shape[0]
    U, s, Vt = np.linalg.svd(T)
    r = s[0] ** (1 / m)
    z = rng.normal(0, spread, size=(m, d - 1))
    z -= z.mean(axis=0)
    while np.any(s[1:] ** (1 / m) * np.exp(z) > r):
        z *= 0.5
    G = s[1:] ** (1 / m) * np.exp(z)
    Ws = [np.diag(np.concatenate([[r], G[k]])) for k in range(m)]
    Ws[0], Ws[-1] = Ws[0] @ Vt, U @ Ws[-1]
    for i in range(m - 1):
        Q = random_orthogonal(d, rng)
        Ws[i], Ws[i + 1] = Q @ Ws[i], Ws[i + 1] @ Q.T
    return Ws
