"""Extreme eigenpairs of symmetric operators given only by products ``v -> H v``.

All solvers return an :class:`Eigenpair` and stop on the residual ``||H v - theta v||``, never on
the change of the estimate. ``which`` is ``"LA"`` (largest algebraic) or ``"SA"`` (smallest
algebraic); no solver here ever answers with the largest *magnitude*.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse.linalg

from symflat.numeric.backend import Backend
from symflat.numeric.errors import NumericError

WHICH = ("LA", "SA")


class SolverError(NumericError):
    """Bad solver arguments (unknown ``which``, non-positive tolerance or budget)."""


@dataclass
class Eigenpair:
    value: float
    vector: object  # backend array, unit norm
    residual: float  # ||H v - value v|| as estimated by the solver
    converged: bool
    products: int  # operator applications


def _check(which: str, tol: float, maxiter: int) -> None:
    if which not in WHICH:
        raise SolverError(f"which must be one of {WHICH} (largest / smallest algebraic), got {which!r}")
    if not (tol > 0):
        raise SolverError(f"tol must be positive, got {tol!r}")
    if int(maxiter) < 1:
        raise SolverError(f"maxiter must be >= 1, got {maxiter!r}")


def _start(n: int, bk: Backend, v0, seed: int):
    v = bk.random_normal(n, seed) if v0 is None else bk.asarray(v0).reshape(-1)
    if tuple(v.shape) != (n,):
        raise SolverError(f"start vector has shape {tuple(v.shape)}, operator has dimension {n}")
    nrm = bk.norm(v)
    if not (nrm > 0) or not math.isfinite(nrm):
        raise SolverError("start vector must be finite and nonzero")
    return v / nrm


CHECK_ALL_STEPS = 32  # Lanczos tests convergence at every step up to this basis size, then every 4th


def _extreme_ritz(alphas: list, betas: list, which: str) -> tuple[float, np.ndarray]:
    """The largest (``LA``) or smallest (``SA``) eigenvalue of the Lanczos tridiagonal ``T`` and its
    unit eigenvector, by LAPACK's MRRR (``dstemr``) for that one pair: ``O(k)`` work, not ``O(k^2)``."""
    k = len(alphas)
    if k == 1:
        return alphas[0], np.ones(1)
    e = np.zeros(k)
    e[:-1] = betas
    idx = k if which == "LA" else 1
    _, vals, vecs, info = scipy.linalg.lapack.dstemr(np.array(alphas), e, 2, 0.0, 0.0, idx, idx, compute_v=1)
    if info != 0:
        raise SolverError(f"LAPACK dstemr failed on the Lanczos tridiagonal (info={info})")
    return float(vals[0]), vecs[:, 0]


def lanczos(matvec, n: int, bk: Backend, *, which="LA", tol=1e-8, maxiter=1000, v0=None, seed=0, max_basis=120,
            out: dict | None = None) -> Eigenpair:
    """Lanczos with full reorthogonalisation (the three-term recurrence, then classical
    Gram-Schmidt against the whole basis, repeated once when it cancels much of the vector) and
    explicit restarts from the current Ritz vector
    when the basis reaches ``max_basis`` vectors.

    Converged when the Ritz residual ``beta_j |s_j|`` is at most ``tol * max(|theta|, max_i
    |alpha_i|)`` (every ``alpha_i = q_i^T H q_i`` is a Rayleigh quotient, so this scale is a lower
    bound on ``||H||``), or when the Krylov space is invariant. The test runs at every step while the
    basis has at most :data:`CHECK_ALL_STEPS` vectors, then at every 4th. A dict passed as ``out``
    receives the last cycle's tridiagonal (``alphas``, ``betas``), e.g. for Lanczos quadrature.
    """
    _check(which, tol, maxiter)
    q = _start(n, bk, v0, seed)
    kmax = max(1, min(n, int(max_basis)))
    products, theta, res, converged = 0, float("nan"), float("inf"), False
    while products < maxiter and not converged:
        Q = bk.empty((min(kmax, maxiter - products + 1), n))
        Q = bk.set_row(Q, 0, q)
        alphas, betas, scale = [], [], 0.0
        for j in range(kmax):
            w = matvec(Q[j])
            products += 1
            alpha = bk.dot(Q[j], w)
            alphas.append(alpha)
            scale = max(scale, abs(alpha))
            w = w - alpha * Q[j] if j == 0 else w - alpha * Q[j] - betas[-1] * Q[j - 1]
            basis, before = Q[: j + 1], bk.norm(w)
            w = w - basis.T @ (basis @ w)
            beta = bk.norm(w)
            if beta < 0.7 * before:  # much of w was cancelled: a second pass (Daniel-Gragg-Kaufman-Stewart)
                w = w - basis.T @ (basis @ w)
                beta = bk.norm(w)
            if not (math.isfinite(beta) and math.isfinite(alpha)):
                return Eigenpair(float("nan"), q, float("nan"), False, products)
            last = products >= maxiter or j + 1 == kmax or j + 1 == n
            if j >= CHECK_ALL_STEPS and j % 4 != 3 and not last and beta > 1e-3 * abs(alpha):
                betas.append(beta)
                Q = bk.set_row(Q, j + 1, w / beta)
                continue
            theta, s = _extreme_ritz(alphas, betas, which)
            res = beta * abs(float(s[-1]))
            scale = max(abs(theta), scale)
            invariant = beta <= 64 * bk.eps * max(scale, 1e-300) or j + 1 == n
            if res <= tol * scale or invariant:
                converged = True
                break
            if last:
                break
            betas.append(beta)
            Q = bk.set_row(Q, j + 1, w / beta)
        y = Q[: len(alphas)].T @ bk.asarray(s)
        q = y / bk.norm(y)
    if out is not None:
        out.update(alphas=list(alphas), betas=list(betas[: len(alphas) - 1]))
    return Eigenpair(theta, q, res, converged, products)


def power_iteration(matvec, n: int, bk: Backend, *, which="LA", tol=1e-8, maxiter=1000, v0=None, seed=0) -> Eigenpair:
    """Power iteration for an extreme *algebraic* eigenvalue.

    Plain power iteration finds the eigenvalue of largest magnitude ``mu``. If its sign is the
    wanted one it is the answer; otherwise the iteration is repeated on ``H - mu I`` (whose
    spectrum has the wanted end as its dominant eigenvalue) and ``mu`` is added back.
    """
    _check(which, tol, maxiter)
    first = _power(matvec, n, bk, tol, maxiter, _start(n, bk, v0, seed), shift=0.0)
    wanted_sign = 1 if which == "LA" else -1
    if not first.converged or first.value * wanted_sign >= 0:
        return first
    shift = first.value
    second = _power(matvec, n, bk, tol, maxiter - first.products, _start(n, bk, None, seed + 1), shift=shift,
                    scale=abs(shift))
    second.products += first.products
    return second


def _power(matvec, n, bk, tol, maxiter, v, shift, scale=0.0) -> Eigenpair:
    theta, res, k = float("nan"), float("inf"), 0
    while k < max(1, maxiter):
        w = matvec(v)
        k += 1
        if shift:
            w = w - shift * v
        theta = bk.dot(v, w)
        res = bk.norm(w - theta * v)
        nw = bk.norm(w)
        if not math.isfinite(nw):
            return Eigenpair(float("nan"), v, float("nan"), False, k)
        if res <= tol * max(abs(theta), scale) or nw == 0:
            return Eigenpair(theta + shift, v, res, True, k)
        v = w / nw
    return Eigenpair(theta + shift, v, res, False, k)


def arpack(matvec, n: int, bk: Backend, *, which="LA", tol=1e-8, maxiter=1000, v0=None, seed=0) -> Eigenpair:
    """scipy's ``eigsh`` (ARPACK implicitly restarted Lanczos) with ``which="LA"``/``"SA"``; the
    products run on the backend and only vectors cross to the host."""
    _check(which, tol, maxiter)
    if n < 3:
        raise SolverError(f"ARPACK needs an operator of dimension >= 3, got {n}; use method='dense'")
    count = [0]

    def mv(x):
        count[0] += 1
        return bk.to_numpy(matvec(bk.asarray(np.ravel(x)))).astype(np.float64)

    op = scipy.sparse.linalg.LinearOperator((n, n), matvec=mv, dtype=np.float64)
    start = bk.to_numpy(_start(n, bk, v0, seed)).astype(np.float64)
    try:
        vals, vecs = scipy.sparse.linalg.eigsh(op, k=1, which=which, tol=tol, maxiter=int(maxiter), v0=start)
        converged = True
    except scipy.sparse.linalg.ArpackNoConvergence as exc:
        if len(exc.eigenvalues) == 0:
            return Eigenpair(float("nan"), bk.asarray(start), float("inf"), False, count[0])
        vals, vecs, converged = exc.eigenvalues, exc.eigenvectors, False
    v = bk.asarray(vecs[:, 0])
    return Eigenpair(float(vals[0]), v, float("nan"), converged, count[0])


def dense_extreme(H: np.ndarray, which="LA") -> tuple[float, np.ndarray]:
    """Extreme algebraic eigenpair of a dense symmetric matrix (LAPACK ``eigh``)."""
    if which not in WHICH:
        raise SolverError(f"which must be one of {WHICH}, got {which!r}")
    vals, vecs = np.linalg.eigh(H)
    i = -1 if which == "LA" else 0
    return float(vals[i]), vecs[:, i]
