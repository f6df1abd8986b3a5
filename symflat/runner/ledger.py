"""The ledger: every run and every check result, in SQLite (WAL mode).

Each result is committed in its own transaction the moment it arrives, so a run that is
interrupted (Ctrl-C, a killed worker, a killed runner) leaves every completed result readable.

Tables:
- ``runs(run_id, started, finished, command, code_version, seed, dps, state)``; ``state`` is
  ``running``, ``finished`` or ``interrupted``.
- ``results(id, run_id, time, claim_id, check_name, status, slack, evidence, duration,
  source_hash, seed, dps, scope, instances)``; ``evidence`` is the :class:`Evidence` as JSON;
  ``scope`` is ``general`` or ``instances`` and ``instances`` the count of an instance-scoped
  result (ledgers written before scopes existed gain both columns, empty for their old rows).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from symflat.claims import Claim, Evidence, Status
from symflat.errors import SymflatError

DEFAULT_PATH = Path(".symflat") / "ledger.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL,
    finished REAL,
    command TEXT,
    code_version TEXT,
    seed INTEGER,
    dps INTEGER,
    state TEXT NOT NULL DEFAULT 'running'
);
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    time REAL NOT NULL,
    claim_id TEXT NOT NULL,
    check_name TEXT NOT NULL,
    status TEXT NOT NULL,
    slack REAL,
    evidence TEXT NOT NULL,
    duration REAL,
    source_hash TEXT,
    seed INTEGER,
    dps INTEGER
);
CREATE INDEX IF NOT EXISTS results_by_claim ON results(claim_id, run_id);
"""
#: Columns added after the first schema, with their types (added to older ledgers on open).
LATER_COLUMNS = {"scope": "TEXT", "instances": "INTEGER"}


class LedgerError(SymflatError, RuntimeError):
    """The ledger file cannot be opened or is not a symflat ledger."""


def code_version(where: Path | None = None) -> str:
    """The git commit of the working tree (with ``+dirty`` when it has changes), or ``unknown``."""
    try:
        cwd = str(where or Path.cwd())
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5)
        if commit.returncode != 0:
            return "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd, capture_output=True, text=True, timeout=5)
        return commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@dataclass(frozen=True)
class Result:
    """One row of ``results``."""

    run_id: int
    time: float
    claim_id: str
    check_name: str
    status: Status
    slack: float | None
    evidence: Evidence
    duration: float | None
    source_hash: str
    seed: int | None
    dps: int | None


class Ledger:
    """A SQLite ledger; use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path = DEFAULT_PATH):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)
            have = {row[1] for row in self.db.execute("PRAGMA table_info(results)")}
            for name, kind in LATER_COLUMNS.items():
                if name not in have:
                    self.db.execute(f"ALTER TABLE results ADD COLUMN {name} {kind}")
        except (sqlite3.DatabaseError, OSError) as e:
            raise LedgerError(f"cannot open ledger {self.path}: {e}") from None

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def _write(self, sql: str, params=()) -> int:
        with self.db:  # one transaction per write
            self.db.execute("BEGIN IMMEDIATE")
            cur = self.db.execute(sql, params)
        return cur.lastrowid

    def start_run(self, command: str = "check", seed: int | None = None, dps: int | None = None) -> int:
        return self._write("INSERT INTO runs(started, command, code_version, seed, dps) VALUES (?,?,?,?,?)",
                           (time.time(), command, code_version(), seed, dps))

    def finish_run(self, run_id: int, state: str = "finished") -> None:
        self._write("UPDATE runs SET finished=?, state=? WHERE run_id=?", (time.time(), state, run_id))

    def record(self, run_id: int, claim: Claim, check_name: str, evidence: Evidence, duration: float | None = None) -> None:
        """Store one check result (committed at once)."""
        seed = evidence.data.get("seed")
        dps = evidence.data.get("dps")
        self._write(
            "INSERT INTO results(run_id, time, claim_id, check_name, status, slack, evidence, duration, source_hash, seed, dps,"
            " scope, instances) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (run_id, time.time(), claim.id, check_name, evidence.status.value, evidence.slack,
             json.dumps(evidence.to_dict(), default=str), duration, claim.source_hash(),
             int(seed) if isinstance(seed, (int, float)) else None, int(dps) if isinstance(dps, (int, float)) else None,
             evidence.scope, evidence.instances))

    def _results(self, where: str = "", params=()) -> list[Result]:
        rows = self.db.execute(
            "SELECT run_id, time, claim_id, check_name, status, slack, evidence, duration, source_hash, seed, dps"
            f" FROM results {where} ORDER BY id", params).fetchall()
        return [Result(r[0], r[1], r[2], r[3], Status.parse(r[4]), r[5], Evidence.from_dict(json.loads(r[6])), *r[7:]) for r in rows]

    def results(self, claim_id: str | None = None, run_id: int | None = None) -> list[Result]:
        clauses, params = [], []
        if claim_id is not None:
            clauses.append("claim_id=?")
            params.append(claim_id)
        if run_id is not None:
            clauses.append("run_id=?")
            params.append(run_id)
        return self._results(("WHERE " + " AND ".join(clauses)) if clauses else "", params)

    def runs(self) -> list[dict]:
        cols = ("run_id", "started", "finished", "command", "code_version", "seed", "dps", "state")
        return [dict(zip(cols, r)) for r in self.db.execute(f"SELECT {', '.join(cols)} FROM runs ORDER BY run_id")]

    def last_run_with(self, claim_id: str, before: int | None = None) -> int | None:
        """The latest run (before ``before``, if given) that holds a result for ``claim_id``."""
        sql = "SELECT MAX(run_id) FROM results WHERE claim_id=?"
        params: list = [claim_id]
        if before is not None:
            sql += " AND run_id<?"
            params.append(before)
        return self.db.execute(sql, params).fetchone()[0]

    def last_evidence(self, claim_id: str, before: int | None = None) -> list[tuple[str, Evidence]]:
        """``(check name, evidence)`` of the latest run that checked ``claim_id``."""
        run = self.last_run_with(claim_id, before)
        if run is None:
            return []
        return [(r.check_name, r.evidence) for r in self.results(claim_id, run)]
