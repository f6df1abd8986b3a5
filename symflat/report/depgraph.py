"""A paper's dependency graph as an inline SVG, the picture at the top of a blueprint page.

Each claim is one node: filled with the colour of its own status, outlined (thick border) with
the colour of its support, shaped by its kind. Edges run from what is used to what uses it and are
drawn after transitive reduction (an edge implied by a longer path is left out, as leanblueprint
does): statement edges dashed, proof edges solid, hypothesis edges dotted. A node is a link to its
claim card, and its ``<title>`` (the browser's hover text) holds id, status and the statement.
"""

from __future__ import annotations

import html

import networkx as nx

from symflat.claims import Status
from symflat.report.layout import Layout, layout
from symflat.report.theme import EDGE_DASH, STATUS_COLOURS, text_colour

__all__ = ["drawn_graph", "graph_svg", "SHAPES"]

SHAPES = {  # kind -> shape drawn
    "definition": "box", "assumption": "parallelogram", "equation": "pill", "lemma": "ellipse",
    "proposition": "ellipse", "corollary": "ellipse", "theorem": "octagon", "remark": "note", "experiment": "hexagon",
}
SHAPE_WORDS = {
    "box": "definition", "parallelogram": "assumption", "pill": "equation",
    "ellipse": "lemma, proposition, corollary", "octagon": "theorem", "note": "remark", "hexagon": "experiment",
}
NODE_H = 28.0
ARROW = 9.0


def drawn_graph(g: nx.DiGraph, nodes) -> nx.DiGraph:
    """The subgraph on ``nodes`` after transitive reduction, edges keeping their ``kind``."""
    sub = g.subgraph(nodes)
    if nx.is_directed_acyclic_graph(sub):
        red = nx.transitive_reduction(sub)
        red.add_edges_from((u, v, sub.edges[u, v]) for u, v in red.edges())
    else:  # the registry reports the cycle; draw it unreduced rather than not at all
        red = nx.DiGraph(sub)
    red.add_nodes_from((n, sub.nodes[n]) for n in sub)
    return red


def node_size(label: str, shape: str) -> tuple[float, float]:
    w = 6.6 * len(label) + 22
    if shape in ("ellipse", "octagon", "hexagon", "parallelogram"):
        w *= 1.22
    return round(w, 1), NODE_H


def _shape(shape: str, x: float, y: float, w: float, h: float, fill: str, stroke: str) -> str:
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="3"'
    l, r, t, b = x - w / 2, x + w / 2, y - h / 2, y + h / 2
    if shape == "ellipse":
        return f'<ellipse cx="{x:.1f}" cy="{y:.1f}" rx="{w / 2:.1f}" ry="{h / 2:.1f}" {paint}/>'
    if shape in ("box", "pill"):
        rx = h / 2 if shape == "pill" else 2
        return f'<rect x="{l:.1f}" y="{t:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{rx:.1f}" {paint}/>'
    k = h / 2.6
    pts = {
        "parallelogram": [(l + k, t), (r, t), (r - k, b), (l, b)],
        "octagon": [(l + k, t), (r - k, t), (r, t + k), (r, b - k), (r - k, b), (l + k, b), (l, b - k), (l, t + k)],
        "hexagon": [(l + k, t), (r - k, t), (r, y), (r - k, b), (l + k, b), (l, y)],
        "note": [(l, t), (r - k, t), (r, t + k), (r, b), (l, b)],
    }[shape]
    return f'<polygon points="{" ".join(f"{px:.1f},{py:.1f}" for px, py in pts)}" {paint}/>'


def _path(points, curved: bool) -> str:
    (x0, y0), rest = points[0], points[1:]
    if curved and len(rest) % 3 == 0:
        return f"M{x0:.1f},{y0:.1f} C" + " ".join(f"{x:.1f},{y:.1f}" for x, y in rest)
    return f"M{x0:.1f},{y0:.1f} " + " ".join(f"L{x:.1f},{y:.1f}" for x, y in rest)


def graph_svg(g: nx.DiGraph, claims: dict, statuses: dict, support: dict, href, order=()) -> tuple[str, Layout]:
    """The SVG of ``g`` (a :func:`drawn_graph`) and the layout it used.

    ``claims`` maps ids to :class:`~symflat.claims.Claim`; ``statuses``/``support`` map ids to
    :class:`Status`; ``href(id)`` gives a node's link target; ``order`` is the reading order,
    used by the fallback layout as its initial order.
    """
    shapes = {n: SHAPES.get(claims[n].kind, "box") for n in g}
    sizes = {n: node_size(claims[n].label, shapes[n]) for n in g}
    lay = layout(g, sizes, [n for n in order if n in g])
    if not lay.curved:  # polylines end on the node border: leave room for the arrowhead
        for e, pts in lay.routes.items():
            (x1, y1), (x0, y0) = pts[-1], pts[-2]
            dist = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1e-9)
            pts[-1] = (x1 - (x1 - x0) * ARROW / dist, y1 - (y1 - y0) * ARROW / dist)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="depgraph" width="{lay.width:.0f}" height="{lay.height:.0f}" '
           f'viewBox="0 0 {lay.width:.1f} {lay.height:.1f}" data-engine="{lay.engine}" role="img" '
           f'aria-label="dependency graph">',
           f'<defs><marker id="arrow" viewBox="0 0 {ARROW} 8" refX="0" refY="4" markerWidth="{ARROW}" markerHeight="8" '
           f'markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L{ARROW},4 L0,8 z" fill="#555"/></marker></defs>',
           '<g class="edges">']
    for (u, v), pts in lay.routes.items():
        kind = g.edges[u, v].get("kind", "proof") if g.has_edge(u, v) else "proof"
        dash = EDGE_DASH.get(kind, "")
        out.append(f'<path class="gedge edge-{kind}" data-from="{html.escape(u)}" data-to="{html.escape(v)}" '
                   f'd="{_path(pts, lay.curved)}" fill="none" stroke="#555" stroke-width="1.3"'
                   + (f' stroke-dasharray="{dash}"' if dash else "") + ' marker-end="url(#arrow)"/>')
    out.append('</g><g class="nodes">')
    for n in g:
        c, b = claims[n], lay.boxes[n]
        own, sup = Status.parse(statuses[n]), Status.parse(support[n])
        tip = f"{c.id} ({c.kind}) - {own.value}, support {sup.value}\n{c.where}\n{c.statement}"
        out.append(
            f'<a class="gnode" href="{html.escape(href(n))}" id="node-{html.escape(c.label)}" data-claim="{html.escape(n)}" '
            f'data-status="{own.value}" data-support="{sup.value}" data-kind="{c.kind}" data-paper="{c.paper}">'
            f"<title>{html.escape(tip)}</title>"
            + _shape(shapes[n], b.x, b.y, b.w, b.h, STATUS_COLOURS[own], STATUS_COLOURS[sup])
            + f'<text x="{b.x:.1f}" y="{b.y + 4:.1f}" text-anchor="middle" font-family="monospace" font-size="11" fill="{text_colour(own)}">{html.escape(c.label)}</text></a>')
    out.append("</g></svg>")
    return "".join(out), lay
