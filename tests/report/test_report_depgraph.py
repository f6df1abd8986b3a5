"""The dependency-graph SVG: reduced edges, one linked node per claim, fill/outline/dash channels."""

import re

from symflat.claims import Paper, Status
from symflat.graph import STATUS_COLOURS, lemma_graph
from symflat.report.depgraph import drawn_graph, graph_svg


def _paper():
    p = Paper("depgraph-test")
    p.definition("d", r"x \in \mathbb R")
    p.assumption("a", "A")
    p.lemma("l", r"x^2 \ge 0", uses=["d"])
    p.theorem("t", r"x^2 + 1 > 0", uses=["d"], proof_uses=["l"], hypotheses=["a"])
    return p


def test_transitive_reduction_drops_implied_edges_and_keeps_kinds():
    p = _paper()
    g = lemma_graph(p.claims)
    red = drawn_graph(g, list(g))
    pid = p.id
    assert not red.has_edge(f"{pid}/d", f"{pid}/t")                 # implied by d -> l -> t
    assert red.edges[f"{pid}/l", f"{pid}/t"]["kind"] == "proof"
    assert red.edges[f"{pid}/a", f"{pid}/t"]["kind"] == "hypothesis"
    assert red.edges[f"{pid}/d", f"{pid}/l"]["kind"] == "uses"


def test_svg_nodes_carry_status_fill_support_outline_link_and_statement():
    p = _paper()
    claims = {c.id: c for c in p.claims}
    g = lemma_graph(claims)
    statuses = {c: Status.PROVED for c in claims} | {f"{p.id}/l": Status.CHECKED}
    support = {c: Status.PROVED for c in claims} | {f"{p.id}/l": Status.CHECKED, f"{p.id}/t": Status.CHECKED}
    svg, lay = graph_svg(drawn_graph(g, list(g)), claims, statuses, support, lambda cid: "#" + cid.split("/")[1])
    nodes = re.findall(r'<a class="gnode" href="#(\w)".*?</a>', svg, re.S)
    assert sorted(nodes) == ["a", "d", "l", "t"]
    t = re.search(r'<a class="gnode" href="#t".*?</a>', svg, re.S).group(0)
    assert f'fill="{STATUS_COLOURS[Status.PROVED]}" stroke="{STATUS_COLOURS[Status.CHECKED]}"' in t
    assert len(re.search(r'<polygon points="([^"]*)"', t).group(1).split()) == 8   # theorems are octagons
    assert "x^2 + 1 &gt; 0" in t                                     # hover text holds the statement
    l_node = re.search(r'<a class="gnode" href="#l".*?</a>', svg, re.S).group(0)
    assert f'fill="{STATUS_COLOURS[Status.CHECKED]}"' in l_node and "<ellipse" in l_node
    edges = re.findall(r'class="gedge edge-(\w+)"[^>]*?(stroke-dasharray="[^"]*")?\s*marker', svg, re.S)
    kinds = sorted(k for k, _ in edges)
    assert kinds == ["hypothesis", "proof", "uses"]
    dashes = {k: d for k, d in edges}
    assert dashes["proof"] == "" and dashes["uses"] != dashes["hypothesis"] != ""
