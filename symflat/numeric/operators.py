"""Curvature operators as scipy ``LinearOperator``s, for any scipy solver (``eigsh``, ``lobpcg``,
``cg``, ``expm_multiply``...).

- :func:`hessian_operator`: ``v -> H v`` for the training loss of a model at given weights (the
  engine's Hessian-vector product on the chosen backend);
- :class:`OperatorObjective`: a symmetric operator of the caller's (a ``LinearOperator``, a
  :class:`CurvatureOperator` or a ``v -> H v`` callable) seen as an objective with only Hessian-vector
  products, so that ``sharpness``, ``smallest_eigenvalue``, ``hessian_trace`` and
  ``directional_curvature`` accept it in place of ``(model, weights, data)``;
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
from symflat.numeric.backend import get_backend
from symflat.numeric.objective import (
    LinearMomentsObjective, NumericError, Objective, ReluOneHiddenObjective, objective,
)


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


def is_operator(a) -> bool:
    """Whether ``a`` is an operator rather than a model: a scipy ``LinearOperator`` (which includes
    :class:`CurvatureOperator`) or a plain callable that is neither a symflat model nor a torch module."""
    if isinstance(a, scipy.sparse.linalg.LinearOperator):
        return True
    if hasattr(a, "blocks") or not callable(a):
        return False
    from symflat.numeric.module import is_module

    return not is_module(a)


class OperatorObjective(Objective):
    """A symmetric ``N x N`` operator ``H`` given by the caller, with ``hvp(w, v) = H v`` (``w`` is
    ignored: the operator is already taken at its point). It has no loss or gradient. Vectors are
    numpy float64; a callable must return a vector of length ``N``."""

    kind = "operator"

    def __init__(self, op, dim: int | None = None):
        if isinstance(op, scipy.sparse.linalg.LinearOperator):
            rows, cols = op.shape
            if rows != cols:
                raise NumericError(f"the operator must be square (a symmetric Hessian-like map), got shape {op.shape}")
            if dim is not None and int(dim) != rows:
                raise NumericError(f"dim = {dim} disagrees with the operator's shape {op.shape}")
            dim, apply = rows, op.matvec
        else:
            if dim is None:
                raise NumericError("a v -> Hv callable needs dim= (the length of v)")
            apply = op
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
            raise NumericError(f"dim must be a positive integer, got {dim!r}")
        self.model, self.backend, self.num_params, self._apply = op, get_backend("numpy"), int(dim), apply

    def weights(self, w):
        if w is not None:
            raise NumericError("an operator is already taken at its point: pass weights=None (and data=None)")
        return None

    def finite_weights(self, w, what: str | None = None):
        return self.weights(w) if what is None else super().finite_weights(w, what)

    def loss(self, w) -> float:
        raise NumericError("an operator has no loss: only its products v -> Hv are known")

    def grad(self, w):
        raise NumericError("an operator has no gradient: only its products v -> Hv are known")

    def hvp(self, w, v):
        out = np.asarray(self._apply(np.asarray(v, dtype=np.float64)), dtype=np.float64).reshape(-1)
        if out.shape != (self.num_params,):
            raise NumericError(f"the operator returned a vector of shape {out.shape} for an input of length {self.num_params}")
        return out


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
