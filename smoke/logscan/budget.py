"""How long a log scan may take, and whether the run still wants it.

A scan polls for ingestion lag (``--log-wait``) and follows every page a source
returns; a source that keeps returning a new ``nextToken`` (or keeps throttling)
would hold the run forever, and a Ctrl-C during the wait must not be ignored until
it ends. ``ScanBudget`` is both limits: an overall deadline tied to ``--log-wait``
(the wait, plus as long again to read, at least ``MIN_READ_S`` and at most
``MAX_READ_S``) and the run's stop event. ``scan_logs`` installs it for the scan
(``current``), so a source checks it between its calls without a new parameter.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from smoke.errors import LogScanError

MIN_READ_S = 5.0
MAX_READ_S = 300.0


class ScanInterrupted(LogScanError):
    """The run was interrupted (SIGINT/SIGTERM) while its logs were being read."""


class ScanOverdue(LogScanError):
    """The scan's deadline passed: what was read is kept, the scan did not finish."""


def read_allowance(wait_s: float) -> float:
    """Time to read the logs after waiting ``wait_s`` for them to arrive."""
    return min(MAX_READ_S, max(MIN_READ_S, wait_s))


@dataclass
class ScanBudget:
    deadline: float  # time.monotonic()
    limit_s: float  # what the deadline allows, for messages
    stop: threading.Event | None = None

    @classmethod
    def for_wait(cls, wait_s: float, stop: threading.Event | None = None) -> ScanBudget:
        limit = max(0.0, wait_s) + read_allowance(wait_s)
        return cls(time.monotonic() + limit, limit, stop)

    def check(self, what: str) -> None:
        """Raise ``ScanInterrupted`` or ``ScanOverdue`` when the scan must end now."""
        if self.stop is not None and self.stop.is_set():
            raise ScanInterrupted(f"{what}: the log scan was interrupted")
        if time.monotonic() > self.deadline:
            raise ScanOverdue(
                f"{what}: the log scan could not finish within {self.limit_s:g}s "
                "(--log-wait plus as long again to read; the logs kept returning pages or "
                "throttling): a scan that did not finish is not a clean scan"
            )

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds`` (never past the deadline); True when the run stopped."""
        seconds = max(0.0, min(seconds, self.deadline - time.monotonic()))
        if self.stop is not None:
            return self.stop.wait(seconds)
        time.sleep(seconds)
        return False


_current: contextvars.ContextVar[ScanBudget | None] = contextvars.ContextVar(
    "smoke_scan_budget", default=None
)


@contextlib.contextmanager
def installed(budget: ScanBudget | None) -> Iterator[None]:
    token = _current.set(budget)
    try:
        yield
    finally:
        _current.reset(token)


def check(what: str) -> None:
    """``ScanBudget.check`` of the scan in progress, if any (sources call this per request)."""
    budget = _current.get()
    if budget is not None:
        budget.check(what)


def wait(seconds: float) -> None:
    """A source's back-off sleep, cut short by the scan's stop event and deadline."""
    budget = _current.get()
    if budget is None:
        time.sleep(seconds)
    else:
        budget.wait(seconds)
