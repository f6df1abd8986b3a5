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

WHICH = ("LA", "SA")


class SolverError(ValueError):
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


def lanczos(matvec, n: int, bk: Backend, *, which="LA", tol=1e-8, maxiter=1000, v0=None, seed=0, max_basis=120) -> Eigenpair:
    """Lanczos with full reorthogonalisation (classical Gram-Schmidt, applied twice) and explicit
    restarts from the current Ritz vector when the basis reaches ``max_basis`` vectors.

    Converged when the Ritz residual ``beta_j |s_j|`` is at most ``tol * max(|theta|, ||T||)``
    (``||T||`` the largest Ritz value in magnitude, a lower bound on ``||H||``), or when the Krylov
    space is invariant.
    """
    _check(which, tol, maxiter)
    q = _start(n, bk, v0, seed)
    kmax = max(1, min(n, int(max_basis)))
    products, theta, y, res, converged = 0, float("nan"), q, float("inf"), False
    while products < maxiter and not converged:
        Q = bk.zeros((kmax, n))
        Q[0] = q
        alphas, betas = [], []
        for j in range(kmax):
            w = matvec(Q[j])
            products += 1
            alphas.append(bk.dot(Q[j], w))
            basis = Q[: j + 1]
            w = w - basis.T @ (basis @ w)
            w = w - basis.T @ (basis @ w)
            beta = bk.norm(w)
            if not math.isfinite(beta) or not all(map(math.isfinite, alphas)):
                return Eigenpair(float("nan"), q, float("nan"), False, products)
            last = products >= maxiter or j + 1 == kmax or j + 1 == n
            if j % 3 != 2 and not last and beta > 1e-3 * abs(alphas[-1]):  # test convergence every 3rd step
                betas.append(beta)
                Q[j + 1] = w / beta
                continue
            if j:
                vals, vecs = scipy.linalg.eigh_tridiagonal(np.array(alphas), np.array(betas))
            else:
                vals, vecs = np.array(alphas), np.ones((1, 1))
            idx = int(np.argmax(vals)) if which == "LA" else int(np.argmin(vals))
            theta, s = float(vals[idx]), vecs[:, idx]
            res = beta * abs(float(s[-1]))
            scale = max(abs(theta), float(np.max(np.abs(vals))))
            invariant = beta <= 64 * bk.eps * max(scale, 1e-300) or j + 1 == n
            if res <= tol * scale or invariant:
                converged = True
                break
            if products >= maxiter or j + 1 == kmax:
                break
            betas.append(beta)
            Q[j + 1] = w / beta
        y = Q[: len(alphas)].T @ bk.asarray(s)
        q = y / bk.norm(y)
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
