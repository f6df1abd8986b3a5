"""Bad command-line arguments are usage errors (exit status 2) that name the option, checked by
argparse before any claim is loaded or any check runs (issue 17, part 1)."""

from __future__ import annotations

import pytest

from symflat.cli import main

CASES = [
    ("issue-history-limit-negative", ["history", "--limit", "-1"], "--limit must be an integer >= 0, got -1"),
    ("issue-check-budget-zero", ["check", "--budget", "0"], "--budget must be a finite number > 0, got 0.0"),
    ("issue-check-budget-negative", ["check", "--budget", "-5"], "--budget must be a finite number > 0, got -5.0"),
    ("issue-check-seed-negative", ["check", "--seed", "-1"], "--seed must be an integer >= 0, got -1"),
    ("check-budget-nan", ["check", "--budget", "nan"], "--budget must be a finite number > 0, got nan"),
    ("check-seed-fractional", ["check", "--seed", "1.5"], "--seed must be an integer, got '1.5'"),
    ("check-dps-too-small", ["check", "--dps", "3"], "--dps must be an integer >= 5, got 3"),
    ("check-workers-zero", ["check", "--workers", "0"], "--workers must be an integer >= 1, got 0"),
    ("check-slack-tol-negative", ["check", "--slack-tol", "-1"], "--slack-tol must be a finite number >= 0, got -1.0"),
    ("sharpness-n-zero", ["sharpness", "--n", "0"], "--n must be an integer >= 1, got 0"),
    ("sharpness-maxiter-zero", ["sharpness", "--maxiter", "0"], "--maxiter must be an integer >= 1, got 0"),
    ("sharpness-tol-negative", ["sharpness", "--tol", "-1"], "--tol must be a finite number >= 0, got -1.0"),
    ("sharpness-seed-negative", ["sharpness", "--seed", "-2"], "--seed must be an integer >= 0, got -2"),
    ("experiment-steps-zero", ["experiment", "gd-stability", "--steps", "0"], "--steps must be an integer >= 1, got 0"),
]


@pytest.mark.parametrize("argv, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_argument_is_a_usage_error_naming_the_option(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing to load here: the argument must be refused before loading
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_search_on_a_claim_without_an_inequality_is_a_usage_error(tmp_path, monkeypatch, capsys):
    """Issue 17: ``symflat search ID`` on a claim that carries no inequality ended inside the engine."""
    paper = tmp_path / "proofs" / "plain"
    paper.mkdir(parents=True)
    (paper / "__init__.py").write_text('from symflat import Paper\npaper = Paper("plain-toy")\n')
    (paper / "claims.py").write_text('from . import paper\npaper.lemma("l1", "a statement with no inequality")\n')
    monkeypatch.chdir(tmp_path)
    code = main(["search", "plain-toy/l1", "proofs/plain", "--budget", "1", "--no-ledger"])
    err = capsys.readouterr().err
    assert code == 2 and "has no inequality attached" in err and "Traceback" not in err
