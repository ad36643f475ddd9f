"""Transports: the only place that does I/O for a check.

A transport turns a ``Check`` into an ``Exchange``. It raises
``errors.CheckNotExecuted`` when the check could not be executed (connection
refused, throttled past its retries, ...); it never judges the answer: that is
``smoke.verdicts``.
"""

from __future__ import annotations

from typing import Protocol

from smoke.model import Check, Exchange, FunctionRef


class Transport(Protocol):
    name: str  # "http" | "invoke"

    def send(self, check: Check, function: FunctionRef | None) -> Exchange:
        """Execute one check. ``function`` is the discovered function (None for http)."""
        ...

    def close(self) -> None: ...
