"""Curvature operators as scipy ``LinearOperator``s, for any scipy solver (``eigsh``, ``lobpcg``,
``cg``, ``expm_multiply``...).

- :func:`hessian_operator`: ``v -> H v`` for the training loss of a model at given weights (the
  engine's Hessian-vector product on the chosen backend);
- :func:`gram_operator`: at a deep-linear global minimum or an interpolating one-hidden-layer ReLU
  minimum, the small ``K^T K`` with ``H = K K^T`` (Mulayoff & Michaeli 2020, Lemma 3, eq. 20-21;
  Mulayoff, Michaeli & Soudry 2021, eq. S59). Its nonzero eigenvalues are the Hessian's and
  ``lift`` maps its eigenvectors to Hessian eigenvectors.

Vectors in and out are numpy float64; ``products`` counts applications.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse.linalg

from symflat.numeric import structured
from symflat.numeric.objective import LinearMomentsObjective, NumericError, ReluOneHiddenObjective, objective


class CurvatureOperator(scipy.sparse.linalg.LinearOperator):
    """A symmetric operator applied by a backend function, seen from numpy."""

    def __init__(self, apply, dim: int, backend, what: str):
        super().__init__(dtype=np.float64, shape=(dim, dim))
        self._apply, self.backend, self.what, self.products = apply, backend, what, 0

    def _matvec(self, v):
        v = np.asarray(v, dtype=float).reshape(-1)
        if not np.all(np.isfinite(v)):
            raise NumericError(f"{self.what}: the vector contains NaN or infinite entries")
        self.products += 1
        out = self.backend.to_numpy(self._apply(self.backend.asarray(v)))
        return np.asarray(out, dtype=np.float64).reshape(-1)

    def _rmatvec(self, v):  # symmetric
        return self._matvec(v)

    def _adjoint(self):
        return self

    def to_dense(self) -> np.ndarray:
        """The whole matrix, column by column (for small operators and tests)."""
        return np.stack([self._matvec(e) for e in np.eye(self.shape[0])], axis=1)


def hessian_operator(model, weights=None, data=None, *, loss=None, params=None, backend=None, device=None,
                     dtype=None, autodiff: bool = False) -> CurvatureOperator:
    """The training-loss Hessian of ``model`` at ``weights`` as a ``LinearOperator`` (a
    ``torch.nn.Module`` takes ``data``, ``loss`` and optionally ``params``, as in ``sharpness``)."""
    from symflat.numeric.sharpness import _objective

    obj = _objective(model, weights, data, backend, device, dtype, autodiff, loss, params)
    w = obj.finite_weights(weights)
    return CurvatureOperator(lambda v: obj.hvp(w, v), obj.num_params, obj.backend, "Hessian operator")


class GramOperator(CurvatureOperator):
    """``K^T K`` for a factorisation ``H = K K^T`` at a minimum; :meth:`lift` gives ``K b``."""

    def __init__(self, factor: structured.GramFactor, backend):
        super().__init__(factor.small_matvec, factor.dim, backend, "Gram operator")
        self.factor, self.note = factor, factor.note

    def lift(self, b) -> np.ndarray:
        """``K b``: for a unit eigenvector ``b`` of this operator with eigenvalue ``mu``, a Hessian
        eigenvector with the same eigenvalue and norm ``sqrt(mu)``."""
        b = np.asarray(b, dtype=float).reshape(-1)
        if b.shape != (self.shape[0],):
            raise NumericError(f"lift: expected a vector of length {self.shape[0]}, got shape {b.shape}")
        return np.asarray(self.backend.to_numpy(self.factor.lift(self.backend.asarray(b))), dtype=float)


def gram_operator(model, weights, data, *, minimum_tol: float = 1e-9, backend=None, device=None,
                  dtype=None) -> GramOperator:
    """The small operator ``K^T K`` of ``H = K K^T`` at a deep-linear global minimum (size
    ``d_x d_y``) or an interpolating one-hidden-layer ReLU minimum (size ``n``).

    Raises :class:`~symflat.numeric.structured.NotApplicable` when the point is not such a
    minimum (within ``minimum_tol``) or the model has no such factorisation.
    """
    obj = objective(model, data, backend, device, dtype)
    w = obj.finite_weights(weights)
    if isinstance(obj, LinearMomentsObjective):
        factor = structured.deep_linear_factor(obj, w, minimum_tol=minimum_tol)
    elif isinstance(obj, ReluOneHiddenObjective):
        factor = structured.relu_gram_factor(obj, w, minimum_tol=minimum_tol)
    else:
        raise structured.NotApplicable(f"no Gram factorisation of the Hessian for {type(model).__name__}")
    return GramOperator(factor, obj.backend)
