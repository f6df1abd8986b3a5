"""The runner: statuses from checks, time budgets, executors, and a ledger that survives crashes."""

import os
import signal
import subprocess
import sys
import time

import pytest

from symflat.claims import Status
from symflat.discovery import load_claims
from symflat.runner.ledger import Ledger
from symflat.runner.session import RunOptions, run_claims

CHECKS = """
import math, os, signal, time
from symflat import Evidence
from . import paper

paper.assumption("a1", "x > 0")

@paper.lemma("lemma-ok", "ok", uses=["a1"])
def ok(ctx):
    return Evidence.proved("fine", slack=1.5)

@paper.lemma("lemma-seeded", "uses the seed")
def seeded(ctx):
    return Evidence.checked("draw", value=float(ctx.rng.random()), dps=ctx.dps, instances=1)

@paper.lemma("lemma-nan", "nan")
def nan(ctx):
    return Evidence.checked("nan slack", slack=math.nan, instances=1)

@paper.lemma("lemma-raises", "raises")
def raises(ctx):
    raise ValueError("matrix is singular")

@paper.lemma("lemma-exits", "calls sys.exit")
def exits(ctx):
    import sys
    sys.exit(3)

@paper.lemma("lemma-wrong-type", "returns a bool")
def wrong(ctx):
    return True

@paper.theorem("theorem-refuted", "false", proof_uses=["lemma-ok"], expect="refuted")
def refuted(ctx):
    return Evidence.refuted("counterexample found", counterexample={"x": "1/3"}, slack=-0.25)

@paper.theorem("theorem-two-checks", "two checks", proof_uses=["lemma-ok"])
def first(ctx):
    return Evidence.checked("numeric", slack=0.1, instances=1)

@first.check
def second(ctx):
    return Evidence.proved("exact")
"""

SLOW = """
import os, signal, time
from symflat import Evidence
from . import paper

@paper.lemma("lemma-fast", "fast")
def fast(ctx):
    return Evidence.proved("quick")

@paper.lemma("lemma-sleepy", "sleeps past its budget")
def sleepy(ctx):
    time.sleep(30)
    return Evidence.proved("never")

@paper.lemma("lemma-dies", "its worker process is killed")
def dies(ctx):
    os.kill(os.getpid(), signal.SIGKILL)
"""


def outcome(report, cid):
    return next(o for o in report.outcomes if o.claim.id == cid)


@pytest.mark.parametrize("executor", ["serial", "process"])
def test_statuses_and_errors(claim_folder, tmp_path, executor):
    folder, pid = claim_folder({"checks.py": CHECKS})
    reg = load_claims([folder])
    report = run_claims(reg, RunOptions(executor=executor, workers=2, ledger=tmp_path / "l.sqlite", seed=7, dps=40))
    o = lambda label: outcome(report, f"{pid}/{label}")
    assert o("a1").status is Status.CITED and o("a1").meets
    assert o("lemma-ok").status is Status.PROVED and o("lemma-ok").support is Status.PROVED
    assert o("lemma-nan").status is Status.OPEN and "non-finite slack" in o("lemma-nan").evidence[0][1].detail
    assert not o("lemma-nan").meets
    err = o("lemma-raises").evidence[0][1]
    assert err.is_error and "ValueError: matrix is singular (at checks.py:" in err.detail
    assert "not Evidence" in o("lemma-wrong-type").evidence[0][1].detail
    assert "SystemExit: 3" in o("lemma-exits").evidence[0][1].detail  # ends the check, not the run
    assert o("theorem-refuted").status is Status.REFUTED and o("theorem-refuted").meets
    two = o("theorem-two-checks")
    assert [n for n, _ in two.evidence] == ["first", "second"] and two.status is Status.PROVED
    seeded = o("lemma-seeded").evidence[0][1]
    assert seeded.data["seed"] == 7 and seeded.data["dps"] == 40
    assert not report.ok
    with Ledger(tmp_path / "l.sqlite") as led:
        assert len(led.results(run_id=report.run_id)) == 9
        assert led.runs()[-1]["state"] == "finished"


def test_same_seed_same_numbers(claim_folder, tmp_path):
    folder, pid = claim_folder({"checks.py": CHECKS})
    reg = load_claims([folder], [f"{pid}/lemma-seeded"])
    draw = lambda seed: run_claims(reg, RunOptions("serial", seed=seed, ledger=None)).outcomes[0].evidence[0][1].data["value"]
    assert draw(3) == draw(3) != draw(4)


@pytest.mark.parametrize("executor", ["serial", "process"])
def test_time_budget_and_killed_worker(claim_folder, tmp_path, executor):
    folder, pid = claim_folder({"slow.py": SLOW})
    ids = [f"{pid}/lemma-fast", f"{pid}/lemma-sleepy"] + ([f"{pid}/lemma-dies"] if executor == "process" else [])
    reg = load_claims([folder], ids)
    t0 = time.monotonic()
    report = run_claims(reg, RunOptions(executor=executor, workers=3, budget=1.0, ledger=tmp_path / "l.sqlite"))
    assert time.monotonic() - t0 < 15
    sleepy = outcome(report, f"{pid}/lemma-sleepy").evidence[0][1]
    assert sleepy.is_error and "time budget of 1 s" in sleepy.detail
    assert outcome(report, f"{pid}/lemma-fast").status is Status.PROVED
    with Ledger(tmp_path / "l.sqlite") as led:
        rows = {r.claim_id: r for r in led.results()}
    assert rows[f"{pid}/lemma-fast"].status is Status.PROVED
    if executor == "process":
        died = rows[f"{pid}/lemma-dies"].evidence
        assert died.is_error and "worker process died" in died.detail


def _ledger_rows(path):
    with Ledger(path) as led:
        return led.results(), led.runs()


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_ledger_survives_killed_or_interrupted_runner(claim_folder, tmp_path, how):
    folder, pid = claim_folder({"slow.py": SLOW})
    ledger = tmp_path / "ledger.sqlite"
    cmd = [sys.executable, "-m", "symflat.cli", "check", str(folder), "--claim", f"{pid}/lemma-fast",
           "--claim", f"{pid}/lemma-sleepy", "--workers", "1", "--ledger", str(ledger), "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if ledger.exists() and _ledger_rows(ledger)[0]:
            break
        time.sleep(0.1)
    time.sleep(0.3)
    proc.send_signal(how)
    proc.wait(timeout=30)
    results, runs = _ledger_rows(ledger)
    assert [r.claim_id for r in results] == [f"{pid}/lemma-fast"]
    assert results[0].status is Status.PROVED
    assert runs[-1]["state"] == ("running" if how == signal.SIGKILL else "interrupted")


def test_dask_executor_on_a_local_cluster(claim_folder, tmp_path):
    pytest.importorskip("dask.distributed")
    folder, pid = claim_folder({"checks.py": CHECKS})
    reg = load_claims([folder], [f"{pid}/lemma-ok", f"{pid}/lemma-raises", f"{pid}/theorem-two-checks"])
    report = run_claims(reg, RunOptions(executor="dask", workers=2, ledger=tmp_path / "l.sqlite"))
    assert outcome(report, f"{pid}/lemma-ok").status is Status.PROVED
    assert outcome(report, f"{pid}/theorem-two-checks").status is Status.PROVED
    assert "ValueError: matrix is singular" in outcome(report, f"{pid}/lemma-raises").evidence[0][1].detail


def test_dask_executor_against_a_scheduler_address(claim_folder):
    distributed = pytest.importorskip("dask.distributed")
    from symflat.runner.executors import make_executor

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        ex = make_executor("dask", workers=1, scheduler=cluster.scheduler_address)
        try:
            outs = list(ex.map_unordered(abs, [-3, -4]))
        finally:
            ex.close()
    assert sorted(o.value for o in outs) == [3, 4]


def test_evidence_keeps_each_claims_declaration_order(claim_folder):
    """Check names shared between claims (e.g. 'search') must not reorder another claim's evidence."""
    folder, pid = claim_folder({"order.py": """
        from symflat import Evidence
        from . import paper

        def a(ctx):
            return Evidence.checked("a", instances=1)

        def b(ctx):
            return Evidence.checked("b", instances=1)

        paper.lemma("lemma-ab", "x").check(a).check(b)
        paper.lemma("lemma-ba", "y").check(b).check(a)
    """})
    report = run_claims(load_claims([folder]), RunOptions("serial", ledger=None))
    assert [n for n, _ in outcome(report, f"{pid}/lemma-ab").evidence] == ["a", "b"]
    assert [n for n, _ in outcome(report, f"{pid}/lemma-ba").evidence] == ["b", "a"]


def test_a_fresh_worker_finds_a_check_that_a_sibling_file_attached(claim_folder):
    """A spawned worker (dask) imports only the claim's own file; a check attached from a sibling file must
    still be found."""
    folder, pid = claim_folder({
        "a.py": "from . import paper\nlemma = paper.lemma('lemma-1', 'declared here')\n",
        "b.py": "from symflat import Evidence\nfrom .a import lemma\n\n@lemma.check\n"
                "def from_b():\n    return Evidence.proved('attached by b.py')\n",
    })
    code = ("from symflat.runner.task import CheckTask, run_check_task\n"
            f"ev, _ = run_check_task(CheckTask({str(folder / 'a.py')!r}, '{pid}/lemma-1', 'from_b'))\n"
            "print(ev.status.value, ev.detail)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "proved attached by b.py"
