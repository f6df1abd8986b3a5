"""Beyond one eigenpair: several extreme eigenpairs, the trace, and the spectral density.

- :func:`eigenpairs`: the ``k`` largest (or smallest) algebraic eigenpairs by ARPACK
  (``scipy.sparse.linalg.eigsh``) on the Hessian operator, each with its measured residual
  ``||H v_i - lambda_i v_i||``;
- :func:`hutchinson`: ``tr H ~ (1/s) sum_i z_i^T H z_i`` over Rademacher probes ``z_i``
  (Hutchinson 1990), with the standard error ``std(z_i^T H z_i) / sqrt(s)``;
- :func:`lanczos_quadrature`: stochastic Lanczos quadrature (Golub & Meurant 2010; Ubaru, Chen &
  Saad 2017; Ghorbani, Krishnan & Xiao 2019). For a unit probe ``q = z / ||z||``, ``m`` Lanczos
  steps give the tridiagonal ``T_m = U diag(theta) U^T``; the Gauss rule with nodes ``theta_j`` and
  weights ``tau_j = U_{1j}^2`` integrates ``q^T g(H) q`` exactly for polynomials ``g`` of degree
  ``< 2m``. Averaging ``N sum_j tau_j g(theta_j)`` over probes estimates ``tr g(H)``; the
  spectral density is ``phi(t) = (1/N) sum_i delta(t - lambda_i)`` smoothed by a Gaussian of width
  ``sigma``, and its error estimate is the standard error over probes.

Products run through any objective's ``hvp`` (``hvp_many`` where it has one) on its backend; the
Lanczos steps are :func:`symflat.numeric.linalg.lanczos`'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse.linalg

from symflat.numeric import linalg
from symflat.numeric.errors import NumericError


@dataclass
class Eigenpairs:
    """``k`` extreme eigenpairs: ``values`` ordered from the extreme inward (largest first for
    ``which="largest"``), ``vectors`` as columns, ``residuals`` measured with one product each."""

    values: np.ndarray
    vectors: np.ndarray
    residuals: np.ndarray
    which: str
    converged: bool
    hvps: int


def eigenpairs(obj, w, k: int, *, which: str = "largest", tol: float = 1e-8, maxiter: int = 2000, seed: int = 0,
               v0=None) -> Eigenpairs:
    """The ``k`` largest or smallest algebraic eigenpairs of ``obj``'s Hessian at ``w`` (ARPACK)."""
    n = obj.num_params
    k = int(k)
    if not 1 <= k < n:
        raise NumericError(f"k must be between 1 and the number of parameters - 1 = {n - 1}, got {k}")
    if which not in ("largest", "smallest"):
        raise NumericError(f"which must be 'largest' or 'smallest' (algebraic), got {which!r}")
    bk, count = obj.backend, [0]

    def mv(x):
        count[0] += 1
        return bk.to_numpy(obj.hvp(w, bk.asarray(np.ravel(x)))).astype(np.float64)

    op = scipy.sparse.linalg.LinearOperator((n, n), matvec=mv, dtype=np.float64)
    start = np.random.default_rng(seed).standard_normal(n) if v0 is None else np.asarray(v0, dtype=float).ravel()
    converged = True
    try:
        vals, vecs = scipy.sparse.linalg.eigsh(op, k=k, which="LA" if which == "largest" else "SA", tol=tol,
                                               maxiter=int(maxiter), v0=start)
    except scipy.sparse.linalg.ArpackNoConvergence as exc:
        vals, vecs, converged = exc.eigenvalues, exc.eigenvectors, False
    order = np.argsort(-vals if which == "largest" else vals)
    vals, vecs = vals[order], vecs[:, order]
    V = bk.asarray(vecs.T.copy())
    HV = obj.hvp_many(w, V) if hasattr(obj, "hvp_many") else bk.stack([obj.hvp(w, V[j]) for j in range(len(vals))])
    res = np.linalg.norm(bk.to_numpy(HV).astype(np.float64) - vals[:, None] * vecs.T, axis=1)
    return Eigenpairs(vals, vecs, res, which, converged and len(vals) == k, count[0] + len(vals))


@dataclass
class TraceEstimate:
    """Hutchinson's estimate ``tr H ~ mean_i z_i^T H z_i`` with Rademacher ``z_i``."""

    estimate: float
    stderr: float
    samples: int
    hvps: int


def hutchinson(obj, w, samples: int = 100, seed: int = 0, block: int = 16) -> TraceEstimate:
    """Hutchinson's trace estimate with its standard error; probes in blocks of ``block`` when the
    objective has a vectorised ``hvp_many``."""
    if int(samples) < 2:
        raise NumericError(f"samples must be >= 2 to report a standard error, got {samples!r}")
    bk, n = obj.backend, obj.num_params
    rng = np.random.default_rng(seed)
    vals = []
    while len(vals) < int(samples):
        m = min(int(block) if hasattr(obj, "hvp_many") else 1, int(samples) - len(vals))
        Z = rng.choice([-1.0, 1.0], size=(m, n))
        if hasattr(obj, "hvp_many"):
            HZ = bk.to_numpy(obj.hvp_many(w, bk.asarray(Z))).astype(np.float64)
        else:
            HZ = bk.to_numpy(obj.hvp(w, bk.asarray(Z[0])))[None, :].astype(np.float64)
        vals.extend(np.einsum("ij,ij->i", Z, HZ))
    vals = np.array(vals)
    return TraceEstimate(float(vals.mean()), float(vals.std(ddof=1) / math.sqrt(len(vals))), len(vals), len(vals))


@dataclass
class SpectralDensity:
    """Gauss quadrature nodes and weights of stochastic Lanczos quadrature, one row per probe.

    ``nodes[i]``, ``weights[i]``: the Ritz values of probe ``i`` and the squared first components
    of their eigenvectors (each row of weights sums to 1); ``dimension`` is ``N``.
    """

    nodes: np.ndarray
    weights: np.ndarray
    dimension: int
    steps: int
    hvps: int

    def _per_probe(self, g) -> np.ndarray:
        return np.array([np.sum(wt * g(nd)) for nd, wt in zip(self.nodes, self.weights)])

    def trace(self, g=lambda t: t) -> tuple[float, float]:
        """``tr g(H)`` estimated as ``N`` times the mean quadrature over probes, and its standard
        error (``g`` identity: the trace; ``t**2``: the squared Frobenius norm)."""
        vals = self.dimension * self._per_probe(g)
        se = float(vals.std(ddof=1) / math.sqrt(len(vals))) if len(vals) > 1 else float("nan")
        return float(vals.mean()), se

    def density(self, grid, sigma: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The spectral density smoothed by a Gaussian of width ``sigma`` (default 1% of the
        spectrum's range) at the points ``grid``, and its standard error over probes."""
        grid = np.asarray(grid, dtype=float)
        if sigma is None:
            span = float(np.max(self.nodes) - np.min(self.nodes))
            sigma = 0.01 * span if span > 0 else 1.0
        if not sigma > 0:
            raise NumericError(f"sigma must be positive, got {sigma!r}")
        kern = lambda nd: np.exp(-0.5 * ((grid[:, None] - nd[None, :]) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))  # noqa: E731
        rows = np.array([kern(nd) @ wt for nd, wt in zip(self.nodes, self.weights)])
        se = rows.std(axis=0, ddof=1) / math.sqrt(len(rows)) if len(rows) > 1 else np.full(len(grid), np.nan)
        return rows.mean(axis=0), se

    @property
    def range(self) -> tuple[float, float]:
        """The extreme Ritz values over all probes (inside the true spectral range)."""
        return float(np.min(self.nodes)), float(np.max(self.nodes))


def lanczos_quadrature(obj, w, *, probes: int = 10, steps: int = 80, seed: int = 0) -> SpectralDensity:
    """Stochastic Lanczos quadrature with ``probes`` Rademacher probes and ``steps`` Lanczos steps
    (fully reorthogonalised) each."""
    if int(probes) < 1 or int(steps) < 1:
        raise NumericError(f"probes and steps must be >= 1, got probes={probes!r}, steps={steps!r}")
    bk, n = obj.backend, obj.num_params
    steps = min(int(steps), n)
    rng = np.random.default_rng(seed)
    nodes, weights, hvps = [], [], 0
    for _ in range(int(probes)):
        z = rng.choice([-1.0, 1.0], size=n)
        out = {}
        pair = linalg.lanczos(lambda v: obj.hvp(w, v), n, bk, which="LA", tol=1e-300, maxiter=steps, v0=z,
                              max_basis=steps, out=out)
        hvps += pair.products
        a, b = np.array(out["alphas"]), np.array(out["betas"])
        theta, U = scipy.linalg.eigh_tridiagonal(a, b) if len(a) > 1 else (a, np.ones((1, 1)))
        nodes.append(theta)
        weights.append(U[0] ** 2)
    width = max(len(x) for x in nodes)
    pad = lambda rows, fill: np.array([np.pad(r, (0, width - len(r)), constant_values=fill) for r in rows])  # noqa: E731
    return SpectralDensity(pad(nodes, 0.0), pad(weights, 0.0), n, steps, hvps)


__all__ = ["Eigenpairs", "SpectralDensity", "TraceEstimate", "eigenpairs", "hutchinson", "lanczos_quadrature"]
