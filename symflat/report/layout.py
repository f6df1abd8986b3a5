"""Node positions and edge routes for drawing a directed graph top to bottom.

Two engines give the same :class:`Layout`: Graphviz ``dot`` through the ``graphviz`` binding
(:func:`dot_layout`), and a small pure-Python layered layout (:func:`layered_layout`) used when
``dot`` is not installed. The layered layout is Sugiyama's scheme in its plainest form:

1. break cycles (drop one edge of each cycle found);
2. put every node on the layer one below its lowest predecessor (longest path from the sources),
   then lift each source down to just above its highest user;
3. split an edge that spans several layers with one dummy point per layer crossed;
4. order each layer by the barycentre of its neighbours' positions, sweeping down and up, and keep
   the order with the fewest edge crossings;
5. place each layer's nodes, in order and without overlap, as near as possible to the mean position
   of their neighbours (an isotonic regression per layer, sweeping down and up), and route each
   edge through its dummies.

All sizes are in SVG user units (pixels); ``y`` grows downward and boxes are given by centre.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

import networkx as nx

from symflat.errors import SymflatError

__all__ = ["Box", "Layout", "LayoutUnavailable", "dot_layout", "layered_layout", "layout"]

MARGIN = 12.0


class LayoutUnavailable(SymflatError, RuntimeError):
    """The requested layout engine cannot run here (e.g. no ``dot`` executable)."""


@dataclass(frozen=True)
class Box:
    """A node's centre and size."""

    x: float
    y: float
    w: float
    h: float


@dataclass
class Layout:
    """Where each node sits (``boxes``) and the points each edge passes through (``routes``:
    a polyline for the layered engine, cubic Bezier control points for ``dot``)."""

    boxes: dict[str, Box]
    routes: dict[tuple[str, str], list[tuple[float, float]]]
    width: float
    height: float
    engine: str
    curved: bool = False
    note: str = ""
    dropped: list[tuple[str, str]] = field(default_factory=list)  # edges left out to break cycles


def layout(g: nx.DiGraph, sizes: dict[str, tuple[float, float]], order=None) -> Layout:
    """``dot`` when it is installed, else :func:`layered_layout` with a note saying so."""
    try:
        return dot_layout(g, sizes)
    except LayoutUnavailable as e:
        out = layered_layout(g, sizes, order)
        out.note = f"laid out by symflat's built-in layered layout ({e}); install Graphviz for dot's layout"
        return out


# ------------------------------------------------------------------------------------ dot
def dot_layout(g: nx.DiGraph, sizes: dict[str, tuple[float, float]], ranksep: float = 0.55, nodesep: float = 0.2) -> Layout:
    """Positions and splines from Graphviz ``dot`` (its ``plain`` output, in inches)."""
    try:
        import graphviz
    except ImportError:
        raise LayoutUnavailable("the python package 'graphviz' is not installed") from None
    if shutil.which("dot") is None:
        raise LayoutUnavailable("the Graphviz 'dot' program is not on PATH")
    names = {n: f"n{i}" for i, n in enumerate(g)}
    back = {v: k for k, v in names.items()}
    d = graphviz.Digraph(graph_attr={"rankdir": "TB", "ranksep": str(ranksep), "nodesep": str(nodesep)},
                         node_attr={"shape": "box", "fixedsize": "true", "label": ""})
    for n in g:
        w, h = sizes[n]
        d.node(names[n], width=f"{w / 72:.3f}", height=f"{h / 72:.3f}")
    for u, v in g.edges():
        d.edge(names[u], names[v])
    try:
        plain = d.pipe(format="plain", encoding="utf-8")
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError, OSError) as e:
        raise LayoutUnavailable(f"dot failed: {e}") from None
    return _parse_plain(plain, back)


def _parse_plain(text: str, names: dict[str, str]) -> Layout:
    """Read ``dot -Tplain``: ``graph s W H``, ``node name x y w h ...``, ``edge t h n x1 y1 ...``."""
    boxes, routes, height, width = {}, {}, 0.0, 0.0
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "graph":
            width, height = float(parts[2]) * 72, float(parts[3]) * 72
        elif parts[0] == "node":
            x, y, w, h = (float(p) * 72 for p in parts[2:6])
            boxes[names[parts[1]]] = Box(x + MARGIN, height - y + MARGIN, w, h)
        elif parts[0] == "edge":
            k = int(parts[3])
            pts = [(float(parts[4 + 2 * i]) * 72 + MARGIN, height - float(parts[5 + 2 * i]) * 72 + MARGIN) for i in range(k)]
            routes[(names[parts[1]], names[parts[2]])] = pts
    return Layout(boxes, routes, width + 2 * MARGIN, height + 2 * MARGIN, "dot", curved=True)


# -------------------------------------------------------------------------------- layered
def _acyclic(g: nx.DiGraph) -> tuple[nx.DiGraph, list[tuple[str, str]]]:
    h = nx.DiGraph(g.edges())
    h.add_nodes_from(g)
    h.remove_edges_from(list(nx.selfloop_edges(h)))
    dropped = []
    while True:
        try:
            cycle = nx.find_cycle(h)
        except nx.NetworkXNoCycle:
            return h, dropped
        u, v = cycle[-1][:2]
        h.remove_edge(u, v)
        dropped.append((u, v))


def _crossings(upper: list, lower: list, edges: list[tuple]) -> int:
    pos_u = {n: i for i, n in enumerate(upper)}
    pos_l = {n: i for i, n in enumerate(lower)}
    pairs = sorted((pos_u[a], pos_l[b]) for a, b in edges if a in pos_u and b in pos_l)
    return sum(1 for i in range(len(pairs)) for j in range(i + 1, len(pairs))
               if pairs[i][0] < pairs[j][0] and pairs[i][1] > pairs[j][1])


def _nondecreasing_fit(values: list[float]) -> list[float]:
    """The least-squares non-decreasing sequence closest to ``values`` (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [sum, count]
    for v in values:
        blocks.append([v, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    return [t / c for t, c in blocks for _ in range(int(c))]


def _coordinates(layers, preds, succs, width, gap, rounds: int = 12) -> dict:
    """x of every node: each layer in turn is placed, in its order and without overlap, as close
    (least squares) as it can be to the mean x of its neighbours in the layer above (down sweeps)
    or below (up sweeps). With offsets c_i (the least centre distances summed), x_i = y_i + c_i and
    "no overlap" is "y non-decreasing", so each placement is one isotonic regression."""
    xs = {}
    for l in layers:  # start packed from 0
        x = 0.0
        for n in l:
            xs[n] = x + width(n) / 2
            x += width(n) + gap
    for r in range(rounds):
        down = r % 2 == 0
        for l in (layers if down else layers[::-1]):
            if not l:
                continue
            nbrs = preds if down else succs
            wanted = []
            for n in l:
                around = [xs[m] for m in nbrs.get(n, ())] or [xs[m] for m in (succs if down else preds).get(n, ())]
                wanted.append(sum(around) / len(around) if around else xs[n])
            offsets, c = [], 0.0
            for i, n in enumerate(l):
                if i:
                    c += width(l[i - 1]) / 2 + gap + width(n) / 2
                offsets.append(c)
            fitted = _nondecreasing_fit([w - o for w, o in zip(wanted, offsets)])
            for n, y, o in zip(l, fitted, offsets):
                xs[n] = y + o
    return xs


def layered_layout(g: nx.DiGraph, sizes: dict[str, tuple[float, float]], order=None, *,
                   rank_gap: float = 56.0, node_gap: float = 16.0, sweeps: int = 6) -> Layout:
    """The layered layout described in the module docstring. ``order`` (an iterable of nodes)
    sets the initial left-to-right order within layers, e.g. the paper's reading order."""
    h, dropped = _acyclic(g)
    rank = {}
    for n in nx.topological_sort(h):
        rank[n] = max((rank[p] + 1 for p in h.predecessors(n)), default=0)
    for n in h:  # a source sits just above its highest user, not on the top layer by default
        if h.in_degree(n) == 0 and h.out_degree(n):
            rank[n] = min(rank[m] for m in h.successors(n)) - 1
    # split long edges: chain[(u, v)] = [u, d1, ..., v]
    seq = {n: i for i, n in enumerate(order or [])}
    layers: list[list] = [[] for _ in range(max(rank.values(), default=-1) + 1)]
    for n in sorted(h, key=lambda n: (seq.get(n, len(seq)), str(n))):
        layers[rank[n]].append(n)
    chains, links = {}, []
    for u, v in h.edges():
        chain = [u]
        for r in range(rank[u] + 1, rank[v]):
            dummy = ("dummy", u, v, r)
            layers[r].append(dummy)
            chain.append(dummy)
        chain.append(v)
        chains[(u, v)] = chain
        links.extend(zip(chain, chain[1:]))
    preds: dict = {}
    succs: dict = {}
    for a, b in links:
        succs.setdefault(a, []).append(b)
        preds.setdefault(b, []).append(a)

    def total(ls):
        return sum(_crossings(ls[i], ls[i + 1], links) for i in range(len(ls) - 1))

    best, best_cross = [list(l) for l in layers], total(layers)
    for sweep in range(sweeps):
        down = sweep % 2 == 0
        indices = range(1, len(layers)) if down else range(len(layers) - 2, -1, -1)
        for i in indices:
            ref = {n: k for k, n in enumerate(layers[i - 1] if down else layers[i + 1])}
            nbrs = preds if down else succs
            current = {n: k for k, n in enumerate(layers[i])}

            def centre(n):
                ks = [ref[m] for m in nbrs.get(n, ()) if m in ref]
                return sum(ks) / len(ks) if ks else current[n]

            layers[i].sort(key=lambda n: (centre(n), current[n]))
        cross = total(layers)
        if cross < best_cross:
            best, best_cross = [list(l) for l in layers], cross
    layers = best

    def size(n):
        return (6.0, 6.0) if isinstance(n, tuple) and n and n[0] == "dummy" else sizes[n]

    xs = _coordinates(layers, preds, succs, lambda n: size(n)[0], node_gap)
    left = min((xs[n] - size(n)[0] / 2 for n in xs), default=0.0)
    full = max((xs[n] + size(n)[0] / 2 for n in xs), default=0.0) - left
    heights = [max((size(n)[1] for n in l), default=0.0) for l in layers]
    centres, y = {}, MARGIN
    for l, lh in zip(layers, heights):
        for n in l:
            nw, nh = size(n)
            centres[n] = Box(xs[n] - left + MARGIN, y + lh / 2, nw, nh)
        y += lh + rank_gap
    boxes = {n: b for n, b in centres.items() if n in g}
    routes = {}
    for (u, v), chain in chains.items():
        a, b = centres[u], centres[v]
        pts = [(a.x, a.y + a.h / 2)] + [(centres[d].x, centres[d].y) for d in chain[1:-1]] + [(b.x, b.y - b.h / 2)]
        routes[(u, v)] = pts
    return Layout(boxes, routes, full + 2 * MARGIN, max(y - rank_gap + MARGIN, 2 * MARGIN), "layered", dropped=dropped)
