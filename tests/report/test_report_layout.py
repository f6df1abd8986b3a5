"""The layered layout (and dot's, when installed): edges point down, nodes do not overlap, the
barycentre sweeps remove crossings that the initial order has, and cycles are broken, not fatal."""

import shutil

import networkx as nx
import pytest

from symflat.report.layout import (LayoutUnavailable, _crossings, _nondecreasing_fit, dot_layout, layered_layout,
                                   layout)


def _check_geometry(g, lay):
    for u, v in g.edges():
        assert lay.boxes[u].y < lay.boxes[v].y, (u, v)            # what is used sits above its user
    by_row = {}
    for n, b in lay.boxes.items():
        by_row.setdefault(round(b.y), []).append(b)
    for row in by_row.values():
        row.sort(key=lambda b: b.x)
        for a, b in zip(row, row[1:]):
            assert a.x + a.w / 2 <= b.x - b.w / 2, "nodes overlap within a layer"
    for b in lay.boxes.values():
        assert 0 <= b.x - b.w / 2 and b.x + b.w / 2 <= lay.width and 0 <= b.y - b.h / 2 and b.y + b.h / 2 <= lay.height


def test_longest_path_layers_and_routes_through_the_layers_an_edge_spans():
    g = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "c"), ("c", "d")])
    lay = layered_layout(g, {n: (40, 20) for n in g})
    _check_geometry(g, lay)
    assert len({round(lay.boxes[n].y) for n in "abcd"}) == 4   # a chain of four: four layers
    assert len(lay.routes[("a", "c")]) == 3                       # one bend point in b's layer
    assert len(lay.routes[("a", "b")]) == 2


def test_barycentre_sweeps_remove_a_crossing_of_the_initial_order():
    # initial order puts a before b above and d before c below: a->c and b->d cross once
    g = nx.DiGraph([("a", "c"), ("b", "d")])
    order = ["a", "b", "d", "c"]
    assert _crossings(["a", "b"], ["d", "c"], list(g.edges())) == 1
    lay = layered_layout(g, {n: (30, 20) for n in g}, order)
    top = sorted("ab", key=lambda n: lay.boxes[n].x)
    bottom = sorted("cd", key=lambda n: lay.boxes[n].x)
    assert _crossings(top, bottom, list(g.edges())) == 0


def test_a_cycle_is_broken_by_dropping_one_edge_and_still_laid_out():
    g = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")])
    lay = layered_layout(g, {n: (30, 20) for n in g})
    assert len(lay.dropped) == 1 and set(lay.boxes) == {"a", "b", "c"}
    kept = nx.DiGraph(g)
    kept.remove_edges_from(lay.dropped)
    _check_geometry(kept, lay)


def test_without_dot_the_fallback_says_so(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    g = nx.DiGraph([("a", "b")])
    with pytest.raises(LayoutUnavailable, match="dot"):
        dot_layout(g, {n: (30, 20) for n in g})
    lay = layout(g, {n: (30, 20) for n in g})
    assert lay.engine == "layered" and "Graphviz" in lay.note


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_dot_layout_has_the_same_geometry_and_bezier_routes():
    g = nx.gnp_random_graph(12, 0.3, seed=1, directed=True)
    g = nx.DiGraph([(u, v) for u, v in g.edges() if u < v])
    g.add_nodes_from(range(12))
    g = nx.relabel_nodes(g, str)
    lay = dot_layout(g, {n: (50, 24) for n in g})
    assert lay.engine == "dot" and lay.curved and set(lay.boxes) == set(g)
    _check_geometry(g, lay)
    assert all(len(pts) % 3 == 1 for pts in lay.routes.values())   # cubic Bezier: 1 + 3k points


def test_isotonic_fit_pools_adjacent_violators():
    # hand-computed least-squares non-decreasing fits
    assert _nondecreasing_fit([3.0, 1.0, 2.0]) == [2.0, 2.0, 2.0]
    assert _nondecreasing_fit([1.0, 3.0, 2.0, 4.0]) == [1.0, 2.5, 2.5, 4.0]
    assert _nondecreasing_fit([]) == []


def test_a_source_sits_just_above_its_highest_user():
    g = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d"), ("s", "d")])
    lay = layered_layout(g, {n: (30, 20) for n in g})
    assert lay.boxes["s"].y == lay.boxes["c"].y and lay.boxes["a"].y < lay.boxes["s"].y
