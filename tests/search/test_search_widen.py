"""Widening (issue 16 part 3, the engine side): each domain's widenings, the search on each, the
repair hypothesis, the evidence and the CLI (``--widen``, ``--widen=LABEL --replay``)."""

import argparse
import textwrap

import numpy as np
import pytest

from search_planted_cases import _lemma4, amgm, lam_max_le_trace
from symflat.claims import Context, Status
from symflat.precision import Inequality, Matrix, Scalar, Vector
from symflat.search import SearchSetupError, widen, widen_check, widenings
from symflat.search import cli as search_cli


def x_plus_inverse() -> Inequality:
    """x + 1/x >= 2 for x > 0 (AM-GM). At x = 0 it is undefined; for x < 0 the left side is <= -2."""
    return Inequality(lambda x, o: x["x"] + 1 / x["x"], lambda x, o: o.num(2), ">=",
                      variables=[Scalar("x", lo=0, lo_open=True)], name="x + 1/x >= 2")


def symmetric_opnorm() -> Inequality:
    """||S||_2 <= ||S||_F, stated for symmetric S: true for every matrix."""
    return Inequality(lambda x, o: o.opnorm(x["S"]), lambda x, o: o.fro(x["S"]), "<=",
                      variables=[Matrix("S", ("n", "n"), "symmetric")], dims={"n": [2, 3]}, name="opnorm<=fro (sym)")


def test_each_domain_lists_its_widenings():
    assert [w.label for w in Scalar("x", lo=0, lo_open=True).widenings()] == ["x:include-0", "x:any-sign"]
    assert [w.label for w in Scalar("eta", lo=1, hi=4).widenings()] == ["eta:down-to-0", "eta:any-sign",
                                                                         "eta:unbounded-above"]
    assert [w.label for w in Matrix("S", ("n", "n"), "psd").widenings()] == ["S:symmetric", "S:general"]
    assert [w.label for w in Matrix("Q", ("n", "n"), "rotation").widenings()] == ["Q:general"]
    assert [w.label for w in Vector("u", "n", "unit").widenings()] == ["u:general"]
    assert Matrix("A", ("n", "n")).widenings() == [] and Scalar("t").widenings() == []
    labels = [w.label for w in widenings(_lemma4(dims={"m": [2, 3], "n": [1, 2]}))]
    assert labels == ["m:down-to-1"]  # general matrices, n from 1: only the depth can widen


def test_psd_to_symmetric_breaks_lambda_max_le_trace_and_names_the_repair():
    results = {r.label: r for r in widen(lam_max_le_trace(), budget=2, seed=0)}
    r = results["S:symmetric"]
    assert r.breaks and r.repair.name == "S-psd" and "positive semi-definite" in r.gives_up
    s = np.asarray(r.inequality.values(r.counterexample.point, _float_ops())["S"], dtype=float)
    eig = np.linalg.eigvalsh(s)
    assert np.allclose(s, s.T) and eig.max() > np.trace(s) and eig.min() < 0  # by numpy: symmetric, indefinite
    # the repair restores the original domain: the wider inequality with it rejects the witness
    assert not r.repaired().evaluate(r.counterexample.point, 30).admissible
    ev = r.evidence()
    assert ev.status is Status.OPEN and ev.data["breaks"] is True and ev.data["repair"] == "S-psd"


def _float_ops():
    from symflat.precision.backends import FloatOps

    return FloatOps()


def test_sign_widenings_of_amgm_break_with_a_negative_entry():
    for r in widen(amgm(), budget=1, seed=0):
        assert r.breaks, r.describe()
        x = r.inequality.values(r.counterexample.point, _float_ops())
        a, b = float(x["a"]), float(x["b"])
        assert min(a, b) < 0 and (a + b) / 2 < np.sqrt(max(a * b, 0))  # by hand: the mean is below the root
        assert r.repair.statement in ("a >= 0", "b >= 0")


def test_widenings_that_hold_and_a_chain_that_breaks_only_at_its_end():
    results = {r.label: r for r in widen(x_plus_inverse(), budget=2, seed=0)}
    assert not results["x:include-0"].breaks  # x = 0 is undefined, never a violation
    neg = results["x:any-sign"]
    assert neg.breaks and float(neg.counterexample.point.params["x"][0]) < 0 and neg.repair.name == "x>0"
    assert neg.narrower_held == ["x:include-0"] and "a weaker repair may do" in neg.describe()
    assert not any(r.breaks for r in widen(symmetric_opnorm(), budget=1, seed=0))
    depth = widen(_lemma4(dims={"m": [2, 3], "n": [1, 2]}), budget=1, seed=0)
    assert [r.label for r in depth] == ["m:down-to-1"] and not depth[0].breaks  # ||A||_F^2 >= ||A||_2^2


def test_a_widening_without_admissible_points_shows_nothing():
    """A hypothesis no sampled point meets (x^2 >= 1e40): the widening is neither broken nor 'holds'."""
    from symflat.precision import Hypothesis

    ineq = Inequality(lambda x, o: x["x"], lambda x, o: x["x"] + 1, "<=", variables=[Scalar("x", lo=0)],
                      hypotheses=[Hypothesis("huge", lambda x, o: x["x"] ** 2 - o.num(10) ** 40)])
    (r,) = widen(ineq, budget=0.5, seed=0)
    assert r.label == "x:any-sign" and not r.breaks and not r.admissible
    assert "shows nothing" in r.describe() and r.evidence().data["admissible"] is False


def test_widen_check_and_bad_arguments():
    ev = widen_check(lam_max_le_trace(), budget=2)(Context("p/x", "widen", seed=0, dps=30, budget=10))
    assert ev.status is Status.OPEN and set(ev.data["counterexamples"]) == {"S:symmetric", "S:general"}
    with pytest.raises(SearchSetupError, match="no widening 'S:diagonal'"):
        widen(lam_max_le_trace(), budget=1, only="S:diagonal")
    with pytest.raises(SearchSetupError, match="budget"):
        widen(lam_max_le_trace(), budget=0)
    with pytest.raises(SearchSetupError, match="widen_check: ineq must be an Inequality"):
        widen_check(None)


CLAIM_FILE = textwrap.dedent('''
    from symflat import Paper
    from search_planted_cases import lam_max_le_trace

    paper = Paper("planted-widen-cli")
    paper.lemma("lmax-trace", "lambda_max(S) <= tr(S) for PSD S", inequality=lam_max_le_trace())
''')


def test_cli_widen_stores_and_replays(tmp_path, monkeypatch, capsys):
    (tmp_path / "claims.py").write_text(CLAIM_FILE)
    monkeypatch.chdir(tmp_path)
    parser = argparse.ArgumentParser()
    search_cli.configure(parser)
    ledger = str(tmp_path / "l.sqlite")

    def run(*argv):
        return search_cli.run(parser.parse_args(["planted-widen-cli/lmax-trace", "claims.py", *argv]))

    assert run("--widen", "--budget", "2", "--ledger", ledger) == 0
    out = capsys.readouterr().out
    assert "2 of 2 widenings break it" in out and "--widen=S:symmetric --replay" in out
    assert run("--widen=S:symmetric", "--replay", "--ledger", ledger) == 0
    assert "reproduces the violation" in capsys.readouterr().out
    assert run("--widen=S:diagonal", "--no-ledger") == 2
    assert run("--widen", "--drop", "x", "--no-ledger") == 2
