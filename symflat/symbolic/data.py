"""Training data as exact SymPy matrices: moments (``Sigma_x``, ``Sigma_yx``, ``Sigma_y``) or points.

Points give the moments ``Sigma_x = X^T X / n``, ``Sigma_yx = Y^T X / n``, ``Sigma_y = Y^T Y / n``
(Mulayoff & Michaeli 2020, eq. 2-3), so every quadratic loss can be written through them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symflat.models import Moments, Points
from symflat.symbolic.errors import SymbolicError
from symflat.symbolic.exact import as_matrix


@dataclass(frozen=True)
class ExactMoments:
    """Exact second moments; ``sigma_y`` is ``None`` when not given (the loss is then known up to
    the constant ``tr(Sigma_y)``, which changes no derivative)."""

    sigma_x: sp.Matrix
    sigma_yx: sp.Matrix
    sigma_y: sp.Matrix | None = None

    @property
    def d_x(self) -> int:
        return self.sigma_x.shape[0]

    @property
    def d_y(self) -> int:
        return self.sigma_yx.shape[0]


@dataclass(frozen=True)
class ExactPoints:
    """Exact training points: ``X`` is ``n x d_x``, ``Y`` is ``n x d_y``."""

    X: sp.Matrix
    Y: sp.Matrix

    @property
    def n(self) -> int:
        return self.X.shape[0]

    def moments(self) -> ExactMoments:
        n = self.n
        return ExactMoments(self.X.T * self.X / n, self.Y.T * self.X / n, self.Y.T * self.Y / n)


def exact_data(data) -> ExactMoments | ExactPoints:
    """Read ``symflat.models.Moments`` / ``Points`` (or already exact data) into SymPy matrices."""
    if isinstance(data, (ExactMoments, ExactPoints)):
        return data
    if isinstance(data, Moments):
        sx = as_matrix(data.sigma_x, "Sigma_x")
        if sx.shape[0] != sx.shape[1]:
            raise SymbolicError(f"Sigma_x must be square, got shape {tuple(sx.shape)}")
        syx = as_matrix(data.sigma_yx, "Sigma_yx", (data.d_y, data.d_x))
        sy = None if data.sigma_y is None else as_matrix(data.sigma_y, "Sigma_y", (data.d_y, data.d_y))
        return ExactMoments(sx, syx, sy)
    if isinstance(data, Points):
        X = as_matrix(data.X, "X")
        Y = as_matrix(data.Y, "Y")
        if X.shape[0] != Y.shape[0]:
            raise SymbolicError(f"X has {X.shape[0]} rows but Y has {Y.shape[0]}")
        return ExactPoints(X, Y)
    raise SymbolicError(f"data must be symflat.models.Moments or Points, got {type(data).__name__}")


def as_moments(data) -> ExactMoments:
    data = exact_data(data)
    return data.moments() if isinstance(data, ExactPoints) else data


def symbolic_moments(d_x: int, d_y: int, with_sigma_y: bool = False) -> ExactMoments:
    """Fully symbolic moments: symmetric ``Sigma_x`` (entries ``Sx_ij = Sx_ji``), free ``Sigma_yx``."""
    sx = sp.Matrix(d_x, d_x, lambda i, j: sp.Symbol(f"Sx_{min(i, j) + 1}{max(i, j) + 1}", real=True))
    syx = sp.Matrix(d_y, d_x, lambda i, j: sp.Symbol(f"Syx_{i + 1}{j + 1}", real=True))
    sy = (sp.Matrix(d_y, d_y, lambda i, j: sp.Symbol(f"Sy_{min(i, j) + 1}{max(i, j) + 1}", real=True))
          if with_sigma_y else None)
    return ExactMoments(sx, syx, sy)
