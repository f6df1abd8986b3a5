"""Training dynamics of a torch module, with the sharpness recorded along the way.

:func:`train_module` runs gradient descent ``w_{k+1} = w_k - eta grad L(w_k)`` on the full-data
loss ``L`` of :class:`~symflat.numeric.module.ModuleObjective` (or SGD on random mini-batches of
the same samples) and records, every ``record_every`` steps, the full-data loss and gradient norm
and, every ``sharpness_every`` steps, the sharpness ``lambda_max(H(w_k))`` by Lanczos warm-started
from the previous top eigenvector. Beside it stands ``2 / eta``: GD on a quadratic with curvature
above ``2 / eta`` diverges, and Cohen, Kaur, Li, Kolter & Talwalkar (ICLR 2021, "Gradient descent
on neural networks typically occurs at the edge of stability") observe that full-batch GD's
sharpness rises until it reaches ``2 / eta`` and then hovers there while the loss keeps falling
non-monotonically.

:func:`gradient_flow_module` integrates ``dw/dt = -grad L(w)`` (smooth modules) with scipy's
adaptive solvers; :func:`balancedness` gives the quantities gradient flow conserves in homogeneous
networks. The module is not changed: runs work on a flat copy of its parameters; load the final
point with :func:`symflat.numeric.module.assign` or ``load_into``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from symflat.errors import check_int
from symflat.numeric import linalg
from symflat.numeric.errors import NumericError
from symflat.numeric.module import assign, module_objective


@dataclass
class ModuleTrajectory:
    """A recorded run. ``steps``, ``loss``, ``grad_norm`` are per record; ``sharpness`` is NaN
    where it was not computed; ``weights`` holds flat snapshots at the recorded steps when asked
    (``keep_weights=True``); ``status`` is ``finished``, ``diverged`` or ``nan``."""

    status: str
    lr: float
    steps: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    sharpness: np.ndarray
    final: np.ndarray
    initial: np.ndarray
    weights: np.ndarray | None = None
    batch_size: int | None = None
    params: list = field(default_factory=list)
    seconds: float = 0.0
    hvps: int = 0
    balancedness: np.ndarray | None = None

    @property
    def two_over_lr(self) -> float:
        return 2.0 / self.lr

    @property
    def times(self) -> np.ndarray:
        """``k eta``: the gradient-flow time each recorded step stands for."""
        return self.steps * self.lr

    def load_into(self, module) -> None:
        """Write the final parameters into ``module``."""
        assign(module, self.final, self.params)


def train_module(module, data, loss, lr: float, steps: int, *, batch_size: int | None = None, seed: int = 0,
                 record_every: int = 1, sharpness_every: int = 0, sharpness_tol: float = 1e-6,
                 keep_weights: bool = False, divergence: float = 1e6, params=None, dtype=None,
                 device=None, balancedness: bool = False) -> ModuleTrajectory:
    """GD (``batch_size=None``) or SGD (mini-batches of ``batch_size`` drawn without replacement
    within each epoch, generator seeded by ``seed``) on ``loss`` over ``data``, recording loss,
    gradient norm and (every ``sharpness_every`` steps, 0 for never) the sharpness. The run stops
    with ``diverged`` when the loss exceeds ``divergence`` times its initial value, ``nan`` when
    it is not finite. ``balancedness=True`` (homogeneous networks, see :func:`balancedness`)
    records the drift ``max_j ||D_j(w_k) - D_j(w_0)||_F`` of the conserved quantities of gradient
    flow."""
    import torch

    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise NumericError(f"lr must be a positive finite number, got {lr!r}")
    steps = check_int(steps, "steps", minimum=0, error=NumericError)
    record_every = check_int(record_every, "record_every", minimum=1, error=NumericError)
    sharpness_every = check_int(sharpness_every, "sharpness_every", minimum=0, error=NumericError)
    obj = module_objective(module, data, loss, params=params, dtype=dtype, device=device)
    sampler = None
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", minimum=1, maximum=obj.total, error=NumericError)
        sampler = _Sampler(obj, batch_size, seed)
    bk, w = obj.backend, obj.w0.clone()
    base = _conserved(module, bk.to_numpy(w), params=obj.names) if balancedness else None
    t0, hvps, v0 = time.perf_counter(), 0, None
    rec = dict(steps=[], loss=[], grad_norm=[], sharpness=[], weights=[], balancedness=[])
    status, loss0 = "finished", None
    for k in range(steps + 1):
        recording = k % record_every == 0 or k == steps
        sharp_now = sharpness_every and (k % sharpness_every == 0 or k == steps)
        if sampler is None or recording:
            val, g = obj.loss_and_grad(w)
        loss0 = val if loss0 is None else loss0
        if not math.isfinite(val):
            status = "nan"
        elif val > divergence * max(loss0, 1e-300):
            status = "diverged"
        if recording or status != "finished":
            lam = float("nan")
            if sharp_now and status == "finished":
                pair = linalg.lanczos(lambda v: obj.hvp(w, v), obj.num_params, bk, which="LA", tol=sharpness_tol,
                                      maxiter=500, v0=v0, seed=seed)
                lam, v0, hvps = pair.value, pair.vector, hvps + pair.products
            rec["steps"].append(k)
            rec["loss"].append(val)
            rec["grad_norm"].append(bk.norm(g) if math.isfinite(val) else float("nan"))
            rec["sharpness"].append(lam)
            if keep_weights:
                rec["weights"].append(bk.to_numpy(w).copy())
            if base is not None:
                now = _conserved(module, bk.to_numpy(w), params=obj.names)
                rec["balancedness"].append(max(float(np.linalg.norm(a - b)) for a, b in zip(now, base)))
        if status != "finished" or k == steps:
            break
        if sampler is not None:
            g = sampler.grad(w)
        with torch.no_grad():
            w = w - lr * g
    return ModuleTrajectory(
        status=status, lr=float(lr), steps=np.array(rec["steps"]), loss=np.array(rec["loss"]),
        grad_norm=np.array(rec["grad_norm"]), sharpness=np.array(rec["sharpness"]), final=bk.to_numpy(w).copy(),
        initial=bk.to_numpy(obj.w0).copy(), weights=np.array(rec["weights"]) if keep_weights else None,
        batch_size=batch_size, params=list(obj.names), seconds=time.perf_counter() - t0, hvps=hvps,
        balancedness=np.array(rec["balancedness"]) if base is not None else None)


@dataclass
class ModuleFlow:
    """Gradient flow ``dw/dt = -grad L(w)`` of a module's loss, sampled at ``times``."""

    status: str
    message: str
    times: np.ndarray
    loss: np.ndarray
    weights: np.ndarray
    final: np.ndarray
    evaluations: int
    params: list = field(default_factory=list)
    seconds: float = 0.0

    def load_into(self, module) -> None:
        """Write the final parameters into ``module``."""
        assign(module, self.final, self.params)


def gradient_flow_module(module, data, loss, t_final: float, *, t_eval=None, rtol: float = 1e-9, atol: float = 1e-12,
                         method: str = "DOP853", params=None, device=None) -> ModuleFlow:
    """Gradient flow of the full-data loss in float64 by scipy's adaptive ``solve_ivp`` (``method``
    ``DOP853``/``RK45``/``LSODA``..., tolerances ``rtol``/``atol``), sampled at ``t_eval`` (default 51
    equally spaced times). Meant for smooth modules (tanh, GELU, softplus...): at ReLU kinks the
    right-hand side is discontinuous and the solver's error control no longer bounds the error."""
    import scipy.integrate

    if not (isinstance(t_final, (int, float)) and math.isfinite(t_final) and t_final > 0):
        raise NumericError(f"t_final must be a positive finite number, got {t_final!r}")
    obj = module_objective(module, data, loss, params=params, dtype="float64", device=device)
    bk = obj.backend
    t_eval = np.linspace(0.0, float(t_final), 51) if t_eval is None else np.asarray(t_eval, dtype=float)
    if t_eval.ndim != 1 or len(t_eval) == 0 or t_eval.min() < 0 or t_eval.max() > t_final or np.any(np.diff(t_eval) < 0):
        raise NumericError(f"t_eval must be increasing times in [0, {t_final}]")
    count = [0]

    def rhs(_t, w):
        count[0] += 1
        return -bk.to_numpy(obj.grad(bk.asarray(w))).astype(np.float64)

    t0 = time.perf_counter()
    sol = scipy.integrate.solve_ivp(rhs, (0.0, float(t_final)), bk.to_numpy(obj.w0).astype(np.float64), method=method,
                                    t_eval=t_eval, rtol=rtol, atol=atol)
    W = sol.y.T
    losses = np.array([obj.loss(bk.asarray(w)) for w in W])
    status = "finished" if sol.status == 0 else "solver_failed"
    return ModuleFlow(status, str(sol.message), np.asarray(sol.t), losses, W, W[-1].copy() if len(W) else
                      bk.to_numpy(obj.w0), count[0], list(obj.names), time.perf_counter() - t0)


HOMOGENEOUS = ("Identity", "ReLU", "LeakyReLU", "Flatten")


def balancedness(module, w=None, params=None) -> list[np.ndarray]:
    """``D_j = W_{j+1}^T W_{j+1} - W_j W_j^T`` for a ``Sequential`` of bias-free ``Linear`` layers
    with positively homogeneous activations (identity, ReLU, leaky ReLU): gradient flow conserves
    every ``D_j`` when all activations are the identity (Arora, Cohen & Hazan 2018) and its diagonal
    otherwise (Du, Hu & Lee 2018, Theorem 2.1); for the latter only the diagonal is returned (as a
    diagonal matrix). ``w``: a flat vector in ``named_parameters()`` order (default: the module's)."""
    import torch

    layers = list(module) if isinstance(module, torch.nn.Sequential) else []
    linear = [m for m in layers if isinstance(m, torch.nn.Linear)]
    others = [type(m).__name__ for m in layers if not isinstance(m, torch.nn.Linear)]
    if len(linear) < 2 or any(m.bias is not None for m in linear) or any(o not in HOMOGENEOUS for o in others):
        raise NumericError("balancedness needs a torch.nn.Sequential of at least two bias-free Linear layers with "
                           f"activations among {HOMOGENEOUS}")
    named = list(module.named_parameters())
    if params is not None and list(params) != [n for n, _ in named]:
        raise NumericError("balancedness needs every layer's weight in the trained parameters")
    flat = np.concatenate([p.detach().cpu().numpy().ravel() for _, p in named]) if w is None else np.asarray(w)
    mats, start = [], 0
    for _, p in named:
        mats.append(flat[start:start + p.numel()].reshape(tuple(p.shape)).astype(np.float64))
        start += p.numel()
    linear_only = all(o in ("Identity", "Flatten") for o in others)
    out = []
    for W, V in zip(mats[:-1], mats[1:]):
        D = V.T @ V - W @ W.T
        out.append(D if linear_only else np.diag(np.diag(D)))
    return out


_conserved = balancedness  # train_module's keyword of the same name shadows the function there


class _Sampler:
    """Mini-batches of the objective's samples, reshuffled every epoch (numpy generator)."""

    def __init__(self, obj, batch_size, seed):
        import torch

        self.obj, self.batch_size = obj, batch_size
        self.X = torch.cat([x for x, _, _ in obj.batches])
        self.Y = torch.cat([y for _, y, _ in obj.batches])
        self.rng, self.order, self.pos = np.random.default_rng(seed), None, 0

    def grad(self, w):
        import torch

        n = len(self.X)
        if self.order is None or self.pos + self.batch_size > n:
            self.order, self.pos = self.rng.permutation(n), 0
        idx = torch.as_tensor(self.order[self.pos:self.pos + self.batch_size], device=self.X.device)
        self.pos += self.batch_size
        w = w.detach().requires_grad_(True)
        val = self.obj.loss_fn(self.obj._forward(w, self.X[idx], self.pos), self.Y[idx]).reshape(())
        if getattr(self.obj.loss_fn, "reduction", "mean") == "sum":
            val = val / len(idx)
        (g,) = torch.autograd.grad(val, w)
        return g


__all__ = ["HOMOGENEOUS", "ModuleFlow", "ModuleTrajectory", "balancedness", "gradient_flow_module", "train_module"]
