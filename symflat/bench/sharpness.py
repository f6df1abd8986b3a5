"""Time to the top Hessian eigenvalue: symflat against PyHessian, curvlinops and hessian-eigenthings.

Every method sees the same deep linear network (a torch ``nn.Sequential`` of bias-free ``Linear``
layers, float64) and the same data at a global minimum, with the loss ``mean_i ||W x_i - y_i||^2``
of Mulayoff & Michaeli (2020, eq. 2). The reference eigenvalue comes from ARPACK at machine
precision on the full Hessian (not through their Lemma 3, which the structured method uses), and
for the near-saddle case from the dense torch Hessian (also timed as a contestant wherever the
model has at most ``--dense-max`` parameters). Every method that takes a tolerance gets
``--rtol`` (for symflat: the relative residual ``||Hv - lambda v|| <= rtol |lambda|``); PyHessian is
also run at its default ``tol=1e-3``. Times are the fastest of up to ten runs (fewer when the runs
add up to more than a second), after a warm-up. hessian-eigenthings' Lanczos runs a fixed number of
steps: 40, then 80 and 160 until its own residual test passes; the time of the passing run counts.
"""

from __future__ import annotations

import math
import os
import statistics
import time

import numpy as np

from symflat.report.output import emit_json

FULL = {"widths": (32, 64), "depths": (4, 16), "samples": (256, 8192)}
QUICK_CASES = ((32, 4, 256), (32, 16, 8192))
PEERS = ("pyhessian", "curvlinops", "eigenthings")
SADDLE = (16, 3, 1024)  # width, depth, n of the near-saddle case


def configure(parser) -> None:
    parser.add_argument("--quick", action="store_true", help=f"only the cases (width, depth, n) = {QUICK_CASES} and the saddle")
    parser.add_argument("--widths", type=_ints, default=None, help="comma-separated widths (default 32,64)")
    parser.add_argument("--depths", type=_ints, default=None, help="comma-separated depths (default 4,16)")
    parser.add_argument("--samples", type=_ints, default=None, help="comma-separated sample counts (default 256,8192)")
    parser.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated subset of {','.join(PEERS)} (or 'none')")
    parser.add_argument("--rtol", type=float, default=1e-6, help="relative accuracy asked of every method (default 1e-6)")
    parser.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda")
    parser.add_argument("--no-saddle", action="store_true", help="skip the near-saddle case")
    parser.add_argument("--dense-max", type=int, default=2048,
                        help="also time the dense torch Hessian when there are at most this many parameters")
    parser.add_argument("--saddle-case", type=_ints, default=SADDLE, metavar="W,D,N",
                        help="width, depth (>= 3) and samples of the near-saddle case (default 16,3,1024)")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads for torch and numpy's BLAS (default: the libraries' own choice)")
    parser.add_argument("--models", default=",".join(MODULE_CASES),
                        help=f"real models on MNIST-5k: comma-separated subset of {','.join(MODULE_CASES)} (or 'none')")
    parser.add_argument("--dtypes", default="float64,float32", help="dtypes of the real-model cases")
    parser.add_argument("--only-models", action="store_true", help="skip the deep-linear grid and the saddle")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON to FILE ('-' for stdout)")


def _ints(text: str) -> tuple[int, ...]:
    import argparse

    try:
        vals = tuple(int(t) for t in text.split(",") if t.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not vals or min(vals) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return vals


# ------------------------------------------------------------------------------- problem setup
class Case:
    """One benchmark instance: model, numpy data and weights, and the same as torch objects."""

    def __init__(self, width, depth, n, seed, device, saddle=False):
        import torch

        from symflat.models import DeepLinear, Points
        from symflat.numeric import problems
        from symflat.numeric.objective import unpack

        self.width, self.depth, self.n, self.saddle = width, depth, n, saddle
        self.model = DeepLinear((width,) * (depth + 1))
        self.data = problems.synthetic_regression(n, width, width, seed=seed)
        if saddle:
            self.w = problems.near_saddle(self.model, self.data, scale=0.05, seed=seed)
        else:
            self.w = problems.deep_linear_minimum(self.model, self.data, seed=seed)
        self.device = device
        self.X = torch.as_tensor(np.asarray(self.data.X), dtype=torch.float64, device=device)
        self.Y = torch.as_tensor(np.asarray(self.data.Y), dtype=torch.float64, device=device)
        layers = []
        for W in unpack(self.model, self.w):
            lin = torch.nn.Linear(W.shape[1], W.shape[0], bias=False).to(device=device, dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.as_tensor(W))
            layers.append(lin)
        self.net = torch.nn.Sequential(*layers)
        self.points = Points(self.X, self.Y)

    @property
    def label(self) -> str:
        kind = "near-saddle" if self.saddle else "minimum"
        return f"width {self.width} depth {self.depth} n {self.n} ({kind}, N={self.model.num_params})"

    @staticmethod
    def criterion(out, y):
        """The paper's loss: mean over samples of the squared error summed over outputs."""
        return ((out - y) ** 2).sum(1).mean()

    @property
    def sum_loss(self):
        """The same summed over samples (curvlinops' convention; its eigenvalue is divided by n)."""
        import torch

        return torch.nn.MSELoss(reduction="sum")


def _sync(device):
    if str(device).startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _timed(fn, device, budget_s=1.0, repeats=10):
    """Run ``fn`` up to ``repeats`` times while the total stays under ``budget_s`` seconds, and
    keep the fastest run (the same rule for every contestant)."""
    times, out = [], None
    for i in range(repeats):
        _sync(device)
        t0 = time.perf_counter()
        out = fn()
        _sync(device)
        times.append(time.perf_counter() - t0)
        if sum(times) > budget_s:
            break
    return out, min(times)


# ------------------------------------------------------------------------------- reference values
def dense_torch_spectrum(case):
    """All Hessian eigenvalues from the dense torch Hessian (``torch.func.hessian`` + ``eigvalsh``)."""
    import torch

    def f(w):
        h = case.X
        for b in case.model.blocks:
            h = h @ w[b.slice].reshape(b.shape[1], b.shape[0])  # h @ W^T with W read column-major
        return Case.criterion(h, case.Y)

    H = torch.func.hessian(f)(torch.as_tensor(case.w, dtype=torch.float64, device=case.device))
    return torch.linalg.eigvalsh((H + H.T) / 2).cpu().numpy()


def reference(case) -> tuple[float, str]:
    """The exact top eigenvalue (and the smallest, for the saddle) by a route independent of the
    structured method: the dense torch Hessian at the saddle, else ARPACK at machine precision
    (``tol=0``) on the full Hessian through symflat's product-rule Hessian-vector product."""
    if case.saddle:
        ev = dense_torch_spectrum(case)
        case.lambda_min = float(ev[0])
        return float(ev[-1]), "dense torch Hessian"
    import scipy.sparse.linalg as sla

    from symflat.models import Moments
    from symflat.numeric.objective import objective

    X, Y = np.asarray(case.data.X), np.asarray(case.data.Y)
    obj = objective(case.model, Moments(X.T @ X / case.n, Y.T @ X / case.n))
    w = obj.weights(case.w)
    N = obj.num_params
    op = sla.LinearOperator((N, N), matvec=lambda v: obj.hvp(w, np.ravel(v)), dtype=float)
    val = sla.eigsh(op, k=1, which="LA", tol=0, v0=np.ones(N))[0][0]
    return float(val), "ARPACK (tol=0) on the full Hessian-vector product"


# ------------------------------------------------------------------------------- the contestants
def run_symflat(case, method, rtol, device, moments=False, **kw):
    from symflat.numeric import sharpness

    backend = "numpy" if device == "cpu" and not kw.get("autodiff") else "torch"
    dev = None if backend == "numpy" else device
    data = case.points if kw.get("autodiff") else _points_numpy(case)
    if moments:  # the data summarised once, outside the timing: the cost left does not depend on n
        from symflat.models import Moments

        X, Y = np.asarray(case.data.X), np.asarray(case.data.Y)
        data = Moments(X.T @ X / case.n, Y.T @ X / case.n)
    res, secs = _timed(lambda: sharpness(case.model, case.w, data, method, backend=backend, device=dev,
                                         tol=rtol, **kw), device)
    return res.eigenvalue, secs, res.hvps, f"{res.backend}, residual {res.residual:.1e}" + ("" if res.converged else ", NOT CONVERGED")


def _points_numpy(case):
    from symflat.models import Points

    return Points(np.asarray(case.data.X), np.asarray(case.data.Y))


def run_dense(case, device):
    ev, secs = _timed(lambda: dense_torch_spectrum(case), device)
    return float(ev[-1]), secs, case.model.num_params, "torch.func.hessian + eigvalsh"


def run_pyhessian(case, rtol, device, tol=None, which=None):
    import torch
    from pyhessian import hessian as PyHessian

    def go():
        torch.manual_seed(0)
        case.net.zero_grad()
        h = PyHessian(case.net, case.criterion, data=(case.X, case.Y), cuda=str(device).startswith("cuda"))
        vals, _ = h.eigenvalues(maxIter=1000 if tol else 100, tol=tol or 1e-3, top_n=1)
        case.net.zero_grad()
        return vals[0]

    val, secs = _timed(go, device)
    return val, secs, None, f"power iteration (largest magnitude), tol={tol or 1e-3:g}"


def run_curvlinops(case, rtol, device, which="LA"):
    import scipy.sparse.linalg as sla
    import torch
    from curvlinops import HessianLinearOperator

    params = [p for p in case.net.parameters()]
    count = [0]

    def go():
        count[0] = 0
        op = HessianLinearOperator(case.net, case.sum_loss, params, [(case.X, case.Y)],
                                   check_deterministic=False).to_scipy()
        counted = sla.LinearOperator(op.shape, matvec=lambda v: (count.__setitem__(0, count[0] + 1), op @ v)[1],
                                     dtype=op.dtype)
        v0 = np.random.default_rng(0).standard_normal(op.shape[0])
        return sla.eigsh(counted, k=1, which=which, tol=rtol, v0=v0)[0][0] / case.n  # sum-reduction -> mean

    val, secs = _timed(go, device)
    return val, secs, count[0], f"HessianLinearOperator + scipy eigsh(which={which!r}, tol={rtol:g})"


def run_eigenthings(case, rtol, device, which="LA"):
    from hessian_eigenthings import HessianOperator, lanczos, supervised_loss

    op = HessianOperator(case.net, [(case.X, case.Y)], supervised_loss(case.criterion))
    last = None
    for steps in (40, 80, 160):
        steps = min(steps, op.size - 1)
        res, secs = _timed(lambda: lanczos(op, k=1, max_iter=steps, tol=rtol, which=which, seed=0), device)
        last = (float(res.eigenvalues[0]), secs, steps, f"lanczos(which={which!r}, max_iter={steps}, tol={rtol:g})")
        if bool(res.converged[0]) or steps >= op.size - 1:
            return last
    return last[0], last[1], last[2], last[3] + ", NOT CONVERGED"


# ------------------------------------------------------------------------------- real models on MNIST-5k
MODULE_CASES = ("mlp", "cnn")


class ModuleCase:
    """A real model on the 5,000 MNIST digits (pixels in [0, 1]) with the cross-entropy loss, at
    its initialisation (seed 0): ``mlp`` 784-64-10 with tanh, ``cnn`` a 5x5 convolution of stride 3
    (4 channels) and a 3x3 one of stride 2 (8 channels), ReLU, and a linear layer."""

    saddle = False

    def __init__(self, kind, dtype, device, seed=0, n=5000):
        import torch

        from symflat.models.data import mnist

        X, y = mnist()
        X, y = X[:n], y[:n]
        torch.manual_seed(seed)
        nn = torch.nn
        if kind == "mlp":
            net, X = nn.Sequential(nn.Linear(784, 64), nn.Tanh(), nn.Linear(64, 10)), X
        else:
            net = nn.Sequential(nn.Conv2d(1, 4, 5, stride=3), nn.ReLU(), nn.Conv2d(4, 8, 3, stride=2), nn.ReLU(),
                                nn.Flatten(), nn.Linear(8 * 3 * 3, 10))
            X = X.reshape(-1, 1, 28, 28)
        self.kind, self.dtype, self.device, self.n = kind, dtype, device, len(X)
        tdt = getattr(torch, dtype)
        self.net = net.to(device=device, dtype=tdt)
        self.X = torch.as_tensor(X, dtype=tdt, device=device)
        self.Y = torch.as_tensor(y, device=device)
        self.num_params = sum(p.numel() for p in self.net.parameters())
        self.width = self.depth = None
        self.criterion = nn.CrossEntropyLoss()
        self.sum_loss = nn.CrossEntropyLoss(reduction="sum")

    @property
    def label(self) -> str:
        return f"{self.kind} on MNIST-5k, {self.dtype} (N={self.num_params})"


def module_reference(kind, device, seed=0) -> float:
    """The top Hessian eigenvalue in float64 by ARPACK at machine precision (``tol=0``) on
    symflat's module Hessian operator (the float32 cases are measured against it too)."""
    import scipy.sparse.linalg as sla

    from symflat.numeric import hessian_operator

    case = ModuleCase(kind, "float64", device, seed)
    op = hessian_operator(case.net, data=(case.X, case.Y), loss=case.criterion)
    return float(sla.eigsh(op, k=1, which="LA", tol=0, v0=np.ones(op.shape[0]))[0][0])


def run_symflat_module(case, rtol, device):
    from symflat.numeric import sharpness

    res, secs = _timed(lambda: sharpness(case.net, data=(case.X, case.Y), loss=case.criterion, method="lanczos",
                                         tol=rtol), device)
    return res.eigenvalue, secs, res.hvps, f"{res.backend}, residual {res.residual:.1e}" + (
        "" if res.converged else ", NOT CONVERGED")


def _live_rss() -> None:
    """Make the resident set follow live memory (glibc): large blocks always mapped and returned
    on free (fixed ``M_MMAP_THRESHOLD``), and free heap memory given back now (``malloc_trim``)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD: no dynamic raise after frees
        libc.malloc_trim(0)
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


def peak_memory(fn, device):
    """``fn()`` and the peak memory it added, in MiB: CUDA's allocator high-water mark on a GPU,
    else the process's resident set sampled every 2 ms (Linux ``/proc/self/statm``) above its
    level at the start, with glibc set to return freed memory (:func:`_live_rss`)."""
    import threading

    _live_rss()

    if str(device).startswith("cuda"):
        import torch

        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        out = fn()
        return out, (torch.cuda.max_memory_allocated(device) - base) / 2 ** 20
    page = os.sysconf("SC_PAGE_SIZE")

    def rss():
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * page

    base, peak, done = rss(), [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss())
            done.wait(0.002)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        out = fn()
    finally:
        done.set()
        t.join()
    return out, (max(peak[0], rss()) - base) / 2 ** 20


def bench_module_case(case, ref, peers, rtol, device, log):
    """The real-model rows: every method asked for ``rtol``; a float32 run counts as accurate
    within ``max(rtol, FLOAT32_RTOL)`` of the float64 reference."""
    rows = []
    accurate_at = rtol if case.dtype == "float64" else max(rtol, FLOAT32_RTOL)
    log(f"\n== {case.label}; reference {ref:.15g} [float64 ARPACK tol=0]; accurate within {accurate_at:g}")
    contestants = [("symflat lanczos (module)", lambda: run_symflat_module(case, rtol, device))]
    if "pyhessian" in peers:
        contestants.append(("pyhessian (default tol)", lambda: run_pyhessian(case, rtol, device)))
        contestants.append((f"pyhessian (tol={rtol:g})", lambda: run_pyhessian(case, rtol, device, tol=rtol)))
    if "curvlinops" in peers:
        contestants.append(("curvlinops + eigsh LA", lambda: run_curvlinops(case, rtol, device, "LA")))
    if "eigenthings" in peers:
        contestants.append(("hessian-eigenthings LA", lambda: run_eigenthings(case, rtol, device, "LA")))
    for name, fn in contestants:
        try:
            (val, secs, hvps, note), mem = peak_memory(fn, device)
            err = abs(val - ref) / abs(ref)
            row = dict(case=case.label, method=name, eigenvalue=val, rel_error=err, seconds=secs, hvps=hvps,
                       peak_mib=mem, note=note)
        except Exception as exc:  # a peer that crashes is reported, not fatal
            row = dict(case=case.label, method=name, eigenvalue=float("nan"), rel_error=float("nan"),
                       seconds=float("nan"), hvps=None, peak_mib=float("nan"),
                       note=f"FAILED: {type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else ''}")
        row.update(width=None, depth=None, n=case.n, saddle=False, reference=ref, dtype=case.dtype,
                   accurate=bool(row["rel_error"] <= accurate_at))
        rows.append(row)
        log(f"  {name:<38} {row['eigenvalue']:>22.15g}  err {row['rel_error']:8.1e}  {row['seconds']:9.4f} s  "
            f"{row['peak_mib']:8.1f} MiB  {'' if row['hvps'] is None else str(row['hvps']) + ' hvp'}  {row['note']}")
    _ratios(rows, log)
    return rows


FLOAT32_RTOL = 1e-4  # what float32 Hessian-vector products can deliver on these models


# ------------------------------------------------------------------------------- driver
def _cases(args):
    if args.quick:
        triples = list(QUICK_CASES)
    else:
        triples = [(w, d, n) for w in (args.widths or FULL["widths"]) for d in (args.depths or FULL["depths"])
                   for n in (args.samples or FULL["samples"])]
    return triples


def bench_case(case, peers, rtol, device, log, dense_max=2048):
    rows = []
    ref, how = reference(case)
    log(f"\n== {case.label}; reference {ref:.15g} [{how}]" +
        (f"; smallest eigenvalue {case.lambda_min:.6g}" if case.saddle else ""))
    contestants = []
    if not case.saddle:
        contestants.append(("symflat structured", lambda: run_symflat(case, "structured", rtol, device)))
        contestants.append(("symflat structured (moments given)",
                            lambda: run_symflat(case, "structured", rtol, device, moments=True)))
    contestants.append(("symflat lanczos", lambda: run_symflat(case, "lanczos", rtol, device)))
    contestants.append(("symflat lanczos (torch autodiff HVP)", lambda: run_symflat(case, "lanczos", rtol, device, autodiff=True)))
    if case.model.num_params <= dense_max:
        contestants.append(("dense torch Hessian", lambda: run_dense(case, device)))
    if "pyhessian" in peers:
        contestants.append(("pyhessian (default tol)", lambda: run_pyhessian(case, rtol, device)))
        if not case.saddle:
            contestants.append((f"pyhessian (tol={rtol:g})", lambda: run_pyhessian(case, rtol, device, tol=rtol)))
    if "curvlinops" in peers:
        contestants.append(("curvlinops + eigsh LA", lambda: run_curvlinops(case, rtol, device, "LA")))
        if case.saddle:
            contestants.append(("curvlinops + eigsh LM (default)", lambda: run_curvlinops(case, rtol, device, "LM")))
    if "eigenthings" in peers:
        contestants.append(("hessian-eigenthings LA", lambda: run_eigenthings(case, rtol, device, "LA")))
        if case.saddle:
            contestants.append(("hessian-eigenthings LM (default)", lambda: run_eigenthings(case, rtol, device, "LM")))
    for name, fn in contestants:
        try:
            val, secs, hvps, note = fn()
            err = abs(val - ref) / abs(ref)
            row = dict(case=case.label, method=name, eigenvalue=val, rel_error=err, seconds=secs, hvps=hvps, note=note)
        except Exception as exc:  # a peer that crashes is reported, not fatal
            row = dict(case=case.label, method=name, eigenvalue=float("nan"), rel_error=float("nan"),
                       seconds=float("nan"), hvps=None, note=f"FAILED: {type(exc).__name__}: {exc}")
        row.update(width=case.width, depth=case.depth, n=case.n, saddle=case.saddle, reference=ref,
                   accurate=bool(row["rel_error"] <= rtol))
        rows.append(row)
        log(f"  {name:<38} {row['eigenvalue']:>22.15g}  err {row['rel_error']:8.1e}  {row['seconds']:9.4f} s  "
            f"{'' if row['hvps'] is None else str(row['hvps']) + ' hvp'}  {row['note']}")
    _ratios(rows, log)
    return rows


def _ratios(rows, log):
    peers = [r for r in rows if not r["method"].startswith("symflat") and math.isfinite(r["seconds"])]
    if not peers:
        return
    fastest = min(peers, key=lambda r: r["seconds"])
    accurate = [r for r in peers if r["accurate"]]
    best = min(accurate, key=lambda r: r["seconds"]) if accurate else None
    for r in rows:
        if not r["method"].startswith("symflat") or not math.isfinite(r["seconds"]) or r["seconds"] <= 0:
            continue
        r["speedup_vs_fastest_peer"] = fastest["seconds"] / r["seconds"]
        r["speedup_vs_fastest_accurate_peer"] = best["seconds"] / r["seconds"] if best else None
        acc = f", {best['seconds'] / r['seconds']:.1f}x vs fastest accurate peer ({best['method']})" if best else ", no peer reached the accuracy"
        log(f"  -> {r['method']}: {r['speedup_vs_fastest_peer']:.1f}x vs fastest peer ({fastest['method']}){acc}")


def run(args) -> int:
    try:
        import torch  # noqa: F401
    except ImportError:
        print("symflat bench sharpness needs torch and the peers: pip install 'symflat[torch,bench]'")
        return 2
    import torch

    peers = () if args.peers.strip() == "none" else tuple(p.strip() for p in args.peers.split(",") if p.strip())
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        print(f"unknown peers {unknown}; choose from {PEERS}")
        return 2
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(f"device {args.device!r} requested but CUDA is not available")
        return 2
    if not (0 < args.rtol < 1):
        print(f"--rtol must be in (0, 1), got {args.rtol}")
        return 2
    if len(args.saddle_case) != 3 or args.saddle_case[1] < 3:
        print(f"--saddle-case needs width,depth,n with depth >= 3, got {args.saddle_case}")
        return 2
    models = () if args.models.strip() == "none" else tuple(m.strip() for m in args.models.split(",") if m.strip())
    dtypes = tuple(d.strip() for d in args.dtypes.split(",") if d.strip())
    if [m for m in models if m not in MODULE_CASES] or [d for d in dtypes if d not in ("float64", "float32")]:
        print(f"--models takes {','.join(MODULE_CASES)} or none; --dtypes takes float64,float32")
        return 2
    if models:
        try:
            from symflat.models.data import mnist

            mnist()
        except Exception as exc:
            print(f"the real-model cases need MNIST: {exc}")
            return 2
    if args.threads is not None and args.threads < 1:
        print(f"--threads must be >= 1, got {args.threads}")
        return 2
    from contextlib import nullcontext

    limits = nullcontext()
    if args.threads:
        torch.set_num_threads(args.threads)
        try:
            from threadpoolctl import threadpool_limits

            limits = threadpool_limits(args.threads)
        except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
            pass
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # PyHessian draws its start vectors in the default dtype
    log = lambda s: print(s, flush=True)  # noqa: E731
    log(f"symflat bench sharpness on {args.device} ({os.cpu_count()} cores, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads), float64, relative accuracy {args.rtol:g}")
    rows, t0 = [], time.perf_counter()
    try:
        with limits:
            bench_case(Case(4, 3, 16, args.seed, args.device), peers, args.rtol, args.device, lambda s: None)  # warm-up
            for width, depth, n in ([] if args.only_models else _cases(args)):
                rows += bench_case(Case(width, depth, n, args.seed, args.device), peers, args.rtol, args.device, log,
                                   args.dense_max)
            if not args.no_saddle and not args.only_models:
                rows += bench_case(Case(*args.saddle_case, args.seed, args.device, saddle=True), peers, args.rtol,
                                   args.device, log, args.dense_max)
            for kind in models:
                ref = module_reference(kind, args.device, args.seed)
                for dtype in dtypes:
                    rows += bench_module_case(ModuleCase(kind, dtype, args.device, args.seed), ref, peers, args.rtol,
                                              args.device, log)
    finally:
        torch.set_default_dtype(previous)
    log(f"\ntotal {time.perf_counter() - t0:.1f} s")
    _summary(rows, args.rtol, log)
    if args.json:
        emit_json(rows, args.json, indent=1, default=float)
    mods = [r for r in rows if r.get("dtype") and r.get("speedup_vs_fastest_accurate_peer")]
    for r in mods:
        log(f"module {r['case']}: symflat {r['speedup_vs_fastest_accurate_peer']:.1f}x the fastest accurate peer")
    bad = [r for r in rows if r["method"].startswith("symflat") and not r["accurate"]]
    return 1 if bad else 0


def _summary(rows, rtol, log):
    st = [r["speedup_vs_fastest_accurate_peer"] for r in rows if r["method"] == "symflat structured"
          and r.get("speedup_vs_fastest_accurate_peer")]
    la = [r["speedup_vs_fastest_accurate_peer"] for r in rows if r["method"] == "symflat lanczos"
          and r.get("speedup_vs_fastest_accurate_peer")]
    if st:
        log(f"structured: speedup vs fastest accurate peer min {min(st):.0f}x, median {statistics.median(st):.0f}x")
    if la:
        log(f"lanczos:    speedup vs fastest accurate peer min {min(la):.1f}x, median {statistics.median(la):.1f}x")
    wrong = sorted({r["method"] for r in rows if not r["method"].startswith("symflat") and not r["accurate"]})
    if wrong:
        log(f"peer runs off by more than {rtol:g}: {', '.join(wrong)}")
