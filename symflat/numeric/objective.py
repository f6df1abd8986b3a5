"""Training losses of the models as numeric objectives: value, gradient, Hessian-vector product.

Loss conventions (each the one its paper uses):

- ``DeepLinear`` / ``ScalarChain``: ``E||y - W_m...W_1 x||^2`` (Mulayoff & Michaeli 2020, eq. 2);
- ``LinearWithOutput``: ``(1/n)||y - X W_1^T...W_L^T w||^2`` (Marion & Chizat 2024, eq. 4);
- ``ReluOneHidden``: ``(1/2n) sum_i (f(x_i) - y_i)^2`` (Mulayoff, Michaeli & Soudry 2021, eq. S48);
- ``DeepNetwork``: the mean of the model's per-example loss (Elkabetz & Cohen 2021, eq. 9).

The linear models are evaluated from the data moments (Mulayoff & Michaeli eq. 3), so one
gradient or Hessian-vector product costs ``O(m d^3)`` whatever the number of samples; the
one-hidden-layer ReLU network and ``DeepNetwork`` have hand-written products (backpropagation and
Pearlmutter's R-operator) that run on any backend. ``autodiff=True`` uses torch autodiff instead,
an independent implementation the tests compare against.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from symflat.models import (
    DeepLinear,
    DeepNetwork,
    LinearWithOutput,
    Moments,
    Points,
    ReluOneHidden,
    ScalarChain,
)
from symflat.numeric.backend import Backend, BackendError, get_backend, torch_available
from symflat.numeric.errors import NumericError


LINEAR_MODELS = (DeepLinear, ScalarChain, LinearWithOutput)


# --- products with ``None`` standing for an identity of the right size ---------------------------
def _mul(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a @ b


def _t(a):
    return None if a is None else a.T


def layout(model) -> tuple:
    """``(slice, shape)`` of every parameter block, in order."""
    return tuple((b.slice, b.shape) for b in model.blocks)


def unpack(model, w, blocks=None) -> list:
    """The weight blocks of the flat parameter vector ``w`` (matrices read column-major);
    ``blocks`` is the model's :func:`layout`, passed in to skip recomputing it."""
    out = []
    for sl, shape in blocks or layout(model):
        seg = w[sl]
        out.append(seg.reshape(shape[1], shape[0]).T if len(shape) == 2 else seg)
    return out


def pack(backend: Backend, blocks) -> object:
    """Inverse of :func:`unpack`: matrices are flattened column-major (``vec``)."""
    return backend.concat([m.T.reshape(-1) if len(m.shape) == 2 else m.reshape(-1) for m in blocks])


def _is_complex(a) -> bool:
    """Whether ``a`` (array of any library, nested list, scalar) holds complex numbers."""
    if hasattr(a, "is_complex") and callable(a.is_complex):  # torch
        return bool(a.is_complex())
    try:
        return bool(np.iscomplexobj(a))
    except (TypeError, ValueError, RuntimeError):
        return False


def real_array(a, backend: Backend, what: str):
    """``a`` as a real backend array: ``None``, complex numbers (their imaginary part would be
    dropped) and non-numbers are a :class:`NumericError` naming ``what``."""
    if a is None:
        raise NumericError(f"{what} is required, got None")
    if _is_complex(a):
        raise NumericError(f"{what} must be real, got complex entries (the imaginary parts would be lost)")
    try:
        return backend.asarray(a)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise NumericError(f"{what} must be numeric for numeric work ({exc})") from None


def numeric_array(a, backend: Backend, what: str):
    """``a`` as a finite backend array, or a :class:`NumericError` that names ``what``."""
    if a is None or _is_complex(a):
        return real_array(a, backend, what)
    try:
        a = backend.asarray(a)
    except (TypeError, ValueError) as exc:
        raise NumericError(f"{what} must be numeric for numeric work ({exc})") from None
    if not backend.isfinite(a):
        raise NumericError(f"{what} contains NaN or infinite entries")
    return a


def _as_rows(a, backend: Backend, what: str):
    a = numeric_array(a, backend, what)
    return a.reshape(-1, 1) if len(a.shape) == 1 else a


def points_arrays(data: Points, backend: Backend):
    """``(X, Y)`` of a :class:`Points` as ``n x d_x`` and ``n x d_y`` arrays."""
    return _as_rows(data.X, backend, "X (the inputs)"), _as_rows(data.Y, backend, "Y (the targets)")


def _second_moment(sx, backend: Backend):
    """``Sigma_x = E[x x^T]`` must be symmetric positive semidefinite (to rounding)."""
    S = backend.to_numpy(sx).astype(float)
    scale = max(float(np.abs(S).max()), np.finfo(float).tiny)
    tol = 1e3 * np.finfo(backend.dtype).eps * scale * S.shape[0]
    if float(np.abs(S - S.T).max()) > tol:
        raise NumericError("Sigma_x is not symmetric, so it is not a second-moment matrix E[x x^T]")
    low = float(np.linalg.eigvalsh((S + S.T) / 2)[0])
    if low < -tol:
        raise NumericError(f"Sigma_x has a negative eigenvalue ({low:.3g}), so it is not a second-moment matrix E[x x^T]")
    return sx


def moments_of(data, backend: Backend):
    """``(Sigma_x, Sigma_yx, tr Sigma_y)`` of ``Moments`` or ``Points`` (the trace may be None:
    it only shifts the loss by a constant)."""
    if isinstance(data, Moments):
        tr = None
        if data.sigma_y is not None:
            sy = numeric_array(data.sigma_y, backend, "Sigma_y")
            tr = float(sum(sy[i, i] for i in range(data.d_y)))
        sx = _second_moment(numeric_array(data.sigma_x, backend, "Sigma_x"), backend)
        return sx, numeric_array(data.sigma_yx, backend, "Sigma_yx"), tr
    if isinstance(data, Points):
        X, Y = points_arrays(data, backend)
        n = X.shape[0]
        y = Y.reshape(-1)
        return X.T @ X / n, Y.T @ X / n, float(y @ y) / n
    raise NumericError(f"data must be symflat.models.Moments or Points, got {type(data).__name__}")


# --- deep linear algebra on matrices (also runs on numpy object arrays of mpmath numbers) ---------
def prefix_suffix(mats, out):
    """``L[k] = W_k...W_1`` (``L[0] = I``) and ``R[k] = out W_m...W_k`` (``R[m+1] = out``, or ``I``)."""
    m = len(mats)
    L = [None] * (m + 1)
    for k in range(1, m + 1):
        L[k] = _mul(mats[k - 1], L[k - 1])
    R = [None] * (m + 2)
    R[m + 1] = out
    for k in range(m, 0, -1):
        R[k] = _mul(R[k + 1], mats[k - 1])
    return L, R


def layer_product(mats, lo: int, hi: int, n: int):
    """``W_hi ... W_lo`` of ``mats = [W_1, ..., W_m]`` (1-based, inclusive; Mulayoff & Michaeli
    eq. 14), by :func:`prefix_suffix` on the slice; the ``n x n`` identity when ``lo > hi``.
    Works on numpy arrays (float or object) and SymPy matrices alike."""
    if lo > hi:
        eye = getattr(type(mats[0]), "eye", None) if mats else None
        return eye(n) if callable(eye) else np.eye(n)
    return prefix_suffix(list(mats[lo - 1:hi]), None)[0][-1]


def linear_loss(A, sx, syx, trace_sy):
    """``tr(Sigma_y) - 2 tr(A Sigma_yx^T) + tr(A Sigma_x A^T)`` (Mulayoff & Michaeli eq. 3)."""
    val = -2 * (A * syx).sum() + ((A @ sx) * A).sum()
    return val if trace_sy is None else val + trace_sy


def _backward(mats, out, G):
    """``U_k = R_{k+1}^T G`` for k = m..1 by ``U_{k-1} = W_k^T U_k`` (``U_m = out^T G``)."""
    m = len(mats)
    U = [None] * (m + 1)
    U[m] = _mul(_t(out), G)
    for k in range(m, 1, -1):
        U[k - 1] = mats[k - 1].T @ U[k]
    return U


def linear_grads(mats, out, sx, syx):
    """Gradient blocks ``dl/dW_k = R_{k+1}^T G L_{k-1}^T`` with ``G = 2(A Sigma_x - Sigma_yx)``,
    ``L_k = W_k...W_1`` and ``R_k = out W_m...W_k`` (the products of Mulayoff & Michaeli eq. S39)."""
    L, _ = _forward(mats)
    G = 2 * (_mul(out, L[-1]) @ sx - syx)
    U = _backward(mats, out, G)
    return [_mul(U[k], _t(L[k - 1])) for k in range(1, len(mats) + 1)]


def _forward(mats, dmats=None):
    m = len(mats)
    L, dL = [None] * (m + 1), [None] * (m + 1)
    for k in range(1, m + 1):
        L[k] = _mul(mats[k - 1], L[k - 1])
        if dmats is not None:
            term = _mul(dmats[k - 1], L[k - 1])
            dL[k] = term if k == 1 else term + mats[k - 1] @ dL[k - 1]
    return L, dL


def linear_hvp(mats, dmats, out, sx, syx):
    """Directional derivative of :func:`linear_grads` along ``dmats`` (the Hessian-vector product).

    Forward: ``dL_k = V_k L_{k-1} + W_k dL_{k-1}``, ``dA = out dL_m``, ``dG = 2 dA Sigma_x``;
    backward: ``dU_{k-1} = W_k^T dU_k + V_k^T U_k`` (``dU_m = out^T dG``); then
    ``(Hv)_k = dU_k L_{k-1}^T + U_k dL_{k-1}^T``. About ``8m`` matrix products.
    """
    m = len(mats)
    L, dL = _forward(mats, dmats)
    G = 2 * (_mul(out, L[m]) @ sx - syx)
    dG = 2 * (_mul(out, dL[m]) @ sx)
    U = _backward(mats, out, G)
    dU = [None] * (m + 1)
    dU[m] = _mul(_t(out), dG)
    for k in range(m, 1, -1):
        dU[k - 1] = mats[k - 1].T @ dU[k] + dmats[k - 1].T @ U[k]
    res = []
    for k in range(1, m + 1):
        h = _mul(dU[k], _t(L[k - 1]))
        if k > 1:
            h = h + U[k] @ dL[k - 1].T
        res.append(h)
    return res


class Objective(ABC):
    """A loss ``l(w)`` on the flat parameter vector, with gradient and Hessian-vector products.

    ``w`` and ``v`` are arrays of ``backend``; :meth:`hessian` returns a dense numpy matrix.
    """

    kind = "abstract"

    def __init__(self, model, backend: Backend):
        self.model = model
        self.backend = backend
        self.num_params = model.num_params

    def vector(self, v, what: str):
        """``v`` as a real backend vector of length ``num_params`` (an error naming ``what`` otherwise)."""
        v = real_array(v, self.backend, what)
        if tuple(v.shape) != (self.num_params,):
            raise NumericError(
                f"{type(self.model).__name__} has {self.num_params} parameters but {what} has shape {tuple(v.shape)}"
            )
        return v

    def weights(self, w):
        """``w`` as a backend vector of the right length (clear error otherwise)."""
        return self.vector(w, "weights (the weight vector)")

    def finite_weights(self, w, what: str | None = None):
        """:meth:`weights` (or :meth:`vector` for another vector named ``what``), refusing NaN or
        infinite entries (a point where curvature is asked for)."""
        v = self.weights(w) if what is None else self.vector(w, what)
        if not self.backend.isfinite(v):
            raise NumericError(f"{what or 'weights (the weight vector)'} contains NaN or infinite entries")
        return v

    @abstractmethod
    def loss(self, w) -> float:
        ...

    @abstractmethod
    def grad(self, w):
        ...

    def loss_and_grad(self, w):
        """``(l(w), grad l(w))``, sharing work where the objective can."""
        return self.loss(w), self.grad(w)

    @abstractmethod
    def hvp(self, w, v):
        ...

    def hessian(self, w) -> np.ndarray:
        """Dense Hessian from ``num_params`` Hessian-vector products, symmetrised."""
        w = self.finite_weights(w)
        eye = self.backend.eye(self.num_params)
        cols = [self.backend.to_numpy(self.hvp(w, eye[i])) for i in range(self.num_params)]
        H = np.stack(cols, axis=1)
        return (H + H.T) / 2


def residual_base(model: LinearWithOutput, backend: Backend) -> list:
    """``I + s/sqrt(L d) N_k`` of Marion & Chizat eq. (2), from the model's ``noise`` and ``scale``."""
    if model.noise is None or model.scale is None:
        missing = " and ".join(n for n, v in (("noise (the matrices N_k)", model.noise), ("scale (s)", model.scale)) if v is None)
        raise NumericError(f"LinearWithOutput(residual=True) needs {missing} for numeric work (Marion & Chizat eq. 2)")
    try:
        noise = np.array(model.noise, dtype=float)
        s = float(model.scale)
    except (TypeError, ValueError):
        raise NumericError("LinearWithOutput(residual=True): noise and scale must be numbers for numeric work") from None
    if not (np.isfinite(noise).all() and np.isfinite(s)):
        raise NumericError("LinearWithOutput(residual=True): noise and scale must be finite")
    L, d = model.depth, model.dims[0]
    c = s / np.sqrt(L * d)
    return [backend.asarray(np.eye(d) + c * N) for N in noise]


class LinearMomentsObjective(Objective):
    """Deep linear models (optionally with a fixed output vector) evaluated from data moments."""

    kind = "moments"

    def __init__(self, model, data, backend: Backend):
        super().__init__(model, backend)
        self.base, self.step = None, 1.0  # residual parametrisation: W_k = base_k + step * theta_k
        if isinstance(model, LinearWithOutput):
            if model.residual:
                self.base, self.step = residual_base(model, backend), 1.0 / model.depth
            if model.output is None:
                raise NumericError("LinearWithOutput needs its output vector w (output=None) for numeric work")
            self.out = backend.asarray([list(model.output)])
        else:
            self.out = None
        self.sx, self.syx, self.trace_sy = moments_of(data, backend)
        self._layout = layout(model)
        d_in, d_out = model.dims[0], (1 if self.out is not None else model.dims[-1])
        if tuple(self.sx.shape) != (d_in, d_in) or tuple(self.syx.shape) != (d_out, d_in):
            raise NumericError(
                f"data moments Sigma_x {tuple(self.sx.shape)}, Sigma_yx {tuple(self.syx.shape)} do not fit "
                f"a model mapping R^{d_in} to R^{d_out}"
            )

    def mats(self, w):
        """The weight matrices ``W_k`` (for the residual parametrisation, built from the ``theta_k``)."""
        return self.layer_matrices(unpack(self.model, self.weights(w), self._layout))

    def layer_matrices(self, blocks):
        """``W_k`` from the parameter blocks: the blocks themselves, or ``base_k + theta_k / L``."""
        if self.base is None:
            return blocks
        return [B + self.step * theta for B, theta in zip(self.base, blocks)]

    def _to_params(self, blocks):
        """Pack derivatives taken in the ``W_k`` as derivatives in the parameters (chain rule
        ``dW_k / dtheta_k = I / L`` for the residual parametrisation)."""
        out = pack(self.backend, blocks)
        return out if self.base is None else self.step * out

    def end_to_end(self, w):
        """``A = (w^T) W_m ... W_1``, the end-to-end matrix."""
        L, R = prefix_suffix(self.mats(w), self.out)
        return R[1]

    def loss(self, w) -> float:
        return float(linear_loss(self.end_to_end(w), self.sx, self.syx, self.trace_sy))

    def grad(self, w):
        return self._to_params(linear_grads(self.mats(w), self.out, self.sx, self.syx))

    def hvp(self, w, v):
        dm = unpack(self.model, self.weights(v), self._layout)
        if self.base is not None:
            dm = [self.step * d for d in dm]
        return self._to_params(linear_hvp(self.mats(w), dm, self.out, self.sx, self.syx))

    def loss_and_grad(self, w):
        mats = self.mats(w)
        L, _ = _forward(mats)
        A = _mul(self.out, L[-1])
        ASx = A @ self.sx
        val = float(((ASx - 2 * self.syx) * A).sum()) + (self.trace_sy or 0.0)
        U = _backward(mats, self.out, 2 * (ASx - self.syx))
        return val, self._to_params([_mul(U[k], _t(L[k - 1])) for k in range(1, len(mats) + 1)])

    def minimum_residual(self, w) -> float:
        """``||A Sigma_x - Sigma_yx||_F / ||Sigma_yx||_F``: zero exactly on the set of global
        minima ``Omega`` (Mulayoff & Michaeli, proof of Lemma 3, eq. S43-S44)."""
        return self.minimum_residual_of(self.end_to_end(w))

    def minimum_residual_of(self, A) -> float:
        """:meth:`minimum_residual` for a given end-to-end matrix ``A``."""
        num = self.backend.norm(A @ self.sx - self.syx)
        den = max(self.backend.norm(self.syx), self.backend.norm(A @ self.sx), np.finfo(float).tiny)
        return num / den


class ReluOneHiddenObjective(Objective):
    """``(1/2n) sum_i (w2^T relu(x_i w1 + b1) + b2 - y_i)^2`` with closed-form derivatives.

    ReLU's second derivative vanishes off the kinks, so ``H = (1/n)(J^T J + sum_i r_i d^2 f_i)``
    where the only nonzero second derivatives of ``f`` couple ``w2_j`` with ``w1_j`` and ``b1_j``
    (cf. eq. S58 of the supplement).
    """

    kind = "analytic"

    def __init__(self, model: ReluOneHidden, data, backend: Backend):
        super().__init__(model, backend)
        if not isinstance(data, Points):
            raise NumericError("ReluOneHidden needs the training points (symflat.models.Points), not moments")
        X, Y = points_arrays(data, backend)
        if X.shape[1] != 1 or Y.shape[1] != 1:
            raise NumericError(f"ReluOneHidden maps scalars to scalars; got X with {X.shape[1]} and Y with {Y.shape[1]} columns")
        self.x, self.y, self.n = X[:, 0], Y[:, 0], X.shape[0]

    def parts(self, w, mask=None):
        """Pre-activation pieces at ``w``; ``mask`` freezes the activation pattern (the smooth
        extension of one region's loss, see :meth:`kink_patterns`)."""
        w1, b1, w2, b2 = unpack(self.model, self.weights(w))
        z = self.x[:, None] * w1[None, :] + b1[None, :]
        mask = self.backend.step(z) if mask is None else mask
        a = z * mask
        r = a @ w2 + b2[0] - self.y
        return w1, b1, w2, mask, a, r

    def _pre_activations(self, w):
        w1, b1, _, _ = unpack(self.model, self.weights(w))
        return [self.x[:, None] * w1[None, :] + b1[None, :]]

    def kink_patterns(self, w) -> list:
        """The activation pattern ``1[z > 0]`` of every hidden unit on every sample."""
        return [self.backend.step(z) for z in self._pre_activations(w)]

    def kink_margins(self, w, patterns) -> list:
        """``(2p - 1) z`` for every unit and sample: all positive inside the region of ``patterns``."""
        return [(2 * p - 1) * z for p, z in zip(patterns, self._pre_activations(w))]

    def region_grad(self, w, patterns):
        """The gradient of the region's smooth loss (the pattern frozen at ``patterns``)."""
        return self.loss_and_grad(w, patterns[0])[1]

    def max_residual(self, w) -> float:
        """``max_i |f(x_i) - y_i| / max(max_i |y_i|, 1)``: zero exactly at interpolating minima."""
        r = self.backend.to_numpy(self.parts(w)[-1])
        scale = max(float(np.max(np.abs(self.backend.to_numpy(self.y)))), 1.0)
        return float(np.max(np.abs(r))) / scale

    def loss(self, w) -> float:
        r = self.parts(w)[-1]
        return float((r * r).sum()) / (2 * self.n)

    def jacobian(self, w):
        """``J`` (``n x (3k+1)``): row ``i`` is the gradient of ``f(x_i)`` in the parameter order."""
        w1, b1, w2, mask, a, r = self.parts(w)
        ones = mask[:, :1] * 0 + 1
        cols = [mask * w2[None, :] * self.x[:, None], mask * w2[None, :], a, ones]
        return self.backend.hstack(cols)

    def grad(self, w):
        return self.loss_and_grad(w)[1]

    def loss_and_grad(self, w, mask=None):
        w1, b1, w2, mask, a, r = self.parts(w, mask)
        n = self.n
        g_w1 = w2 * (mask.T @ (r * self.x)) / n
        g_b1 = w2 * (mask.T @ r) / n
        g_w2 = a.T @ r / n
        g_b2 = r.sum().reshape(1) / n
        return float((r * r).sum()) / (2 * n), self.backend.concat([g_w1, g_b1, g_w2, g_b2])

    def hvp(self, w, v):
        w1, b1, w2, mask, a, r = self.parts(w)
        v1, vb, v2, vb2 = unpack(self.model, self.weights(v))
        x, n = self.x, self.n
        dz = x[:, None] * v1[None, :] + vb[None, :]
        jv = (mask * dz) @ w2 + a @ v2 + vb2[0]
        rm = mask * r[:, None]
        h_w1 = w2 * (mask.T @ (jv * x)) + v2 * (rm.T @ x)
        h_b1 = w2 * (mask.T @ jv) + v2 * rm.sum(0)
        h_w2 = a.T @ jv + (rm * dz).sum(0)
        h_b2 = jv.sum().reshape(1)
        return self.backend.concat([h_w1, h_b1, h_w2, h_b2]) / n


class DeepNetworkObjective(Objective):
    """``mean_i l(W_n s(... s(W_1 x_i)), y_i)`` for a positively homogeneous activation
    ``s(z) = z (alpha_bar + (alpha - alpha_bar) 1[z > 0])`` (Elkabetz & Cohen eq. 8-9), by hand:
    backpropagation for the gradient and Pearlmutter's R-operator for Hessian-vector products
    (``s'' = 0`` off the kinks, so only the loss curvature and the layer products contribute).
    """

    kind = "analytic"

    def __init__(self, model: DeepNetwork, data, backend: Backend):
        super().__init__(model, backend)
        if not isinstance(data, Points):
            raise NumericError(f"{type(model).__name__} needs the training points (symflat.models.Points), not moments")
        self.X, self.Y = points_arrays(data, backend)
        if self.X.shape[1] != model.dims[0] or self.Y.shape[1] != model.dims[-1]:
            raise NumericError(
                f"data of shapes X {tuple(self.X.shape)}, Y {tuple(self.Y.shape)} do not fit layer dims {list(model.dims)}")
        self.n = self.X.shape[0]
        self.alpha, self.alpha_bar = (float(a) for a in model.slopes)
        self._layout = layout(model)

    def _forward(self, mats, patterns=None, zs=None):
        """Layer outputs and activation slopes; ``patterns`` freezes the activation pattern of each
        hidden layer (the smooth extension of one region's loss); ``zs`` collects pre-activations."""
        hs, slopes = [self.X], []
        for j, W in enumerate(mats):
            z = hs[-1] @ W.T
            if j == len(mats) - 1:
                hs.append(z)
            else:
                p = self.backend.step(z) if patterns is None else patterns[j]
                d = self.alpha_bar + (self.alpha - self.alpha_bar) * p
                slopes.append(d)
                hs.append(z * d)
                if zs is not None:
                    zs.append(z)
        return hs, slopes

    def kink_patterns(self, w) -> list:
        """The activation pattern ``1[z > 0]`` of every hidden layer on every sample (empty for a
        linear activation, which has no kinks)."""
        if self.alpha == self.alpha_bar:
            return []
        zs = []
        self._forward(unpack(self.model, self.weights(w), self._layout), zs=zs)
        return [self.backend.step(z) for z in zs]

    def kink_margins(self, w, patterns) -> list:
        """``(2p - 1) z`` for every hidden unit and sample, with the pattern frozen at ``patterns``:
        all positive inside that region."""
        zs = []
        self._forward(unpack(self.model, self.weights(w), self._layout), patterns, zs)
        return [(2 * p - 1) * z for p, z in zip(patterns, zs)]

    def region_grad(self, w, patterns):
        """The gradient of the region's smooth loss (the pattern frozen at ``patterns``)."""
        mats = unpack(self.model, self.weights(w), self._layout)
        hs, slopes = self._forward(mats, patterns)
        return pack(self.backend, self._backward(mats, hs, slopes, self._loss_terms(hs[-1])[1])[0])

    def _loss_terms(self, out):
        """``(loss, dl/dout, d2l/dout2 as a per-entry weight)`` averaged over the samples."""
        bk, n, Y = self.backend, self.n, self.Y
        if self.model.loss == "logistic":
            t = -Y * out
            return float(bk.softplus(t).sum()) / n, -Y * bk.sigmoid(t) / n, Y * Y * bk.sigmoid(t) * bk.sigmoid(-t) / n
        c = 1.0 if self.model.loss == "square" else 0.5
        r = out - Y
        return c * float((r * r).sum()) / n, 2 * c * r / n, 2 * c / n

    def _backward(self, mats, hs, slopes, delta):
        grads, deltas = [None] * len(mats), [None] * len(mats)
        for j in range(len(mats) - 1, -1, -1):
            deltas[j] = delta
            grads[j] = delta.T @ hs[j]
            if j:
                delta = (delta @ mats[j]) * slopes[j - 1]
        return grads, deltas

    def loss(self, w) -> float:
        hs, _ = self._forward(unpack(self.model, self.weights(w), self._layout))
        return self._loss_terms(hs[-1])[0]

    def grad(self, w):
        return self.loss_and_grad(w)[1]

    def loss_and_grad(self, w):
        mats = unpack(self.model, self.weights(w), self._layout)
        hs, slopes = self._forward(mats)
        val, dout, _ = self._loss_terms(hs[-1])
        return val, pack(self.backend, self._backward(mats, hs, slopes, dout)[0])

    def hvp(self, w, v):
        mats = unpack(self.model, self.weights(w), self._layout)
        vs = unpack(self.model, self.weights(v), self._layout)
        hs, slopes = self._forward(mats)
        _, dout, curv = self._loss_terms(hs[-1])
        grads, deltas = self._backward(mats, hs, slopes, dout)
        # R-forward: Rz_j = Rh_{j-1} W_j^T + h_{j-1} V_j^T, Rh_j = s'(z_j) Rz_j
        rh = [hs[0] * 0]
        for j, (W, V) in enumerate(zip(mats, vs)):
            rz = hs[j] @ V.T if j == 0 else rh[j] @ W.T + hs[j] @ V.T
            rh.append(rz if j == len(mats) - 1 else rz * slopes[j])
        # R-backward: R delta_out = l'' R out; R grad_j = R delta_j^T h_{j-1} + delta_j^T R h_{j-1}
        rdelta = curv * rh[-1]
        out = [None] * len(mats)
        for j in range(len(mats) - 1, -1, -1):
            out[j] = rdelta.T @ hs[j] + (deltas[j].T @ rh[j] if j else 0)
            if j:
                rdelta = (rdelta @ mats[j] + deltas[j] @ vs[j]) * slopes[j - 1]
        return pack(self.backend, out)


class TorchObjective(Objective):
    """Any model through torch autodiff. Hessian-vector products differentiate the gradient
    graph, which is built once per weight vector and reused while ``w`` stays the same (the
    usual case inside an eigen-solver)."""

    kind = "autodiff"

    def __init__(self, model, data, backend: Backend):
        if backend.name != "torch":
            raise BackendError(f"autodiff needs the torch backend, got {backend.describe()}")
        super().__init__(model, backend)
        import torch

        self._torch = torch
        self._f = _torch_loss(model, data, backend)
        self._x = self._g = None

    def loss(self, w) -> float:
        with self._torch.no_grad():
            return float(self._f(self.weights(w)))

    def grad(self, w):
        return self.loss_and_grad(w)[1]

    def loss_and_grad(self, w):
        torch = self._torch
        x = self.weights(w).clone().requires_grad_(True)
        with torch.enable_grad():
            val = self._f(x)
            return float(val.detach()), torch.autograd.grad(val, x)[0]

    def hvp(self, w, v):
        torch = self._torch
        w = self.weights(w)
        if self._x is None or not torch.equal(self._x.detach(), w):
            x = w.clone().requires_grad_(True)
            with torch.enable_grad():
                self._g = torch.autograd.grad(self._f(x), x, create_graph=True)[0]
            self._x = x
        return torch.autograd.grad(self._g, self._x, self.weights(v), retain_graph=True)[0]

    def hessian(self, w) -> np.ndarray:
        H = self.backend.to_numpy(self._torch.func.hessian(self._f)(self.weights(w)))
        return (H + H.T) / 2


def _torch_loss(model, data, backend: Backend):
    """The model's training loss as a torch function of the flat parameter vector."""
    import torch

    if isinstance(model, LINEAR_MODELS):
        lin = LinearMomentsObjective(model, data, backend)

        def f(w):
            mats = lin.layer_matrices(unpack(model, w))
            return linear_loss(prefix_suffix(mats, lin.out)[1][1], lin.sx, lin.syx, lin.trace_sy)

        if not isinstance(data, Points):
            return f
        X, Y = points_arrays(data, backend)

        def f_points(w):
            mats = lin.layer_matrices(unpack(model, w))
            h = X
            for W in mats:
                h = h @ W.T
            if lin.out is not None:
                h = h @ lin.out.T
            return ((h - Y) ** 2).sum(1).mean()

        return f_points

    if not isinstance(data, Points):
        raise NumericError(f"{type(model).__name__} needs the training points (symflat.models.Points), not moments")
    X, Y = points_arrays(data, backend)
    if isinstance(model, ReluOneHidden):
        x, y = X[:, 0], Y[:, 0]

        def f_relu(w):
            w1, b1, w2, b2 = unpack(model, w)
            return ((torch.relu(x[:, None] * w1 + b1) @ w2 + b2[0] - y) ** 2).mean() / 2

        return f_relu
    if isinstance(model, DeepNetwork):
        if X.shape[1] != model.dims[0] or Y.shape[1] != model.dims[-1]:
            raise NumericError(f"data of shapes X {tuple(X.shape)}, Y {tuple(Y.shape)} do not fit layer dims {list(model.dims)}")
        alpha, alpha_bar = model.slopes

        def f_net(w):
            mats = unpack(model, w)
            h = X
            for j, W in enumerate(mats):
                h = h @ W.T
                if j < len(mats) - 1:
                    h = torch.where(h > 0, alpha * h, alpha_bar * h)
            if model.loss == "square":
                return ((h - Y) ** 2).sum(1).mean()
            if model.loss == "half_square":
                return ((h - Y) ** 2).sum(1).mean() / 2
            return torch.nn.functional.softplus(-Y * h).mean()

        return f_net
    raise NumericError(f"no numeric objective for model type {type(model).__name__}")


def objective(model, data, backend=None, device=None, dtype=None, autodiff: bool = False) -> Objective:
    """The training-loss objective of ``model`` on ``data`` on the chosen backend.

    ``autodiff=True`` forces torch autodiff even where closed-form products exist (used to
    cross-check them and by the benchmark).
    """
    if isinstance(model, ScalarChain):
        model = model.as_deep_linear()
    if autodiff and backend is None:
        backend = "torch"
    bk = get_backend(backend, device, dtype)
    if autodiff:
        if bk.name != "torch":
            hint = "" if torch_available() else " (torch is not installed: pip install 'symflat[torch]')"
            raise BackendError(f"autodiff was requested: use backend='torch'{hint}")
        return TorchObjective(model, data, bk)
    if isinstance(model, LINEAR_MODELS):
        return LinearMomentsObjective(model, data, bk)
    if isinstance(model, ReluOneHidden):
        return ReluOneHiddenObjective(model, data, bk)
    if isinstance(model, DeepNetwork):
        return DeepNetworkObjective(model, data, bk)
    raise NumericError(f"no numeric objective for model type {type(model).__name__}")
