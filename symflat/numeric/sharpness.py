"""Sharpness: the largest *algebraic* eigenvalue of the training-loss Hessian.

At a saddle the largest-magnitude eigenvalue can be negative while the sharpness is positive;
every method here targets the algebraic end of the spectrum (``which="largest"`` or
``"smallest"``, the latter needed by Elkabetz & Cohen 2021, Sec. 4).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from symflat.numeric import linalg, spectrum, structured
from symflat.numeric import options
from symflat.numeric.objective import LinearMomentsObjective, NumericError, ReluOneHiddenObjective, objective
from symflat.numeric.spectrum import TraceEstimate

METHODS = ("auto", "dense", "lanczos", "eigsh", "power", "structured")
DENSE_AUTO_LIMIT = 64  # auto uses the dense Hessian up to this many parameters


class NotConvergedWarning(RuntimeWarning):
    """An iterative eigen-solver stopped before its residual tolerance was met."""


class NotConvergedError(NumericError, RuntimeError):
    """Raised by :meth:`SharpnessResult.require_converged` for a result that did not converge."""


@dataclass
class SharpnessResult:
    """An extreme Hessian eigenpair and how it was obtained.

    ``residual`` is ``||H v - lambda v||`` measured with one extra Hessian-vector product (not
    the solver's own estimate); ``hvps`` counts products with the operator the solver worked on
    (the full Hessian, or the small matrix of the structured method, of dimension ``dimension``).
    """

    eigenvalue: float
    eigenvector: np.ndarray
    method: str
    requested: str
    which: str
    backend: str
    residual: float
    converged: bool
    hvps: int
    dimension: int
    seconds: float
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def relative_residual(self) -> float:
        return self.residual / max(abs(self.eigenvalue), np.finfo(float).tiny)

    def require_converged(self) -> "SharpnessResult":
        if not self.converged:
            raise NotConvergedError(f"sharpness did not converge: {self}")
        return self

    def _repr_html_(self) -> str:  # Jupyter
        from symflat.report.jupyter import sharpness_html

        return sharpness_html(self)

    def __str__(self) -> str:
        flag = "converged" if self.converged else "NOT CONVERGED"
        return (
            f"{self.which} eigenvalue {self.eigenvalue:.15g} [{flag}] method={self.method} backend={self.backend} "
            f"residual={self.residual:.2e} hvps={self.hvps} dim={self.dimension} time={self.seconds:.3g}s"
            + (f" ({self.note})" if self.note else "")
        )


def _which(which: str) -> str:
    if which not in ("largest", "smallest"):
        raise NumericError(f"which must be 'largest' or 'smallest' (algebraic), got {which!r}")
    return "LA" if which == "largest" else "SA"


def _structured_kind(obj) -> str | None:
    if isinstance(obj, LinearMomentsObjective):
        return "deep-linear"
    if isinstance(obj, ReluOneHiddenObjective):
        return "relu-gram"
    return None


def sharpness(model, weights=None, data=None, method: str = "auto", *, which: str = "largest", k: int = 1,
              loss=None, params=None, backend=None, device=None, dtype=None, tol: float | None = None,
              maxiter: int = 2000, seed: int = 0, v0=None, minimum_tol: float = 1e-9,
              autodiff: bool = False, dim: int | None = None) -> SharpnessResult:
    """Largest (or smallest) algebraic eigenvalue of the Hessian of the model's training loss, or of
    a symmetric operator.

    ``model`` is one of symflat's model families (``weights`` and ``data`` required) or any
    ``torch.nn.Module``: then ``data`` is ``(X, Y)`` or an iterable of batches, ``loss(output,
    target)`` is required, ``params`` optionally names the parameters to differentiate, and
    ``weights`` (optional) replaces their current values (see :mod:`symflat.numeric.module`).
    ``model`` may instead be the operator itself (``weights`` and ``data`` left out): a scipy
    ``LinearOperator``, a :class:`~symflat.numeric.operators.CurvatureOperator` (e.g. a
    ``GramOperator`` ``2 Phi^T Phi``) or a ``v -> H v`` callable with ``dim=`` its size.

    ``method``: ``dense`` | ``lanczos`` (full reorthogonalisation, on the backend) | ``eigsh``
    (scipy ARPACK, ``which="LA"``) | ``power`` (shifted power iteration) | ``structured``
    (Mulayoff & Michaeli Lemma 3 at deep-linear global minima; the Gram matrix at interpolating
    ReLU minima) | ``auto`` (structured when its hypothesis holds, dense for at most
    ``DENSE_AUTO_LIMIT`` parameters, else lanczos; the choice is stated in ``note``).
    ``k > 1`` asks ARPACK for the ``k`` extreme eigenpairs: the result is the extreme one, and
    ``extra`` holds ``eigenvalues``, ``eigenvectors`` (columns) and ``residuals`` of all ``k``.
    Iterative methods stop when ``||H v - lambda v|| <= tol * max(|lambda|, ||H||_est)`` (power:
    ``tol * |lambda|``; default ``tol`` 1e-8 in float64, 1e-5 in float32), so for
    ``which="smallest"`` near zero the accuracy is relative to the
    spectral norm; a result that did not converge has ``converged=False`` and a
    :class:`NotConvergedWarning` is issued. ``minimum_tol`` is how close to a global (or
    interpolating) minimum the structured method requires the point to be.

    Examples:
        Mulayoff & Michaeli 2020, eq. (10): at a minimum of the scalar chain ``w_3 w_2 w_1 x``
        (``w_1 w_2 w_3 = tau``) the Hessian is ``2 sigma_x^2 tau^2 z z^T`` with ``z_j = 1/w_j``, so
        ``lambda_max = 2 sigma_x^2 tau^2 sum_j 1/w_j^2``. With ``sigma_x^2 = 2``, ``tau = 3/2`` and
        ``w = (1/2, 2, 3/2)`` that is ``2 * 2 * 9/4 * (4 + 1/4 + 4/9) = 42.25``:

        >>> from symflat.models import Moments, ScalarChain
        >>> data = Moments([[2.0]], [[3.0]])            # sigma_x^2 = 2, sigma_yx = 3, tau = 3/2
        >>> result = sharpness(ScalarChain(3), [0.5, 2.0, 1.5], data, method="dense")
        >>> round(result.eigenvalue, 10)
        42.25

        The same number from the Hessian as an operator, and from a ``v -> Hv`` callable:

        >>> from symflat.numeric.operators import hessian_operator
        >>> H = hessian_operator(ScalarChain(3), [0.5, 2.0, 1.5], data)
        >>> round(sharpness(H).eigenvalue, 10)
        42.25
        >>> round(sharpness(H.matvec, dim=3, method="lanczos").eigenvalue, 8)
        42.25
    """
    if method not in METHODS:
        raise NumericError(f"unknown sharpness method {method!r}; use one of {METHODS}")
    options.solver(tol=tol, maxiter=maxiter, seed_value=seed, minimum_tol=minimum_tol, autodiff=autodiff)
    wh = _which(which)
    t0 = time.perf_counter()
    obj = _objective(model, weights, data, backend, device, dtype, autodiff, loss, params, dim)
    bk = obj.backend
    w = obj.finite_weights(weights)
    n = obj.num_params
    tol = _default_tol(bk) if tol is None else tol
    note = ""
    chosen = method
    if int(k) != 1:
        return _k_pairs(obj, w, int(k), method, which, tol, maxiter, seed, v0, t0)
    if method == "auto":
        chosen, note = _auto(obj, w, wh, minimum_tol)
    if chosen == "structured":
        kind = _structured_kind(obj)
        if wh != "LA":
            raise structured.NotApplicable("the structured method gives the top of the spectrum only (which='largest')")
        if kind is None:
            raise structured.NotApplicable(
                f"no structured method for {type(obj.model).__name__} with {obj.kind} products; use lanczos")
        build = structured.deep_linear_factor if kind == "deep-linear" else structured.relu_gram_factor
        lam, vec, products, dim, snote, converged = structured.top_pair(build(obj, w, minimum_tol=minimum_tol), bk,
                                                                        tol=tol, maxiter=maxiter, seed=seed)
        note = "; ".join(x for x in (note, snote) if x)
    elif chosen == "dense":
        H = obj.hessian(w)
        lam, v = linalg.dense_extreme(H, wh)
        vec, products, dim, converged = bk.asarray(v), n, n, True
    else:
        solver = {"lanczos": linalg.lanczos, "eigsh": linalg.arpack, "power": linalg.power_iteration}[chosen]
        pair = solver(lambda v: obj.hvp(w, v), n, bk, which=wh, tol=tol, maxiter=maxiter, v0=v0, seed=seed)
        lam, vec, products, dim, converged = pair.value, pair.vector, pair.products, n, pair.converged
    hv = obj.hvp(w, vec)
    residual = bk.norm(hv - lam * vec) if math.isfinite(lam) else float("nan")
    bk.synchronize()
    result = SharpnessResult(
        eigenvalue=float(lam), eigenvector=bk.to_numpy(vec), method=chosen, requested=method, which=which,
        backend=bk.describe() + f"/{obj.kind}", residual=float(residual), converged=bool(converged),
        hvps=int(products), dimension=int(dim), seconds=time.perf_counter() - t0, note=note,
    )
    if not result.converged:
        warnings.warn(f"sharpness did not converge: {result}", NotConvergedWarning, stacklevel=2)
    return result


def _objective(model, weights, data, backend, device, dtype, autodiff, loss=None, params=None, dim=None):
    """The objective of an operator (:class:`~symflat.numeric.operators.OperatorObjective`), of a torch
    module (:mod:`symflat.numeric.module`) or of a model family."""
    from symflat.numeric.module import is_module, module_objective
    from symflat.numeric.operators import OperatorObjective, is_operator

    if is_operator(model):
        if data is not None or loss is not None or params is not None:
            raise NumericError("an operator is already taken at its point: data, loss and params do not apply")
        if backend not in (None, "numpy") or device is not None or dtype not in (None, "float64") or autodiff:
            raise NumericError("an operator is applied as given, in numpy float64: backend, device, dtype and "
                               "autodiff do not apply")
        return OperatorObjective(model, dim)
    if dim is not None:
        raise NumericError("dim= applies to a v -> Hv callable only")
    if is_module(model):
        if backend not in (None, "torch"):
            raise NumericError(f"a torch.nn.Module runs on the torch backend, not {backend!r}")
        return module_objective(model, data, loss, params=params, dtype=dtype, device=device)
    if loss is not None or params is not None:
        raise NumericError("loss= and params= apply to torch.nn.Module models only")
    if weights is None or data is None:
        raise NumericError(f"{type(model).__name__}: weights and data are required")
    return objective(model, data, backend, device, dtype, autodiff=autodiff)


def _default_tol(bk) -> float:
    return 1e-8 if bk.dtype == "float64" else 1e-5


def _k_pairs(obj, w, k, method, which, tol, maxiter, seed, v0, t0) -> SharpnessResult:
    if method not in ("auto", "eigsh"):
        raise NumericError(f"k = {k} eigenpairs are computed by ARPACK: use method='eigsh' or 'auto', not {method!r}")
    pairs = spectrum.eigenpairs(obj, w, k, which=which, tol=tol, maxiter=maxiter, seed=seed, v0=v0)
    scale = max(float(np.max(np.abs(pairs.values))), np.finfo(float).tiny)
    converged = pairs.converged and bool(np.all(pairs.residuals <= max(10 * tol, 100 * obj.backend.eps) * scale))
    result = SharpnessResult(
        eigenvalue=float(pairs.values[0]), eigenvector=pairs.vectors[:, 0], method="eigsh", requested=method,
        which=which, backend=obj.backend.describe() + f"/{obj.kind}", residual=float(pairs.residuals[0]),
        converged=converged, hvps=pairs.hvps, dimension=obj.num_params, seconds=time.perf_counter() - t0,
        note=f"{k} eigenpairs by ARPACK", extra=dict(eigenvalues=pairs.values, eigenvectors=pairs.vectors,
                                                      residuals=pairs.residuals))
    if not converged:
        warnings.warn(f"sharpness did not converge: {result}", NotConvergedWarning, stacklevel=3)
    return result


def _auto(obj, w, wh, minimum_tol) -> tuple[str, str]:
    kind = _structured_kind(obj)
    if wh == "LA" and kind == "deep-linear":
        gap = obj.minimum_residual(w)
        if gap <= minimum_tol:
            return "structured", "auto: at a global minimum"
        why = f"not at a global minimum (residual {gap:.1e})"
    elif wh == "LA" and kind == "relu-gram":
        worst = obj.max_residual(w)
        if worst <= minimum_tol:
            return "structured", "auto: at an interpolating minimum"
        why = f"not at an interpolating minimum (residual {worst:.1e})"
    else:
        why = "no structure for this model/which"
    if obj.num_params <= DENSE_AUTO_LIMIT:
        return "dense", f"auto: {obj.num_params} parameters, dense is cheapest ({why})"
    return "lanczos", f"auto: Hessian-vector products ({why})"


def smallest_eigenvalue(model, weights=None, data=None, method: str = "auto", **kw) -> SharpnessResult:
    """The smallest algebraic Hessian eigenvalue ``lambda_min`` (Elkabetz & Cohen 2021, eq. 12-13);
    ``model`` may be an operator, as in :func:`sharpness`."""
    return sharpness(model, weights, data, method, which="smallest", **kw)


def hessian(model, weights=None, data=None, *, loss=None, params=None, backend=None, device=None, dtype=None,
            autodiff: bool = False) -> np.ndarray:
    """The dense Hessian of the training loss (numpy ``N x N``), for small models and tests."""
    obj = _objective(model, weights, data, backend, device, dtype, autodiff, loss, params)
    return obj.hessian(obj.finite_weights(weights))


def directional_curvature(model, weights, data, direction, **kw) -> float:
    """``u^T H u / u^T u``: the curvature of the loss along ``direction``. ``model`` may be an
    operator (``weights = data = None``), as in :func:`sharpness`; a callable takes its size from ``direction``."""
    from symflat.numeric.operators import is_operator

    dim = kw.pop("dim", None)
    if dim is None and is_operator(model) and not hasattr(model, "shape"):
        dim = int(np.size(direction))
    obj = _objective(model, weights, data, kw.pop("backend", None), kw.pop("device", None), kw.pop("dtype", None),
                     kw.pop("autodiff", False), kw.pop("loss", None), kw.pop("params", None), dim)
    w, u = obj.finite_weights(weights), obj.finite_weights(direction, what="the direction")
    uu = obj.backend.dot(u, u)
    if not uu > 0:
        raise NumericError("the direction must be a nonzero vector")
    return obj.backend.dot(u, obj.hvp(w, u)) / uu


def hessian_trace(model, weights=None, data=None, *, samples: int = 100, seed: int = 0, loss=None, params=None,
                  backend=None, device=None, dtype=None, autodiff: bool = False, dim: int | None = None) -> TraceEstimate:
    """Hutchinson trace estimate of the Hessian with ``samples`` Rademacher probes and its standard
    error (:func:`symflat.numeric.spectrum.hutchinson`); ``model`` may be an operator, as in :func:`sharpness`."""
    options.count(samples, "samples (at least 2, to report a standard error)", minimum=2)
    options.seed(seed)
    obj = _objective(model, weights, data, backend, device, dtype, autodiff, loss, params, dim)
    return spectrum.hutchinson(obj, obj.finite_weights(weights), samples, seed)


def spectral_density(model, weights=None, data=None, *, probes: int = 10, steps: int = 80, seed: int = 0,
                     loss=None, params=None, backend=None, device=None, dtype=None,
                     autodiff: bool = False) -> spectrum.SpectralDensity:
    """The Hessian's spectral density by stochastic Lanczos quadrature
    (:func:`symflat.numeric.spectrum.lanczos_quadrature`); ``.density(grid)`` gives the smoothed
    density and its standard error, ``.trace()`` the trace and its standard error."""
    obj = _objective(model, weights, data, backend, device, dtype, autodiff, loss, params)
    return spectrum.lanczos_quadrature(obj, obj.finite_weights(weights), probes=probes, steps=steps, seed=seed)


__all__ = [
    "METHODS",
    "NotConvergedError",
    "NotConvergedWarning",
    "SharpnessResult",
    "TraceEstimate",
    "directional_curvature",
    "hessian",
    "hessian_trace",
    "sharpness",
    "smallest_eigenvalue",
    "spectral_density",
]
