"""Array backends: numpy (always present), torch (CPU or CUDA) and jax (CPU or GPU), optional.

The engine's linear algebra is written against the small surface of :class:`Backend` plus the
operators the libraries share (``@``, ``.T``, ``+``, ``*``, ``reshape``), so one code path runs on
all of them.
The backend is chosen by argument, else by the environment variables ``SYMFLAT_BACKEND``
(``numpy`` | ``torch`` | ``jax``) and ``SYMFLAT_DEVICE`` (``cpu`` | ``cuda`` | ``cuda:1`` ...), else numpy.
Float64 is the default; ``dtype="float32"`` trades accuracy for speed.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from symflat.numeric.errors import NumericError

BACKENDS = ("numpy", "torch", "jax")
DTYPES = ("float64", "float32")


class BackendError(NumericError):
    """A backend, device or dtype that cannot be used here (unknown name, library not installed)."""


def _importable(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def torch_available() -> bool:
    """Whether torch can be imported (an optional backend)."""
    return _importable("torch")


def jax_available() -> bool:
    """Whether jax can be imported (an optional backend)."""
    return _importable("jax")


@dataclass(frozen=True)
class Backend:
    """One array library on one device at one floating-point precision.

    The jax backend turns on jax's 64-bit mode (``jax_enable_x64``, a process-wide setting) when
    float64 is asked for, since jax computes in float32 otherwise.
    """

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
        if self.name == "jax":
            if not jax_available():
                raise BackendError("backend 'jax' requested but jax is not installed (pip install 'symflat[jax]')")
            import jax

            if self.dtype == "float64":
                jax.config.update("jax_enable_x64", True)
            self._jax_device()  # fails clearly on an unknown or absent device

    def _jax_device(self):
        import jax

        kind, _, index = self.device.partition(":")
        platform = {"cpu": "cpu", "cuda": "gpu", "gpu": "gpu"}.get(kind)
        if platform is None or (index and not index.isdigit()):
            raise BackendError(f"bad jax device {self.device!r}; use cpu, cuda or cuda:N")
        try:
            devices = jax.devices(platform)
        except RuntimeError:
            devices = []
        i = int(index or 0)
        if i >= len(devices):
            raise BackendError(f"device {self.device!r} requested but jax has no such {platform} device here")
        return devices[i]

    # --- construction -------------------------------------------------------------------------
    @property
    def xp(self):
        """The array namespace: ``numpy``, ``torch`` or ``jax.numpy``."""
        if self.name == "numpy":
            return np
        if self.name == "torch":
            import torch

            return torch
        import jax.numpy as jnp

        return jnp

    @property
    def native_dtype(self):
        if self.name == "torch":
            return getattr(self.xp, self.dtype)
        return np.dtype(self.dtype)

    @property
    def eps(self) -> float:
        return float(np.finfo(self.dtype).eps)

    def asarray(self, x):
        """``x`` (numpy array, torch tensor, jax array, nested list, scalars) as this backend's array."""
        if self.name == "numpy":
            if type(x) is np.ndarray and x.dtype == self.dtype:
                return x
            if _is_torch(x):
                x = x.detach().cpu().numpy()
            return np.asarray(x, dtype=self.dtype)
        if self.name == "torch":
            import torch

            if isinstance(x, torch.Tensor):
                return x.detach().to(device=self.device, dtype=self.native_dtype)
            return torch.as_tensor(np.asarray(self.to_numpy(x), dtype=self.dtype), device=self.device)
        import jax

        if isinstance(x, jax.Array):
            return jax.device_put(x.astype(self.dtype), self._jax_device())
        return jax.device_put(np.asarray(self.to_numpy(x), dtype=self.dtype), self._jax_device())

    def to_numpy(self, x) -> np.ndarray:
        if _is_torch(x):
            return x.detach().cpu().numpy()
        return np.asarray(x)

    def _new(self, fn: str, *args):
        if self.name == "torch":
            return getattr(self.xp, fn)(*args, dtype=self.native_dtype, device=self.device)
        out = getattr(self.xp, fn)(*args, dtype=self.dtype)
        if self.name == "jax":
            import jax

            out = jax.device_put(out, self._jax_device())
        return out

    def zeros(self, shape):
        return self._new("zeros", shape)

    def empty(self, shape):
        """An uninitialised array (every entry is written before it is read)."""
        return self._new("empty", shape)

    def eye(self, n: int):
        return self._new("eye", n)

    def set_row(self, a, i: int, row):
        """``a`` with row ``i`` replaced by ``row``: in place, except for jax, whose arrays are
        immutable (a new array is returned; always use the return value)."""
        if self.name == "jax":
            return a.at[i].set(row)
        a[i] = row
        return a

    def concat(self, parts):
        """The parts flattened and joined into one vector."""
        flat = [p.reshape(-1) for p in parts]
        return self.xp.cat(flat) if self.name == "torch" else self.xp.concatenate(flat)

    def hstack(self, parts):
        """Matrices with equal row counts side by side."""
        return self.xp.cat(parts, dim=1) if self.name == "torch" else self.xp.concatenate(parts, axis=1)

    def stack(self, parts):
        return self.xp.stack(parts)

    def step(self, z):
        """``1[z > 0]`` in the dtype of ``z`` (the ReLU derivative)."""
        return (z > 0).to(z.dtype) if self.name == "torch" else (z > 0).astype(z.dtype)

    def sigmoid(self, x):
        if self.name == "numpy":
            from scipy.special import expit

            return expit(x)
        if self.name == "torch":
            return self.xp.sigmoid(x)
        import jax

        return jax.nn.sigmoid(x)

    def softplus(self, x):
        """``log(1 + exp(x))`` without overflow."""
        if self.name == "torch":
            return self.xp.nn.functional.softplus(x)
        return self.xp.logaddexp(0.0, x)

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
        return bool(self.xp.isfinite(x).all())

    def sym_sqrt(self, a):
        """Symmetric positive semidefinite square root of a symmetric matrix (negative
        eigenvalues from rounding are clipped to zero)."""
        vals, vecs = self.xp.linalg.eigh((a + a.T) / 2)
        return (vecs * self.xp.sqrt(vals.clip(0))) @ vecs.T

    def gram_factor(self, a):
        """A factor ``F`` with ``F F^T = a`` for a symmetric positive semidefinite ``a``: the
        Cholesky factor when ``a`` is positive definite, else :meth:`sym_sqrt`."""
        if self.name == "numpy":
            try:
                return np.linalg.cholesky(a)
            except np.linalg.LinAlgError:
                return self.sym_sqrt(a)
        if self.name == "torch":
            F, info = self.xp.linalg.cholesky_ex(a)
            return F if int(info) == 0 else self.sym_sqrt(a)
        F = self.xp.linalg.cholesky(a)  # jax marks a failed factorisation with NaNs
        return F if self.isfinite(F) else self.sym_sqrt(a)

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
        return self.xp.linalg.eigh(a)[1][:, -1]

    def synchronize(self) -> None:
        """Wait for queued device work (CUDA launches and jax dispatch are asynchronous): call
        before timing."""
        if self.name == "torch" and self.device.startswith("cuda"):
            self.xp.cuda.synchronize(self.device)
        elif self.name == "jax":
            import jax

            jax.effects_barrier()

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
