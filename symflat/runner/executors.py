"""Executors: run a top-level function over items serially, in local processes, or on Dask.

All three share one method, ``map_unordered(fn, items, timeout=None)``, which yields an
:class:`Outcome` per item as it completes (in completion order). A failure of one item (an
exception, a dead worker process, a time-out) becomes an outcome with ``error`` set; it never
stops the other items.

- ``serial``: in this process, one item after the other.
- ``process``: one fresh process per item (forked, so claim files already imported are
  shared), at most ``workers`` at a time. A process that exceeds ``timeout`` is killed, and one
  that dies (killed, segfault, ``os._exit``) loses only its own item.
- ``dask``: ``dask.distributed`` on the scheduler at ``scheduler`` (``tcp://host:port``), or on a
  ``LocalCluster`` on loopback started for the run when no address is given.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Callable, Iterable, Iterator

from symflat.errors import SymflatError

EXECUTORS = ("serial", "process", "dask")
GRACE_SECONDS = 5.0


class ExecutorError(SymflatError, RuntimeError):
    """An executor that cannot be started (unknown name, no dask installed, unreachable scheduler)."""


@dataclass
class Outcome:
    """The result of one item: ``value`` when it ran, ``error`` (a one-line message) when not."""

    item: Any
    value: Any = None
    error: str | None = None
    duration: float = 0.0


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class SerialExecutor:
    """Runs items one after the other in this process."""

    name = "serial"
    workers = 1

    def map_unordered(self, fn: Callable, items: Iterable, timeout: float | None = None) -> Iterator[Outcome]:
        for item in items:
            t0 = time.monotonic()
            try:
                value = fn(item)
            except Exception as e:
                yield Outcome(item, error=_describe(e), duration=time.monotonic() - t0)
            else:
                yield Outcome(item, value=value, duration=time.monotonic() - t0)

    def close(self) -> None:
        pass


def _child(fn: Callable, item: Any, conn) -> None:
    try:
        payload = ("ok", fn(item))
    except BaseException as e:  # report everything, including SystemExit from a check
        payload = ("error", _describe(e))
    try:
        conn.send(payload)
    except Exception as e:  # an unpicklable result
        conn.send(("error", f"result could not be sent back: {_describe(e)}"))
    finally:
        conn.close()


class ProcessExecutor:
    """A local pool of single-use worker processes (see the module docstring)."""

    name = "process"

    def __init__(self, workers: int | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
        self._mp = mp.get_context(method)
        self._running: dict = {}

    def map_unordered(self, fn: Callable, items: Iterable, timeout: float | None = None) -> Iterator[Outcome]:
        pending = list(items)
        pending.reverse()
        running = self._running
        try:
            while pending or running:
                while pending and len(running) < self.workers:
                    item = pending.pop()
                    recv, send = self._mp.Pipe(duplex=False)
                    proc = self._mp.Process(target=_child, args=(fn, item, send), daemon=True)
                    proc.start()
                    send.close()
                    running[recv] = (proc, item, time.monotonic())
                for conn in wait(list(running), timeout=0.1):
                    proc, item, t0 = running.pop(conn)
                    try:
                        kind, value = conn.recv()
                    except (EOFError, OSError):
                        proc.join(1)
                        yield Outcome(item, error=f"worker process died (exit code {proc.exitcode})", duration=time.monotonic() - t0)
                        continue
                    finally:
                        conn.close()
                    proc.join(1)
                    if kind == "ok":
                        yield Outcome(item, value=value, duration=time.monotonic() - t0)
                    else:
                        yield Outcome(item, error=value, duration=time.monotonic() - t0)
                if timeout is not None:
                    now = time.monotonic()
                    for conn, (proc, item, t0) in list(running.items()):
                        if now - t0 > timeout + GRACE_SECONDS:
                            proc.kill()
                            proc.join(1)
                            running.pop(conn)
                            conn.close()
                            yield Outcome(item, error=f"killed after exceeding its time budget of {timeout:g} s", duration=now - t0)
        finally:
            self.close()

    def close(self) -> None:
        for conn, (proc, _item, _t0) in list(self._running.items()):
            proc.kill()
            proc.join(1)
            conn.close()
        self._running.clear()


class DaskExecutor:
    """Runs items as tasks on a ``dask.distributed`` cluster."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError("the dask executor needs dask.distributed: pip install 'symflat[dask]'") from None
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout=30)
            else:
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                             host="127.0.0.1", dashboard_address=None)
                self.client = Client(self._cluster)
        except (OSError, TimeoutError) as e:
            self.close()
            raise ExecutorError(f"cannot connect to the dask scheduler {scheduler or '(local cluster)'}: {e}") from None

    def map_unordered(self, fn: Callable, items: Iterable, timeout: float | None = None) -> Iterator[Outcome]:
        from dask.distributed import as_completed

        futures = {}
        for item in items:
            futures[self.client.submit(fn, item, pure=False)] = (item, time.monotonic())
        total = None if timeout is None else (timeout + GRACE_SECONDS) * (len(futures) / self.workers + 1)
        done = set()
        try:
            for fut in as_completed(list(futures), timeout=total):
                item, t0 = futures[fut]
                done.add(fut)
                try:
                    yield Outcome(item, value=fut.result(), duration=time.monotonic() - t0)
                except Exception as e:
                    yield Outcome(item, error=_describe(e), duration=time.monotonic() - t0)
        except TimeoutError:
            for fut, (item, t0) in futures.items():
                if fut not in done:
                    fut.cancel()
                    yield Outcome(item, error=f"not finished within the run's time budget ({total:.0f} s)", duration=time.monotonic() - t0)

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(name: str = "process", workers: int | None = None, scheduler: str | None = None):
    """An executor by name: ``serial``, ``process`` (default) or ``dask``."""
    if name == "serial":
        return SerialExecutor()
    if name == "process":
        return ProcessExecutor(workers)
    if name == "dask":
        return DaskExecutor(workers, scheduler)
    raise ExecutorError(f"unknown executor {name!r}; use one of {EXECUTORS}")
