"""The CLI: exit codes, JSON shape, show/graph/history, and --compare."""

import gc
import json
import subprocess
import sys

import pytest

from symflat.cli import main

CLAIMS = """
from symflat import Evidence
from . import paper
import os

paper.definition("d1", "D")

@paper.lemma("lemma-1", "L", uses=["d1"])
def l1(ctx):
    return Evidence.checked("numeric", slack=float(os.environ.get("SLACK", "0.5")), instances=10)

@paper.theorem("theorem-1", "T", proof_uses=["lemma-1"], expect=os.environ.get("EXPECT") or None)
def t1(ctx):
    if os.environ.get("REFUTE"):
        return Evidence.refuted("broken", counterexample={"x": "1/3", "slack": "-1/9"})
    return Evidence.proved("exact")
"""


@pytest.fixture
def proj(claim_folder, tmp_path, monkeypatch):
    folder, pid = claim_folder({"claims.py": CLAIMS})
    monkeypatch.chdir(tmp_path)
    return folder, pid


def run(capsys, *argv):
    """Run the CLI as a fresh process would: claim modules are imported anew (they read env vars)."""
    for name in [m for m in sys.modules if m.startswith("kpkg")]:
        del sys.modules[name]
    gc.collect()
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_passes_and_json_shape(proj, capsys):
    folder, pid = proj
    code, out, err = run(capsys, "check", folder, "--json", "-", "--executor", "serial")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {"claims", "summary"}
    assert data["summary"] == {"refuted": 0, "open": 0, "checked": 1, "cited": 1, "certified": 0, "proved": 1}
    t = next(c for c in data["claims"] if c["id"] == f"{pid}/theorem-1")
    assert {"id", "kind", "status", "support", "expected", "uses", "evidence"} <= set(t)
    assert t["status"] == "proved" and t["support"] == "checked"
    assert t["evidence"][0]["check"] == "t1" and t["evidence"][0]["status"] == "proved"
    assert 0 <= t["evidence"][0]["seconds"] < 60  # each check's wall time, as the ledger keeps it
    assert "theorem-1" in err  # the table goes to stderr when JSON takes stdout
    assert (folder.parent.parent / ".symflat" / "ledger.sqlite").exists()


def test_refuted_claim_exits_1_unless_expected(proj, capsys, monkeypatch):
    folder, pid = proj
    monkeypatch.setenv("REFUTE", "1")
    code, out, _ = run(capsys, "check", folder, "--executor", "serial")
    assert code == 1 and "missed expectation" in out
    monkeypatch.setenv("EXPECT", "refuted")
    code, out, _ = run(capsys, "check", folder, "--executor", "serial")
    assert code == 0, out
    code, out, _ = run(capsys, "show", f"{pid}/theorem-1", "--path", folder)
    assert code == 0 and "counterexample" in out and "1/3" in out and "expected:   refuted" in out


def test_usage_errors_exit_2(proj, capsys, tmp_path):
    folder, pid = proj
    code, _, err = run(capsys, "check", folder, "--claim", f"{pid}/lemma-404")
    assert code == 2 and f"unknown claim id '{pid}/lemma-404'" in err
    code, _, err = run(capsys, "check", tmp_path / "missing")
    assert code == 2 and "no such file or folder" in err
    code, _, err = run(capsys, "history", "--ledger", tmp_path / "none.sqlite")
    assert code == 2 and "no ledger" in err
    with pytest.raises(SystemExit) as exc:
        main(["check", "--executor", "threads"])
    assert exc.value.code == 2


def test_every_command_has_help(capsys):
    for cmd in (["--help"], ["check", "--help"], ["show", "--help"], ["graph", "--help"], ["history", "--help"]):
        with pytest.raises(SystemExit) as exc:
            main(cmd)
        assert exc.value.code == 0
        assert "usage: symflat" in capsys.readouterr().out


def test_graph_formats(proj, capsys):
    folder, pid = proj
    run(capsys, "check", folder, "--executor", "serial")
    code, out, _ = run(capsys, "graph", f"{pid}/theorem-1", folder, "--uses")  # paths after the id, as in search
    assert code == 0
    assert out.splitlines()[0] == f"{pid}/theorem-1 [checked]"
    assert f"{pid}/d1 [cited] (uses)" in out
    code, out, _ = run(capsys, "graph", f"{pid}/d1", "--used-by", "--format", "json", "--path", folder)
    nodes = {n["id"] for n in json.loads(out)["nodes"]}
    assert nodes == {f"{pid}/d1", f"{pid}/lemma-1", f"{pid}/theorem-1"}
    code, out, _ = run(capsys, "graph", "--format", "dot", "--path", folder)
    assert out.startswith("digraph")
    code, _, err = run(capsys, "graph", f"{pid}/nope", "--path", folder)
    assert code == 2 and "unknown claim id" in err


def test_history_and_compare(proj, capsys, monkeypatch):
    folder, pid = proj
    assert run(capsys, "check", folder, "--executor", "serial")[0] == 0
    monkeypatch.setenv("SLACK", "0.4")
    code, out, _ = run(capsys, "check", folder, "--executor", "serial", "--compare")
    assert code == 1
    assert f"{pid}/lemma-1 [l1]: slack shrank from 0.5" in out
    monkeypatch.setenv("SLACK", "0.4")
    code, out, _ = run(capsys, "check", folder, "--executor", "serial", "--compare")
    assert code == 0 and "no regressions" in out
    monkeypatch.setenv("REFUTE", "1")
    monkeypatch.setenv("EXPECT", "refuted")
    code, out, _ = run(capsys, "check", folder, "--executor", "serial", "--compare")
    assert code == 1 and "status fell from proved" in out
    code, out, _ = run(capsys, "history", f"{pid}/lemma-1")
    assert code == 0
    slacks = [line.split()[7] for line in out.splitlines()[2:]]
    assert slacks == ["0.5", "0.4", "0.4", "0.4"]


def test_html_blueprint(proj, capsys, tmp_path, monkeypatch):
    folder, pid = proj
    monkeypatch.setenv("REFUTE", "1")
    run(capsys, "check", folder, "--executor", "serial")
    code, out, _ = run(capsys, "report", folder, "--html", tmp_path / "bp")
    assert code == 0
    page = (tmp_path / "bp" / f"{pid}.html").read_text()
    assert 'id="theorem-1"' in page and "refuted" in page and "1/3" in page  # counterexample shown
    assert f'href="{pid}.html#lemma-1"' in page                              # edges are links
    assert pid in (tmp_path / "bp" / "index.html").read_text()
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, _, err = run(capsys, "report", folder, "--html", blocker / "bp")  # a folder under a file
    assert code == 1 and "symflat report: error:" in err and "Traceback" not in err


def test_engine_commands_are_listed_without_importing_their_engines(capsys):
    """`symflat --help` names every engine command, but imports an engine only to run it."""
    code = subprocess.run([sys.executable, "-c", (
        "import sys; from symflat.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in sys.modules if m.startswith(('symflat.search', 'symflat.numeric', 'symflat.bench'))))")],
        capture_output=True, text=True)
    out = code.stdout
    for name in ("check", "search", "sharpness", "experiment", "bench"):
        assert f"    {name}" in out
    assert "LOADED []" in out
