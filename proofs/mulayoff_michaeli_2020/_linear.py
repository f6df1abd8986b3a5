"""Floating-point and mpmath computations for deep linear networks (Secs. 2, 4, 5; App. II, IX).

Weights are lists ``[W_1, ..., W_m]`` of numpy arrays with ``W_j`` of shape ``d_j x d_{j-1}``; the
loss is eq. (2) through the data moments, ``l = tr(Sigma_y) - 2 tr(P Sigma_yx^T) + tr(P Sigma_x P^T)``
with ``P = W_m ... W_1``.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh


def prod(Ws, lo: int, hi: int, n: int) -> np.ndarray:
    """``W_hi ... W_lo`` (1-based, eq. 14); the ``n x n`` identity when ``lo > hi``."""
    if lo > hi:
        return np.eye(n)
    P = Ws[lo - 1]
    for j in range(lo + 1, hi + 1):
        P = Ws[j - 1] @ P
    return P


def end_to_end(Ws) -> np.ndarray:
    return prod(Ws, 1, len(Ws), Ws[0].shape[1])


def sym_sqrt(S: np.ndarray) -> np.ndarray:
    lam, Q = np.linalg.eigh(S)
    return (Q * np.sqrt(np.clip(lam, 0, None))) @ Q.T


def hhat_factors(Ws, sx):
    """``R_k = P_{>k} P_{>k}^T`` (d_y x d_y) and ``S_k = Sx^{1/2} P_{<k}^T P_{<k} Sx^{1/2}`` (d_x x d_x), so
    that ``2 Phi^T Phi = 2 sum_k S_k kron R_k`` (eq. 16, column-major vec)."""
    m, dx, dy = len(Ws), Ws[0].shape[1], Ws[-1].shape[0]
    h = sym_sqrt(sx)
    Rs, Ss = [], []
    for k in range(1, m + 1):
        A = prod(Ws, 1, k - 1, dx) @ h
        C = prod(Ws, k + 1, m, dy)
        Ss.append(A.T @ A)
        Rs.append(C @ C.T)
    return Rs, Ss


def sharpness_at_minimum(Ws, sx, dense_limit: int = 400) -> tuple[float, np.ndarray]:
    """``lambda_max(H_w)`` at a global minimum (eq. 20) and its eigenvector ``b`` of ``2 Phi^T Phi`` as a
    ``d_y x d_x`` matrix ``B``. Dense below ``dense_limit`` unknowns, Lanczos on ``B -> 2 sum R_k B S_k`` above."""
    dx, dy = Ws[0].shape[1], Ws[-1].shape[0]
    Rs, Ss = hhat_factors(Ws, sx)
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
    h = sym_sqrt(sx)
    return [prod(Ws, k + 1, m, dy).T @ B @ h @ prod(Ws, 1, k - 1, dx).T for k in range(1, m + 1)]


def flat_vector(mats) -> np.ndarray:
    """Concatenate column-major vecs (the layout of eq. 1)."""
    return np.concatenate([M.reshape(-1, order="F") for M in mats])


def full_hessian(Ws, sx, syx) -> np.ndarray:
    """Hessian of the loss (2) at any point, from the closed-form second derivative
    ``d^2 l[D, E] = 2 tr(dP_D Sx dP_E^T) + 2 tr((P Sx - Syx) d^2P[D, E]^T)`` (used away from minima)."""
    m = len(Ws)
    dx, dy = Ws[0].shape[1], Ws[-1].shape[0]
    shapes = [W.shape for W in Ws]
    sizes = [a * b for a, b in shapes]
    offs = np.concatenate([[0], np.cumsum(sizes)])
    N = int(offs[-1])
    G = end_to_end(Ws) @ sx - syx                              # residual moment
    # first-order maps: dP for a unit change of entry (r, c) of W_k is P_{>k} e_r e_c^T P_{<k}
    pre = [prod(Ws, 1, k - 1, dx) for k in range(1, m + 1)]
    suf = [prod(Ws, k + 1, m, dy) for k in range(1, m + 1)]
    J = np.zeros((dy * dx, N))
    for k in range(m):
        J[:, offs[k]:offs[k + 1]] = np.kron(pre[k].T, suf[k])   # vec(dP) = (P_<k^T kron P_>k) vec(dW_k)
    H = 2 * J.T @ np.kron(sx, np.eye(dy)) @ J
    for k in range(m):
        for q in range(k + 1, m):
            # d^2P for entries (r', c') of W_k and (r, c) of W_q is P_{>q} e_r e_c^T M e_r' e_c'^T P_{<k},
            # M = W_{q-1} ... W_{k+1}; its pairing with G is M[c, r'] * K[c', r], K = P_{<k} G^T P_{>q}
            M = prod(Ws, k + 2, q, shapes[k][0])
            K = pre[k] @ G.T @ suf[q]
            blk = 2 * np.einsum("cR,Cr->RCrc", M, K).reshape(sizes[k], sizes[q], order="F")
            H[offs[k]:offs[k + 1], offs[q]:offs[q + 1]] += blk
            H[offs[q]:offs[q + 1], offs[k]:offs[k + 1]] += blk.T
    return H


def loss(Ws, sx, syx, sy) -> float:
    P = end_to_end(Ws)
    return float(np.trace(sy) - 2 * np.trace(P @ syx.T) + np.trace(P @ sx @ P.T))


def grads(Ws, sx, syx) -> list[np.ndarray]:
    """``dl/dW_k = 2 P_{>k}^T (P Sx - Syx) P_{<k}^T``."""
    m, dx, dy = len(Ws), Ws[0].shape[1], Ws[-1].shape[0]
    G = end_to_end(Ws) @ sx - syx
    return [2 * prod(Ws, k + 1, m, dy).T @ G @ prod(Ws, 1, k - 1, dx).T for k in range(1, m + 1)]


def gradient_descent(Ws, sx, syx, eta: float, steps: int, tol: float = 1e-13):
    """Plain GD; stops when the gradient norm falls below ``tol`` or the iterate blows up.
    Returns ``(weights, gradient-norm history)``."""
    Ws = [W.copy() for W in Ws]
    hist = []
    for _ in range(steps):
        g = grads(Ws, sx, syx)
        gn = float(np.sqrt(sum(np.sum(x * x) for x in g)))
        hist.append(gn)
        if gn < tol or not np.isfinite(gn) or gn > 1e12:
            break
        Ws = [W - eta * x for W, x in zip(Ws, g)]
    return Ws, np.array(hist)


def svd_target(T: np.ndarray):
    U, s, Vt = np.linalg.svd(T)
    return U, s, Vt.T


def canonical_minimum(T: np.ndarray, dims) -> list[np.ndarray]:
    """Eq. (27) in floating point, for dims ``[d_x, d_1, ..., d_y]``."""
    m = len(dims) - 1
    U, s, V = svd_target(T)
    root = s ** (1.0 / m)

    def D(r, c):
        M = np.zeros((r, c))
        n = min(r, c, len(root))
        M[np.arange(n), np.arange(n)] = root[:n]
        return M

    Ws = [D(dims[j], dims[j - 1]) for j in range(1, m + 1)]
    Ws[0] = Ws[0] @ V.T
    Ws[-1] = U @ Ws[-1]
    return Ws


def random_minimum(T: np.ndarray, m: int, rng, scale: float = 1.0) -> list[np.ndarray]:
    """App. IX.1, eq. (S104): the canonical solution with random invertible ``A_i`` inserted between
    layers, ``W_i = A_i^{-1} S^{1/m} A_{i-1}``; ``scale`` multiplies the spread of the ``A_i``."""
    d = T.shape[0]
    Ws = canonical_minimum(T, [d] * (m + 1))
    As = [np.eye(d) + scale * rng.normal(size=(d, d)) for _ in range(m - 1)]
    for i, A in enumerate(As):          # A between W_{i+1} (below) and W_{i+2} (above)
        Ws[i] = A @ Ws[i]
        Ws[i + 1] = Ws[i + 1] @ np.linalg.inv(A)
    return Ws


def flattest_value(T: np.ndarray, m: int) -> float:
    """Eq. (17): ``2 m sigma_max(T)^{2(1 - 1/m)}``."""
    return 2 * m * np.linalg.norm(T, 2) ** (2 * (1 - 1 / m))


def matrix_power_root(T: np.ndarray, m: int) -> np.ndarray:
    """Principal ``T^{1/m}`` of a symmetric positive definite ``T``."""
    lam, Q = np.linalg.eigh((T + T.T) / 2)
    return (Q * lam ** (1.0 / m)) @ Q.T


def random_orthogonal(d: int, rng) -> np.ndarray:
    Q, R = np.linalg.qr(rng.normal(size=(d, d)))
    return Q * np.sign(np.diag(R))


def theorem4_minimum(T: np.ndarray, m: int, rng, spread: float = 0.3) -> list[np.ndarray]:
    """A point of Omega (square layers) with sigma_max(W_k) = sigma_max(T)^{1/m} for all k, not of the form (27):
    lower gains s_i^{1/m} e^{z_{k,i}} with sum_k z_{k,i} = 0 (kept <= r), random orthogonal rotations between layers."""
    d = T.shape[0]
    U, s, V = svd_target(T)
    r = s[0] ** (1 / m)
    z = rng.normal(0, spread, size=(m, d - 1))
    z -= z.mean(axis=0)
    while np.any(s[1:] ** (1 / m) * np.exp(z) > r):
        z *= 0.5
    G = s[1:] ** (1 / m) * np.exp(z)
    Ws = [np.diag(np.concatenate([[r], G[k]])) for k in range(m)]
    Ws[0], Ws[-1] = Ws[0] @ V.T, U @ Ws[-1]
    for i in range(m - 1):
        Q = random_orthogonal(d, rng)
        Ws[i], Ws[i + 1] = Q @ Ws[i], Ws[i + 1] @ Q.T
    return Ws
