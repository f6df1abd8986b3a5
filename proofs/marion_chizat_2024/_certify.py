"""Certified lower bounds on the sharpness at exact rational minimisers (python-flint).

A float minimiser is rationalised (``_exact.exact_minimizer``), the Gauss-Newton Gram ``J J^T``
is formed exactly, and a Rayleigh quotient of ``H = 2 J^T Sigma J`` gives an exact rational lower
bound on ``S``; the paper's bound is enclosed in an arb ball. The instance is certified when the
rational is certainly above the ball.
"""

from __future__ import annotations

from fractions import Fraction

import flint
import numpy as np
from scipy.linalg import eigh

from . import _exact as ex


def certify_instance(X, y, Ws, w, bound, dps: int):
    """``bound(lam_ball, wstar_norm_ball, w_norm_ball, frob_norms_q, L) -> arb`` is the claimed
    lower bound. Returns ``(certified, S_lower (fmpq), bound_ball, W_q)``."""
    sigma_q, w_star_q = ex.exact_problem(X, y)
    w_q = ex.fmpq_matrix([[t] for t in w])
    Wq = ex.exact_minimizer(Ws, w_q, w_star_q)
    G = ex.exact_gram(Wq, w_q)
    Gf = np.array([[float(G[i, j]) for j in range(G.ncols())] for i in range(G.nrows())])
    Sf = np.array([[float(sigma_q[i, j]) for j in range(sigma_q.ncols())] for i in range(sigma_q.nrows())])
    _, V = eigh(Gf @ Sf @ Gf, Gf)
    s_low = ex.rayleigh_sharpness_lower(G, sigma_q, V[:, -1])
    flint.ctx.dps = dps
    lam = flint.arb(ex.lambda_min_upper(sigma_q))
    ball = bound(lam, ex.arb_norm(w_star_q, dps), ex.arb_norm(w_q, dps), [ex.fmpq_frob(W) for W in Wq], len(Wq))
    return ex.certainly_ge(s_low, ball), s_low, ball, Wq


def integer_data(rng, n: int, d: int, spread: int = 3):
    """Small-integer design and target (exactly representable; A1 checked by the caller)."""
    while True:
        X = rng.integers(-spread, spread + 1, size=(n, d)).astype(float)
        if np.linalg.matrix_rank(X) == d:
            return X, rng.integers(-5, 6, size=n).astype(float)


def s_min_ball(lam, wn, _w_norm, _frob, L):
    """Theorem 1 / second bound of Theorem 2 as stated: ``2 L lambda ||w*||^{2-2/L}``."""
    return 2 * L * lam * wn ** (flint.arb(2) - flint.arb(2) / L)


def s_min_corrected_ball(lam, wn, w_norm, _frob, L):
    """Corrected second bound: ``2 L lambda ||w||^{2/L} ||w*||^{2-2/L}``."""
    return 2 * L * lam * w_norm ** (flint.arb(2) / L) * wn ** (flint.arb(2) - flint.arb(2) / L)


def first_bound_ball(lam, wn, _w_norm, frob, L):
    """First bound of Theorem 2 as stated: ``2 lambda ||w*||^{2-1/L} sum_k 1/||W_k||_F``."""
    inv = sum((1 / flint.arb(f).sqrt() for f in frob), flint.arb(0))
    return 2 * lam * wn ** (flint.arb(2) - flint.arb(1) / L) * inv


def first_bound_corrected_ball(lam, wn, w_norm, frob, L):
    """Corrected first bound: ``2 lambda ||w||^{1/L} ||w*||^{2-1/L} sum_k 1/||W_k||_F``."""
    return w_norm ** (flint.arb(1) / L) * first_bound_ball(lam, wn, w_norm, frob, L)


def certify_upper_instance(X, y, Ws, w, bound, dps: int):
    """Certify ``S <= bound`` at the exact minimiser built from ``Ws`` (as in :func:`certify_instance`):
    pick a rational ``mu`` below the arb ball of ``bound / 2`` and check ``mu Sigma^{-1} - J J^T`` positive
    definite by its leading principal minors (exact), which gives ``lambda_max(Sigma^{1/2} J J^T Sigma^{1/2}) < mu``.
    ``bound(Lam_lower, wstar_norm_ball, L) -> arb``. Returns ``(certified, mu, bound_ball)``."""
    sigma_q, w_star_q = ex.exact_problem(X, y)
    w_q = ex.fmpq_matrix([[t] for t in w])
    Wq = ex.exact_minimizer(Ws, w_q, w_star_q)
    G = ex.exact_gram(Wq, w_q)
    flint.ctx.dps = dps
    ball = bound(flint.arb(ex.lambda_max_lower(sigma_q)), ex.arb_norm(w_star_q, dps), len(Wq))
    low = float((ball / 2).mid() - (ball / 2).rad())
    mu = flint.fmpq(*Fraction(low * (1 - 1e-12)).limit_denominator(10 ** 15).as_integer_ratio())
    M = mu * sigma_q.inv() - G
    minors_positive = all(flint.fmpq_mat([[M[i, j] for j in range(k)] for i in range(k)]).det() > 0 for k in range(1, M.nrows() + 1))
    return minors_positive and bool(flint.arb(2 * mu) <= ball), mu, ball


def corollary3_upper_ball(Lam, wn, L):
    """Corollary 3's upper bound on S: ``8 L Lambda ||w*||^{2-2/L}`` (that is 4 Lambda/lambda S_min)."""
    return 8 * L * Lam * wn ** (flint.arb(2) - flint.arb(2) / L)
