"""pytest plugin (entry point ``pytest11``): ``pytest --symflat proofs/`` collects every claim as a
test item named by its id, runs its checks in-process, and fails the item when the claim misses
its expected status (default: not refuted, no check errored, no registry problem).

So a project keeps a paper's bounds as regression tests in its own suite and CI.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from symflat.claims import Status, all_papers, status_scope
from symflat.discovery import import_claim_file, load_claims
from symflat.runner.task import run_check

try:  # the bound-assertion fixture of the search engine, when present
    from symflat.testing_fixtures import symflat_bound  # noqa: F401
except ImportError:  # pragma: no cover - optional engine
    pass

_FILES_KEY = pytest.StashKey[list]()
_REGISTRY_KEY = pytest.StashKey[object]()


def pytest_addoption(parser):
    group = parser.getgroup("symflat", "symflat claims as tests")
    group.addoption("--symflat", action="store_true", help="collect claims from claim files as test items")
    group.addoption("--symflat-seed", type=int, default=0, help="seed handed to every check (default 0)")
    group.addoption("--symflat-dps", type=int, default=30, help="decimal digits for checks (default 30)")
    group.addoption("--symflat-budget", type=float, default=60.0, help="time budget of one check in seconds")


def pytest_configure(config):
    config.stash[_FILES_KEY] = []


def pytest_collect_file(file_path: Path, parent):
    if not parent.config.getoption("symflat") or file_path.suffix != ".py":
        return None
    name = file_path.name
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return None
    if name.startswith("_") and name != "__init__.py":
        return None
    return ClaimFile.from_parent(parent, path=file_path)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    status = dict(getattr(item, "user_properties", ())).get("symflat_status")
    if status and call.when == "call":
        outcome.get_result().symflat_status = status


def pytest_report_teststatus(report, config):
    """Verbose runs show each claim's status beside its outcome: ``PASSED [proved (general)]``."""
    status = getattr(report, "symflat_status", None)
    if status and report.when == "call":
        word = "PASSED" if report.passed else "FAILED"
        return report.outcome, word[0] if report.passed else "F", f"{word} [{status}]"
    return None


class ClaimFile(pytest.File):
    def collect(self):
        import_claim_file(self.path)
        self.config.stash[_FILES_KEY].append(self.path)
        target = self.path.resolve()
        for paper in all_papers():
            for c in paper.claims:
                if Path(c.file).resolve() == target:
                    yield ClaimItem.from_parent(self, name=c.id, claim=c)


class ClaimFailed(Exception):
    pass


def why_failed(claim, status, evidence, problems) -> str:
    """One plain sentence saying why a claim item failed."""
    reasons = list(problems)
    reasons += [f"a check errored ({ev.detail})" for ev in evidence if ev.is_error]
    if claim.expect is Status.REFUTED and status is not Status.REFUTED:
        reasons.append(f"it is expected to be refuted, but no check found a counterexample (status {status.value})")
    elif status is Status.REFUTED and claim.expect is not Status.REFUTED:
        reasons.append("a check refuted it (a counterexample was found)")
    elif claim.expect is not None and claim.expect is not Status.REFUTED and status.rank < claim.expect.rank:
        reasons.append(f"it reached {status.value}, below the expected {claim.expect.value}")
    return "; ".join(reasons) or "it missed its expectation"


class ClaimItem(pytest.Item):
    def __init__(self, *, claim, **kwargs):
        super().__init__(**kwargs)
        self.claim = claim

    def _registry_problems(self) -> list[str]:
        config = self.config
        if _REGISTRY_KEY not in config.stash:
            config.stash[_REGISTRY_KEY] = load_claims(config.stash[_FILES_KEY])
        return [e.problem for e in config.stash[_REGISTRY_KEY].errors_for(self.claim.id)]

    def runtest(self):
        opt = self.config.getoption
        results = [(chk.name, *run_check(self.claim, chk.name, opt("symflat_seed"), opt("symflat_dps"), opt("symflat_budget")))
                   for chk in self.claim.checks]
        evidence = [ev for _, ev, _ in results]
        status = self.claim.own_status(evidence)
        self.user_properties.append(("symflat_status", f"{status.value} ({status_scope(status) or '-'})"))
        problems = self._registry_problems()
        errored = any(ev.is_error for ev in evidence)
        if problems or not self.claim.meets_expectation(status, errored):
            lines = [f"{self.claim.id} failed: {why_failed(self.claim, status, evidence, problems)}",
                     f"  own status: {status.value} ({status_scope(status) or 'no scope'})"]
            lines += [f"  [{name}] {ev.status.value} ({ev.scope_text()}): {ev.detail}" for name, ev, _ in results]
            raise ClaimFailed("\n".join(lines))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ClaimFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, self.claim.line - 1, f"claim {self.claim.id}"
