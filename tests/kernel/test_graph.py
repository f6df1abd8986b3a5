"""Graph queries and weakest-link propagation on small hand-made graphs with known answers."""

import json

import networkx as nx
import pytest

from symflat import Paper
from symflat.claims import Status
from symflat.graph import (GraphError, impact, lemma_graph, propagate_support, supports, to_dot, to_json,
                           to_text_tree, topological_order)


@pytest.fixture
def diamond():
    """d1 (definition) -> l1, l2 (lemmas) -> t (theorem); a1 assumption -> t; c corollary of t."""
    p = Paper("graph-test")
    p.definition("d1", "D")
    p.assumption("a1", "A")
    p.lemma("l1", "L1", uses=["d1"])
    p.lemma("l2", "L2", uses=["d1"])
    p.theorem("t", "T", proof_uses=["l1", "l2"], hypotheses=["a1"])
    p.corollary("c", "C", proof_uses=["t"])
    p.remark("r", "unrelated")
    return lemma_graph(p.claims)


def ids(*labels):
    return {f"graph-test/{x}" for x in labels}


def test_edges_keep_their_kind(diamond):
    assert diamond.edges["graph-test/d1", "graph-test/l1"]["kind"] == "uses"
    assert diamond.edges["graph-test/l1", "graph-test/t"]["kind"] == "proof"
    assert diamond.edges["graph-test/a1", "graph-test/t"]["kind"] == "hypothesis"


def test_supports_and_impact(diamond):
    assert supports(diamond, "graph-test/c") == ids("t", "l1", "l2", "d1", "a1")
    assert supports(diamond, "graph-test/t", kinds=["proof"]) == ids("l1", "l2")
    assert impact(diamond, "graph-test/d1") == ids("l1", "l2", "t", "c")
    assert impact(diamond, "graph-test/r") == set()
    with pytest.raises(GraphError, match="unknown claim id"):
        supports(diamond, "graph-test/nope")


def test_topological_order(diamond):
    order = topological_order(diamond)
    pos = {n: i for i, n in enumerate(order)}
    for u, v in diamond.edges:
        assert pos[u] < pos[v]
    g = nx.DiGraph([("x", "y"), ("y", "x")])
    with pytest.raises(GraphError, match="cycle: (x -> y -> x|y -> x -> y)"):
        topological_order(g)


def test_weakest_link_propagation(diamond):
    own = {f"graph-test/{k}": v for k, v in {"d1": "cited", "a1": "cited", "l1": "proved", "l2": "checked",
                                              "t": "proved", "c": "certified", "r": "proved"}.items()}
    support = propagate_support(diamond, own)
    assert support["graph-test/d1"] is Status.CITED      # an axiom's own support is its status
    assert support["graph-test/l1"] is Status.PROVED     # axioms below do not weaken it
    assert support["graph-test/t"] is Status.CHECKED     # weakest below it is l2 (checked)
    assert support["graph-test/c"] is Status.CHECKED
    assert support["graph-test/r"] is Status.PROVED
    own["graph-test/l2"] = "refuted"
    support = propagate_support(diamond, own)
    assert support["graph-test/c"] is Status.REFUTED and support["graph-test/l1"] is Status.PROVED
    own["graph-test/l2"] = "cited"                        # a cited result (not an axiom) does weaken
    assert propagate_support(diamond, own)["graph-test/t"] is Status.CITED
    del own["graph-test/l1"]                              # missing counts as open
    assert propagate_support(diamond, own)["graph-test/l1"] is Status.OPEN


def test_an_axiom_with_a_failing_check_weakens_what_rests_on_it():
    p = Paper("graph-axiom")
    d = p.definition("d", "D")
    d.check(lambda: None)                                 # a definition with a check is no axiom
    p.lemma("l", "L", uses=["d"])
    g = lemma_graph(p.claims)
    assert propagate_support(g, {"graph-axiom/d": "open", "graph-axiom/l": "proved"})["graph-axiom/l"] is Status.OPEN


def test_cycle_members_are_at_best_open():
    g = nx.DiGraph([("a", "b"), ("b", "a"), ("b", "c")])
    support = propagate_support(g, {"a": "proved", "b": "proved", "c": "proved"})
    assert support == {"a": Status.OPEN, "b": Status.OPEN, "c": Status.OPEN}


def test_status_order():
    order = [Status.REFUTED, Status.OPEN, Status.CHECKED, Status.CITED, Status.CERTIFIED, Status.PROVED]
    assert sorted(Status, key=lambda s: s.rank) == order


def test_exports(diamond):
    propagate_support(diamond, {})
    data = json.loads(to_json(diamond))
    assert {n["id"] for n in data["nodes"]} == set(diamond.nodes)
    assert len(data["edges"]) == diamond.number_of_edges()
    dot = to_dot(diamond)
    assert dot.startswith("digraph") and '"graph-test/l1" -> "graph-test/t" [style=solid]' in dot
    assert "#e0e0e0" in dot  # open nodes are grey
    tree = to_text_tree(diamond, "graph-test/c")
    lines = tree.splitlines()
    assert lines[0].startswith("graph-test/c")
    assert any("graph-test/d1" in l and "(see above)" in l for l in lines)  # d1 reached twice, drawn once
    up = to_text_tree(diamond, "graph-test/d1", "used-by")
    assert "graph-test/c" in up and "graph-test/a1" not in up
