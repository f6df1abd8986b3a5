"""Rich displays for Jupyter: ``_repr_html_`` of a claim, a paper and a sharpness result, and
``_repr_latex_`` of a statement. Self-contained HTML (inline styles, MathML, inline SVG): a
notebook shows it without the site's stylesheet and without a network."""

from __future__ import annotations

import html

from symflat.claims import Status
from symflat.report.mathml import statement_html
from symflat.report.theme import STATUS_COLOURS, text_colour

__all__ = ["claim_html", "claim_latex", "paper_html", "sharpness_html"]

_BOX = "font-family:system-ui,sans-serif;border:1px solid #ddd;border-radius:6px;padding:.5em .8em;margin:.3em 0"
_MUTE = "color:#666;font-size:.85em"


def _badge(status: Status) -> str:
    return (f'<span style="background:{STATUS_COLOURS[status]};color:{text_colour(status)};border-radius:1em;'
            f'padding:0 .5em;font-size:.8em">{status.value}</span>')


def claim_latex(claim) -> str:
    """The statement for a LaTeX display: one formula in ``$..$`` unless it has its own delimiters."""
    s = claim.statement.strip()
    return s if ("$" in s or "\\(" in s) else f"${s}$"


def _unchecked_status(claim) -> Status:
    return claim.own_status([])


def claim_html(claim) -> str:
    """Kind, id, source, the statement as MathML, edges and check names (no run: no evidence)."""
    src = ", ".join(x for x in [claim.where, f"eq. {claim.eq}" if claim.eq else ""] if x)
    rows = [(name, ", ".join(items)) for name, items in [
        ("hypotheses", claim.hypotheses), ("statement uses", claim.uses), ("proof uses", claim.proof_uses),
        ("corrects", [claim.corrects] if claim.corrects else []), ("checks", [c.name for c in claim.checks])] if items]
    expect = f" expected {_badge(claim.expect)}" if claim.expect else ""
    return (f'<div style="{_BOX}"><b style="text-transform:capitalize">{html.escape(claim.kind)}</b> '
            f'<code>{html.escape(claim.id)}</code> <span style="{_MUTE}">{html.escape(src)}</span>{expect}'
            f'<div style="margin:.4em 0;font-size:1.1em">{statement_html(claim.statement)}</div>'
            + "".join(f'<div style="{_MUTE}">{html.escape(k)}: <code>{html.escape(v)}</code></div>' for k, v in rows)
            + "</div>")


def paper_html(paper) -> str:
    """Title, claim counts by kind, the dependency graph (statuses before any run: axioms and cited
    results ``cited``, the rest ``open``) and the statements in reading order."""
    from symflat.graph import lemma_graph, propagate_support
    from symflat.report.depgraph import drawn_graph, graph_svg
    from symflat.report.order import reading_order

    claims = {c.id: c for c in paper.claims}
    kinds: dict[str, int] = {}
    for c in paper.claims:
        kinds[c.kind] = kinds.get(c.kind, 0) + 1
    parts = [f'<div style="{_BOX}"><b>{html.escape(paper.title or paper.id)}</b> '
             f'<span style="{_MUTE}">{html.escape(paper.authors or "")} <code>{html.escape(paper.id)}</code> · '
             + ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in kinds.items()) + "</span>"]
    if claims:
        statuses = {cid: _unchecked_status(c) for cid, c in claims.items()}
        g = lemma_graph(claims)
        support = propagate_support(g, statuses)
        groups = reading_order(paper.claims)
        order = [c.id for _, cs in groups for c in cs]
        svg, _ = graph_svg(drawn_graph(g, order), claims, statuses, support, lambda cid: "#" + cid, order)
        parts.append(f'<div style="overflow:auto;max-height:28em;margin:.4em 0">{svg}</div>')
        for section, cs in groups:
            parts.append(f'<div style="font-weight:600;margin-top:.5em">{html.escape(section.name)}</div>')
            parts.extend(f'<div><code>{html.escape(c.label)}</code> {statement_html(c.statement)}</div>' for c in cs)
    return "".join(parts) + "</div>"


def sharpness_html(result) -> str:
    """The eigenvalue, whether it converged, and how it was obtained, as a small table."""
    ok = "converged" if result.converged else '<b style="color:#b71c1c">NOT CONVERGED</b>'
    rows = [("eigenvalue", f"{result.eigenvalue:.15g} ({html.escape(result.which)})"), ("status", ok),
            ("method", html.escape(result.method + (f" (asked: {result.requested})" if result.requested != result.method else ""))),
            ("backend", html.escape(result.backend)),
            ("residual", f"{result.residual:.3e} (relative {result.relative_residual:.2e}, one extra HVP)"),
            ("Hessian-vector products", f"{result.hvps} on dimension {result.dimension}"), ("time", f"{result.seconds:.3g} s")]
    if result.note:
        rows.append(("note", html.escape(result.note)))
    return (f'<table style="{_BOX};border-collapse:collapse"><caption style="text-align:left;font-weight:600">sharpness</caption>'
            + "".join(f'<tr><th style="text-align:left;padding-right:1em;{_MUTE}">{k}</th><td>{v}</td></tr>' for k, v in rows)
            + "</table>")
