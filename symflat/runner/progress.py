"""A one-line progress bar on stderr for runs longer than a moment (only on a terminal)."""

from __future__ import annotations

import sys
import time

SHOW_AFTER_SECONDS = 0.5


class Progress:
    def __init__(self, total: int, stream=None, enabled: bool | None = None):
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.t0 = time.monotonic()
        self.shown = False

    def step(self, label: str = "") -> None:
        self.done += 1
        elapsed = time.monotonic() - self.t0
        if not self.enabled or elapsed < SHOW_AFTER_SECONDS:
            return
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "." * (width - filled)
        line = f"\r[{bar}] {self.done}/{self.total} {elapsed:6.1f}s {label[:60]:<60}"
        self.stream.write(line)
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 110 + "\r")
            self.stream.flush()
