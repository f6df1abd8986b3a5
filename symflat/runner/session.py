"""A run: execute the checks of the selected claims, record them, and compute statuses.

:func:`run_claims` fans the checks out on an executor, writes each result to the ledger the moment
it arrives, then derives every claim's own status (from its checks), its support (weakest status in
its dependency closure, :func:`symflat.graph.propagate_support`) and whether it met its expectation.
Claims outside the selection that the selection depends on take their status from their latest
ledger entry (``open`` if they were never run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from symflat.claims import Claim, Evidence, Status, status_scope
from symflat.discovery import Registry
from symflat.graph import lemma_graph, outline_statuses, propagate_support
from symflat.runner.executors import make_executor
from symflat.runner.ledger import DEFAULT_PATH, Ledger
from symflat.runner.progress import Progress
from symflat.runner.task import CheckTask, run_check_task


@dataclass
class RunOptions:
    executor: str = "process"
    workers: int | None = None
    scheduler: str | None = None
    seed: int = 0
    dps: int = 30
    budget: float = 60.0
    ledger: Path | str | None = DEFAULT_PATH
    progress: bool | None = None
    command: str = "check"


@dataclass
class ClaimOutcome:
    claim: Claim
    status: Status
    support: Status = Status.OPEN
    evidence: list[tuple[str, Evidence]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    meets: bool = True
    seconds: dict[str, float] = field(default_factory=dict)  # wall time of each check run here
    support_reason: str = ""  # why the support is weaker than the own status, if it is

    @property
    def errored(self) -> bool:
        return bool(self.problems) or any(e.is_error for _, e in self.evidence)

    @property
    def scope(self) -> str | None:
        """``general`` or ``instances`` for the own status (``None`` when open)."""
        return status_scope(self.status)

    def to_json(self) -> dict:
        c = self.claim
        return {
            "id": c.id, "kind": c.kind, "status": self.status.value, "scope": self.scope,
            "support": self.support.value, "support_reason": self.support_reason or None,
            "about": c.about or None, "outline": c.outline or None,
            "expected": c.expect.value if c.expect else None, "meets_expectation": self.meets,
            "statement": c.statement, "where": c.where, "eq": c.eq,
            "uses": c.uses, "proof_uses": c.proof_uses, "hypotheses": c.hypotheses,
            "cite": c.cite or None, "corrects": c.corrects or None,
            "problems": self.problems,
            "evidence": [{"check": name, **ev.to_dict(), "seconds": self.seconds.get(name)} for name, ev in self.evidence],
        }


@dataclass
class RunReport:
    run_id: int | None
    outcomes: list[ClaimOutcome]
    registry_errors: list[str]
    interrupted: bool = False

    file_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every claim met its expectation, no claim file failed to load, nothing was cut short."""
        return not self.interrupted and not self.file_errors and all(o.meets for o in self.outcomes)

    def summary(self) -> dict[str, int]:
        """Claims per own status (``proved`` is always general, ``certified`` on instances)."""
        counts = {s.value: 0 for s in Status}
        for o in self.outcomes:
            counts[o.status.value] += 1
        return counts

    def to_json(self) -> dict:
        return {"run_id": self.run_id, "claims": [o.to_json() for o in self.outcomes],
                "summary": self.summary(), "registry_errors": self.registry_errors,
                "interrupted": self.interrupted, "ok": self.ok}


def _tasks(reg: Registry, ids: list[str], opts: RunOptions) -> list[CheckTask]:
    return [CheckTask(reg.claims[cid].file, cid, chk.name, opts.seed, opts.dps, opts.budget)
            for cid in ids for chk in reg.claims[cid].checks]


def run_claims(reg: Registry, opts: RunOptions | None = None) -> RunReport:
    """Run every check of ``reg.selected`` and return the outcomes (see the module docstring)."""
    opts = opts or RunOptions()
    ids = list(reg.selected)
    tasks = _tasks(reg, ids, opts)
    ledger = Ledger(opts.ledger) if opts.ledger else None
    run_id = ledger.start_run(opts.command, opts.seed, opts.dps) if ledger else None
    evidence: dict[str, list[tuple[str, Evidence]]] = {cid: [] for cid in ids}
    seconds: dict[str, dict[str, float]] = {cid: {} for cid in ids}
    progress = Progress(len(tasks), enabled=opts.progress)
    interrupted = False
    try:
        if tasks:
            executor = make_executor(opts.executor, opts.workers, opts.scheduler)
            try:
                for out in executor.map_unordered(run_check_task, tasks, timeout=opts.budget):
                    task: CheckTask = out.item
                    if out.error is not None:
                        ev, duration = Evidence.error(out.error, seed=task.seed, dps=task.dps), out.duration
                    else:
                        ev, duration = out.value
                    evidence[task.claim_id].append((task.check_name, ev))
                    seconds[task.claim_id][task.check_name] = duration
                    if ledger:
                        ledger.record(run_id, reg.claims[task.claim_id], task.check_name, ev, duration)
                    progress.step(task.claim_id)
            finally:
                executor.close()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        progress.close()
        if ledger:
            ledger.finish_run(run_id, "interrupted" if interrupted else "finished")
    outcomes = _outcomes(reg, ids, evidence, ledger)
    for o in outcomes:
        o.seconds = seconds[o.claim.id]
    if ledger:
        ledger.close()
    return RunReport(run_id, outcomes, [str(e) for e in reg.errors], interrupted,
                     [str(e) for e in reg.errors if not e.claims])


def _outcomes(reg: Registry, ids: list[str], evidence: dict, ledger: Ledger | None) -> list[ClaimOutcome]:
    statuses: dict[str, Status] = {}
    caps: dict[str, Status] = {}
    why: dict[str, str] = {}
    for cid, c in reg.claims.items():
        if cid in evidence:
            order = {chk.name: i for i, chk in enumerate(c.checks)}  # declaration order, per claim
            evs = sorted(evidence[cid], key=lambda pair: order.get(pair[0], 0))
            evidence[cid] = evs
        else:
            evs = ledger.last_evidence(cid) if ledger else []
        statuses[cid] = c.own_status([e for _, e in evs])
        reasons = [e.problem for e in reg.errors_for(cid)] + [f"check {name} errored" for name, e in evs if e.is_error]
        if reasons:
            caps[cid], why[cid] = Status.OPEN, "; ".join(reasons)
    statuses = outline_statuses(reg.claims, statuses)
    g = lemma_graph(reg.claims)
    support = propagate_support(g, statuses, caps)
    outcomes = []
    for cid in ids:
        c = reg.claims[cid]
        o = ClaimOutcome(c, statuses[cid], support[cid], evidence[cid], [e.problem for e in reg.errors_for(cid)])
        o.meets = not o.problems and c.meets_expectation(o.status, o.errored)
        if support[cid].rank < statuses[cid].rank or cid in why:
            o.support_reason = _support_reason(cid, g.nodes[cid]["weakest_link"], support[cid], why)
        outcomes.append(o)
    return outcomes


def _support_reason(cid: str, link: str, support: Status, why: dict[str, str]) -> str:
    """Why ``cid``'s support is what it is: its own broken edge or errored check, or the claim of
    its closure that sets the support (``link``) with that claim's own reason when it has one."""
    if link == cid:
        return why.get(cid, "")
    return f"rests on {link}: {why[link]}" if link in why else f"rests on {link} ({support.value})"
