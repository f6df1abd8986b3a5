"""The shrinker: its total order, acceptance rule, fixed point, call budget, worst witness, and the
import direction engine -> shrinker (STYLE.md E3; issue 17 part 5)."""

import ast
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from symflat.precision import Inequality, Point, Scalar
from symflat.search import Counterexample, ShrinkBudget, SearchError, replay, search, shrink, simplicity_key
from symflat.search.counterexample import from_confirmation
from symflat.search.shrink import height

SEARCH_DIR = Path(__file__).resolve().parents[2] / "symflat" / "search"


def w1_bound() -> Inequality:
    """w1^2 + 1/w1^2 <= 3: false (issue 17). By hand: w1 = 0 is undefined, w1 = +-1 gives 2 <= 3,
    and each height-2 rational (2, -2, 1/2, -1/2) gives 4 + 1/4 > 3; so in the shrinker's order
    (integers before fractions of equal height, positive before negative) w1 = 2 is the simplest
    counterexample, with slack 3 - 17/4 = -5/4."""
    return Inequality(lambda x, o: x["w1"] ** 2 + 1 / x["w1"] ** 2, lambda x, o: o.num(3), "<=",
                      variables=[Scalar("w1")], name="w1^2 + 1/w1^2 <= 3")


def pt(*entries, **dims) -> Point:
    return Point(dims, {"x": [Fraction(e) for e in entries]})


def test_simplicity_key_is_the_documented_order():
    assert height(Fraction(-3, 500000)) == 500000 and height(0) == 0 and height(Fraction(2, 3)) == 3
    ordered = [pt(2), pt(-2), pt(Fraction(1, 2)), pt(Fraction(-1, 2)), pt(3), pt(Fraction(3, 500000))]
    assert sorted(ordered, key=simplicity_key) == ordered
    assert simplicity_key(pt(1, 0)) < simplicity_key(pt(1, 1))         # fewer nonzero entries
    small = Point({"n": 2}, {"x": [Fraction(1), Fraction(0)]})
    large = Point({"n": 3}, {"x": [Fraction(1), Fraction(0)]})
    assert simplicity_key(small) < simplicity_key(large)                # then smaller dims
    assert simplicity_key(pt(2, 2)) < simplicity_key(pt(Fraction(1, 3)))  # heights come first


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_w1_counterexample_is_w1_equals_2_for_every_seed(seed):
    ineq = w1_bound()
    cex = search(ineq, budget=3, seed=seed).counterexample
    (w1,) = cex.point.params["w1"]
    assert height(w1) <= 100 and w1 == 2, cex.point.params
    assert cex.slack == "-1.25"  # 3 - (4 + 1/4)
    stats = cex.shrink_stats
    assert stats["stopped"] == "fixed point" and stats["confirms"] <= stats["budget"]["confirms"]
    assert sum(p["successes"] for p in stats["passes"].values()) >= 1


def test_worst_witness_is_kept_beside_the_simplest_and_both_replay():
    ineq = w1_bound()
    cex = search(ineq, budget=3, seed=0).counterexample
    assert cex.worst is not None
    w = float(cex.worst.point.params["w1"][0])
    assert w * w + 1 / (w * w) - 3 > 17 / 4 - 3  # more violating than w1 = 2, by direct evaluation
    data = cex.to_json(ineq)
    back = Counterexample.from_json(data)
    assert back.worst.point.to_json() == cex.worst.point.to_json() and back.shrink_stats == cex.shrink_stats
    assert replay(ineq, data).verdict == "violated" and replay(ineq, data, worst=True).verdict == "violated"


def _start(ineq, value) -> Counterexample:
    p = Point({}, {"w1": [Fraction(value)]})
    return from_confirmation(ineq, p, ineq.confirm(p))


def test_candidates_are_accepted_only_if_strictly_simpler():
    ineq = w1_bound()
    done = shrink(ineq, _start(ineq, 2))
    assert done.point.params["w1"] == [2] and not done.shrunk
    assert all(p["successes"] == 0 for p in done.shrink_stats["passes"].values())
    # -1/2 violates too but is not simpler than 2 (same height, a fraction): never accepted from 2;
    # from -1/2 the shrinker moves to 2, which is simpler
    assert shrink(ineq, _start(ineq, Fraction(-1, 2))).point.params["w1"] == [2]


def test_result_depends_on_the_call_budget_not_on_time():
    ineq = w1_bound()
    start = _start(ineq, Fraction(-3, 500000))
    a = shrink(ineq, start, budget=ShrinkBudget(confirms=300, seconds=30))
    b = shrink(ineq, start, budget=ShrinkBudget(confirms=300, seconds=300))
    assert a.point == b.point and a.shrink_stats["passes"] == b.shrink_stats["passes"]
    tiny = shrink(ineq, start, budget=ShrinkBudget(confirms=1))
    assert tiny.shrink_stats["confirms"] <= 1 and tiny.shrink_stats["stopped"] == "confirmation budget"
    assert ineq.confirm(tiny.point).verdict == "violated"
    assert simplicity_key(tiny.point) <= simplicity_key(start.point)
    with pytest.raises(SearchError, match="confirms"):
        ShrinkBudget(confirms=-1)


def test_confirmations_are_cached_by_exact_point():
    ineq = w1_bound()
    out = shrink(ineq, _start(ineq, Fraction(7, 3)))
    stats = out.shrink_stats
    # each candidate is confirmed at most once: confirmations never exceed distinct candidates
    assert stats["confirms"] <= sum(p["candidates"] for p in stats["passes"].values()) + 1


def test_smaller_dims_pass_uses_the_engine_it_is_given():
    """The planted near-singular case: found at n = 3 without shrinking, shrunk with the engine
    handed in, it lands at n = 2 (singular integer matrices violate cond(A) <= 1e6)."""
    from search_planted_cases import FALSE
    from symflat.search.optimize import engine_for_shrinking

    ineq = FALSE["cond-without-hypothesis"]()
    raw = search(ineq, budget=3, seed=1, shrink=False, dims=[{"n": 3}]).counterexample
    assert raw.point.dims == {"n": 3}
    same_dims = shrink(ineq, raw)
    assert same_dims.point.dims == {"n": 3}
    smaller = shrink(ineq, raw, search_fn=engine_for_shrinking((30, 60, 120)))
    assert smaller.point.dims == {"n": 2}
    a = np.array([float(v) for v in smaller.point.params["A"]]).reshape(2, 2)
    s = np.linalg.svd(a, compute_uv=False)
    assert s[0] > 1e6 * s[-1]  # independently: the witness really is that ill-conditioned
    assert smaller.shrink_stats["passes"]["smaller-dims"]["successes"] >= 1


def _imports(name: str) -> set:
    tree = ast.parse((SEARCH_DIR / f"{name}.py").read_text())
    out = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    return out | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}


def test_shrinker_never_imports_the_engine():
    """engine -> shrinker only: neither shrink.py nor the search modules it imports import optimize."""
    shrink_deps = {m for m in _imports("shrink") if m.startswith("symflat.search")}
    assert shrink_deps == {"symflat.search.counterexample", "symflat.search.errors"}
    for dep in shrink_deps:
        assert not any(m.startswith("symflat.search") and m != "symflat.search.errors"
                       for m in _imports(dep.rsplit(".", 1)[1]))
    assert "symflat.search.shrink" in _imports("optimize")


CLAIM_FILE = '''
from symflat import Paper
from test_search_shrink import w1_bound

paper = Paper("planted-shrink-cli")
paper.lemma("w1", "w1^2 + 1/w1^2 <= 3", inequality=w1_bound(), expect="refuted")
'''


def test_cli_stores_both_witnesses_and_replays_both(tmp_path, monkeypatch, capsys):
    import argparse
    import json

    from symflat.runner.ledger import Ledger
    from symflat.search import cli as search_cli

    (tmp_path / "claims.py").write_text(CLAIM_FILE)
    monkeypatch.chdir(tmp_path)
    parser = argparse.ArgumentParser()
    search_cli.configure(parser)
    ledger = str(tmp_path / "l.sqlite")
    assert search_cli.run(parser.parse_args(["planted-shrink-cli/w1", "claims.py", "--budget", "2",
                                             "--ledger", ledger])) == 0  # refuted, as expected
    with Ledger(tmp_path / "l.sqlite") as led:
        stored = led.results("planted-shrink-cli/w1")[-1].evidence.data["counterexample"]
    assert stored["point"]["params"]["w1"] == ["2"] and stored["worst"]["point"]["params"]["w1"] != ["2"]
    assert json.dumps(stored["shrink"]["passes"])  # per-pass counts are in the ledger
    capsys.readouterr()
    assert search_cli.run(parser.parse_args(["planted-shrink-cli/w1", "claims.py", "--replay", "--ledger", ledger])) == 0
    out = capsys.readouterr().out
    assert "simplest witness: replay reproduces the violation" in out
    assert "worst witness: replay reproduces the violation" in out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_counterexamples_shrink_to_the_hand_derived_simplest(seed):
    """exp(x) <= 10^400 on [0, 2000] fails exactly for x > 400 ln 10 = 921.03..., so the smallest
    integer witness is 922 (integer descent). Lemma 4 with the constant 1% too big fails at
    Psi_1 = Psi_2 = diag(1, 0): sum ||Psi_k||_F^2 = 2 < 1.01 * 2 * ||diag(1, 0)||_2 = 2.02, two
    nonzero entries of height 1 (zero-lines and signs passes reach it from a dense aligned pair)."""
    import math

    from search_planted_cases import FALSE

    big = search(FALSE["beyond-float-range"](), budget=3, seed=seed).counterexample
    assert big.point.params["x"] == [math.ceil(400 * math.log(10))] == [922]
    lemma4 = search(FALSE["lemma4-constant-1pct"](), budget=3, seed=seed).counterexample
    key = simplicity_key(lemma4.point)
    assert key[0] == 1 and key[2] == 2 and lemma4.point.dims == {"m": 2, "n": 2}
    assert lemma4.slack == "-0.02"
