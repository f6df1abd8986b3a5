"""Sweeps: run one training task over a grid of seeds, depths, widths, step sizes and scales.

A task is a top-level function ``task(point: dict) -> dict`` (picklable, so it runs on the
kernel's process pool or Dask executors); :func:`run_sweep` returns one row per grid point
(the point's parameters plus the task's results, or an ``error``). Each built-in experiment
tests a stated prediction per row, so its rows can be stored in the ledger as evidence:

- ``gd-stability`` (Mulayoff & Michaeli 2020, Sec. 1; minima stability): when GD with step
  ``eta`` converges to a minimum, that minimum has ``lambda_max(H) <= 2 / eta``.
- ``gd-vs-gf`` (Elkabetz & Cohen 2021, Sec. 3-5): from a near-zero initialisation GD stays close
  to gradient flow, the gap shrinking with ``eta``; rows measure ``max_k ||w_k - theta(k eta)||``.

Data are offline: synthetic Gaussian regression, or scikit-learn's bundled 8x8 digits.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from symflat.numeric.objective import NumericError


def grid(**axes) -> list[dict]:
    """The Cartesian product of the given axes, as a list of parameter dicts."""
    for name, values in axes.items():
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise NumericError(f"grid axis {name!r} must be a list of values, got {values!r}")
    names = list(axes)
    return [dict(zip(names, combo)) for combo in itertools.product(*(list(axes[n]) for n in names))]


def run_sweep(task: Callable[[dict], dict], points: list[dict], *, executor="serial", workers: int | None = None,
              scheduler: str | None = None, timeout: float | None = None, progress: bool | None = None) -> list[dict]:
    """Run ``task`` on every point through an executor (``serial``, ``process``, ``dask`` or an
    object with ``map_unordered(fn, items, timeout)``); rows come back in grid order."""
    from symflat.numeric import options
    from symflat.runner.progress import Progress

    if not callable(task):
        raise NumericError(f"task must be a function point -> row, got {task!r}")
    if isinstance(points, dict) or not isinstance(points, (list, tuple)) or not all(isinstance(p, dict) for p in points):
        raise NumericError(f"points must be a list of parameter dicts (see grid), got {points!r:.120}")
    if workers is not None:
        options.count(workers, "workers", minimum=1)
    if timeout is not None:
        options.positive(timeout, "timeout")
    if isinstance(executor, str):
        options.choice(executor, "executor", ("serial", "process", "dask"))

    if isinstance(executor, str):
        from symflat.runner.executors import make_executor

        executor = make_executor(executor, workers=workers, scheduler=scheduler) if executor != "serial" else make_executor("serial")
    bar = Progress(len(points), enabled=progress)
    rows = {}
    try:
        for out in executor.map_unordered(functools.partial(_indexed, task), list(enumerate(points)), timeout=timeout):
            index, point = out.item
            row = dict(point)
            if out.error:
                row["error"] = out.error
            else:
                row.update(out.value)
            row["seconds"] = out.duration
            rows[index] = row
            bar.step(", ".join(f"{k}={v}" for k, v in point.items()))
    finally:
        bar.close()
    return [rows[i] for i in sorted(rows)]


def _indexed(task, item):
    """Run ``task`` on the point of an ``(index, point)`` item (keeps rows in grid order)."""
    return task(item[1])


# ------------------------------------------------------------------------------- tasks
def _problem(point):
    from symflat.models import DeepLinear
    from symflat.numeric import problems

    seed = int(point.get("seed", 0))
    if point.get("data", "synthetic") == "digits":
        data = problems.digits(int(point.get("n", 512)), seed=seed)
        d_x, d_y = 64, 10
    else:
        d_x, d_y = int(point.get("d_x", 4)), int(point.get("d_y", 2))
        data = problems.synthetic_regression(int(point.get("n", 256)), d_x, d_y, seed=seed)
    depth, width = int(point["depth"]), int(point["width"])
    model = DeepLinear((d_x, *([width] * (depth - 1)), d_y))
    w0 = problems.random_weights(model, float(point.get("scale", 0.5)), seed=seed + 1000)
    return model, data, w0


def gd_stability_task(point: dict) -> dict:
    """Train a deep linear network by GD; report how the run ended and the final sharpness."""
    from symflat.numeric.dynamics import gradient_descent
    from symflat.numeric.sharpness import sharpness

    model, data, w0 = _problem(point)
    lr = float(point["lr"])
    traj = gradient_descent(model, w0, data, lr, int(point.get("steps", 3000)), grad_tol=float(point.get("grad_tol", 1e-7)),
                            record_every=max(1, int(point.get("steps", 3000)) // 50))
    row = dict(status=traj.status, steps_run=traj.steps, final_loss=float(traj.loss[-1]), two_over_lr=2 / lr)
    if traj.status == "converged":
        res = sharpness(model, traj.final, data, "lanczos", tol=1e-10)
        row.update(sharpness=res.eigenvalue, sharpness_converged=res.converged,
                   stable=bool(res.eigenvalue <= (2 / lr) * (1 + 1e-6)))
    return row


def gd_vs_gf_task(point: dict) -> dict:
    """Distance between GD and GF from the same initialisation over the time horizon ``T``."""
    from symflat.numeric.dynamics import gd_vs_gf

    model, data, w0 = _problem(point)
    lr = float(point["lr"])
    steps = max(1, int(round(float(point.get("horizon", 2.0)) / lr)))
    cmp = gd_vs_gf(model, w0, data, lr, steps)
    return dict(status=cmp.gd.status, gf_status=cmp.gf.status, max_distance=cmp.max_distance,
                distance_over_lr=cmp.max_distance / lr, final_loss_gd=float(cmp.gd.loss[-1]))


# ------------------------------------------------------------------------------- evidence and figures
def gd_stability_evidence(row):
    from symflat.claims import Evidence

    if "error" in row:
        return Evidence.open(f"run failed: {row['error']}", seed=row.get("seed"))
    if row["status"] != "converged":
        return Evidence.open(f"GD did not converge ({row['status']}); no prediction tested", seed=row.get("seed"))
    slack = row["two_over_lr"] - row["sharpness"]
    detail = f"lambda_max = {row['sharpness']:.6g} vs 2/eta = {row['two_over_lr']:.6g}"
    make = Evidence.checked if row["stable"] else Evidence.refuted
    return make(detail, slack=slack, seed=row.get("seed"), method="gd+lanczos", instances=1)


def gd_vs_gf_evidence(row):
    from symflat.claims import Evidence

    if "error" in row:
        return Evidence.open(f"run failed: {row['error']}", seed=row.get("seed"))
    return Evidence.open(f"measurement: max ||GD - GF|| = {row['max_distance']:.3g} at eta = {row['lr']}",
                         seed=row.get("seed"), method="gd_vs_gf")


def gd_stability_figure(rows, ax):
    ok = [r for r in rows if r.get("status") == "converged"]
    bad = [r for r in rows if r.get("status") not in ("converged", None) and "error" not in r]
    if ok:
        ax.scatter([r["two_over_lr"] for r in ok], [r["sharpness"] for r in ok], s=18, label="converged: final sharpness")
    if bad:
        ax.scatter([r["two_over_lr"] for r in bad], [0.0] * len(bad), marker="x", color="red", label="diverged / not converged")
    xs = sorted({r["two_over_lr"] for r in rows if "two_over_lr" in r})
    if xs:
        ax.plot(xs, xs, "k--", lw=1, label="2 / eta")
    ax.set_xlabel("2 / eta")
    ax.set_ylabel("lambda_max at the end of GD")
    ax.set_title("GD converges only to minima with lambda_max <= 2/eta")


def gd_vs_gf_figure(rows, ax):
    for depth in sorted({r["depth"] for r in rows}):
        sel = sorted((r for r in rows if r["depth"] == depth and "max_distance" in r), key=lambda r: r["lr"])
        lrs = sorted({r["lr"] for r in sel})
        med = [float(np.median([r["max_distance"] for r in sel if r["lr"] == lr])) for lr in lrs]
        ax.loglog(lrs, med, "o-", label=f"depth {depth}")
    ax.set_xlabel("step size eta")
    ax.set_ylabel("max_k ||w_k - theta(k eta)||")
    ax.set_title("GD vs gradient flow (Elkabetz & Cohen 2021)")


@dataclass(frozen=True)
class Experiment:
    name: str
    statement: str
    task: Callable[[dict], dict]
    evidence: Callable
    figure: Callable
    defaults: dict
    panels: int = 1  # the figure's axes: one, or a row of this many (passed as an array)


EXPERIMENTS = {
    "gd-stability": Experiment(
        "gd-stability",
        r"GD with step size \eta that converges to a global minimum of a deep linear network ends at a minimum "
        r"with \lambda_{\max}(H) \le 2/\eta (Mulayoff & Michaeli 2020, Sec. 1)",
        gd_stability_task, gd_stability_evidence, gd_stability_figure,
        dict(seed=[0, 1], depth=[2, 4], width=[8], lr=[0.02, 0.05, 0.1, 0.2], scale=[0.5], n=[256], steps=[3000]),
    ),
    "gd-vs-gf": Experiment(
        "gd-vs-gf",
        r"From a near-zero initialisation gradient descent tracks gradient flow, with a gap that shrinks with \eta "
        r"(Elkabetz & Cohen 2021)",
        gd_vs_gf_task, gd_vs_gf_evidence, gd_vs_gf_figure,
        dict(seed=[0], depth=[2, 3], width=[8], lr=[0.005, 0.01, 0.02, 0.04], scale=[0.2], n=[128], horizon=[2.0]),
    ),
}


def _module_experiments() -> dict:
    from symflat.numeric import module_experiments as mx

    return {
        "edge-of-stability": Experiment(
            "edge-of-stability",
            r"After its first steps, full-batch GD keeps the sharpness \lambda_{\max}(H) at or below about 2/\eta "
            r"(within 10%) (Cohen et al. 2021, edge of stability; MNIST, tanh MLP, square loss)",
            mx.eos_task, mx.eos_evidence, mx.eos_figure,
            dict(seed=[0], lr=[0.2, 0.3, 0.4], n=[500], width=[32], steps=[1000]),
        ),
        "ec-fig1-3": Experiment(
            "ec-fig1-3",
            r"GD with \eta_0 = 10^{-3} and with \eta_0/r, r \in \{2,5,10,20\}, compared at equal times on MNIST: "
            r"the drift between the runs is minor (at most 10%) compared to the distance travelled "
            r"(Elkabetz & Cohen 2021, Sec. 6, Figs. 1 and 3)",
            mx.ec_task, mx.ec_evidence, mx.ec_figure,
            dict(seed=[0], network=list(mx.EC_NETWORKS), n=[1000], lr=[1e-3], steps=[None]), panels=0,
        ),
        "mm-mnist-depth": Experiment(
            "mm-mnist-depth",
            r"Identity-initialised GD on deep linear MNIST denoisers (784-d, white inputs) ends at sharpness "
            r"2m\,\sigma_{\max}(T)^{2(1-1/m)} (Mulayoff & Michaeli 2020, Lemma 1 (ii), Theorem 1, Sec. 6)",
            mx.mm_task, mx.mm_evidence, mx.mm_figure,
            dict(depth=[2, 4, 6, 8], pool=[1], lr_factor=[1.0]),
        ),
    }


def get_experiment(name: str) -> Experiment:
    try:
        return EXPERIMENTS[name]
    except KeyError:
        raise NumericError(f"unknown experiment {name!r}; available: {sorted(EXPERIMENTS)}") from None


EXPERIMENTS.update(_module_experiments())


def draw(experiment: Experiment, rows, path) -> None:
    """Write the experiment's matplotlib figure to ``path`` (PNG/PDF/SVG by suffix)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = experiment.panels if experiment.panels > 0 else max(1, 2 * len(rows))
    fig, ax = plt.subplots(1, panels, figsize=(6 * min(panels, 4), 4.2 * math.ceil(panels / 4)), squeeze=False) \
        if panels <= 4 else plt.subplots(math.ceil(panels / 4), 4, figsize=(24, 4.2 * math.ceil(panels / 4)))
    axes = ax.ravel()
    experiment.figure(rows, axes[0] if panels == 1 else axes)
    for a in axes:
        if a.get_legend_handles_labels()[0]:
            a.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def record(experiment: Experiment, rows, ledger_path, *, seed: int | None = None) -> int:
    """Store one evidence per row in the ledger under the claim ``symflat-experiments/<name>``;
    returns the run id."""
    from symflat.claims import Paper
    from symflat.runner.ledger import Ledger

    claim = Paper("symflat-experiments", title="numeric experiments").claim("experiment", experiment.name, experiment.statement)
    with Ledger(ledger_path) as led:
        run_id = led.start_run(command=f"experiment {experiment.name}", seed=seed)
        for i, row in enumerate(rows):
            params = ",".join(f"{k}={row[k]}" for k in experiment.defaults if k in row)
            led.record(run_id, claim, f"{experiment.name}[{params}]", experiment.evidence(row), row.get("seconds"))
        led.finish_run(run_id)
    return run_id


def summarize(experiment: Experiment, rows) -> str:
    ev = [experiment.evidence(r) for r in rows]
    counts = {}
    for e in ev:
        counts[e.status.value] = counts.get(e.status.value, 0) + 1
    return f"{experiment.name}: {len(rows)} runs; " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))


__all__ = ["EXPERIMENTS", "Experiment", "draw", "get_experiment", "grid", "record", "run_sweep", "summarize"]
