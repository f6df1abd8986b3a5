"""The `symflat sharpness` and `symflat experiment` modules, the sweep harness, the benchmark driver."""

import argparse
import json

import numpy as np
import pytest

from symflat.numeric import cli as sharp_cli
from symflat.numeric import experiments_cli
from symflat.numeric.experiments import (
    EXPERIMENTS,
    draw,
    gd_stability_evidence,
    gd_stability_task,
    get_experiment,
    grid,
    record,
    run_sweep,
)
from symflat.numeric import NumericError


def parse(module, argv):
    p = argparse.ArgumentParser()
    module.configure(p)
    return p.parse_args(argv)


def test_sharpness_cli_structured_at_minimum(tmp_path, capsys):
    out = tmp_path / "r.json"
    rc = sharp_cli.run(parse(sharp_cli, ["--dims", "3,6,6,2", "--n", "64", "--json", str(out)]))
    assert rc == 0
    payload = json.loads(out.read_text())
    assert payload["method"] == "structured" and payload["converged"]
    # the same instance through the dense Hessian
    rc = sharp_cli.run(parse(sharp_cli, ["--dims", "3,6,6,2", "--n", "64", "--method", "dense", "--json", str(out)]))
    dense = json.loads(out.read_text())
    assert dense["eigenvalue"] == pytest.approx(payload["eigenvalue"], rel=1e-10)


def test_sharpness_cli_usage_errors(capsys):
    assert sharp_cli.run(parse(sharp_cli, ["--dims", "3,x"])) == 2
    assert "comma-separated" in capsys.readouterr().err
    assert sharp_cli.run(parse(sharp_cli, ["--data", "digits", "--dims", "3,4,2"])) == 2
    assert "64" in capsys.readouterr().err
    assert sharp_cli.run(parse(sharp_cli, ["--model", "deep-network", "--dims", "3,4,1"])) == 2


def test_grid_and_serial_sweep_rows_in_grid_order():
    pts = grid(seed=[0, 1], depth=[2], width=[4], lr=[0.05, 0.1], n=[64], steps=[2000])
    assert len(pts) == 4 and pts[1] == dict(seed=0, depth=2, width=4, lr=0.1, n=64, steps=2000)
    rows = run_sweep(gd_stability_task, pts, executor="serial", progress=False)
    assert [r["lr"] for r in rows] == [0.05, 0.1, 0.05, 0.1]
    for r in rows:
        if r["status"] == "converged":  # the minima-stability prediction, checked independently here
            assert r["sharpness"] <= 2 / r["lr"] and gd_stability_evidence(r).status.value == "checked"
    twice = run_sweep(gd_stability_task, [pts[0], pts[0]], executor="serial", progress=False)
    assert len(twice) == 2 and twice[0]["status"] == twice[1]["status"]
    with pytest.raises(NumericError, match="list of values"):
        grid(seed=3)
    with pytest.raises(NumericError, match="unknown experiment"):
        get_experiment("nope")


def test_process_sweep_ledger_and_figure(tmp_path):
    exp = EXPERIMENTS["gd-stability"]
    pts = grid(seed=[0], depth=[3], width=[6], lr=[0.05, 1.0], n=[64], steps=[1500])
    rows = run_sweep(exp.task, pts, executor="process", workers=2, progress=False)
    assert {r["status"] for r in rows} >= {"diverged"}
    run_id = record(exp, rows, tmp_path / "ledger.sqlite", seed=0)
    from symflat.runner.ledger import Ledger

    with Ledger(tmp_path / "ledger.sqlite") as led:
        got = led.last_evidence("symflat-experiments/gd-stability")
    assert run_id >= 1 and len(got) == 2
    draw(exp, rows, tmp_path / "fig.png")
    assert (tmp_path / "fig.png").stat().st_size > 1000


def test_experiment_cli_end_to_end(tmp_path, capsys):
    args = parse(experiments_cli, ["gd-vs-gf", "--depths", "2", "--lrs", "0.02,0.04", "--executor", "serial",
                                   "--out", str(tmp_path), "--ledger", str(tmp_path / "l.sqlite"), "--no-progress"])
    assert experiments_cli.run(args) == 0
    rows = json.loads((tmp_path / "gd-vs-gf-rows.json").read_text())
    d = {r["lr"]: r["max_distance"] for r in rows}
    assert 1.5 < d[0.04] / d[0.02] < 2.5  # the GD-GF gap is first order in the step size
    bad = parse(experiments_cli, ["gd-vs-gf", "--lrs", "0.1,-1", "--out", str(tmp_path)])
    assert experiments_cli.run(bad) == 2


def test_bench_driver_small_case(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("curvlinops")
    from symflat.bench import sharpness as bench

    args = parse(bench, ["--widths", "4", "--depths", "3", "--samples", "32", "--peers", "curvlinops",
                         "--saddle-case", "4,3,32", "--json", str(tmp_path / "rows.json")])
    assert bench.run(args) == 0
    rows = json.loads((tmp_path / "rows.json").read_text())
    by = {r["method"]: r for r in rows}
    assert by["symflat structured"]["rel_error"] < 1e-10
    saddle = [r for r in rows if r["saddle"]]
    assert saddle and all(r["eigenvalue"] > 0 for r in saddle if r["method"].startswith("symflat"))
    assert all(r["eigenvalue"] < 0 for r in saddle if "LM" in r["method"])  # largest magnitude is the wrong end
