"""Running checks: executors (serial, process, dask), the ledger, and a run session."""

from symflat.runner.executors import EXECUTORS, ExecutorError, make_executor
from symflat.runner.ledger import DEFAULT_PATH, Ledger, LedgerError
from symflat.runner.session import ClaimOutcome, RunOptions, RunReport, run_claims

__all__ = ["ClaimOutcome", "DEFAULT_PATH", "EXECUTORS", "ExecutorError", "Ledger", "LedgerError",
           "RunOptions", "RunReport", "make_executor", "run_claims"]
