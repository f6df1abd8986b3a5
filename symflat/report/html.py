"""The static HTML blueprint: an index and one page per paper, readable offline from file://.

A paper page holds the paper's dependency graph (:mod:`symflat.report.depgraph`) with its legend,
a filter, and one card per claim in the paper's reading order (:mod:`symflat.report.order`),
chapter by chapter: the statement as MathML (:mod:`symflat.report.mathml`), hypotheses and edges
as links, every check's evidence with its scope, the counterexample with the command that replays
it, status and slack over the ledger's runs, what falls if it fails, and the figures that go with
it. The index gives totals by status per paper, refuted claims beside their corrections, the
impact of each claim, and all claims under one filter. Pages come from the Jinja2 templates in
``report/templates``; the stylesheet and script in ``report/static`` are copied next to them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from symflat.claims import KINDS, Status, all_papers
from symflat.errors import SymflatError
from symflat.graph import impact as graph_impact
from symflat.report.depgraph import SHAPE_WORDS, drawn_graph, graph_svg
from symflat.report.history import RunPoint, history_svg
from symflat.report.mathml import prose, statement_html
from symflat.report.order import reading_order
from symflat.report.theme import EDGE_DASH, EDGE_WORDS, LEGEND, STATUS_COLOURS, text_colour

__all__ = ["ReportError", "write_blueprint", "figures_for"]

HERE = Path(__file__).parent
STATUS_ORDER = [s.value for s in sorted(Status, key=lambda s: -s.rank)]  # proved first
SHOWN_KEYS_FIRST = ("slack", "instances", "cases", "method", "dps", "seed", "tight", "seconds")
_FIG = re.compile(r"\bFig(?:ure|s)?\.?\s*(\d+)", re.I)


class ReportError(SymflatError, RuntimeError):
    """The blueprint cannot be built (a missing optional package, an unwritable folder)."""


@dataclass
class Figure:
    path: Path
    number: int | None
    href: str = ""
    caption: str = ""
    claims: list[str] = field(default_factory=list)


def _environment():
    try:
        import jinja2
    except ImportError:
        raise ReportError("the HTML report needs jinja2 and latex2mathml: pip install 'symflat[report]'") from None
    return jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def figures_for(paper_id: str, claims, figures_dir: Path | None) -> list[Figure]:
    """The figures of a paper in ``figures_dir``: files ``<paper id with _>_fig<N>.<png|svg|jpg>``.

    A figure goes with each claim whose ``where``, ``eq`` or ``note`` names "Fig. N" (or that
    lists the file in ``figures=``/``figure=``); every figure is also shown at the end of the
    paper's page.
    """
    if figures_dir is None or not Path(figures_dir).is_dir():
        return []
    stem = paper_id.replace("-", "_")
    found = []
    for f in sorted(Path(figures_dir).iterdir()):
        m = re.fullmatch(rf"{re.escape(stem)}_fig(\d+)\w*\.(png|svg|jpg|jpeg)", f.name, re.I)
        if m:
            found.append(Figure(f, int(m.group(1)), caption=f"Fig. {m.group(1)} (reproduced by symflat): {f.name}"))
    for c in claims:
        named = c.extras.get("figures") or c.extras.get("figure") or []
        named = [named] if isinstance(named, str) else list(named)
        numbers = {int(n) for text in (c.where, c.eq, c.note) for n in _FIG.findall(text or "")}
        for fig in found:
            if fig.number in numbers or fig.path.name in {Path(n).name for n in named}:
                fig.claims.append(c.id)
    return found


def _scope(data: dict) -> str:
    scope = data.get("scope")
    n = data.get("instances")
    cases = data.get("cases")
    if isinstance(cases, (list, tuple)):
        cases = ", ".join(map(str, cases))
    if scope == "general":
        return "general"
    if scope == "instances" or n is not None:
        text = f"{n} instance{'s' if n != 1 else ''}" if n is not None else "instances"
        return text + (f": {cases}" if cases else "")
    return scope or ""


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (dict, list)):
        return json.dumps(v, default=str)
    return str(v)


def _evidence_view(name: str, ev) -> dict:
    data = dict(ev.data)
    cex = data.pop("counterexample", None)
    error = data.pop("error", None)
    trace = data.pop("traceback", None)
    for k in ("scope",):
        data.pop(k, None)
    keys = [k for k in SHOWN_KEYS_FIRST if k in data] + sorted(k for k in data if k not in SHOWN_KEYS_FIRST)
    shown = [(k, _fmt(data[k])) for k in keys]
    summary = ", ".join(f"{k} {v}" for k, v in shown[:3] if len(v) < 40) or "data"
    return {"name": name, "status": ev.status.value, "scope": _scope(ev.data), "error": error is not None,
            "detail_html": prose(ev.detail or error or ""), "data": shown, "summary": summary,
            "counterexample": _compact(cex) if cex is not None else "", "traceback": str(trace or "")}


def _compact(value) -> str:
    """JSON with one top-level key per line and each value on one line (matrices stay readable)."""
    if isinstance(value, dict):
        return "{\n" + ",\n".join(f" {json.dumps(str(k))}: {json.dumps(v, default=str)}" for k, v in value.items()) + "\n}"
    return json.dumps(value, default=str)


def _decided_scope(status: Status, evidence) -> str:
    """``general`` or ``instances``: the scope of the evidence that gives the claim its status."""
    implied = {Status.PROVED: "general", Status.CITED: "general"}  # what an evidence without a scope key means
    scopes = {e.data.get("scope") or ("instances" if "instances" in e.data else implied.get(status, "instances"))
              for _, e in evidence if e.status is status and not e.is_error}
    return "general" if "general" in scopes else "instances" if "instances" in scopes else ""


def write_blueprint(reg, statuses: dict, support: dict, evidence: dict, graph: nx.DiGraph, out_dir: Path, *,
                    history: dict[str, list[RunPoint]] | None = None, figures_dir: Path | None = None,
                    run_note: str = "") -> list[Path]:
    """Write ``index.html``, one page per paper and their assets into ``out_dir``; return the pages.

    ``statuses``/``support`` map claim ids to :class:`Status`; ``evidence`` maps ids to
    ``[(check name, Evidence), ...]`` (the last run's); ``history`` maps ids to their
    :class:`RunPoint` list; ``figures_dir`` holds ``<paper>_fig<N>.png`` files.
    """
    env = _environment()
    history = history or {}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "_static").mkdir(exist_ok=True)
    _write_static(out_dir / "_static")

    by_paper: dict[str, list] = {}
    for c in reg.claims.values():
        by_paper.setdefault(c.paper, []).append(c)
    known = {p.id: p for p in all_papers()}
    statuses = {k: Status.parse(v) for k, v in statuses.items()}
    support = {k: Status.parse(v) for k, v in support.items()}

    def href(cid: str) -> str:
        paper, label = cid.split("/", 1)
        return f"{paper}.html#{label}"

    def link(cid: str) -> dict:
        return {"href": href(cid), "text": cid, "status": statuses.get(cid, Status.OPEN).value}

    corrected_by: dict[str, list[str]] = {}
    for c in reg.claims.values():
        if c.corrects:
            corrected_by.setdefault(c.corrects, []).append(c.id)
    impact = {n: sorted(graph_impact(graph, n)) for n in graph}

    paper_views = []
    for pid in sorted(by_paper):
        p = known.get(pid)
        title = getattr(p, "title", "") or ""
        counts = {s: 0 for s in STATUS_ORDER}
        general = instances = 0
        for c in by_paper[pid]:
            counts[statuses[c.id].value] += 1
            decided = _decided_scope(statuses[c.id], evidence.get(c.id, []))
            general += decided == "general"
            instances += decided == "instances"
        paper_views.append({"id": pid, "title": title, "authors": getattr(p, "authors", "") or "",
                            "year": getattr(p, "year", None), "short": _short(pid), "total": len(by_paper[pid]),
                            "counts": list(counts.items()), "general": general, "instances": instances, "figures": []})

    built = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    common = {"papers": paper_views, "built": built, "version": _version(), "run_note": run_note,
              "statuses": STATUS_ORDER, "kinds": [k for k in KINDS if any(c.kind == k for c in reg.claims.values())]}
    (out_dir / "figures").mkdir(exist_ok=True)
    written = []
    for view in paper_views:
        pid = view["id"]
        groups = reading_order(by_paper[pid])
        order = [c.id for _, cs in groups for c in cs]
        figs = figures_for(pid, by_paper[pid], figures_dir)
        for f in figs:
            shutil.copy2(f.path, out_dir / "figures" / f.path.name)
            f.href = f"figures/{f.path.name}"
        view["figures"] = [{"href": f.href, "caption": f.caption} for f in figs]
        drawn = drawn_graph(graph, order)
        svg, lay = graph_svg(drawn, reg.claims, statuses, support, lambda cid: "#" + cid.split("/", 1)[1], order)
        sections = []
        for section, cs in groups:
            cards = [_card(c, statuses, support, evidence, history, graph, corrected_by, impact, figs, link)
                     for c in cs]
            sections.append({"name": section.name, "anchor": "sec-" + re.sub(r"[^a-z0-9]+", "-", section.name.lower()),
                             "cards": cards})
        page = out_dir / f"{pid}.html"
        page.write_text(env.get_template("paper.html").render(
            **common, page_paper=pid, paper=view, sections=sections, graph_svg=svg, layout_note=lay.note,
            legend_rows=[(s.value, LEGEND[s]) for s in sorted(Status, key=lambda s: -s.rank)],
            shape_rows=list(SHAPE_WORDS.items()),
            edge_rows=[(k, EDGE_DASH[k], EDGE_WORDS[k]) for k in ("uses", "proof", "hypothesis")]), encoding="utf-8")
        written.append(page)

    grand = {"total": sum(v["total"] for v in paper_views),
             "counts": [(s, sum(dict(v["counts"])[s] for v in paper_views)) for s in STATUS_ORDER],
             "general": sum(v["general"] for v in paper_views), "instances": sum(v["instances"] for v in paper_views)}
    refuted = [{"id": cid, "href": href(cid), "statement_html": statement_html(reg.claims[cid].statement),
                "fixes": [{**link(f), "id": f, "statement_html": statement_html(reg.claims[f].statement)}
                          for f in corrected_by.get(cid, [])]}
               for cid in sorted(reg.claims) if statuses[cid] is Status.REFUTED]
    impact_rows = sorted(({"id": n, "href": href(n), "status": statuses[n].value, "fallen": [link(m) for m in impact[n]]}
                          for n in graph if impact[n]),
                         key=lambda r: (r["status"] != "refuted", -len(r["fallen"]), r["id"]))
    rows = [{"id": c.id, "href": href(c.id), "kind": c.kind, "paper": c.paper, "status": statuses[c.id].value,
             "support": support[c.id].value, "statement_html": statement_html(c.statement)}
            for v in paper_views for _, cs in reading_order(by_paper[v["id"]]) for c in cs]
    index = out_dir / "index.html"
    index.write_text(env.get_template("index.html").render(
        **common, page_paper="", grand=grand, refuted=refuted, impact=impact_rows, rows=rows,
        problems=[str(e) for e in getattr(reg, "errors", [])]), encoding="utf-8")
    return [index, *written]


def _card(c, statuses, support, evidence, history, graph, corrected_by, impact, figs, link) -> dict:
    own = statuses[c.id]
    edges = [(name, [link(i) for i in items]) for name, items in [
        ("hypotheses", c.hypotheses), ("statement uses", c.uses), ("proof uses", c.proof_uses),
        ("proof outline", list(getattr(c, "outline", None) or [])),
        ("used by", sorted(graph.successors(c.id)) if c.id in graph else []),
        ("corrects", [c.corrects] if c.corrects else []), ("corrected by", corrected_by.get(c.id, []))] if items]
    runs = history.get(c.id, [])
    source = ", ".join(x for x in [c.where, f"eq. {c.eq}" if c.eq else ""] if x)
    return {"id": c.id, "label": c.label, "kind": c.kind, "paper": c.paper, "status": own.value,
            "support": support[c.id].value, "expect": c.expect.value if c.expect else "", "colour": STATUS_COLOURS[own],
            "source": source, "statement_html": statement_html(c.statement), "edges": edges, "cite": c.cite,
            "about": getattr(c, "about", "") or "",
            "note_html": prose(c.note) if c.note else "",
            "checks": [_evidence_view(n, e) for n, e in evidence.get(c.id, [])], "expects_checks": bool(c.checks),
            "history_svg": history_svg(runs) if len(runs) else "", "runs": len(runs),
            "impact": [link(m) for m in impact.get(c.id, [])],
            "figures": [{"href": f.href, "caption": f.caption} for f in figs if c.id in f.claims]}


def _short(pid: str) -> str:
    """``mulayoff-michaeli-soudry-2021`` -> ``Mulayoff et al. 2021`` (navigation labels)."""
    parts = pid.split("-")
    names, year = [p for p in parts if not p.isdigit()], next((p for p in parts if p.isdigit()), "")
    who = names[0].capitalize() + (" et al." if len(names) > 2 else f" & {names[1].capitalize()}" if len(names) == 2 else "")
    return f"{who} {year}".strip()


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("symflat")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        return "(source tree)"


def _write_static(dest: Path) -> None:
    css = (HERE / "static" / "blueprint.css").read_text(encoding="utf-8")
    css += "\n" + "\n".join(f".s-{s.value}{{background:{c};color:{text_colour(s)}}}.swatch.s-{s.value}{{background:{c}}}"
                            for s, c in STATUS_COLOURS.items()) + "\n"
    (dest / "blueprint.css").write_text(css, encoding="utf-8")
    shutil.copy2(HERE / "static" / "blueprint.js", dest / "blueprint.js")
