"""Bad input at the search entry points ends in a named search error (issue 17 part 1), and search
evidence states its scope honestly (issue 17 part 6, issue 13): a search reaching an equality case
is ``checked`` on the points it evaluated, never ``certified``."""

import argparse
import textwrap

import pytest

from search_planted_cases import TRUE, amgm, cond_bound
from symflat import Paper
from symflat.claims import Context, Status
from symflat.errors import SymflatError
from symflat.precision import Inequality, Point, Scalar
from symflat.search import (SearchError, SearchSetupError, decide_check, precision_check, search, search_check,
                            search_evidence, shrink, widen)
from symflat.search import cli as search_cli
from symflat.search.parallel import claim_inequality

PAPER = Paper("planted-search-errors")
NO_INEQUALITY = PAPER.lemma("plain", "a claim without an inequality")
WITH_INEQUALITY = PAPER.lemma("cond", "cond(A) <= 1e6", hypotheses=["well-conditioned"], inequality=cond_bound())


def ctx(budget=5.0):
    return Context("planted/x", "c", seed=0, dps=30, budget=budget)


def test_search_error_is_a_symflat_error():
    assert issubclass(SearchSetupError, SearchError) and issubclass(SearchError, SymflatError)
    assert issubclass(SearchError, ValueError)


@pytest.mark.parametrize("call", [
    lambda: search(NO_INEQUALITY, budget=1),
    lambda: search_check(NO_INEQUALITY),
    lambda: precision_check(NO_INEQUALITY),
    lambda: decide_check(NO_INEQUALITY),
    lambda: widen(NO_INEQUALITY, budget=1),
    lambda: claim_inequality(NO_INEQUALITY),
])
def test_a_claim_without_an_inequality_is_named(call):
    with pytest.raises(SearchSetupError, match="planted-search-errors/plain has no inequality attached"):
        call()


@pytest.mark.parametrize("call, words", [
    (lambda: search_check(None), "search_check: ineq must be an Inequality or a claim carrying one, got None"),
    (lambda: search(None), "search: ineq must be an Inequality"),
    (lambda: search("lemma-4"), "got str"),
    (lambda: search(amgm(), budget=float("nan")), "budget must be positive seconds"),
    (lambda: search(amgm(), budget=True), "budget"),
    (lambda: search(amgm(), seed=-1), "seed must be a non-negative int"),
    (lambda: search(amgm(), max_evaluations=0), "max_evaluations"),
    (lambda: search_check(amgm(), budget=-1), "budget"),
    (lambda: precision_check(amgm(), instances=3), "instances must be a list"),
    (lambda: shrink(amgm(), {"point": {}}), "cex must be a Counterexample"),
    (lambda: claim_inequality(WITH_INEQUALITY, ["a9"]), "claim planted-search-errors/cond has no hypothesis 'a9'"),
    (lambda: search_check(cond_bound(), drop=[""]), "non-empty strings"),
])
def test_bad_arguments_are_named(call, words):
    with pytest.raises(SearchError, match=words.replace("(", r"\(")):
        call()


CLAIM_FILE = textwrap.dedent('''
    from symflat import Paper
    from search_planted_cases import cond_bound

    paper = Paper("planted-search-errors-cli")
    paper.lemma("cond", "cond(A) <= 1e6", hypotheses=["well-conditioned"], inequality=cond_bound())
    paper.lemma("plain", "no inequality")
''')


@pytest.mark.parametrize("argv, words", [
    (["planted-search-errors-cli/nope"], "nope"),
    (["planted-search-errors-cli/plain"], "no inequality attached"),
    (["planted-search-errors-cli/cond", "--drop", "a9"], "has no hypothesis 'a9'"),
    (["planted-search-errors-cli/cond", "--seed", "-1"], "--seed must be a non-negative integer"),
    (["planted-search-errors-cli/cond", "--widen", "--z3"], "--widen cannot be combined"),
])
def test_cli_usage_errors_name_the_problem(argv, words, tmp_path, monkeypatch, capsys):
    (tmp_path / "claims.py").write_text(CLAIM_FILE)
    monkeypatch.chdir(tmp_path)
    parser = argparse.ArgumentParser()
    search_cli.configure(parser)
    args = parser.parse_args([argv[0], "claims.py", *argv[1:], "--no-ledger"])
    assert search_cli.run(args) == 2
    assert words in capsys.readouterr().err


def test_a_search_reaching_an_equality_case_is_checked_not_certified():
    """Cauchy-Schwarz is tight at parallel vectors; a search bounded by its evaluation count (so
    reproducible) reaches them, and its evidence is 'checked' on the points it evaluated even
    though every sampled point certifies."""
    ineq = TRUE["cauchy-schwarz"]()
    res = search(ineq, budget=120, seed=0, max_evaluations=3000)
    assert res.tight_point is not None
    ev = search_evidence(ineq, res, seed=0)
    assert ev.data["tight"] is True and ev.status is Status.CHECKED and ev.data["certified_instances"] == 8
    assert ev.scope == "instances" and ev.instances == ev.data["evaluations"] == 3000
    assert "3000 points evaluated by the search" in ev.data["cases"] and "equality case" in ev.detail


def test_certified_search_evidence_counts_only_the_arb_certified_points():
    """exp(x) >= 1 + x/2 on [1, 2] is strict everywhere (exp(1) > 1.5): no equality case to reach."""
    ineq = Inequality(lambda x, o: o.exp(x["x"]), lambda x, o: 1 + x["x"] * o.q(1, 2), ">=",
                      variables=[Scalar("x", lo=1, hi=2)], name="exp(x) >= 1 + x/2")
    ev = search_check(ineq, budget=0.5, certify_instances=5)(ctx())
    assert ev.status is Status.CERTIFIED and ev.data["tight"] is False
    assert ev.scope == "instances" and ev.instances == ev.data["certified_instances"] == 5
    assert "5 sampled points" in ev.data["cases"]


def test_refuted_and_decided_evidence_scopes():
    from search_planted_cases import FALSE

    ev = search_check(FALSE["amgm-1e-10"](), budget=3)(ctx())
    assert ev.status is Status.REFUTED and ev.scope == "instances" and ev.instances == 1
    poly = Inequality(lambda x, o: ((x["a"] + x["b"]) * o.q(1, 2)) ** 2, lambda x, o: x["a"] * x["b"], ">=",
                      variables=[Scalar("a"), Scalar("b")])
    general = decide_check(poly)(ctx())
    assert general.status is Status.PROVED and general.scope == "general"  # no dims: every real point
    sized = Inequality(lambda x, o: o.fro2(x["v"]), lambda x, o: o.num(0), ">=", variables=[_vector()], dims={"n": [1, 2]})
    inst = decide_check(sized, dims=[{"n": 1}, {"n": 2}])(ctx())
    assert inst.status is Status.CERTIFIED and inst.scope == "instances" and inst.instances == 2


def _vector():
    from symflat.precision import Vector

    return Vector("v", "n")


def test_precision_check_scope():
    ev = precision_check(amgm(), [Point({}, {"a": [1], "b": [2]}), Point({}, {"a": [3], "b": [5]})])(ctx())
    assert ev.status is Status.CERTIFIED and ev.scope == "instances" and ev.instances == 2
    assert "2 given points" in ev.data["cases"]
