"""Plain-text tables for the terminal: the status table of a run, a claim's card, its history."""

from __future__ import annotations

import datetime as dt

from symflat.claims import Status

MARK = {Status.PROVED: "✔", Status.CERTIFIED: "✔", Status.CHECKED: "~", Status.CITED: "·",
        Status.OPEN: "?", Status.REFUTED: "✘"}


def render(rows: list[list[str]], header: list[str], max_width: dict[int, int] | None = None) -> str:
    """Left-aligned columns separated by two spaces; ``max_width`` truncates chosen columns."""
    max_width = max_width or {}
    cells = [[_cut(str(c), max_width.get(i)) for i, c in enumerate(r)] for r in [header, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cut(text: str, width: int | None) -> str:
    text = " ".join(text.split())
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def scope_cell(outcome) -> str:
    """The scope of a claim's own status: ``general``, ``n=7`` (the largest instance count
    among the evidence that set the status), ``outline`` or ``-`` when open."""
    if outcome.scope is None:
        return "-"
    if outcome.scope == "general":
        return "outline" if outcome.claim.outline and outcome.status is Status.PROVED else "general"
    counted = [e for _, e in outcome.evidence if e.status is outcome.status and e.instances is not None]
    return _scope_short(max(counted, key=lambda e: e.instances)) if counted else "instances"


def run_table(report) -> str:
    """The status table of a :class:`~symflat.runner.session.RunReport` and its summary line."""
    rows = []
    for o in report.outcomes:
        first = o.problems[0] if o.problems else next((e.detail for _, e in o.evidence if e.is_error), None)
        detail = first or "; ".join(e.detail for _, e in o.evidence if e.detail) or o.claim.cite
        if o.support_reason and not first:
            detail = f"[support: {o.support_reason}] {detail}"
        expected = o.claim.expect.value if o.claim.expect else ""
        flag = "" if o.meets else "  <-- " + ("error" if o.errored else "missed expectation")
        rows.append([f"{MARK[o.status]} {o.claim.id}", o.claim.kind, o.status.value, scope_cell(o), o.support.value,
                     expected, str(len(o.evidence)), detail + flag])
    table = render(rows, ["claim", "kind", "status", "scope", "support", "expect", "checks", "detail"], {7: 90})
    return table + "\n\n" + summary_line(report)


#: How the summary line names each status, so that it says what was shown.
SUMMARY_WORDS = {"proved": "proved in general", "certified": "rigorous on instances (certified)",
                 "checked": "checked numerically", "cited": "cited", "open": "open", "refuted": "refuted"}


def summary_line(report) -> str:
    counts = report.summary()
    order = ["proved", "certified", "checked", "cited", "open", "refuted"]
    parts = [f"{counts[s]} {SUMMARY_WORDS[s]}" for s in order if counts.get(s)]
    missed = sum(not o.meets for o in report.outcomes)
    line = f"{len(report.outcomes)} claims: " + ", ".join(parts)
    if missed:
        line += f"; {missed} did not meet expectation"
    if report.file_errors:
        line += f"; {len(report.file_errors)} claim file(s) failed to load"
    if report.interrupted:
        line += "; run interrupted"
    return line


def history_table(results) -> str:
    """One row per ledger result: run, time, claim, check, status, slack, code version."""
    rows = [[str(r.run_id), dt.datetime.fromtimestamp(r.time).strftime("%Y-%m-%d %H:%M:%S"), r.claim_id, r.check_name,
             r.status.value + (" (error)" if r.evidence.is_error else ""), _scope_short(r.evidence),
             "" if r.slack is None else f"{r.slack:.6g}", f"{r.duration:.2f}s" if r.duration is not None else "",
             r.evidence.detail]
            for r in results]
    return render(rows, ["run", "time", "claim", "check", "status", "scope", "slack", "took", "detail"], {8: 70})


def _scope_short(ev) -> str:
    if ev.scope == "general":
        return "general"
    return f"n={ev.instances}" if ev.instances is not None else "instances"
