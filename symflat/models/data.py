"""Training data for the models: as second moments (quadratic losses) or as points.

Entries may be floats, integers, ``fractions.Fraction``, or SymPy expressions; this module only
stores them and checks shapes, so the engines decide how to compute with them.
"""

from __future__ import annotations

from dataclasses import dataclass

from symflat.models.networks import ModelError


def _shape(a, name: str) -> tuple[int, ...]:
    """Shape of a nested sequence / array-like, without importing an array library."""
    shape = getattr(a, "shape", None)
    if shape is not None:
        return tuple(int(s) for s in shape)
    if isinstance(a, (list, tuple)):
        if not a:
            return (0,)
        inner = {_shape(row, name) for row in a}
        if len(inner) != 1:
            raise ModelError(f"{name}: ragged rows, shapes {sorted(inner)}")
        return (len(a), *inner.pop())
    return ()


@dataclass(frozen=True)
class Moments:
    """Empirical second moments of the data for the quadratic loss
    ``E||y - A x||^2 = tr(Sigma_y) - 2 tr(A Sigma_yx^T) + tr(A Sigma_x A^T)``
    (Mulayoff & Michaeli 2020, eq. 2-3): ``Sigma_x = E[x x^T]`` (d_x x d_x),
    ``Sigma_yx = E[y x^T]`` (d_y x d_x), ``Sigma_y = E[y y^T]`` (d_y x d_y, optional: it shifts
    the loss by a constant only).
    """

    sigma_x: object
    sigma_yx: object
    sigma_y: object = None

    def __post_init__(self):
        sx = _shape(self.sigma_x, "Sigma_x")
        if len(sx) != 2 or sx[0] != sx[1]:
            raise ModelError(f"Sigma_x must be a square matrix, got shape {sx}")
        syx = _shape(self.sigma_yx, "Sigma_yx")
        if len(syx) != 2 or syx[1] != sx[0]:
            raise ModelError(f"Sigma_yx must have shape (d_y, {sx[0]}) to match Sigma_x {sx}, got {syx}")
        if self.sigma_y is not None:
            sy = _shape(self.sigma_y, "Sigma_y")
            if sy != (syx[0], syx[0]):
                raise ModelError(f"Sigma_y must have shape ({syx[0]}, {syx[0]}) to match Sigma_yx {syx}, got {sy}")

    @property
    def d_x(self) -> int:
        return _shape(self.sigma_x, "Sigma_x")[0]

    @property
    def d_y(self) -> int:
        return _shape(self.sigma_yx, "Sigma_yx")[0]


@dataclass(frozen=True)
class Points:
    """Training examples as rows: ``X`` is ``n x d_x`` and ``Y`` is ``n x d_y`` (a length-``n``
    vector is read as ``d_y = 1``); the loss is the empirical mean over the ``n`` rows."""

    X: object
    Y: object

    def __post_init__(self):
        xs, ys = _shape(self.X, "X"), _shape(self.Y, "Y")
        if len(xs) not in (1, 2) or len(ys) not in (1, 2):
            raise ModelError(f"X and Y must be vectors or matrices of rows, got shapes {xs} and {ys}")
        if xs[0] != ys[0]:
            raise ModelError(f"X has {xs[0]} rows but Y has {ys[0]}: one target per example is needed")
        if xs[0] == 0:
            raise ModelError("no training examples: X has 0 rows")

    @property
    def n(self) -> int:
        return _shape(self.X, "X")[0]

    @property
    def d_x(self) -> int:
        xs = _shape(self.X, "X")
        return 1 if len(xs) == 1 else xs[1]

    @property
    def d_y(self) -> int:
        ys = _shape(self.Y, "Y")
        return 1 if len(ys) == 1 else ys[1]
