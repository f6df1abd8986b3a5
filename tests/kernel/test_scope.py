"""Scope of evidence (issue 13): proved means general, instances are counted, broken edges and
errored checks weaken support, outlines are only as strong as their steps."""

import json

import pytest

from symflat.claims import Evidence, EvidenceError, Status, status_scope
from symflat.cli import main
from symflat.discovery import load_claims
from symflat.runner.ledger import Ledger
from symflat.runner.session import RunOptions, run_claims


class TestEvidenceScope:
    def test_defaults(self):
        assert Evidence.proved("induction on m").scope == "general"
        assert Evidence.cited("textbook").scope == "general"
        ev = Evidence.certified("exact at m = 2..8", instances=7, cases="m = 2..8")
        assert (ev.scope, ev.instances, ev.scope_text()) == ("instances", 7, "7 instances (m = 2..8)")
        assert Evidence.refuted("x = 2").instances == 1
        assert Evidence.error("boom").to_dict()["scope"] == "instances"

    @pytest.mark.parametrize("make, words", [
        (lambda: Evidence.proved("m = 2..8", instances=7), "certified"),
        (lambda: Evidence.proved("sampled", scope="instances"), "certified"),
        (lambda: Evidence.certified("no count"), "how many instances"),
        (lambda: Evidence.checked("no count"), "how many instances"),
        (lambda: Evidence.checked("general?", scope="general"), "cannot be general"),
        (lambda: Evidence.refuted("general?", scope="general"), "cannot be general"),
        (lambda: Evidence.certified("general?", scope="general"), "cannot be general"),
        (lambda: Evidence.certified("x", scope="everywhere", instances=1), "unknown evidence scope"),
        (lambda: Evidence.certified("x", instances=-1), "non-negative int"),
        (lambda: Evidence.certified("x", instances=2.5), "non-negative int"),
        (lambda: Evidence.proved("x", scope="general", instances=3), "no instance count"),
    ])
    def test_disagreements_are_named(self, make, words):
        with pytest.raises(EvidenceError, match=words):
            make()

    def test_legacy_ledger_entry_is_read_as_what_it_was(self):
        ev = Evidence.from_dict({"status": "proved", "detail": "m = 2..8", "instances": 7})
        assert ev.status is Status.CERTIFIED and ev.scope == "instances" and "legacy" in ev.data
        assert Evidence.from_dict(Evidence.proved("general").to_dict()).status is Status.PROVED

    def test_status_scope(self):
        assert [status_scope(s) for s in Status] == ["instances", None, "instances", "general", "instances", "general"]


FILES = {"a.py": """
from symflat import Evidence
from . import paper

@paper.lemma("lemma-general", "holds for every m")
def general(ctx):
    return Evidence.proved("induction on m")

@paper.lemma("lemma-instances", "holds for every m")
def instances(ctx):
    return Evidence.certified("exact at m = 2..8", instances=7, cases="m = 2..8")

@paper.lemma("lemma-errors", "a check raises")
def raises(ctx):
    return 1 / 0

@raises.check
def fine(ctx):
    return Evidence.proved("by hand")

@paper.theorem("theorem-typo", "its proof edge has a typo", proof_uses=["lemma-generel"])
def typo(ctx):
    return Evidence.proved("fine otherwise")

@paper.theorem("theorem-on-errors", "rests on a claim whose check raised", proof_uses=["lemma-errors"])
def on_errors(ctx):
    return Evidence.proved("fine otherwise")

@paper.theorem("theorem-outline", "by two steps", outline=["lemma-general", "lemma-instances"])
def implication(ctx):
    return Evidence.proved("the steps imply it")

@paper.theorem("theorem-outline-all-general", "by one general step", outline=["lemma-general"])
def implication2(ctx):
    return Evidence.proved("the step implies it")

paper.theorem("theorem-outline-unchecked", "implication never checked", outline=["lemma-general"])

@paper.remark("remark-example", "the worked example T = diag(4, 1)", about="T = diag(4, 1), m = 2")
def example(ctx):
    return Evidence.proved("exact at the one object")
"""}


@pytest.fixture
def report(claim_folder, tmp_path):
    folder, pid = claim_folder(FILES)
    rep = run_claims(load_claims([folder]), RunOptions("serial", ledger=tmp_path / "l.sqlite"))
    return pid, {o.claim.label: o for o in rep.outcomes}, rep


def test_broken_edge_and_errored_check_weaken_support(report):
    pid, o, _ = report
    assert o["theorem-typo"].status is Status.PROVED and o["theorem-typo"].support is Status.OPEN
    assert "did you mean" in o["theorem-typo"].support_reason and "lemma-general" in o["theorem-typo"].support_reason
    assert o["lemma-errors"].status is Status.PROVED and o["lemma-errors"].support is Status.OPEN
    assert "errored" in o["lemma-errors"].support_reason
    assert o["theorem-on-errors"].support is Status.OPEN
    assert o["theorem-on-errors"].support_reason.startswith(f"rests on {pid}/lemma-errors")


def test_outline_is_as_strong_as_its_weakest_step(report):
    _, o, _ = report
    assert o["theorem-outline"].status is Status.CERTIFIED
    assert o["theorem-outline-all-general"].status is Status.PROVED
    assert o["theorem-outline-unchecked"].status is Status.OPEN


def test_json_and_summary_carry_scope(report):
    _, o, rep = report
    data = rep.to_json()
    entries = [e for c in data["claims"] for e in c["evidence"]]
    assert entries and all("scope" in e for e in entries)
    assert all(isinstance(e["instances"], int) for e in entries if e["scope"] == "instances")
    by_id = {c["id"].split("/")[1]: c for c in data["claims"]}
    assert by_id["lemma-instances"]["scope"] == "instances" and by_id["lemma-general"]["scope"] == "general"
    assert by_id["remark-example"]["about"] == "T = diag(4, 1), m = 2"
    from symflat.report.table import run_table
    text = run_table(rep)
    assert "proved in general" in text and "2 rigorous on instances (certified)" in text


def test_traceback_is_stored_and_shown(report, tmp_path, capsys):
    pid, o, _ = report
    ev = dict(o["lemma-errors"].evidence)["raises"]
    assert "ZeroDivisionError" in ev.data["traceback"] and "return 1 / 0" in ev.data["traceback"]
    with Ledger(tmp_path / "l.sqlite") as led:
        row = led.db.execute("SELECT scope, instances FROM results WHERE claim_id=?", (f"{pid}/lemma-instances",)).fetchone()
    assert row == ("instances", 7)


def test_compare_flags_narrowed_scope(claim_folder, tmp_path, capsys, monkeypatch):
    folder, pid = claim_folder({"a.py": """
        import os
        from symflat import Evidence
        from . import paper

        @paper.lemma("lemma-1", "for every m")
        def one(ctx):
            n = int(os.environ.get("N", "0"))
            return Evidence.certified("exact", instances=n, cases="m = 2..") if n else Evidence.proved("induction")
    """})
    ledger = str(tmp_path / "l.sqlite")
    args = ["check", str(folder), "--executor", "serial", "--ledger", ledger, "--compare"]
    assert main(args) == 0
    monkeypatch.setenv("N", "9")
    assert main(args) == 1
    assert "scope narrowed from general to 9 instances" in capsys.readouterr().out
    monkeypatch.setenv("N", "4")
    assert main(args) == 1
    assert "scope narrowed from 9 to 4 instances" in capsys.readouterr().out
    out = tmp_path / "run.json"
    main(["check", str(folder), "--executor", "serial", "--no-ledger", "--json", str(out)])
    assert json.loads(out.read_text())["claims"][0]["evidence"][0]["instances"] == 4
