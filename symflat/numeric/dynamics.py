"""Training dynamics: gradient descent, SGD and gradient flow, with per-step records.

- gradient descent ``w_{k+1} = w_k - eta grad l(w_k)``; SGD the same on a random batch per step;
- gradient flow ``dw/dt = -grad l(w)`` by scipy's adaptive ``solve_ivp`` (float64), or by
  mpmath's Taylor-series ``odefun`` at ``dps`` digits for the linear models (their gradients are
  evaluated exactly on arrays of mpmath numbers);
- ``gd_vs_gf``: the distance ``||w_k - theta(k eta)||`` between a GD run and the GF trajectory at
  matching times (Elkabetz & Cohen 2021, Theorem 3);
- balancedness ``W_{j+1}^T W_{j+1} - W_j W_j^T``, conserved by gradient flow (Du, Hu & Lee 2018,
  Theorem 2.1; for ReLU-type activations only its diagonal is conserved).

Divergence, NaN and overflow end a run with a ``status``: a diverging run is an answer (GD above
the stability threshold ``2 / lambda_max`` is expected to diverge), and it is never reported as a
success (``Trajectory.ok`` is false). :meth:`Trajectory.require_ok` turns such a status into a
:class:`~symflat.numeric.errors.DivergenceError` for callers that need a finite, bounded run. Bad
input (a NaN or complex start, a step size or time that is not a positive number, a negative
count) is a :class:`~symflat.numeric.errors.NumericError` before any step is taken.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from symflat.models import DeepLinear, DeepNetwork, LinearWithOutput, Points, ReluOneHidden, ScalarChain
from symflat.errors import check_real
from symflat.numeric import options
from symflat.numeric.backend import get_backend
from symflat.numeric.errors import DivergenceError
from symflat.numeric.objective import (
    LinearMomentsObjective,
    NumericError,
    linear_grads,
    objective,
    pack,
    residual_base,
    unpack,
)
from symflat.numeric.sharpness import sharpness as _sharpness

STATUSES = ("converged", "max_steps", "finished", "diverged", "nan", "overflow", "solver_failed")


@dataclass
class Trajectory:
    """A recorded run. ``times`` are ``k * lr`` for GD/SGD (step ``k``) and ``t`` for GF; the
    per-record arrays (``loss``, ``grad_norm``, ``sharpness``, ``balancedness``) align with
    ``times``; ``sharpness`` is NaN where it was not computed, ``balancedness`` is the largest
    Frobenius drift ``max_j ||D_j(t) - D_j(0)||``."""

    kind: str
    status: str
    message: str
    times: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    final: np.ndarray
    steps: int = 0
    weights: np.ndarray | None = None
    sharpness: np.ndarray | None = None
    balancedness: np.ndarray | None = None
    backend: str = ""
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in ("converged", "max_steps", "finished")

    def require_ok(self) -> "Trajectory":
        """This trajectory, if it ended well (``converged``, ``max_steps`` or ``finished``, with a
        finite final point); otherwise a :class:`DivergenceError` saying how and when it ended."""
        if not self.ok or not np.all(np.isfinite(self.final)):
            raise DivergenceError(f"{self.kind} run ended with status {self.status!r}: {self.message}")
        return self

    def __str__(self) -> str:
        last = self.loss[-1] if len(self.loss) else float("nan")
        return f"{self.kind}: {self.status} after {self.steps} steps, t={self.times[-1] if len(self.times) else 0:.4g}, loss={last:.6g} ({self.message})"


# --- balancedness --------------------------------------------------------------------------------
def balancedness(model, w) -> list[np.ndarray]:
    """The conserved quantities of gradient flow, layer pair by layer pair (numpy arrays).

    Linear layers: ``W_{j+1}^T W_{j+1} - W_j W_j^T`` (Du et al. 2018, Thm 2.1); ReLU/leaky
    ``DeepNetwork``: its diagonal; ``ReluOneHidden``: ``w2_j^2 - w1_j^2 - b1_j^2`` per neuron.
    """
    if isinstance(model, ScalarChain):
        model = model.as_deep_linear()
    if not isinstance(model, (DeepLinear, LinearWithOutput, DeepNetwork, ReluOneHidden)):
        raise NumericError(f"no balancedness quantities for {type(model).__name__}")
    try:
        w = np.asarray(w, dtype=float)
    except (TypeError, ValueError):
        raise NumericError(f"w must be a real weight vector, got {w!r:.80}") from None
    if w.shape != (model.num_params,):
        raise NumericError(f"{type(model).__name__} has {model.num_params} parameters but w has shape {w.shape}")
    blocks = unpack(model, w)
    if isinstance(model, LinearWithOutput) and model.residual:  # the conserved quantities live in the W_k
        blocks = [B + theta / model.depth for B, theta in zip(residual_base(model, get_backend("numpy")), blocks)]
    if isinstance(model, ReluOneHidden):
        w1, b1, w2, _ = blocks
        return [w2 * w2 - w1 * w1 - b1 * b1]
    out = [blocks[j + 1].T @ blocks[j + 1] - blocks[j] @ blocks[j].T for j in range(len(blocks) - 1)]
    if isinstance(model, DeepNetwork) and model.activation != "linear":
        out = [np.diag(D) for D in out]
    return out


def _drift(model, w, ref) -> float:
    now = balancedness(model, w)
    return max((float(np.linalg.norm(a - b)) for a, b in zip(now, ref)), default=0.0)


# --- recording helpers ---------------------------------------------------------------------------
class _Recorder:
    def __init__(self, model, data, sharpness_every, sharpness_method, balanced, keep_weights, w0, bk_desc):
        self.model, self.data = model, data
        self.sharpness_every, self.sharpness_method = sharpness_every, sharpness_method
        self.balanced = balanced
        self.keep = keep_weights
        self.ref = balancedness(model, w0) if balanced else None
        self.t, self.loss, self.gn, self.sh, self.bal, self.ws = [], [], [], [], [], []
        self.bk_desc = bk_desc

    def add(self, t, loss, gnorm, w_np, k):
        self.t.append(t)
        self.loss.append(loss)
        self.gn.append(gnorm)
        if self.sharpness_every and k % self.sharpness_every == 0 and math.isfinite(loss):
            self.sh.append(_sharpness(self.model, w_np, self.data, self.sharpness_method).eigenvalue)
        else:
            self.sh.append(float("nan"))
        if self.balanced:
            self.bal.append(_drift(self.model, w_np, self.ref) if math.isfinite(loss) else float("nan"))
        if self.keep:
            self.ws.append(np.array(w_np, dtype=float))

    def trajectory(self, kind, status, message, final, steps, seconds, **extra) -> Trajectory:
        return Trajectory(
            kind=kind, status=status, message=message, times=np.array(self.t, float), loss=np.array(self.loss, float),
            grad_norm=np.array(self.gn, float), final=np.asarray(final, float), steps=steps,
            weights=np.array(self.ws) if self.keep else None,
            sharpness=np.array(self.sh, float) if self.sharpness_every else None,
            balancedness=np.array(self.bal, float) if self.balanced else None,
            backend=self.bk_desc, seconds=seconds, extra=extra,
        )


def _check_run_args(lr, steps, *, grad_tol=None, divergence=None, record_every=1, sharpness_every=0,
                    balanced=False, keep_weights=False) -> tuple[float, int]:
    """The options shared by GD and SGD, checked before any step (``lr``, ``steps`` returned as
    float and int)."""
    lr = options.positive(lr, "lr (the step size)")
    steps = options.count(steps, "steps")
    if grad_tol is not None:
        options.tolerance(grad_tol, "grad_tol")
    if divergence is not None and check_real(divergence, "divergence", finite=False, error=NumericError) <= 1:
        raise NumericError(f"divergence must be a factor > 1 (a run diverges when its loss exceeds divergence x "
                           f"max(initial loss, 1)), got {divergence!r}")
    options.count(record_every, "record_every", minimum=1)
    options.count(sharpness_every, "sharpness_every")
    options.flag(balanced, "balancedness")
    options.flag(keep_weights, "keep_weights")
    return lr, steps


def _status_of(loss, loss0, divergence) -> tuple[str, str] | None:
    if math.isnan(loss):
        return "nan", "the loss became NaN"
    if math.isinf(loss):
        return "overflow", "the loss overflowed to infinity"
    if loss > divergence * max(loss0, 1.0):
        return "diverged", f"loss {loss:.3g} exceeded {divergence:g} x max(initial loss, 1)"
    return None


def _descent(kind, model, w0, data, lr, steps, batches, *, grad_tol, divergence, record_every, sharpness_every,
             sharpness_method, balanced, keep_weights, backend, device, dtype):
    lr, steps = _check_run_args(lr, steps, grad_tol=grad_tol, divergence=divergence, record_every=record_every,
                                sharpness_every=sharpness_every, balanced=balanced, keep_weights=keep_weights)
    t0 = time.perf_counter()
    full = objective(model, data, backend, device, dtype)
    bk = full.backend
    w = full.finite_weights(w0, "w0 (the starting point)")
    rec = _Recorder(model, data, sharpness_every, sharpness_method, balanced, keep_weights, bk.to_numpy(w), bk.describe())
    record_every = max(1, int(record_every))
    with np.errstate(all="ignore"):
        loss0 = full.loss(w)
        status, message, k = "max_steps", f"ran {steps} steps", 0
        for k in range(int(steps) + 1):
            record = k % record_every == 0 or k == int(steps)
            if batches is None:
                loss, g = full.loss_and_grad(w)
                gnorm = bk.norm(g)
            else:
                g = objective(model, batches(k), bk).grad(w)
                loss = full.loss(w) if record else float("nan")
                gnorm = float("nan")
            bad = _status_of(loss, loss0, divergence) if (record or batches is None) else None
            if bad is None and not bk.isfinite(g):
                bad = ("overflow", "the gradient overflowed")
            if bad is None and grad_tol is not None and batches is None and gnorm <= grad_tol:
                bad = ("converged", f"gradient norm {gnorm:.3g} <= {grad_tol:g}")
            if record or bad:
                rec.add(k * lr, loss, gnorm, bk.to_numpy(w), k)
            if bad:
                status, message = bad
                break
            if k == int(steps):
                break
            w = w - lr * g
    if status != "max_steps":
        message += f" at step {k}"
    return rec.trajectory(kind, status, message, bk.to_numpy(w), k, time.perf_counter() - t0, lr=lr)


def gradient_descent(model, w0, data, lr: float, steps: int, *, grad_tol: float | None = None,
                     divergence: float = 1e10, record_every: int = 1, sharpness_every: int = 0,
                     sharpness_method: str = "auto", balancedness: bool = False, keep_weights: bool = False,
                     backend=None, device=None, dtype=None) -> Trajectory:
    """``steps`` steps of gradient descent with step size ``lr`` from ``w0``.

    Stops early with status ``converged`` when ``||grad|| <= grad_tol``, ``diverged`` when the loss
    exceeds ``divergence * max(l(w0), 1)``, ``nan``/``overflow`` on non-finite values. Records
    every ``record_every`` steps; the sharpness every ``sharpness_every`` steps (0: never).
    """
    return _descent("gd", model, w0, data, lr, steps, None, grad_tol=grad_tol, divergence=divergence,
                    record_every=record_every, sharpness_every=sharpness_every, sharpness_method=sharpness_method,
                    balanced=balancedness, keep_weights=keep_weights, backend=backend, device=device, dtype=dtype)


def sgd(model, w0, data, lr: float, steps: int, batch_size: int, *, seed: int = 0, divergence: float = 1e10,
        record_every: int = 1, sharpness_every: int = 0, sharpness_method: str = "auto",
        balancedness: bool = False, keep_weights: bool = False, backend=None, device=None, dtype=None) -> Trajectory:
    """Mini-batch SGD: each step uses ``batch_size`` examples; batches are drawn without
    replacement within an epoch and reshuffled every epoch (seeded). The recorded loss is the
    full training loss."""
    if not isinstance(data, Points):
        raise NumericError("SGD needs the training points (symflat.models.Points), not moments")
    n = data.n
    batch_size = options.count(batch_size, "batch_size", minimum=1)
    if batch_size > n:
        raise NumericError(f"batch_size must be between 1 and n = {n}, got {batch_size!r}")
    options.seed(seed)
    X, Y = np.asarray(data.X), np.asarray(data.Y)
    rng = np.random.default_rng(seed)
    per_epoch = n // int(batch_size)
    order = {}

    def batches(k):
        epoch, j = divmod(k, per_epoch)
        if epoch not in order:
            order.clear()
            order[epoch] = rng.permutation(n)
        idx = order[epoch][j * batch_size:(j + 1) * batch_size]
        return Points(X[idx], Y[idx])

    traj = _descent("sgd", model, w0, data, lr, steps, batches, grad_tol=None, divergence=divergence,
                    record_every=record_every, sharpness_every=sharpness_every, sharpness_method=sharpness_method,
                    balanced=balancedness, keep_weights=keep_weights, backend=backend, device=device, dtype=dtype)
    traj.extra.update(batch_size=int(batch_size), seed=seed)
    return traj


def gradient_flow(model, w0, data, t_final: float, *, t_eval=None, rtol: float = 1e-10, atol: float = 1e-12,
                  method: str = "DOP853", dps: int | None = None, blowup: float = 1e8, sharpness_every: int = 0,
                  sharpness_method: str = "auto", balancedness: bool = False, keep_weights: bool = True,
                  backend=None, device=None, dtype=None) -> Trajectory:
    """Gradient flow ``dw/dt = -grad l(w)`` on ``[0, t_final]``, recorded at ``t_eval``
    (default: 101 equally spaced times).

    float64 path: scipy ``solve_ivp(method=method, rtol, atol)``; a terminal event stops the run
    with status ``diverged`` when ``||w||`` exceeds ``blowup``; ReLU-type networks are integrated
    region by region between kinks (see :func:`_flow`; status ``stalled`` on a sliding mode).
    ``dps``: mpmath ``odefun`` at ``dps`` digits (linear models only; small models, the Taylor
    method is slow).
    """
    t_final = options.positive(t_final, "t_final")
    _check_flow_args(rtol, atol, method, dps, blowup, sharpness_every, balancedness, keep_weights)
    t_eval = np.linspace(0.0, t_final, 101) if t_eval is None else _times(t_eval, t_final)
    t0 = time.perf_counter()
    obj = objective(model, data, backend, device, dtype)
    bk = obj.backend
    w_init = bk.to_numpy(obj.finite_weights(w0, "w0 (the starting point)")).astype(float)
    rec = _Recorder(model, data, sharpness_every, sharpness_method, balancedness, keep_weights, w_init, bk.describe())
    if dps is not None:
        w_exact = w0 if isinstance(w0, (list, tuple, np.ndarray)) else w_init
        return _mp_flow(model, obj, data, np.asarray(w_exact, dtype=object).reshape(-1), w_init, t_eval, int(dps), rec, t0)
    ts, ys, status, message, nfev = _flow(obj, bk, w_init, float(t_final), t_eval, method, rtol, atol, blowup)
    with np.errstate(all="ignore"):
        for i, (t, y) in enumerate(zip(ts, ys)):
            g = obj.grad(bk.asarray(y))
            rec.add(float(t), obj.loss(bk.asarray(y)), bk.norm(g), y, i)
    final = ys[-1] if ys else w_init
    if status == "finished" and rec.loss and not math.isfinite(rec.loss[-1]):
        status, message = "nan", "the loss became non-finite"
    return rec.trajectory("gf", status, message, final, len(ts), time.perf_counter() - t0, nfev=nfev,
                          rtol=rtol, atol=atol, method=method)


FLOW_METHODS = ("RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA")


def _check_flow_args(rtol, atol, method, dps, blowup, sharpness_every, balanced, keep_weights) -> None:
    options.tolerance(rtol, "rtol", positive=True)
    options.tolerance(atol, "atol", positive=True)
    options.choice(method, "method (the solve_ivp integrator)", FLOW_METHODS)
    if dps is not None:
        options.count(dps, "dps (decimal digits)", minimum=5)
    options.positive(blowup, "blowup")
    options.count(sharpness_every, "sharpness_every")
    options.flag(balanced, "balancedness")
    options.flag(keep_weights, "keep_weights")


def _times(t_eval, t_final: float) -> np.ndarray:
    """``t_eval`` as a finite, non-decreasing float vector inside ``[0, t_final]``."""
    try:
        t = np.asarray(t_eval, dtype=float)
    except (TypeError, ValueError):
        raise NumericError(f"t_eval must be a sequence of times, got {t_eval!r}") from None
    if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)) or np.any(np.diff(t) < 0) or t[0] < 0 or t[-1] > t_final:
        raise NumericError(f"t_eval must be a non-empty, finite, non-decreasing sequence of times in [0, t_final = {t_final:g}], "
                           f"got {t_eval!r}")
    return t


KINK_SLACK = 1e-9  # a region is left when a pre-activation is this far (relative to 1 + ||w||) past its kink
SLIDING_RUN = 30  # this many kink crossings in a row by at most 3 units mean the flow slides along a kink
MAX_CROSSINGS = 20_000


def _crossing_unit(margins, bk) -> tuple:
    """``(layer, sample, neuron)`` of the smallest margin: the unit whose kink was just crossed."""
    lows = [float(m.min()) for m in margins]
    j = int(np.argmin(lows))
    m = bk.to_numpy(margins[j])
    return (j, *(int(v) for v in np.unravel_index(int(np.argmin(m)), m.shape)))


def _flow(obj, bk, w_init, t_final, t_eval, method, rtol, atol, blowup):
    """Integrate ``dw/dt = -grad l(w)`` with scipy's ``solve_ivp``; returns ``(times, weights,
    status, message, gradient evaluations)``.

    With ReLU-type activations the vector field jumps where a pre-activation changes sign, and an
    adaptive solver that steps across such a kink shrinks its step to nothing. The flow is then
    integrated region by region: inside the region of the activation pattern at the start of a
    piece the loss is smooth (the pattern frozen, :meth:`region_grad`), a terminal event stops the
    piece when a pre-activation crosses its kink (:meth:`kink_margin`), and the next piece starts
    there with the new pattern. A flow that keeps bouncing on the same few kinks (a sliding mode,
    where no single smooth piece defines it; Filippov's sense would be needed) ends with status
    ``stalled``, as does one past :data:`MAX_CROSSINGS` crossings.
    """
    from scipy.integrate import solve_ivp

    def escape(t, y):
        return blowup - float(np.linalg.norm(y)) if np.all(np.isfinite(y)) else -1.0

    escape.terminal = True
    kinks = getattr(obj, "kink_patterns", None)
    ts, ys, nfev, crossings, recent = [], [], 0, 0, []
    t, y, i = 0.0, np.asarray(w_init, dtype=float), 0
    while True:
        patterns = kinks(bk.asarray(y)) if kinks else []
        events = [escape]
        if patterns:
            slack = KINK_SLACK * (1.0 + float(np.linalg.norm(y)))

            def rhs(_, v, P=patterns):
                return -bk.to_numpy(obj.region_grad(bk.asarray(v), P)).astype(float)

            def leave(_, v, P=patterns, d=slack):
                return min(float(m.min()) for m in obj.kink_margins(bk.asarray(v), P)) + d

            leave.terminal, leave.direction = True, -1
            events.append(leave)
        else:
            def rhs(_, v):
                return -bk.to_numpy(obj.grad(bk.asarray(v))).astype(float)
        with np.errstate(all="ignore"):
            sol = solve_ivp(rhs, (t, t_final), y, method=method, t_eval=t_eval[i:], rtol=rtol, atol=atol, events=events)
        nfev += int(sol.nfev)
        if len(sol.t):  # (no requested time may fall inside this piece)
            ts.extend(float(v) for v in sol.t)
            ys.extend(np.array(v) for v in np.asarray(sol.y).T)
            i += len(sol.t)
        if sol.status == -1:
            return ts, ys, "solver_failed", sol.message, nfev
        if sol.status == 1 and len(sol.t_events[0]):
            return ts, ys, "diverged", f"||w|| reached {blowup:g} at t = {sol.t_events[0][0]:.6g}", nfev
        if sol.status == 1:  # a kink was crossed: the next region starts here
            crossings += 1
            t, y = float(sol.t_events[1][0]), np.array(sol.y_events[1][0])
            recent = (recent + [_crossing_unit(obj.kink_margins(bk.asarray(y), patterns), bk)])[-SLIDING_RUN:]
            if len(recent) == SLIDING_RUN and len(set(recent)) <= 3 or crossings >= MAX_CROSSINGS:
                why = (f"slides along the kink of unit (layer, sample, neuron) = {recent[-1]}: a sliding mode, "
                       "which no single smooth piece defines") if crossings < MAX_CROSSINGS else f"crossed {crossings} kinks"
                return ts, ys, "stalled", f"the flow {why} at t = {t:.6g}", nfev
            continue
        tail = f", {crossings} kink crossings" if patterns or crossings else ""
        return ts, ys, "finished", f"{method} rtol={rtol:g} atol={atol:g}, {nfev} gradient evaluations{tail}", nfev


def _mp_flow(model, obj, data, w_exact, w_init, t_eval, dps, rec, t0) -> Trajectory:
    import mpmath

    if not isinstance(obj, LinearMomentsObjective) or obj.base is not None:
        raise NumericError("high-precision gradient flow (dps=...) supports the linear models with plain weights, "
                           f"not {type(model).__name__}" + (" with residual=True" if isinstance(obj, LinearMomentsObjective) else ""))
    with mpmath.workdps(dps):
        sx, syx = _mp_moments(data)
        out = None if obj.out is None else np.array([[_to_mp(v) for v in obj.model.output]], dtype=object)
        mdl = obj.model

        def grad(y):
            return pack(_ObjectBackend, linear_grads(unpack(mdl, np.array(y, dtype=object)), out, sx, syx))

        flow = mpmath.odefun(lambda t, y: [-g for g in grad(y)], 0, [_to_mp(v) for v in w_exact])
        values = []
        for i, t in enumerate(t_eval):
            y = flow(mpmath.mpf(float(t)))
            values.append(y)
            yf = np.array([float(v) for v in y])
            g = obj.grad(obj.backend.asarray(yf))
            rec.add(float(t), obj.loss(obj.backend.asarray(yf)), obj.backend.norm(g), yf, i)
    final = np.array([float(v) for v in values[-1]])
    status, message = "finished", f"mpmath odefun (Taylor) at {dps} digits"
    if not (np.all(np.isfinite(final)) and all(math.isfinite(v) for v in rec.loss)):
        status, message = "nan", message + ": the trajectory became non-finite"
    traj = rec.trajectory("gf", status, message, final, len(t_eval), time.perf_counter() - t0, dps=dps)
    traj.extra["mp_final"] = values[-1]
    return traj


def _to_mp(v):
    """A number of any library as an mpmath number at the working precision (exact for
    integers, fractions and binary floats)."""
    import mpmath
    from fractions import Fraction

    if isinstance(v, Fraction):
        return mpmath.mpf(v.numerator) / v.denominator
    try:
        return mpmath.mpmathify(v)
    except (TypeError, ValueError):
        return mpmath.mpf(str(v))


def _mp_moments(data):
    """``(Sigma_x, Sigma_yx)`` as object arrays of mpmath numbers."""
    conv = np.vectorize(_to_mp, otypes=[object])
    if isinstance(data, Points):
        X = conv(np.asarray(data.X, dtype=object).reshape(data.n, -1))
        Y = conv(np.asarray(data.Y, dtype=object).reshape(data.n, -1))
        return X.T @ X / data.n, Y.T @ X / data.n
    return conv(np.asarray(data.sigma_x, dtype=object)), conv(np.asarray(data.sigma_yx, dtype=object))


class _ObjectBackend:
    """Minimal stand-in for :class:`Backend` over numpy object arrays (for :func:`pack`)."""

    @staticmethod
    def concat(parts):
        return np.concatenate([np.asarray(p, dtype=object).reshape(-1) for p in parts])


@dataclass
class Comparison:
    """GD against GF at matching times ``t_k = k * lr``: ``distance[k] = ||w_k - theta(t_k)||``."""

    times: np.ndarray
    distance: np.ndarray
    gd: Trajectory
    gf: Trajectory

    @property
    def max_distance(self) -> float:
        return float(np.max(self.distance)) if len(self.distance) else 0.0

    @property
    def ok(self) -> bool:
        """Both runs ended well, so every distance compares two finite points."""
        return self.gd.ok and self.gf.ok

    def require_ok(self) -> "Comparison":
        """This comparison, if both runs ended well; else the :class:`DivergenceError` of the first that did not."""
        self.gd.require_ok()
        self.gf.require_ok()
        return self


def gd_vs_gf(model, w0, data, lr: float, steps: int, *, rtol: float = 1e-10, atol: float = 1e-12,
             method: str = "DOP853", backend=None, device=None, dtype=None) -> Comparison:
    """Run GD (``steps`` steps of size ``lr``) and GF from the same ``w0``; compare at ``t = k lr``
    (the central quantity of Elkabetz & Cohen 2021, Theorem 3). A GD run that diverges is
    compared up to its last finite iterate."""
    lr, steps = _check_run_args(lr, steps)
    if steps < 1:
        raise NumericError(f"steps must be >= 1: gd_vs_gf needs at least one step, got {steps!r}")
    gd = gradient_descent(model, w0, data, lr, steps, keep_weights=True, backend=backend, device=device, dtype=dtype)
    t_eval = gd.times
    gf = gradient_flow(model, w0, data, float(steps) * lr, t_eval=t_eval, rtol=rtol, atol=atol, method=method,
                       keep_weights=True, backend=backend, device=device, dtype=dtype)
    k = min(len(gd.times), len(gf.times))
    dist = np.linalg.norm(gd.weights[:k] - gf.weights[:k], axis=1)
    return Comparison(gd.times[:k], dist, gd, gf)


__all__ = ["Comparison", "STATUSES", "Trajectory", "balancedness", "gd_vs_gf", "gradient_descent", "gradient_flow", "sgd"]
