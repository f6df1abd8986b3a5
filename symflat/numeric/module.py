"""The training loss of any ``torch.nn.Module`` as an :class:`~symflat.numeric.objective.Objective`.

For a module ``f(.; w)``, a loss ``l`` and data given as batches ``(x_b, y_b)`` of sizes
``n_b`` (``N = sum_b n_b``), the objective is the full-data mean

    L(w) = sum_b c_b l(f(x_b; w), y_b),   c_b = n_b / N  (``l`` a batch mean, torch's default)
                                           c_b = 1 / N    (``l`` with ``reduction="sum"``),

so an unequal last batch is weighted exactly. ``w`` is the flat vector of the selected
parameters (every parameter with ``requires_grad`` by default, or those named in ``params``), in
``module.named_parameters()`` order. Every evaluation goes through ``torch.func.functional_call``
on copies of the parameters and buffers: the module itself is never changed (BatchNorm running
statistics included), and its mode is respected (a module in training mode sees batch statistics;
dropout masks are drawn from a fixed seed per batch, so ``L`` is one deterministic function).

Hessian-vector products ``H v = d/dt grad L(w + t v)`` are computed by double backward (reverse over
reverse, ``torch.autograd.grad`` twice) by default: on the CPU it was faster than forward-over-reverse
(``torch.func.jvp`` of ``torch.func.grad``, ``hvp="forward-over-reverse"``) on every model of
``symflat bench sharpness`` (docs/numeric.md), and it also runs modules that update buffers in place
in training mode or lack forward-mode rules. Several products at once (:meth:`hvp_many`) reuse one
gradient graph per batch (double backward) or ``vmap`` the ``jvp`` (forward-over-reverse).
"""

from __future__ import annotations

import contextlib

import numpy as np

from symflat.numeric.backend import Backend
from symflat.numeric.errors import NumericError
from symflat.numeric.objective import Objective

HVP_ENGINES = ("auto", "forward-over-reverse", "double-backward")
SUM_REDUCTIONS = ("sum",)


class ModuleError(NumericError):
    """A module, data set or loss that the torch-module objective cannot use (one line, naming it)."""


def is_module(model) -> bool:
    """Whether ``model`` is a ``torch.nn.Module`` (without importing torch when it is absent)."""
    mod = type(model).__module__
    if not (mod.startswith("torch") or hasattr(model, "named_parameters")):
        return False
    try:
        import torch
    except ImportError:  # pragma: no cover - torch missing
        return False
    return isinstance(model, torch.nn.Module)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


class ModuleObjective(Objective):
    """``L(w)`` of a torch module over a fixed, ordered list of batches (see the module docstring).

    ``data``: a pair of tensors ``(X, Y)`` (one batch) or any iterable of ``(x, y)`` batches (a
    ``DataLoader``), read once and kept in the order it gave. ``keep_graph``: keep the graph of
    ``grad L`` at the current point between double-backward products, so each product is one
    backward pass through it (default: when the data are one batch; for a loader it would hold
    every batch's graph at once, so by default each product rebuilds one batch's graph at a time). ``loss(output, target)`` must return
    a scalar. ``dtype`` (``"float32"``/``"float64"``, default the module's) and ``device`` (default
    the module's) apply to the copies of parameters, buffers and floating-point data.
    """

    kind = "torch-module"

    def __init__(self, module, data, loss, *, params=None, dtype=None, device=None, hvp: str = "auto", seed: int = 0,
                 keep_graph: bool | None = None):
        import torch

        if not is_module(module):
            raise ModuleError(f"model must be a torch.nn.Module, got {type(module).__name__}")
        if loss is None or not callable(loss):
            raise ModuleError("loss must be a callable loss(output, target) -> scalar tensor (e.g. torch.nn.MSELoss())")
        if hvp not in HVP_ENGINES:
            raise ModuleError(f"hvp must be one of {HVP_ENGINES}, got {hvp!r}")
        self.module, self.model, self.loss_fn, self.seed = module, module, loss, int(seed)
        self.names = self._select(module, params)
        first = dict(module.named_parameters())[self.names[0]]
        dtype = dtype or str(first.dtype).replace("torch.", "")
        if dtype not in ("float32", "float64"):
            raise ModuleError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
        device = str(device or first.device)
        self.backend = Backend("torch", device, dtype)
        self.tdtype = getattr(torch, dtype)
        named = dict(module.named_parameters())
        self.shapes = [tuple(named[n].shape) for n in self.names]
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.num_params = sum(self.sizes)
        for n in self.names:
            if not bool(torch.isfinite(named[n].detach()).all()):
                raise ModuleError(f"parameter {n!r} contains NaN or infinite entries")
        self.w0 = torch.cat([named[n].detach().reshape(-1) for n in self.names]).to(device=device, dtype=self.tdtype)
        self.frozen = {n: self._cast(p.detach()).clone() for n, p in module.named_parameters() if n not in self.names}
        self.frozen.update({n: self._cast(b.detach()).clone() for n, b in module.named_buffers()})
        self.training = bool(module.training)
        self.batches, self.total = self._read(data)
        self.weights_b = self._batch_weights()
        self._engine = hvp
        self.keep_graph = len(self.batches) == 1 if keep_graph is None else bool(keep_graph)
        self._graph = None
        self._check_loss()
        if hvp == "auto":
            self._engine = self._pick_engine()
        elif hvp == "forward-over-reverse":
            try:
                self._hvp_fwd(self.w0, self.backend.zeros(self.num_params) + 1)
            except Exception as exc:
                raise ModuleError(f"hvp='forward-over-reverse' fails on this module ({_first_line(exc)}); "
                                  f"use hvp='double-backward'") from None

    # ----------------------------------------------------------------------------- setup
    @staticmethod
    def _select(module, params) -> list[str]:
        named = list(module.named_parameters())
        if not named:
            raise ModuleError(f"{type(module).__name__} has no parameters")
        if params is None:
            names = [n for n, p in named if p.requires_grad]
            if not names:
                raise ModuleError(f"no parameter of {type(module).__name__} has requires_grad=True; pass params=[names]")
            return names
        if isinstance(params, str):
            params = [params]
        known = {n for n, _ in named}
        wanted = list(params)
        unknown = [p for p in wanted if p not in known]
        if unknown:
            raise ModuleError(f"params: {unknown} are not parameters of the module (it has {sorted(known)[:8]}...)")
        if not wanted:
            raise ModuleError("params is empty: name at least one parameter")
        return [n for n, _ in named if n in set(wanted)]  # module order

    def _cast(self, t):
        return t.to(device=self.backend.device, dtype=self.tdtype) if t.is_floating_point() else t.to(self.backend.device)

    def _read(self, data):
        import torch

        if data is None:
            raise ModuleError("data is missing: pass (X, Y) tensors or an iterable of (x, y) batches")
        if isinstance(data, (tuple, list)) and len(data) == 2 and all(_tensorish(a) for a in data):
            items = [tuple(data)]
        else:
            try:
                items = list(data)
            except TypeError:
                raise ModuleError(f"data must be (X, Y) or an iterable of (x, y) batches, got {type(data).__name__}") from None
        if not items:
            raise ModuleError("data: the loader gave no batches (empty data set)")
        batches, total = [], 0
        for i, item in enumerate(items):
            if not (isinstance(item, (tuple, list)) and len(item) == 2):
                raise ModuleError(f"data: batch {i} is not an (x, y) pair (got {type(item).__name__})")
            x, y = (torch.as_tensor(np.asarray(a)) if not isinstance(a, torch.Tensor) else a for a in item)
            if x.ndim == 0 or y.ndim == 0 or x.shape[0] != y.shape[0]:
                raise ModuleError(f"data: batch {i} has inputs of shape {tuple(x.shape)} and targets of shape "
                                  f"{tuple(y.shape)}; they need the same number of rows")
            if x.shape[0] == 0:
                raise ModuleError(f"data: batch {i} is empty")
            for name, a in (("inputs", x), ("targets", y)):
                if a.is_floating_point() and not bool(torch.isfinite(a).all()):
                    raise ModuleError(f"data: the {name} of batch {i} contain NaN or infinite entries")
            batches.append((self._cast(x.detach()), self._cast(y.detach()), int(x.shape[0])))
            total += int(x.shape[0])
        return batches, total

    def _batch_weights(self) -> list[float]:
        reduction = getattr(self.loss_fn, "reduction", "mean")
        if reduction in SUM_REDUCTIONS:
            return [1.0 / self.total] * len(self.batches)
        return [n / self.total for _, _, n in self.batches]

    def _check_loss(self):
        import torch

        with torch.no_grad():
            for i, (x, y, _) in enumerate(self.batches):
                try:
                    out = self._forward(self.w0, x, i)
                except Exception as exc:  # the module's own message, on one line
                    raise ModuleError(f"data: the module rejects batch {i} with inputs of shape {tuple(x.shape)} "
                                      f"({_first_line(exc)})") from None
                try:
                    val = self.loss_fn(out, y)
                except Exception as exc:
                    raise ModuleError(f"loss: fails on the module's output of shape {tuple(out.shape)} and targets of "
                                      f"shape {tuple(y.shape)} ({_first_line(exc)})") from None
                if not isinstance(val, torch.Tensor) or val.numel() != 1:
                    shape = tuple(val.shape) if isinstance(val, torch.Tensor) else type(val).__name__
                    raise ModuleError(f"loss: must return a scalar, got {shape} (use reduction='mean' or 'sum')")
                if not bool(torch.isfinite(val)):
                    raise ModuleError(f"loss: is {float(val)} on batch {i} at the module's parameters")

    def _pick_engine(self) -> str:
        """Double backward, measured faster than forward-over-reverse on the CPU for every model of
        ``symflat bench sharpness`` (docs/numeric.md); ``hvp=`` overrides."""
        return "double-backward"

    @property
    def engine(self) -> str:
        return self._engine

    # ----------------------------------------------------------------------------- evaluation
    def _unflatten(self, w) -> dict:
        out, start = {}, 0
        for n, shape, size in zip(self.names, self.shapes, self.sizes):
            out[n] = w[start:start + size].view(shape)
            start += size
        return out

    @contextlib.contextmanager
    def _rng(self, i):
        """Dropout and other randomness: one fixed seed per batch, in training mode only."""
        if not self.training:
            yield
            return
        import torch

        devices = [self.backend.device] if self.backend.device.startswith("cuda") else []
        with torch.random.fork_rng(devices=devices):
            torch.default_generator.manual_seed(self.seed * 1_000_003 + i)
            if devices:
                torch.cuda.manual_seed(self.seed * 1_000_003 + i)
            yield

    def _forward(self, w, x, i):
        from torch.func import functional_call

        state = dict(self.frozen)
        state.update(self._unflatten(w))
        with self._rng(i):
            return functional_call(self.module, state, (x,))

    def _batch_loss(self, w, i):
        x, y, _ = self.batches[i]
        return self.loss_fn(self._forward(w, x, i), y).reshape(())

    def _total(self, w):
        return sum(c * self._batch_loss(w, i) for i, c in enumerate(self.weights_b))

    def weights(self, w):
        if w is None:
            return self.w0
        return super().weights(w)

    def loss(self, w=None) -> float:
        import torch

        w = self.weights(w)
        with torch.no_grad():
            return float(self._total(w))

    def grad(self, w=None):
        return self.loss_and_grad(w)[1]

    def loss_and_grad(self, w=None):
        import torch

        w = self.weights(w).detach().requires_grad_(True)
        total, g = 0.0, torch.zeros_like(w)
        for i, c in enumerate(self.weights_b):
            val = c * self._batch_loss(w, i)
            (gi,) = torch.autograd.grad(val, w)
            g += gi
            total += float(val.detach())
        return total, g

    def _hvp_fwd(self, w, v):
        from torch.func import grad, jvp

        out = None
        for i, c in enumerate(self.weights_b):
            hv = jvp(grad(lambda u, i=i: self._batch_loss(u, i)), (w,), (v,))[1]
            out = c * hv if out is None else out + c * hv
        return out

    def _gradient_graph(self, w):
        """``(w_leaf, grad L)`` with the gradient's graph kept, built once per point ``w``."""
        import torch

        if self._graph is not None and (self._graph[0] is w or torch.equal(self._graph[0], w)):
            return self._graph[1], self._graph[2]
        leaf = w.detach().requires_grad_(True)
        g = None
        for i, c in enumerate(self.weights_b):
            (gi,) = torch.autograd.grad(c * self._batch_loss(leaf, i), leaf, create_graph=True)
            g = gi if g is None else g + gi
        self._graph = (w, leaf, g)
        return leaf, g

    def _hvp_rev(self, w, v):
        import torch

        if self.keep_graph:  # one backward through the kept gradient graph per product
            leaf, g = self._gradient_graph(w)
            return torch.autograd.grad(g, leaf, v, retain_graph=True)[0]
        w = w.detach().requires_grad_(True)
        out = None
        for i, c in enumerate(self.weights_b):
            (g,) = torch.autograd.grad(self._batch_loss(w, i), w, create_graph=True)
            (hv,) = torch.autograd.grad(g, w, v)
            out = c * hv if out is None else out + c * hv
        return out

    def hvp(self, w, v):
        w, v = self.weights(w), self.backend.asarray(v)
        if self._engine == "double-backward":
            return self._hvp_rev(w, v)
        return self._hvp_fwd(w, v)

    def hvp_many(self, w, V):
        """``H V^T`` row by row for a ``k x N`` block ``V``. Double backward builds each batch's
        gradient graph once and differentiates it along all ``k`` rows; forward-over-reverse
        vmaps the ``jvp`` over the rows."""
        import torch

        w, V = self.weights(w), self.backend.asarray(V)
        if self._engine == "forward-over-reverse":
            from torch.func import grad, jvp, vmap

            out = None
            for i, c in enumerate(self.weights_b):
                g = grad(lambda u, i=i: self._batch_loss(u, i))
                hv = vmap(lambda t: jvp(g, (w,), (t,))[1], randomness="same")(V)
                out = c * hv if out is None else out + c * hv
            return out
        w = w.detach().requires_grad_(True)
        out = torch.zeros_like(V)
        for i, c in enumerate(self.weights_b):
            (g,) = torch.autograd.grad(self._batch_loss(w, i), w, create_graph=True)
            for j in range(V.shape[0]):
                (hv,) = torch.autograd.grad(g, w, V[j], retain_graph=j + 1 < V.shape[0])
                out[j] += c * hv
        return out

    def hessian(self, w=None) -> np.ndarray:
        """The dense Hessian (``N`` products, vmapped in blocks), symmetrised; small models only."""
        w = self.weights(w)
        eye = self.backend.eye(self.num_params)
        block = max(1, min(self.num_params, 256))
        cols = [self.backend.to_numpy(self.hvp_many(w, eye[s:s + block])) for s in range(0, self.num_params, block)]
        H = np.concatenate(cols, axis=0).astype(np.float64)
        return (H + H.T) / 2

    def describe(self) -> str:
        return f"{type(self.module).__name__}, {self.num_params} parameters, {len(self.batches)} batches, " \
               f"N={self.total}, {self._engine}"


def _tensorish(a) -> bool:
    return hasattr(a, "shape") and hasattr(a, "dtype")


def module_objective(module, data, loss, *, params=None, dtype=None, device=None, hvp: str = "auto",
                     seed: int = 0, keep_graph: bool | None = None) -> ModuleObjective:
    """The :class:`ModuleObjective` of ``module`` on ``data`` with ``loss`` (see its docstring)."""
    return ModuleObjective(module, data, loss, params=params, dtype=dtype, device=device, hvp=hvp, seed=seed,
                           keep_graph=keep_graph)


def assign(module, w, params=None) -> None:
    """Write the flat vector ``w`` into the module's selected parameters (``params`` as in
    :class:`ModuleObjective`), in ``named_parameters()`` order."""
    import torch

    names = ModuleObjective._select(module, params)
    named = dict(module.named_parameters())
    w = torch.as_tensor(w)
    total = sum(named[n].numel() for n in names)
    if w.numel() != total:
        raise ModuleError(f"the weight vector has {w.numel()} entries, the selected parameters {total}")
    start = 0
    with torch.no_grad():
        for n in names:
            p = named[n]
            p.copy_(w[start:start + p.numel()].view(p.shape).to(p.dtype))
            start += p.numel()


__all__ = ["HVP_ENGINES", "ModuleError", "ModuleObjective", "assign", "is_module", "module_objective"]
