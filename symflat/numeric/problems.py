"""Ready-made problem instances: synthetic and bundled data, random weights, global minima.

Everything is offline and reproducible from a seed. The digits data are scikit-learn's bundled
8x8 images (``sklearn.datasets.load_digits``), the offline stand-in for MNIST.
"""

from __future__ import annotations

import numpy as np

from symflat.models import DeepLinear, LinearWithOutput, Moments, Points, ScalarChain
from symflat.numeric.backend import get_backend
from symflat.numeric.objective import NumericError, residual_base


def synthetic_regression(n: int, d_x: int, d_y: int = 1, *, seed: int = 0, noise: float = 0.1) -> Points:
    """Gaussian inputs and a random linear teacher plus Gaussian noise: ``y = T x + noise * e``."""
    if int(n) < 1 or int(d_x) < 1 or int(d_y) < 1:
        raise NumericError(f"n, d_x, d_y must be positive integers, got {n}, {d_x}, {d_y}")
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
    d = load_digits()
    X = d.data / 16.0
    X = X - X.mean(0)
    idx = np.arange(len(X))
    if n is not None:
        if not 1 <= int(n) <= len(X):
            raise NumericError(f"n must be between 1 and {len(X)} for the digits data, got {n}")
        idx = np.random.default_rng(seed).choice(len(X), int(n), replace=False)
    Y = np.eye(10)[d.target[idx]] if one_hot else d.target[idx].astype(float)
    return Points(X[idx], Y)


def random_weights(model, scale: float = 1.0, *, seed: int = 0) -> np.ndarray:
    """I.i.d. ``N(0, scale^2)`` entries for every parameter."""
    return scale * np.random.default_rng(seed).standard_normal(model.num_params)


def least_squares_map(data) -> np.ndarray:
    """``Sigma_yx Sigma_x^+``: the end-to-end matrix of every global minimum (M&M Sec. 2)."""
    if isinstance(data, Points):
        X = np.asarray(data.X, float).reshape(data.n, -1)
        Y = np.asarray(data.Y, float).reshape(data.n, -1)
        sx, syx = X.T @ X / data.n, Y.T @ X / data.n
    elif isinstance(data, Moments):
        sx, syx = np.asarray(data.sigma_x, float), np.asarray(data.sigma_yx, float)
    else:
        raise NumericError(f"data must be Moments or Points, got {type(data).__name__}")
    return syx @ np.linalg.pinv(sx)


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
    if isinstance(model, ScalarChain):
        model = model.as_deep_linear()
    if not isinstance(model, DeepLinear):
        raise NumericError(f"deep_linear_minimum needs a DeepLinear or ScalarChain model, got {type(model).__name__}")
    T = least_squares_map(data)
    if T.shape != (model.d_out, model.d_in):
        raise NumericError(f"data map R^{T.shape[1]} -> R^{T.shape[0]} but the model maps R^{model.d_in} -> R^{model.d_out}")
    U, s, Vt = np.linalg.svd(T, full_matrices=False)
    r = int(np.sum(s > s[0] * 1e-12)) if s.size and s[0] > 0 else 0
    r = max(r, 1)
    if min(model.dims[1:-1] or (r,)) < r:
        raise NumericError(f"layer widths {list(model.dims)} are below the rank {r} of the target map (assumption A1)")
    m = model.depth
    c = np.ones(m) if layer_scales is None else np.asarray(layer_scales, float)
    if c.shape != (m,) or np.any(c == 0):
        raise NumericError(f"layer_scales must be {m} nonzero numbers, got {layer_scales!r}")
    c = c / np.prod(np.abs(c)) ** (1 / m)
    if np.prod(c) < 0:
        c[0] = -c[0]
    rng = np.random.default_rng(seed)
    root = np.diag(s[:r] ** (1 / m))
    E = [Vt[:r].T] + [_orthonormal(rng, model.dims[j], r) for j in range(1, m)] + [U[:, :r]]
    mats = [c[j] * E[j + 1] @ root @ E[j].T for j in range(m)]
    return np.concatenate([W.T.reshape(-1) for W in mats])


def linear_with_output_minimum(model: LinearWithOutput, data, *, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    """A global minimum of ``x -> w^T W_L ... W_1 x``: random ``W_1..W_{L-1}`` (entries
    ``N(0, scale^2/d_{k-1})``) and ``W_L = w (a Q^+) / ||w||^2`` so that ``w^T W_L Q = a``,
    ``a = Sigma_yx Sigma_x^+``, ``Q = W_{L-1}...W_1`` (needs ``Q`` of full column rank).

    For the residual parametrisation the first ``L - 1`` layers stay at the initialisation
    ``theta_k = 0`` (``W_k = I + s/sqrt(Ld) N_k``), and only ``theta_L`` moves."""
    if not isinstance(model, LinearWithOutput) or model.output is None:
        raise NumericError("linear_with_output_minimum needs LinearWithOutput with its output vector")
    a = least_squares_map(data)
    out = np.asarray(model.output, float)
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
    return np.concatenate([W.T.reshape(-1) for W in mats])


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
    if isinstance(data, Points):
        X = np.asarray(data.X, float).reshape(data.n, -1)
        Y = np.asarray(data.Y, float).reshape(data.n, -1)
        syx = Y.T @ X / data.n
    else:
        syx = np.asarray(data.sigma_yx, float)
    if syx.shape != (model.d_out, model.d_in):
        raise NumericError(f"data map R^{syx.shape[1]} -> R^{syx.shape[0]} but the model maps R^{model.d_in} -> R^{model.d_out}")
    U, _, Vt = np.linalg.svd(syx)
    rng = np.random.default_rng(seed)
    units = [Vt[0]] + [_unit(rng.standard_normal(model.dims[j])) for j in range(1, model.depth)] + [U[:, 0]]
    mats = [scale * np.outer(units[j + 1], units[j]) for j in range(model.depth)]
    return np.concatenate([W.T.reshape(-1) for W in mats])


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)
