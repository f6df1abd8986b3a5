"""Floating-point gradient descent on deep linear networks for the checks of Lemma 1 (Sec. 2, App. II).

Weights are lists ``[W_1, ..., W_m]`` of numpy arrays (``W_j`` of shape ``d_j x d_{j-1}``); the loss is
eq. (2) through the data moments. Points of the minimum set, their sharpness and eq. (17) live in
:mod:`symflat.numeric.minimum_set`; products, loss and gradient in :mod:`symflat.numeric.objective`.
:func:`reference_full_hessian` is kept on purpose as an independent closed form that the tests compare
with ``Objective.hessian``.
"""

from __future__ import annotations

import numpy as np

from symflat.numeric.objective import layer_product, linear_grads, linear_loss


def loss(Ws, sx, syx, sy) -> float:
    """Eq. (2): ``tr(Sigma_y) - 2 tr(P Sigma_yx^T) + tr(P Sigma_x P^T)``, ``P = W_m ... W_1``."""
    return float(linear_loss(layer_product(Ws, 1, len(Ws), Ws[0].shape[1]), sx, syx, np.trace(sy)))


def grads(Ws, sx, syx) -> list[np.ndarray]:
    """``dl/dW_k = 2 P_{>k}^T (P Sx - Syx) P_{<k}^T``."""
    return linear_grads(Ws, None, sx, syx)


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
    """``T = U diag(s) V^T`` as ``(U, s, V)``, the paper's notation (Sec. 4)."""
    U, s, Vt = np.linalg.svd(T)
    return U, s, Vt.T


def matrix_power_root(T: np.ndarray, m: int) -> np.ndarray:
    """Principal ``T^{1/m}`` of a symmetric positive definite ``T`` (the limit of Lemma 1(ii))."""
    lam, Q = np.linalg.eigh((T + T.T) / 2)
    return (Q * lam ** (1.0 / m)) @ Q.T


def reference_full_hessian(Ws, sx, syx) -> np.ndarray:
    """Reference Hessian of the loss (2) at any point, from the closed-form second derivative
    ``d^2 l[D, E] = 2 tr(dP_D Sx dP_E^T) + 2 tr((P Sx - Syx) d^2P[D, E]^T)``: an implementation
    independent of ``Objective.hessian`` (which uses Hessian-vector products), compared with it in the tests."""
    m = len(Ws)
    dx, dy = Ws[0].shape[1], Ws[-1].shape[0]
    shapes = [W.shape for W in Ws]
    sizes = [a * b for a, b in shapes]
    offs = np.concatenate([[0], np.cumsum(sizes)])
    N = int(offs[-1])
    G = layer_product(Ws, 1, m, dx) @ sx - syx                     # residual moment
    # first-order maps: dP for a unit change of entry (r, c) of W_k is P_{>k} e_r e_c^T P_{<k}
    pre = [layer_product(Ws, 1, k - 1, dx) for k in range(1, m + 1)]
    suf = [layer_product(Ws, k + 1, m, dy) for k in range(1, m + 1)]
    J = np.zeros((dy * dx, N))
    for k in range(m):
        J[:, offs[k]:offs[k + 1]] = np.kron(pre[k].T, suf[k])   # vec(dP) = (P_<k^T kron P_>k) vec(dW_k)
    H = 2 * J.T @ np.kron(sx, np.eye(dy)) @ J
    for k in range(m):
        for q in range(k + 1, m):
            # d^2P for entries (r', c') of W_k and (r, c) of W_q is P_{>q} e_r e_c^T M e_r' e_c'^T P_{<k},
            # M = W_{q-1} ... W_{k+1}; its pairing with G is M[c, r'] * K[c', r], K = P_{<k} G^T P_{>q}
            M = layer_product(Ws, k + 2, q, shapes[k][0])
            K = pre[k] @ G.T @ suf[q]
            blk = 2 * np.einsum("cR,Cr->RCrc", M, K).reshape(sizes[k], sizes[q], order="F")
            H[offs[k]:offs[k + 1], offs[q]:offs[q + 1]] += blk
            H[offs[q]:offs[q + 1], offs[k]:offs[k + 1]] += blk.T
    return H
