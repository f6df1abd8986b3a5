"""One unit of work: run one check of one claim, in whatever process the executor chose.

A :class:`CheckTask` names its claim by the file that declares it, so any worker (forked,
spawned, or on a Dask cluster) can import the file and find the check. :func:`run_check_task`
never raises for a failing check: an exception, a time-out, a wrong return type, or a NaN in the
evidence all come back as error :class:`Evidence` that names the problem.
"""

from __future__ import annotations

import signal
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from symflat.claims import Claim, Context, Evidence, all_papers
from symflat.discovery import package_siblings, import_claim_file


class CheckTimeout(Exception):
    """Raised inside a check that ran past its time budget (serial and process executors)."""


@dataclass(frozen=True)
class CheckTask:
    file: str
    claim_id: str
    check_name: str
    seed: int = 0
    dps: int = 30
    budget: float = 60.0


def find_claim(file: str, claim_id: str, check_name: str | None = None) -> Claim:
    """The claim ``claim_id`` declared in ``file`` (importing the file if needed). When it lacks
    ``check_name``, the other claim files of its package are imported too: a sibling file may
    attach checks to a claim declared here."""
    import_claim_file(Path(file))
    claim = _declared(file, claim_id)
    if check_name is not None and all(c.name != check_name for c in claim.checks):
        for f in package_siblings([Path(file).resolve()]):
            import_claim_file(f)
    return claim


def _declared(file: str, claim_id: str) -> Claim:
    target = Path(file).resolve()
    for paper in all_papers():
        for c in paper.claims:
            if c.id == claim_id and Path(c.file).resolve() == target:
                return c
    raise LookupError(f"claim {claim_id} is not declared in {file}")


def _where_it_failed(exc: BaseException, claim: Claim) -> str:
    """``file:line`` of the deepest frame inside the claim's file, for the error line."""
    frames = traceback.extract_tb(exc.__traceback__)
    for fr in reversed(frames):
        if Path(fr.filename).resolve() == Path(claim.file).resolve():
            return f" (at {Path(fr.filename).name}:{fr.lineno})"
    return ""


TRACEBACK_LIMIT = 8000  # characters of a raised check's traceback kept in its evidence


def _stored_traceback(exc: BaseException) -> str:
    """The traceback of a check that raised, as text for the ledger (``symflat show`` prints it);
    a very long one keeps its end, where the error is."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return text if len(text) <= TRACEBACK_LIMIT else "...\n" + text[-TRACEBACK_LIMIT:]


def _alarm(seconds: float):
    """Arm SIGALRM for the budget when running on the main thread; returns a disarm function."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return lambda: None

    def handler(signum, frame):
        raise CheckTimeout(f"exceeded its time budget of {seconds:g} s")

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)

    def disarm():
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)

    return disarm


def run_check(claim: Claim, check_name: str, seed: int = 0, dps: int = 30, budget: float = 60.0) -> tuple[Evidence, float]:
    """Run one check in this process; returns its evidence and its duration in seconds."""
    check = claim.get_check(check_name)
    ctx = Context(claim.id, check_name, seed=seed, dps=dps, budget=budget)
    t0 = time.monotonic()
    disarm = _alarm(budget)
    try:
        ev = check(ctx)
    except CheckTimeout as e:
        ev = Evidence.error(f"check timed out: {e}")
    except (Exception, SystemExit) as e:  # sys.exit() in a check ends the check, not the run
        ev = Evidence.error(f"check raised {type(e).__name__}: {e}{_where_it_failed(e, claim)}",
                            traceback=_stored_traceback(e))
    finally:
        disarm()
    duration = time.monotonic() - t0
    if not isinstance(ev, Evidence):
        ev = Evidence.error(f"check returned {type(ev).__name__}, not Evidence")
    elif (problem := ev.problem()) is not None:
        ev = Evidence.error(problem, **{k: v for k, v in ev.data.items() if k != "error"})
    ev.data.setdefault("seed", seed)
    ev.data.setdefault("dps", dps)
    return ev, duration


def run_check_task(task: CheckTask) -> tuple[Evidence, float]:
    """Executor entry point: import the claim's file, run the check."""
    claim = find_claim(task.file, task.claim_id, task.check_name)
    return run_check(claim, task.check_name, task.seed, task.dps, task.budget)
