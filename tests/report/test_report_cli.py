"""`symflat report` from the command line: it reads the ledger, runs nothing, and reports bad
input and a missing optional package on one line."""

import sys
import textwrap

import pytest

from symflat.cli import main

CLAIMS = """
from symflat import Evidence
from . import paper

paper.definition("d1", r"f(x) = x^2", where="Sec. 1", eq="1")

@paper.lemma("lemma-1", r"f(x) \\ge 0", uses=["d1"], where="Sec. 2")
def l1():
    return Evidence.proved("a square")
"""


@pytest.fixture
def folder(tmp_path, monkeypatch):
    pkg = tmp_path / "proofs" / "rcli_pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("from symflat import Paper\npaper = Paper('rcli-paper', title='CLI paper')\n")
    (pkg / "claims.py").write_text(textwrap.dedent(CLAIMS))
    monkeypatch.chdir(tmp_path)
    yield pkg
    for name in [m for m in sys.modules if m.startswith("rcli_pkg")]:
        del sys.modules[name]


def test_without_a_ledger_nothing_runs_and_the_page_says_so(folder, capsys, tmp_path):
    assert main(["report", str(folder), "--html", str(tmp_path / "site"), "--ledger", str(tmp_path / "none.sqlite")]) == 0
    out = capsys.readouterr().out
    assert "no ledger at" in out and not (tmp_path / "none.sqlite").exists()
    page = (tmp_path / "site" / "rcli-paper.html").read_text()
    assert 'data-status="open"' in page and "Not checked in the ledger" in page   # the proved check never ran


def test_with_a_ledger_the_last_run_is_shown(folder, capsys, tmp_path):
    ledger = str(tmp_path / "l.sqlite")
    assert main(["check", str(folder), "--executor", "serial", "--ledger", ledger, "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["report", str(folder), "--html", str(tmp_path / "site"), "--ledger", ledger]) == 0
    assert "evidence from ledger run 1" in capsys.readouterr().out
    page = (tmp_path / "site" / "rcli-paper.html").read_text()
    assert 'id="lemma-1" data-status="proved"' in page and "a square" in page


def test_a_missing_figures_folder_is_a_usage_error(folder, capsys, tmp_path):
    assert main(["report", str(folder), "--html", str(tmp_path / "site"), "--figures", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "--figures" in err and "no such folder" in err and "Traceback" not in err


def test_without_jinja2_the_error_names_the_extra(folder, capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "jinja2", None)  # import jinja2 now raises ImportError
    assert main(["report", str(folder), "--html", str(tmp_path / "site")]) == 1
    err = capsys.readouterr().err
    assert "symflat[report]" in err and "Traceback" not in err
