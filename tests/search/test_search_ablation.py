"""Hypothesis ablation (issue 17 part 4): the claim's standing first; a counterexample meeting the
dropped hypothesis refutes the claim; "necessary" only with a witness violating it."""

import argparse
import textwrap

import numpy as np
import pytest

from search_planted_cases import cond_bound
from symflat.claims import Context, Status
from symflat.precision import Hypothesis, Inequality, Matrix, Scalar, Vector
from symflat.search import SearchSetupError, ablate, search, search_check
from symflat.search import cli as search_cli

WELL = Hypothesis("well-conditioned", lambda x, o: o.sigma_min(x["A"]) - o.q(1, 10**6) * o.opnorm(x["A"]))


def cond_le_10() -> Inequality:
    """cond(A) <= 10 under sigma_min >= 1e-6 sigma_max: false with the hypothesis (diag(1, 1/100))."""
    return Inequality(lambda x, o: o.opnorm(x["A"]), lambda x, o: 10 * o.sigma_min(x["A"]), "<=",
                      variables=[Matrix("A", ("n", "n"))], dims={"n": [2, 3]}, hypotheses=[WELL], name="cond<=10")


def cauchy_schwarz_bounded() -> Inequality:
    """(u.v)^2 <= |u|^2 |v|^2 with a hypothesis it does not need (|u|^2 <= 100)."""
    return Inequality(lambda x, o: o.dot(x["u"], x["v"]) ** 2, lambda x, o: o.fro2(x["u"]) * o.fro2(x["v"]), "<=",
                      variables=[Vector("u", "n"), Vector("v", "n")], dims={"n": [2, 3]},
                      hypotheses=[Hypothesis("bounded-u", lambda x, o: 100 - o.fro2(x["u"]))], name="cs")


def _matrix(cex) -> np.ndarray:
    p = cex.point
    n = p.dims["n"]
    return np.array([float(v) for v in p.params["A"]]).reshape(n, n)


def test_claim_refuted_with_the_hypothesis_is_reported_so_not_as_necessary():
    res = ablate(cond_le_10(), ["well-conditioned"], budget=4, seed=0)
    assert res.outcome == "claim-refuted" and not res.necessary
    s = np.linalg.svd(_matrix(res.witness), compute_uv=False)
    assert s[-1] >= 1e-6 * s[0] and s[0] > 10 * s[-1]  # by numpy: meets the hypothesis, breaks the bound
    ev = res.evidence()
    assert ev.status is Status.REFUTED and "the claim itself is refuted" in ev.detail
    assert "necessary" not in ev.detail and ev.data["ablation"] == "claim-refuted"


def test_witness_found_only_without_the_hypothesis_but_meeting_it_refutes_the_claim():
    """x <= 1 with an idle hypothesis x >= -100: a standing search that sees nothing (a stub) does
    not turn the drop search's witness x = 2 (which meets x >= -100) into 'necessary'."""
    ineq = Inequality(lambda x, o: x["x"], lambda x, o: o.num(1), "<=", variables=[Scalar("x")],
                      hypotheses=[Hypothesis("idle", lambda x, o: x["x"] + 100)], name="x<=1")

    def searcher(target, dropped, seconds):
        if not dropped:  # a standing search too weak to see anything
            return search(Inequality(lambda x, o: o.num(0), lambda x, o: o.num(1), "<=", variables=[Scalar("x")]),
                          budget=seconds, seed=0, max_evaluations=50)
        return search(target, budget=seconds, seed=0, dropped=dropped)

    res = ablate(ineq, ["idle"], budget=2, searcher=searcher)
    assert res.outcome == "claim-refuted" and res.witness.dropped == []
    assert float(res.witness.point.params["x"][0]) > 1
    assert res.evidence().status is Status.REFUTED


def test_necessary_only_with_a_witness_violating_it_while_the_claim_stands():
    res = ablate(cond_bound(), ["well-conditioned"], budget=4, seed=0)
    assert res.outcome == "necessary" and res.standing.status is not Status.REFUTED
    s = np.linalg.svd(_matrix(res.witness), compute_uv=False)
    assert s[-1] < 1e-6 * s[0] and s[0] > 1e6 * s[-1]  # by numpy: violates the hypothesis and the bound
    ev = res.evidence()
    assert ev.status is Status.OPEN and ev.data["hypothesis_necessary"] is True
    assert ev.data["standing"] in ("certified", "checked") and "well-conditioned" in ev.data["violates"]


def test_not_shown_when_nothing_breaks_without_the_hypothesis():
    res = ablate(cauchy_schwarz_bounded(), "bounded-u", budget=2, seed=0)
    assert res.outcome == "not-shown" and res.witness is None
    ev = res.evidence()
    assert ev.status is Status.OPEN and ev.data["hypothesis_necessary"] is False


def test_search_check_with_drop_reports_a_refuted_claim():
    ev = search_check(cond_le_10(), drop=["well-conditioned"], budget=4)(Context("p/x", "c", seed=0, dps=30, budget=10))
    assert ev.status is Status.REFUTED and ev.data["dropped"] == ["well-conditioned"]


def test_unknown_or_empty_drop_is_a_named_error():
    with pytest.raises(SearchSetupError, match="no hypothesis 'a9'"):
        ablate(cond_bound(), ["a9"])
    with pytest.raises(SearchSetupError, match="no hypothesis 'a9'"):
        search_check(cond_bound(), drop=["a9"])
    with pytest.raises(SearchSetupError, match="at least one"):
        ablate(cond_bound(), [])


CLAIM_FILE = textwrap.dedent('''
    from symflat import Paper
    from test_search_ablation import cond_le_10

    paper = Paper("planted-ablation-cli")
    paper.assumption("well-conditioned", "sigma_min(A) >= 1e-6 sigma_max(A)")
    paper.lemma("cond-10", "cond(A) <= 10", hypotheses=["well-conditioned"], inequality=cond_le_10())
''')


def test_cli_drop_on_a_false_claim_says_the_claim_is_refuted(tmp_path, monkeypatch, capsys):
    (tmp_path / "claims.py").write_text(CLAIM_FILE)
    monkeypatch.chdir(tmp_path)
    parser = argparse.ArgumentParser()
    search_cli.configure(parser)
    args = parser.parse_args(["planted-ablation-cli/cond-10", "claims.py", "--drop", "well-conditioned",
                              "--budget", "4", "--ledger", str(tmp_path / "l.sqlite")])
    assert search_cli.run(args) == 1  # refuted against the (default) expectation
    out = capsys.readouterr().out
    assert "refuted" in out and "the claim itself is refuted" in out and "is necessary" not in out
    args = parser.parse_args(["planted-ablation-cli/cond-10", "claims.py", "--drop", "well-conditioned", "--replay",
                              "--ledger", str(tmp_path / "l.sqlite")])
    assert search_cli.run(args) == 0 and "reproduces the violation" in capsys.readouterr().out
