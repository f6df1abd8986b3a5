"""Array backends: numpy (always present) and torch (CPU or CUDA, optional).

The engine's linear algebra is written against the small surface of :class:`Backend` plus the
operators both libraries share (``@``, ``.T``, ``+``, ``*``), so one code path runs on either.
The backend is chosen by argument, else by the environment variables ``SYMFLAT_BACKEND``
(``numpy`` | ``torch``) and ``SYMFLAT_DEVICE`` (``cpu`` | ``cuda`` | ``cuda:1`` ...), else numpy.
Float64 is the default; ``dtype="float32"`` trades accuracy for speed.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

BACKENDS = ("numpy", "torch")
DTYPES = ("float64", "float32")


class BackendError(ValueError):
    """A backend, device or dtype that cannot be used here (unknown name, library not installed)."""


def torch_available() -> bool:
    """Whether torch can be imported (the optional backend)."""
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class Backend:
    """One array library on one device at one floating-point precision."""

    name: str = "numpy"
    device: str = "cpu"
    dtype: str = "float64"

    def __post_init__(self):
        if self.name not in BACKENDS:
            raise BackendError(f"unknown backend {self.name!r}; use one of {BACKENDS}")
        if self.dtype not in DTYPES:
            raise BackendError(f"unknown dtype {self.dtype!r}; use one of {DTYPES}")
        if self.name == "numpy" and self.device != "cpu":
            raise BackendError(f"the numpy backend runs on the CPU only, not on {self.device!r}; use backend='torch'")
        if self.name == "torch":
            if not torch_available():
                raise BackendError("backend 'torch' requested but torch is not installed (pip install 'symflat[torch]')")
            import torch

            try:
                dev = torch.device(self.device)
            except RuntimeError as exc:
                raise BackendError(f"bad torch device {self.device!r}: {exc}") from None
            if dev.type == "cuda" and not torch.cuda.is_available():
                raise BackendError(f"device {self.device!r} requested but CUDA is not available on this machine")

    # --- construction -------------------------------------------------------------------------
    @property
    def native_dtype(self):
        if self.name == "numpy":
            return np.dtype(self.dtype)
        import torch

        return getattr(torch, self.dtype)

    @property
    def eps(self) -> float:
        return float(np.finfo(self.dtype).eps)

    def asarray(self, x):
        """``x`` (numpy array, torch tensor, nested list, scalars) as this backend's array."""
        if self.name == "numpy":
            if type(x) is np.ndarray and x.dtype == self.dtype:
                return x
            if _is_torch(x):
                x = x.detach().cpu().numpy()
            return np.asarray(x, dtype=self.dtype)
        import torch

        if isinstance(x, torch.Tensor):
            return x.detach().to(device=self.device, dtype=self.native_dtype)
        return torch.as_tensor(np.asarray(x, dtype=self.dtype), device=self.device)

    def to_numpy(self, x) -> np.ndarray:
        if _is_torch(x):
            return x.detach().cpu().numpy()
        return np.asarray(x)

    def zeros(self, shape):
        if self.name == "numpy":
            return np.zeros(shape, dtype=self.dtype)
        import torch

        return torch.zeros(shape, dtype=self.native_dtype, device=self.device)

    def empty(self, shape):
        """An uninitialised array (every entry is written before it is read)."""
        if self.name == "numpy":
            return np.empty(shape, dtype=self.dtype)
        import torch

        return torch.empty(shape, dtype=self.native_dtype, device=self.device)

    def eye(self, n: int):
        if self.name == "numpy":
            return np.eye(n, dtype=self.dtype)
        import torch

        return torch.eye(n, dtype=self.native_dtype, device=self.device)

    def concat(self, parts):
        if self.name == "numpy":
            return np.concatenate([p.reshape(-1) for p in parts])
        import torch

        return torch.cat([p.reshape(-1) for p in parts])

    def stack(self, parts):
        if self.name == "numpy":
            return np.stack(parts)
        import torch

        return torch.stack(parts)

    def step(self, z):
        """``1[z > 0]`` in the dtype of ``z`` (the ReLU derivative)."""
        return (z > 0).astype(z.dtype) if self.name == "numpy" else (z > 0).to(z.dtype)

    def sigmoid(self, x):
        if self.name == "numpy":
            from scipy.special import expit

            return expit(x)
        import torch

        return torch.sigmoid(x)

    def softplus(self, x):
        """``log(1 + exp(x))`` without overflow."""
        if self.name == "numpy":
            return np.logaddexp(0.0, x)
        import torch

        return torch.nn.functional.softplus(x)

    def random_normal(self, n: int, seed: int):
        """A standard normal vector drawn from numpy's generator (identical on every backend)."""
        return self.asarray(np.random.default_rng(seed).standard_normal(n))

    # --- reductions returning Python floats --------------------------------------------------
    def norm(self, x) -> float:
        """Euclidean norm of a vector, Frobenius norm of a matrix."""
        if self.name == "numpy":
            x = x.reshape(-1)
            return math.sqrt(float(x @ x))
        return float((x * x).sum() ** 0.5)

    def dot(self, x, y) -> float:
        if self.name == "numpy" and x.ndim == 1:
            return float(x @ y)
        return float((x * y).sum())

    def isfinite(self, x) -> bool:
        if self.name == "numpy":
            return bool(np.isfinite(x).all())
        import torch

        return bool(torch.isfinite(x).all())

    def sym_sqrt(self, a):
        """Symmetric positive semidefinite square root of a symmetric matrix (negative
        eigenvalues from rounding are clipped to zero)."""
        if self.name == "numpy":
            vals, vecs = np.linalg.eigh((a + a.T) / 2)
            return (vecs * np.sqrt(np.clip(vals, 0, None))) @ vecs.T
        import torch

        vals, vecs = torch.linalg.eigh((a + a.T) / 2)
        return (vecs * vals.clamp(min=0).sqrt()) @ vecs.T

    def gram_factor(self, a):
        """A factor ``F`` with ``F F^T = a`` for a symmetric positive semidefinite ``a``: the
        Cholesky factor when ``a`` is positive definite, else :meth:`sym_sqrt`."""
        if self.name == "numpy":
            try:
                return np.linalg.cholesky(a)
            except np.linalg.LinAlgError:
                return self.sym_sqrt(a)
        import torch

        F, info = torch.linalg.cholesky_ex(a)
        return F if int(info) == 0 else self.sym_sqrt(a)

    def top_eigvec(self, a):
        """A unit eigenvector for the largest eigenvalue of the symmetric matrix ``a``."""
        if self.name == "numpy":
            from scipy.linalg import lapack

            n = a.shape[0]
            syevr = lapack.dsyevr if a.dtype == np.float64 else lapack.ssyevr
            vals, vecs, _, _, info = syevr(a, range="I", il=n, iu=n)  # LAPACK MRRR, the top pair only
            if info != 0:
                raise np.linalg.LinAlgError(f"LAPACK syevr failed (info={info})")
            return vecs[:, 0]
        import torch

        return torch.linalg.eigh(a)[1][:, -1]

    def synchronize(self) -> None:
        """Wait for queued device work (CUDA launches are asynchronous): call before timing."""
        if self.name == "torch" and self.device.startswith("cuda"):
            import torch

            torch.cuda.synchronize(self.device)

    def describe(self) -> str:
        return f"{self.name}:{self.device}:{self.dtype}"


def _is_torch(x) -> bool:
    return type(x).__module__.startswith("torch")


def get_backend(backend: "Backend | str | None" = None, device: str | None = None, dtype: str | None = None) -> Backend:
    """Resolve a backend from arguments, then ``SYMFLAT_BACKEND`` / ``SYMFLAT_DEVICE``, then numpy
    (torch when only a non-CPU device is named).

    ``backend`` may already be a :class:`Backend` (returned unchanged when no override is given).
    """
    if isinstance(backend, Backend):
        if device is None and dtype is None:
            return backend
        return Backend(backend.name, device or backend.device, dtype or backend.dtype)
    dev = device or os.environ.get("SYMFLAT_DEVICE") or "cpu"
    name = backend or os.environ.get("SYMFLAT_BACKEND") or ("numpy" if dev == "cpu" else "torch")
    name = str(name).lower()
    return Backend(name, dev, dtype or "float64")
