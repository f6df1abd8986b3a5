"""A claim's record over runs, read from the ledger, and its small inline SVG plot.

One point per run that checked the claim: the own status that run's evidence gives (the same rule
as :meth:`~symflat.claims.Claim.own_status`) and the smallest slack any of its checks reported.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path

from symflat.claims import Status
from symflat.report.theme import STATUS_COLOURS

__all__ = ["RunPoint", "load_history", "history_svg"]


@dataclass(frozen=True)
class RunPoint:
    run_id: int
    time: float
    status: Status
    slack: float | None


def load_history(ledger_path: Path | None, claims: dict) -> dict[str, list[RunPoint]]:
    """``claim id -> [RunPoint, ...]`` in run order; empty when there is no ledger."""
    if ledger_path is None or not Path(ledger_path).exists():
        return {}
    from symflat.runner.ledger import Ledger

    with Ledger(ledger_path) as led:
        rows = led.results()
    grouped: dict[tuple[str, int], list] = {}
    for r in rows:
        if r.claim_id in claims:
            grouped.setdefault((r.claim_id, r.run_id), []).append(r)
    out: dict[str, list[RunPoint]] = {}
    for (cid, run), rs in sorted(grouped.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        slacks = [r.slack for r in rs if r.slack is not None]
        status = claims[cid].own_status([r.evidence for r in rs])
        out.setdefault(cid, []).append(RunPoint(run, max(r.time for r in rs), status, min(slacks) if slacks else None))
    return out


def history_svg(points: list[RunPoint], width: int = 260) -> str:
    """Status (dots at the status's height, in its colour) and slack (a line) over runs."""
    if not points:
        return ""
    band, top, left = 26, 4, 44
    has_slack = any(p.slack is not None for p in points)
    height = top + band + (band + 10 if has_slack else 4)
    step = (width - left - 8) / max(len(points) - 1, 1)
    xs = [left + i * step if len(points) > 1 else left + (width - left - 8) / 2 for i in range(len(points))]
    ranks = len(Status) - 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="history" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="status and slack over runs">',
           f'<text x="0" y="{top + band / 2 + 4}" font-size="10" fill="#555">status</text>']
    ys = [top + band - (p.status.rank / ranks) * band for p in points]
    if len(points) > 1:
        out.append(f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys))}" fill="none" stroke="#bbb"/>')
    for p, x, y in zip(points, xs, ys):
        when = dt.datetime.fromtimestamp(p.time).strftime("%Y-%m-%d %H:%M")
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{STATUS_COLOURS[p.status]}" stroke="#333" stroke-width=".6">'
                   f"<title>run {p.run_id} ({when}): {p.status.value}</title></circle>")
    if has_slack:
        base = top + band + 8
        vals = [p.slack for p in points if p.slack is not None]
        lo, hi = min(vals + [0.0]), max(vals + [0.0])
        span = hi - lo or 1.0

        def sy(v):
            return base + band - (v - lo) / span * band

        out.append(f'<text x="0" y="{base + band / 2 + 4}" font-size="10" fill="#555">slack</text>'
                   f'<line x1="{left}" x2="{width - 4}" y1="{sy(0):.1f}" y2="{sy(0):.1f}" stroke="#ccc" stroke-dasharray="2 2"/>')
        pts = [(x, sy(p.slack), p) for p, x in zip(points, xs) if p.slack is not None]
        if len(pts) > 1:
            out.append(f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y, _ in pts)}" fill="none" stroke="#1565c0"/>')
        for x, y, p in pts:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#1565c0"><title>run {p.run_id}: slack {p.slack:.6g}</title></circle>')
    out.append("</svg>")
    return "".join(out)
