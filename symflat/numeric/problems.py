"""Ready-made problem instances: synthetic and bundled data, random weights, global minima.

Everything is offline and reproducible from a seed. The digits data are scikit-learn's bundled
8x8 images (``sklearn.datasets.load_digits``), the offline stand-in for MNIST.

A function that returns a minimum verifies it before returning (the normal equations
``A Sigma_x = Sigma_yx`` of its end-to-end matrix, to rounding), else it raises
:class:`~symflat.numeric.errors.NotAMinimum` instead of handing back a point that is not one.
"""

from __future__ import annotations

import numpy as np

from symflat.models import DeepLinear, LinearWithOutput, Moments, Points, ScalarChain
from symflat.models.networks import _Layered
from symflat.numeric import options
from symflat.numeric.backend import get_backend
from symflat.numeric.errors import NotAMinimum
from symflat.numeric.objective import NumericError, moments_of, objective, residual_base

MINIMUM_RTOL = 1e-8  # normal-equation residual of a returned minimum, relative (see _verified_minimum)


def synthetic_regression(n: int, d_x: int, d_y: int = 1, *, seed: int = 0, noise: float = 0.1) -> Points:
    """Gaussian inputs and a random linear teacher plus Gaussian noise: ``y = T x + noise * e``."""
    n, d_x, d_y = (options.count(v, name, minimum=1) for v, name in ((n, "n"), (d_x, "d_x"), (d_y, "d_y")))
    options.seed(seed)
    options.tolerance(noise, "noise")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((int(n), int(d_x)))
    T = rng.standard_normal((int(d_y), int(d_x))) / np.sqrt(d_x)
    Y = X @ T.T + noise * rng.standard_normal((int(n), int(d_y)))
    return Points(X, Y)


def digits(n: int | None = None, *, seed: int = 0, one_hot: bool = True) -> Points:
    """scikit-learn's bundled 8x8 digits: ``X`` (pixels / 16, centred), ``Y`` one-hot (10 columns)
    or the label as a float; a random subset of ``n`` images when ``n`` is given."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise NumericError("the digits data need scikit-learn (pip install 'symflat[experiments]')") from None
    options.seed(seed)
    options.flag(one_hot, "one_hot")
    d = load_digits()
    X = d.data / 16.0
    X = X - X.mean(0)
    idx = np.arange(len(X))
    if n is not None:
        if not 1 <= options.count(n, "n") <= len(X):
            raise NumericError(f"n must be between 1 and {len(X)} for the digits data, got {n}")
        idx = np.random.default_rng(seed).choice(len(X), int(n), replace=False)
    Y = np.eye(10)[d.target[idx]] if one_hot else d.target[idx].astype(float)
    return Points(X[idx], Y)


def random_weights(model, scale: float = 1.0, *, seed: int = 0) -> np.ndarray:
    """I.i.d. ``N(0, scale^2)`` entries for every parameter."""
    _model(model, "random_weights")
    options.tolerance(scale, "scale")
    options.seed(seed)
    return scale * np.random.default_rng(seed).standard_normal(model.num_params)


def _model(model, who: str):
    if not isinstance(model, _Layered):
        raise NumericError(f"{who}: model must be one of symflat.models' families (DeepLinear, ...), got {model!r}")
    return model


def _moments(data) -> tuple[np.ndarray, np.ndarray]:
    """``(Sigma_x, Sigma_yx)`` as float arrays (checked: finite, Sigma_x symmetric PSD)."""
    if not isinstance(data, (Moments, Points)):
        raise NumericError(f"data must be symflat.models.Moments or Points, got {type(data).__name__}")
    sx, syx, _ = moments_of(data, get_backend("numpy"))
    return np.asarray(sx, float), np.asarray(syx, float)


def least_squares_map(data) -> np.ndarray:
    """``Sigma_yx Sigma_x^+``: the end-to-end matrix of every global minimum (M&M Sec. 2).

    The loss ``tr(A Sigma_x A^T) - 2 tr(A Sigma_yx^T)`` has a minimum only when the rows of
    ``Sigma_yx`` lie in the range of ``Sigma_x`` (always so for moments of actual data, by
    Cauchy-Schwarz); otherwise it is unbounded below along the null space of ``Sigma_x`` and this
    raises :class:`NotAMinimum` rather than return a map that minimises nothing.
    """
    sx, syx = _moments(data)
    pinv = np.linalg.pinv(sx, hermitian=True)
    outside = syx - syx @ pinv @ sx
    scale = max(float(np.linalg.norm(syx)), np.finfo(float).tiny)
    if float(np.linalg.norm(outside)) > 1e-9 * scale:
        raise NotAMinimum(
            f"data: Sigma_yx has a component outside the range of Sigma_x (norm {np.linalg.norm(outside):.3g}, relative "
            f"{np.linalg.norm(outside) / scale:.3g}): Sigma_x is singular and the loss is unbounded below, so there is "
            "no global minimum (moments of actual data never do this: check the data)")
    return syx @ pinv


def _orthonormal(rng, rows: int, cols: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.standard_normal((rows, cols)))
    return q[:, :cols]


def deep_linear_minimum(model, data, *, seed: int = 0, layer_scales=None) -> np.ndarray:
    """Weights of a global minimum of a deep linear network (``W_m ... W_1 = Sigma_yx Sigma_x^+``).

    With ``T = U S V^T`` (rank ``r``) the layers are ``W_1 = c_1 E_1 S^{1/m} V^T``,
    ``W_j = c_j E_j S^{1/m} E_{j-1}^T``, ``W_m = c_m U S^{1/m} E_{m-1}^T`` with random
    orthonormal ``E_j`` (``d_j x r``); the default ``c_j = 1`` gives a balanced minimum, other
    ``layer_scales`` (their product is normalised to 1) give sharper, unbalanced ones.
    Needs the capacity condition A1: every ``d_j >= r``.
    """
    given = model
    if isinstance(model, ScalarChain):
        model = model.as_deep_linear()
    if not isinstance(model, DeepLinear):
        raise NumericError(f"deep_linear_minimum needs a DeepLinear or ScalarChain model, got {type(model).__name__}")
    options.seed(seed)
    T = least_squares_map(data)
    if T.shape != (model.d_out, model.d_in):
        raise NumericError(f"data map R^{T.shape[1]} -> R^{T.shape[0]} but the model maps R^{model.d_in} -> R^{model.d_out}")
    U, s, Vt = np.linalg.svd(T, full_matrices=False)
    r = int(np.sum(s > s[0] * 1e-12)) if s.size and s[0] > 0 else 0
    r = max(r, 1)
    if min(model.dims[1:-1] or (r,)) < r:
        raise NumericError(f"layer widths {list(model.dims)} are below the rank {r} of the target map (assumption A1)")
    m = model.depth
    try:
        c = np.ones(m) if layer_scales is None else np.asarray(layer_scales, float)
    except (TypeError, ValueError):
        c = None
    if c is None or c.shape != (m,) or np.any(c == 0) or not np.all(np.isfinite(c)):
        raise NumericError(f"layer_scales must be {m} finite nonzero numbers, got {layer_scales!r}")
    c = c / np.prod(np.abs(c)) ** (1 / m)
    if np.prod(c) < 0:
        c[0] = -c[0]
    rng = np.random.default_rng(seed)
    root = np.diag(s[:r] ** (1 / m))
    E = [Vt[:r].T] + [_orthonormal(rng, model.dims[j], r) for j in range(1, m)] + [U[:, :r]]
    mats = [c[j] * E[j + 1] @ root @ E[j].T for j in range(m)]
    w = np.concatenate([W.T.reshape(-1) for W in mats])
    return _verified_minimum(given, data, w, "deep_linear_minimum")


def _verified_minimum(model, data, w: np.ndarray, who: str) -> np.ndarray:
    """``w`` if it is a global minimum, else :class:`NotAMinimum`. The loss is a convex quadratic
    in the end-to-end matrix ``A``, so ``w`` is a global minimum exactly when the normal equations
    ``A Sigma_x = Sigma_yx`` hold; they are checked to ``MINIMUM_RTOL`` relative to
    ``||A|| ||Sigma_x|| + ||Sigma_yx||``."""
    if not np.all(np.isfinite(w)):
        raise NotAMinimum(f"{who}: the constructed point has non-finite entries")
    obj = objective(model, data, get_backend("numpy"))
    A = np.asarray(obj.end_to_end(w), float)
    sx, syx = np.asarray(obj.sx, float), np.asarray(obj.syx, float)
    gap = float(np.linalg.norm(A @ sx - syx))
    ref = float(np.linalg.norm(A) * np.linalg.norm(sx) + np.linalg.norm(syx))
    if not gap <= MINIMUM_RTOL * max(ref, np.finfo(float).tiny):
        raise NotAMinimum(f"{who}: the constructed point is not a global minimum (||A Sigma_x - Sigma_yx|| = {gap:.3g}, "
                          f"relative {gap / max(ref, np.finfo(float).tiny):.3g}); the data or the widths do not admit it")
    return w


def linear_with_output_minimum(model: LinearWithOutput, data, *, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    """A global minimum of ``x -> w^T W_L ... W_1 x``: random ``W_1..W_{L-1}`` (entries
    ``N(0, scale^2/d_{k-1})``) and ``W_L = w (a Q^+) / ||w||^2`` so that ``w^T W_L Q = a``,
    ``a = Sigma_yx Sigma_x^+``, ``Q = W_{L-1}...W_1`` (needs ``Q`` of full column rank).

    For the residual parametrisation the first ``L - 1`` layers stay at the initialisation
    ``theta_k = 0`` (``W_k = I + s/sqrt(Ld) N_k``), and only ``theta_L`` moves."""
    if not isinstance(model, LinearWithOutput) or model.output is None:
        raise NumericError("linear_with_output_minimum needs LinearWithOutput with its output vector")
    options.seed(seed)
    options.positive(scale, "scale")
    a = least_squares_map(data)
    out = np.asarray(model.output, float)
    if not np.any(out):
        raise NumericError("linear_with_output_minimum: the output vector w is zero, so w^T W_L ... W_1 x is 0 for every "
                           "weight and no minimum fits the data")
    rng = np.random.default_rng(seed)
    base = residual_base(model, get_backend("numpy")) if model.residual else None
    mats, Q = [], np.eye(model.dims[0])
    for k in range(1, model.depth):
        W = base[k - 1] if base else scale * rng.standard_normal((model.dims[k], model.dims[k - 1])) / np.sqrt(model.dims[k - 1])
        mats.append(W)
        Q = W @ Q
    WL = np.outer(out, a @ np.linalg.pinv(Q)) / (out @ out)
    mats.append(WL)
    if base:
        mats = [model.depth * (W - B) for W, B in zip(mats, base)]  # theta_k = L (W_k - base_k)
    w = np.concatenate([W.T.reshape(-1) for W in mats])
    return _verified_minimum(model, data, w, "linear_with_output_minimum")


def near_saddle(model, data, *, scale: float = 0.05, seed: int = 0) -> np.ndarray:
    """A point near the saddle ``w = 0`` of a deep linear network, where the Hessian's dominant
    eigenvalue is negative.

    All layers are rank one, ``W_1 = eps c_1 b^T``, ``W_j = eps c_j c_{j-1}^T``,
    ``W_m = eps a c_{m-1}^T``, aligned with the top singular pair ``(a, b)`` of ``Sigma_yx`` (random
    unit ``c_j``). To leading order in ``eps`` the Hessian on this chain is that of the scalar
    chain near 0, ``-2 s eps^{m-2} (J - I)`` with ``J`` all ones: eigenvalues ``-2(m-1) s eps^{m-2}``
    and ``+2 s eps^{m-2}``, so ``|lambda_min| / lambda_max`` is about ``m - 1`` (needs depth >= 3).
    """
    if isinstance(model, ScalarChain):
        model = model.as_deep_linear()
    if not isinstance(model, DeepLinear) or model.depth < 3:
        raise NumericError("near_saddle needs a DeepLinear (or ScalarChain) model of depth >= 3")
    options.positive(scale, "scale")
    options.seed(seed)
    _, syx = _moments(data)
    if not np.any(syx):
        raise NumericError("near_saddle: Sigma_yx is zero, so there is no top singular pair to align the layers with")
    if syx.shape != (model.d_out, model.d_in):
        raise NumericError(f"data map R^{syx.shape[1]} -> R^{syx.shape[0]} but the model maps R^{model.d_in} -> R^{model.d_out}")
    U, _, Vt = np.linalg.svd(syx)
    rng = np.random.default_rng(seed)
    units = [Vt[0]] + [_unit(rng.standard_normal(model.dims[j])) for j in range(1, model.depth)] + [U[:, 0]]
    mats = [scale * np.outer(units[j + 1], units[j]) for j in range(model.depth)]
    return np.concatenate([W.T.reshape(-1) for W in mats])


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)
