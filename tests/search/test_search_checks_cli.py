"""Check factories, the ``symflat search`` command (ledger, --drop, --replay, executors),
``assert_bound`` and its fixture, and the precision bench."""

import argparse
import json
import textwrap
from fractions import Fraction

import pytest

from search_planted_cases import FALSE, TRUE, amgm, cond_bound
from symflat.bench import precision as bench_precision
from symflat.claims import Context, Status
from symflat.precision import Inequality, Point, Scalar
from symflat.search import decide_check, precision_check, search_check
from symflat.search import cli as search_cli
from symflat.testing import BoundViolation, assert_bound, replay_counterexample
from symflat.testing_fixtures import symflat_bound  # noqa: F401 - used as a fixture below


def ctx(name="c", budget=5.0):
    return Context("planted/x", name, seed=0, dps=30, budget=budget)


def test_search_check_refutes_false_and_certifies_sample_of_true():
    ev = search_check(FALSE["lemma4-constant-1pct"](), budget=5)(ctx())
    assert ev.status is Status.REFUTED
    cex = ev.data["counterexample"]
    assert replay_counterexample(FALSE["lemma4-constant-1pct"](), cex) == "violated"
    ok = search_check(TRUE["opnorm<=fro"](), budget=1)(ctx())
    assert ok.status is (Status.CHECKED if ok.data["tight"] else Status.CERTIFIED)  # a tight case never certifies
    assert ok.data["certified_instances"] >= 1


def test_undefined_evaluations_are_counted_not_hidden():
    """log(a) <= a - 1 holds where it is defined (a > 0); on a domain reaching below 0 the search
    must say how many of its points were undefined rather than pass over them in silence."""
    from symflat.search import search

    ineq = Inequality(lambda x, ops: ops.log(x["a"]), lambda x, ops: x["a"] - 1, "<=",
                      variables=[Scalar("a", lo=-1, hi=2)], name="log a <= a - 1")
    res = search(ineq, budget=1.0, seed=0, max_evaluations=3000)
    assert not res.found and 0 < res.undefined < res.evaluations
    assert f"{res.undefined} evaluations were undefined" in res.summary()
    ev = search_check(ineq, budget=1.0)(ctx())
    assert ev.data["undefined"] > 0


def test_precision_check_on_given_instances():
    check = precision_check(amgm(), [Point({}, {"a": [1], "b": [2]}), {"a": Fraction(1, 4), "b": Fraction(1, 4)}])
    ev = check(ctx())
    assert ev.status is Status.CERTIFIED and ev.data["tight"] is True  # dyadic equality case: exact zero ball
    third = precision_check(amgm(), [{"a": Fraction(1, 3), "b": Fraction(1, 3)}])(ctx())
    assert third.status is Status.CHECKED and third.data["tight"] is True  # 1/3 is a ball: zero not certifiable
    bad = precision_check(amgm((99, 100)), [Point({}, {"a": [1], "b": [1]})])(ctx())
    assert bad.status is Status.REFUTED and bad.data["counterexample"]["point"]["params"]["a"] == ["1"]


def test_decide_check():
    poly = Inequality(lambda x, o: ((x["a"] + x["b"]) * o.q(1, 2)) ** 2, lambda x, o: x["a"] * x["b"], ">=",
                      variables=[Scalar("a"), Scalar("b")])
    assert decide_check(poly)(ctx()).status is Status.PROVED
    wrong = Inequality(lambda x, o: x["a"] * x["a"], lambda x, o: x["a"], ">=", variables=[Scalar("a")])
    assert decide_check(wrong)(ctx()).status is Status.REFUTED


CLAIM_FILE = textwrap.dedent('''
    from symflat import Paper
    from search_planted_cases import cond_bound

    paper = Paper("planted-search-cli")
    paper.assumption("well-conditioned", "sigma_min(A) >= 1e-6 sigma_max(A)")
    paper.lemma("cond-bound", "cond(A) <= 1e6", hypotheses=["well-conditioned"], inequality=cond_bound())
    paper.lemma("no-inequality", "a claim without an inequality")
''')


@pytest.fixture
def claims(tmp_path, monkeypatch):
    folder = tmp_path / "proofs"
    folder.mkdir()
    (folder / "cond.py").write_text(CLAIM_FILE)
    monkeypatch.chdir(tmp_path)
    return folder


def run_cli(*argv):
    parser = argparse.ArgumentParser()
    search_cli.configure(parser)
    return search_cli.run(parser.parse_args([str(a) for a in argv]))


def test_cli_search_drop_replay_and_ledger(claims, tmp_path, capsys):
    from symflat.runner.ledger import Ledger

    ledger = tmp_path / "l.sqlite"
    assert run_cli("planted-search-cli/cond-bound", claims, "--budget", 1, "--ledger", ledger) == 0
    assert run_cli("planted-search-cli/cond-bound", claims, "--budget", 4, "--drop", "well-conditioned",
                   "--ledger", ledger) == 0
    out = capsys.readouterr().out
    assert "hypothesis well-conditioned is necessary" in out and "--replay" in out
    with Ledger(ledger) as led:
        results = led.results("planted-search-cli/cond-bound")
    assert [r.check_name for r in results] == ["search", "search-drop-well-conditioned"]
    assert results[0].status in (Status.CERTIFIED, Status.CHECKED)
    drop = results[1].evidence
    assert drop.status is Status.OPEN and drop.data["hypothesis_necessary"] is True and "counterexample" in drop.data
    assert run_cli("planted-search-cli/cond-bound", claims, "--drop", "well-conditioned", "--replay",
                   "--ledger", ledger) == 0
    assert "reproduces the violation" in capsys.readouterr().out


def test_cli_usage_errors(claims, capsys):
    assert run_cli("planted-search-cli/nope", claims, "--no-ledger") == 2
    assert run_cli("planted-search-cli/no-inequality", claims, "--no-ledger") == 2
    assert "no inequality attached" in capsys.readouterr().err
    assert run_cli("planted-search-cli/cond-bound", claims, "--drop", "a9", "--no-ledger") == 2
    assert run_cli("planted-search-cli/cond-bound", claims, "--budget", "-1", "--no-ledger") == 2
    assert run_cli("planted-search-cli/cond-bound", claims, "--replay", "--ledger", "missing.sqlite") == 2


def test_cli_fans_out_over_processes(claims, capsys):
    code = run_cli("planted-search-cli/cond-bound", claims, "--drop", "well-conditioned", "--executor", "process",
                   "--workers", 2, "--budget", 3, "--no-ledger")
    assert code == 0 and "necessary" in capsys.readouterr().out


def test_assert_bound_passes_true_and_explains_false():
    assert_bound(TRUE["amgm"](), budget=0.5)
    with pytest.raises(BoundViolation) as info:
        assert_bound(FALSE["cauchy-schwarz-1pct"](), budget=5)
    msg = str(info.value)
    assert "violated" in msg and "replay: symflat.testing.replay_counterexample" in msg
    payload = msg.split("replay_counterexample(ineq, ")[1][:-1]
    assert replay_counterexample(FALSE["cauchy-schwarz-1pct"](), json.loads(eval(payload))) == "violated"
    with pytest.raises(BoundViolation, match="instance 0"):
        assert_bound(amgm((99, 100)), instances=[Point({}, {"a": [1], "b": [1]})], budget=0)


def test_symflat_bound_fixture(symflat_bound):
    symflat_bound(cond_bound(), budget=0.5)
    with pytest.raises(AssertionError):
        symflat_bound(cond_bound(with_hypothesis=False), budget=5)


def test_precision_bench_reports_all_peers():
    res = bench_precision.bench(instances=3, dps=50, min_seconds=0.05)
    assert set(res["rates"]) == set(bench_precision.PEERS)
    assert res["arb_certified"] == 3 and res["mpmath_holds"] == 3
    assert res["ratios_vs_mpmath"]["mpmath"] == 1.0


def test_search_check_with_dropped_hypothesis_never_refutes_the_claim():
    ev = search_check(cond_bound(), drop=["well-conditioned"], budget=4)(ctx())
    assert ev.status is Status.OPEN and ev.data["hypothesis_necessary"] is True
    assert ev.data["dropped"] == ["well-conditioned"] and "counterexample" in ev.data


POLY_FILE = textwrap.dedent('''
    from symflat import Paper
    from symflat.precision import Inequality, Scalar

    paper = Paper("planted-z3-cli")
    paper.lemma("amgm-squared", "((a+b)/2)^2 >= ab", inequality=Inequality(
        lambda x, o: ((x["a"] + x["b"]) * o.q(1, 2)) ** 2, lambda x, o: x["a"] * x["b"], ">=",
        variables=[Scalar("a"), Scalar("b")]))
    paper.lemma("wrong", "a^2 >= a", inequality=Inequality(
        lambda x, o: x["a"] * x["a"], lambda x, o: x["a"], ">=", variables=[Scalar("a")]))
    paper.lemma("sqrt-wrong", "sqrt(a) <= a", inequality=Inequality(
        lambda x, o: o.sqrt(x["a"]), lambda x, o: x["a"], "<=", variables=[Scalar("a", lo=0)]))
    paper.lemma("not-algebraic", "exp(a) >= 1 + a", inequality=Inequality(
        lambda x, o: o.exp(x["a"]), lambda x, o: 1 + x["a"], ">=", variables=[Scalar("a")]))
''')


def test_cli_z3_decisions(tmp_path, monkeypatch, capsys):
    (tmp_path / "poly.py").write_text(POLY_FILE)
    monkeypatch.chdir(tmp_path)
    ledger = tmp_path / "l.sqlite"
    assert run_cli("planted-z3-cli/amgm-squared", "poly.py", "--z3", "--ledger", ledger) == 0
    assert "proved" in capsys.readouterr().out
    assert run_cli("planted-z3-cli/wrong", "poly.py", "--z3", "--ledger", ledger) == 1
    assert "refuted" in capsys.readouterr().out
    assert run_cli("planted-z3-cli/wrong", "poly.py", "--z3", "--replay", "--ledger", ledger) == 0
    assert run_cli("planted-z3-cli/sqrt-wrong", "poly.py", "--z3", "--no-ledger") == 1  # a = 1/4: 1/2 > 1/4
    capsys.readouterr()
    assert run_cli("planted-z3-cli/not-algebraic", "poly.py", "--z3", "--no-ledger") == 0
    assert "open" in capsys.readouterr().out  # undecided, with the reason: never a guess
