"""A static HTML blueprint: one page per paper, every claim with its statement, source, edges
(as links), own status, support and last evidence (counterexamples included).

Statements are LaTeX; the page loads MathJax to typeset them when the browser can reach it and
shows the LaTeX source otherwise.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from symflat.graph import STATUS_COLOURS
from symflat.claims import Status

STYLE = """
body{font-family:system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}
.claim{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;margin:.8em 0}
.badge{display:inline-block;padding:0 .5em;border-radius:4px;font-size:.85em;margin-left:.4em}
.id{font-family:monospace;font-weight:bold} .meta{color:#666;font-size:.9em}
.ev{font-size:.9em;margin:.3em 0 0 1em} pre{background:#f6f6f6;padding:.4em;overflow-x:auto}
table{border-collapse:collapse} td,th{padding:.2em .6em;border-bottom:1px solid #eee;text-align:left}
"""
MATHJAX = '<script async src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"></script>'


def _badge(status: Status) -> str:
    return f'<span class="badge" style="background:{STATUS_COLOURS[status]}">{status.value}</span>'


def _link(cid: str) -> str:
    paper, label = cid.split("/", 1)
    return f'<a href="{paper}.html#{label}">{html.escape(cid)}</a>'


def claim_html(c, status: Status, support: Status, evidence, used_by) -> str:
    head = (f'<div class="claim" id="{c.label}"><span class="id">{html.escape(c.id)}</span> '
            f'<span class="meta">{c.kind}</span>{_badge(status)} support{_badge(support)}'
            + (f' expected{_badge(c.expect)}' if c.expect else ""))
    body = [head, f"<p>\\({html.escape(c.statement)}\\)</p>"]
    src = ", ".join(x for x in [c.where, f"eq. {c.eq}" if c.eq else ""] if x)
    if src:
        body.append(f'<div class="meta">source: {html.escape(src)}</div>')
    for name, items in [("hypotheses", c.hypotheses), ("uses", c.uses), ("proof uses", c.proof_uses), ("used by", used_by)]:
        if items:
            body.append(f'<div class="meta">{name}: {", ".join(_link(i) for i in items)}</div>')
    for label, value in [("cited from", c.cite), ("corrects", c.corrects), ("note", c.note)]:
        if value:
            shown = _link(value) if label == "corrects" else html.escape(value)
            body.append(f'<div class="meta">{label}: {shown}</div>')
    for name, ev in evidence:
        data = {k: v for k, v in ev.data.items() if k != "counterexample"}
        body.append(f'<div class="ev">[{html.escape(name)}] {_badge(ev.status)} {html.escape(ev.detail)}'
                    f'<div class="meta">{html.escape(json.dumps(data, default=str))}</div>')
        if "counterexample" in ev.data:
            body.append(f"<pre>{html.escape(json.dumps(ev.data['counterexample'], indent=1, default=str))}</pre>")
        body.append("</div>")
    return "".join(body) + "</div>"


def write_blueprint(reg, statuses: dict, support: dict, evidence: dict, graph, out_dir: Path) -> list[Path]:
    """Write ``index.html`` and one page per paper into ``out_dir``; return the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    by_paper: dict[str, list] = {}
    for c in reg.claims.values():
        by_paper.setdefault(c.paper, []).append(c)
    written = []
    rows = []
    for paper, claims in sorted(by_paper.items()):
        counts = {}
        for c in claims:
            counts[statuses[c.id].value] = counts.get(statuses[c.id].value, 0) + 1
        rows.append(f'<tr><td><a href="{paper}.html">{paper}</a></td><td>{len(claims)}</td>'
                    f'<td>{", ".join(f"{n} {s}" for s, n in sorted(counts.items()))}</td></tr>')
        cards = [claim_html(c, statuses[c.id], support[c.id], evidence.get(c.id, []), sorted(graph.successors(c.id)))
                 for c in claims]
        page = out_dir / f"{paper}.html"
        page.write_text(f"<!doctype html><meta charset=utf-8><title>{paper}</title><style>{STYLE}</style>{MATHJAX}"
                        f'<p><a href="index.html">all papers</a></p><h1>{paper}</h1>' + "\n".join(cards))
        written.append(page)
    index = out_dir / "index.html"
    index.write_text(f"<!doctype html><meta charset=utf-8><title>symflat blueprint</title><style>{STYLE}</style>"
                     "<h1>symflat blueprint</h1><table><tr><th>paper</th><th>claims</th><th>statuses</th></tr>"
                     + "".join(rows) + "</table>")
    return [index, *written]
