"""``symflat experiment NAME``: run a sweep, print its rows, store them in the ledger, draw the figure.

Examples::

    symflat experiment gd-stability --seeds 0,1 --depths 2,4 --lrs 0.02,0.05,0.1,0.2 --executor process
    symflat experiment gd-vs-gf --data digits --out results/
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from symflat.errors import argument_type, check_int, check_real

AXES = {"seeds": ("seed", int), "depths": ("depth", int), "widths": ("width", int), "lrs": ("lr", float),
        "scales": ("scale", float), "networks": ("network", str)}


def configure(parser) -> None:
    from symflat.numeric.experiments import EXPERIMENTS

    parser.add_argument("name", choices=sorted(EXPERIMENTS), help="which experiment")
    for flag, (key, _) in AXES.items():
        parser.add_argument(f"--{flag}", metavar="LIST", help=f"comma-separated values of {key} (default: the experiment's)")
    parser.add_argument("--data", choices=("synthetic", "digits"), default="synthetic")
    parser.add_argument("--n", type=argument_type(check_int, "--n", minimum=1), default=None, help="number of samples")
    parser.add_argument("--steps", type=argument_type(check_int, "--steps", minimum=1), default=None, help="GD steps (gd-stability)")
    parser.add_argument("--executor", choices=("serial", "process", "dask"), default="process")
    parser.add_argument("--workers", type=argument_type(check_int, "--workers", minimum=1), default=None)
    parser.add_argument("--scheduler", metavar="ADDRESS", help="dask scheduler (default: a LocalCluster)")
    parser.add_argument("--timeout", type=argument_type(check_real, "--timeout", float, minimum=0, strict_min=True), default=None, help="seconds allowed per run")
    parser.add_argument("--out", metavar="DIR", default="experiments", help="folder for rows.json and figure.png")
    parser.add_argument("--ledger", metavar="PATH", help="ledger file (default: .symflat/ledger.sqlite)")
    parser.add_argument("--no-ledger", action="store_true", help="do not record the rows")
    parser.add_argument("--no-progress", action="store_true")


def _axis(text, cast, flag):
    try:
        vals = [cast(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise ValueError(f"--{flag} must be comma-separated numbers, got {text!r}") from None
    if not vals:
        raise ValueError(f"--{flag} is empty")
    return vals


def points_for(args) -> list[dict]:
    from symflat.numeric.experiments import get_experiment, grid

    axes = {k: list(v) for k, v in get_experiment(args.name).defaults.items()}
    for flag, (key, cast) in AXES.items():
        text = getattr(args, flag)
        if text:
            axes[key] = _axis(text, cast, flag)
    if args.n is not None:
        if args.n < 1:
            raise ValueError(f"--n must be positive, got {args.n}")
        axes["n"] = [args.n]
    if args.steps is not None and "steps" in axes:
        axes["steps"] = [args.steps]
    axes["data"] = [args.data]
    if any(v <= 0 for v in axes.get("lr", [])):
        raise ValueError("step sizes must be positive")
    if any(d < 1 for d in axes.get("depth", [])) or any(w < 1 for w in axes.get("width", [])):
        raise ValueError("depths and widths must be positive")
    return grid(**axes)


def run(args) -> int:
    from symflat.numeric.experiments import draw, get_experiment, record, run_sweep, summarize

    exp = get_experiment(args.name)
    try:
        points = points_for(args)
    except ValueError as exc:
        print(f"symflat experiment: {exc}", file=sys.stderr)
        return 2
    rows = run_sweep(exp.task, points, executor=args.executor, workers=args.workers, scheduler=args.scheduler,
                     timeout=args.timeout, progress=False if args.no_progress else None)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{exp.name}-rows.json").write_text(json.dumps(rows, indent=1, default=str))
    draw(exp, rows, out / f"{exp.name}.png")
    keys = [k for k in rows[0] if k not in ("data",)] if rows else []
    print("  ".join(keys))
    for r in rows:
        print("  ".join(_fmt(r.get(k)) for k in keys))
    print(summarize(exp, rows))
    print(f"rows: {out / (exp.name + '-rows.json')}  figure: {out / (exp.name + '.png')}")
    if not args.no_ledger:
        from symflat.runner.ledger import DEFAULT_PATH

        run_id = record(exp, rows, Path(args.ledger) if args.ledger else DEFAULT_PATH)
        print(f"recorded as run {run_id} in {args.ledger or DEFAULT_PATH}")
    errors = [r for r in rows if "error" in r]
    refuted = [r for r in rows if exp.evidence(r).status.value == "refuted"]
    return 1 if errors or refuted else 0


def _fmt(v) -> str:
    if isinstance(v, (list, dict)):
        return f"[{len(v)} values]"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)
