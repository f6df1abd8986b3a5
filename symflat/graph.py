"""The lemma graph: a networkx ``DiGraph`` over claim ids, in the style of networkx's function API.

An edge ``A -> B`` means "B uses A". Each edge has ``kind``: ``"uses"`` (the statement of B
mentions A, e.g. a definition), ``"proof"`` (B's proof relies on A) or ``"hypothesis"`` (B is
conditional on assumption A). Nodes carry ``kind``, ``statement`` and, once a run has happened,
``status`` (the claim's own) and ``support`` (the weakest status in its dependency closure,
itself included: DESIGN.md's weakest-link rule). Axioms (definitions and assumptions that carry no
check, node attribute ``axiom``) do not weaken what rests on them: a theorem proved under an
assumption is proved as a conditional statement. A cited *result* used by a proof does weaken it.
"""

from __future__ import annotations

import json

import networkx as nx

from symflat.claims import Claim, Status, weakest
from symflat.errors import SymflatError

EDGE_KINDS = ("uses", "proof", "hypothesis")
STATUS_COLOURS = {
    Status.PROVED: "#2e7d32", Status.CERTIFIED: "#66bb6a", Status.CITED: "#90caf9",
    Status.CHECKED: "#fff176", Status.OPEN: "#e0e0e0", Status.REFUTED: "#e53935",
}


class GraphError(SymflatError, ValueError):
    """A lemma-graph query that cannot be answered (unknown node, cycle)."""


def lemma_graph(claims) -> nx.DiGraph:
    """Build the graph from claims (an iterable of :class:`Claim` or a dict id -> Claim).

    Edges to ids that are not among the claims are left out (discovery reports them).
    """
    claims = list(claims.values()) if isinstance(claims, dict) else list(claims)
    g = nx.DiGraph()
    for c in claims:
        g.add_node(c.id, kind=c.kind, statement=c.statement, where=c.where, eq=c.eq, axiom=c.is_axiom)
    for c in claims:
        for dep, kind in c.depends_on:
            if dep in g:
                g.add_edge(dep, c.id, kind=kind)
    return g


def _require(g: nx.DiGraph, node: str) -> None:
    if node not in g:
        raise GraphError(f"unknown claim id {node!r} in the lemma graph")


def _restricted(g: nx.DiGraph, kinds) -> nx.DiGraph:
    if kinds is None:
        return g
    kinds = set(kinds)
    return nx.subgraph_view(g, filter_edge=lambda u, v: g.edges[u, v].get("kind") in kinds)


def supports(g: nx.DiGraph, node: str, kinds=None) -> set[str]:
    """Every claim that ``node`` rests on, transitively (optionally only along some edge kinds)."""
    _require(g, node)
    return nx.ancestors(_restricted(g, kinds), node)


def impact(g: nx.DiGraph, node: str, kinds=None) -> set[str]:
    """Every claim that would fall if ``node`` were false: all that use it, transitively."""
    _require(g, node)
    return nx.descendants(_restricted(g, kinds), node)


def find_cycles(g: nx.DiGraph) -> list[list[str]]:
    """All elementary cycles, each as the list of its nodes in order."""
    return [list(c) for c in nx.simple_cycles(g)]


def topological_order(g: nx.DiGraph) -> list[str]:
    """Claims in an order where every claim comes after all it uses (ties broken by id)."""
    try:
        return list(nx.lexicographical_topological_sort(g))
    except nx.NetworkXUnfeasible:
        cycle = find_cycles(g)[0]
        raise GraphError("the lemma graph has a cycle: " + " -> ".join([*cycle, cycle[0]])) from None


def outline_statuses(claims, statuses: dict) -> dict[str, Status]:
    """Own statuses with proof outlines resolved (issue 13, part 2d).

    A claim with ``outline`` steps is only as strong as the weakest of its own checks (which
    verify the combining implication) and the resolved statuses of its steps; with no check of
    the implication it is ``open`` at best. ``claims`` is an iterable of :class:`Claim` (or a dict
    id -> Claim), ``statuses`` their own statuses. Unknown steps count as ``open``; a circular
    outline resolves to ``open``.
    """
    claims = claims if isinstance(claims, dict) else {c.id: c for c in claims}
    resolved: dict[str, Status] = {}
    visiting: set[str] = set()

    def resolve(cid: str) -> Status:
        if cid in resolved:
            return resolved[cid]
        own = Status.parse(statuses.get(cid, Status.OPEN))
        c = claims.get(cid)
        if c is None or not c.outline:
            return own
        if cid in visiting:
            return Status.OPEN
        visiting.add(cid)
        implication = own if c.checks else Status.OPEN
        resolved[cid] = weakest([implication, *(resolve(step) for step in c.outline)])
        visiting.discard(cid)
        return resolved[cid]

    return {cid: resolve(cid) for cid in statuses}


def propagate_support(g: nx.DiGraph, statuses: dict, caps: dict | None = None) -> dict[str, Status]:
    """Support of every node: the weakest own status over the node and all it rests on.

    ``statuses`` maps ids to their own :class:`Status` (or its string); a missing id counts as
    ``open``. ``caps`` maps ids to the strongest support they may pass on (``open`` for a claim
    with a broken edge or an errored check): the cap weakens the claim's support and everything
    that rests on it, while its own status stays as its checks found it. Ancestors with the node
    attribute ``axiom`` set are passed over. The result is also stored on the nodes (``status``,
    ``support`` and ``weakest_link``, the node of the closure that sets the support). Nodes on a
    cycle rest on themselves circularly, so their support is ``open`` at best.
    """
    own = {n: Status.parse(statuses.get(n, Status.OPEN)) for n in g}
    capped = dict(own)
    for n, cap in (caps or {}).items():
        if n in capped:
            capped[n] = weakest([capped[n], Status.parse(cap)])
    on_cycle = {n for comp in nx.strongly_connected_components(g) if len(comp) > 1 for n in comp}
    on_cycle |= {n for n in g if g.has_edge(n, n)}
    axioms = {n for n, is_axiom in g.nodes(data="axiom") if is_axiom}
    support: dict[str, Status] = {}
    link: dict[str, str] = {}
    for n in g:
        closure = (nx.ancestors(g, n) - axioms) | {n}
        link[n] = min(sorted(closure), key=lambda m: (capped[m].rank, m != n))
        s = capped[link[n]]
        if closure & on_cycle:
            s = weakest([s, Status.OPEN])
        support[n] = s
    nx.set_node_attributes(g, {n: own[n].value for n in g}, "status")
    nx.set_node_attributes(g, {n: support[n].value for n in g}, "support")
    nx.set_node_attributes(g, link, "weakest_link")
    return support


def to_json(g: nx.DiGraph) -> str:
    """Node-link JSON (networkx's format, edges under ``"edges"``)."""
    return json.dumps(nx.node_link_data(g, edges="edges"), indent=2, default=str)


def to_dot(g: nx.DiGraph) -> str:
    """Graphviz DOT, nodes filled by their support (or own status) colour, proof edges solid,
    statement edges dashed, hypothesis edges dotted."""
    style = {"uses": "dashed", "proof": "solid", "hypothesis": "dotted"}
    lines = ["digraph lemmas {", "  rankdir=BT;", '  node [shape=box, style="rounded,filled", fontname="Helvetica"];']
    for n, data in g.nodes(data=True):
        status = data.get("support") or data.get("status") or "open"
        colour = STATUS_COLOURS[Status.parse(status)]
        label = f"{n}\\n{data.get('kind', '')} [{status}]"
        lines.append(f'  "{n}" [label="{label}", fillcolor="{colour}"];')
    for u, v, data in g.edges(data=True):
        lines.append(f'  "{u}" -> "{v}" [style={style.get(data.get("kind"), "solid")}];')
    lines.append("}")
    return "\n".join(lines)


def to_text_tree(g: nx.DiGraph, root: str, direction: str = "uses") -> str:
    """An indented tree for the terminal: what ``root`` uses (``direction="uses"``) or what uses
    it (``"used-by"``). A node seen before is marked ``(see above)`` instead of repeated."""
    _require(g, root)
    step = g.predecessors if direction == "uses" else g.successors
    lines: list[str] = []
    seen: set[str] = set()

    def label(n: str, via: str | None) -> str:
        d = g.nodes[n]
        status = d.get("support") or d.get("status")
        tail = f" [{status}]" if status else ""
        edge = f" ({via})" if via else ""
        return f"{n}{tail}{edge}"

    def walk(n: str, prefix: str, via: str | None, last: bool, top: bool) -> None:
        branch = "" if top else ("└── " if last else "├── ")
        if n in seen:
            lines.append(f"{prefix}{branch}{label(n, via)} (see above)")
            return
        seen.add(n)
        lines.append(f"{prefix}{branch}{label(n, via)}")
        kids = sorted(step(n))
        child_prefix = prefix if top else prefix + ("    " if last else "│   ")
        for i, k in enumerate(kids):
            e = (k, n) if direction == "uses" else (n, k)
            walk(k, child_prefix, g.edges[e].get("kind"), i == len(kids) - 1, False)

    walk(root, "", None, True, True)
    return "\n".join(lines)
