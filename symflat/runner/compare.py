"""Regressions of a run against the previous run of each claim: a worse status, a scope that
narrowed (general evidence now only on instances, or fewer instances than before), or a slack that
shrank by more than a tolerance (relative to ``max(1, |old slack|)``)."""

from __future__ import annotations

from symflat.runner.ledger import Ledger


def regressions(ledger: Ledger, run_id: int, outcomes, slack_tol: float = 1e-9) -> list[str]:
    found = []
    for o in outcomes:
        cid = o.claim.id
        prev_run = ledger.last_run_with(cid, before=run_id)
        if prev_run is None:
            continue
        before = {r.check_name: r for r in ledger.results(cid, prev_run)}
        prev_status = o.claim.own_status([r.evidence for r in before.values()])
        if o.status.rank < prev_status.rank:
            found.append(f"{cid}: status fell from {prev_status.value} (run {prev_run}) to {o.status.value}")
        for name, ev in o.evidence:
            old = before.get(name)
            if old is None:
                continue
            narrowed = _narrowing(old.evidence, ev)
            if narrowed:
                found.append(f"{cid} [{name}]: scope narrowed from {narrowed} (run {prev_run})")
            if old.slack is None or ev.slack is None:
                continue
            if ev.slack < old.slack - slack_tol * max(1.0, abs(old.slack)):
                found.append(f"{cid} [{name}]: slack shrank from {old.slack:.6g} (run {prev_run}) to {ev.slack:.6g}")
    return found


def _narrowing(old, new) -> str | None:
    """``"general to 7 instances"``-style text when ``new`` covers less than ``old``, else None."""
    if old.is_error or new.is_error:
        return None
    if old.scope == "general" and new.scope == "instances":
        return f"general to {new.scope_text()}"
    if old.scope == new.scope == "instances" and old.instances and new.instances is not None and new.instances < old.instances:
        return f"{old.instances} to {new.instances} instances"
    return None
