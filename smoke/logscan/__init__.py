"""Log scan: after the checks, read each function's log group over the run's window.

``LogSource`` is the I/O boundary (CloudWatch Logs, or the local runtime's log
files); rule matching, request-id attribution and polling are generic.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class LogEvent:
    timestamp_ms: int
    message: str
    log_stream: str | None = None


class LogSource(Protocol):
    def events(
        self,
        log_group: str,
        start_ms: int,
        end_ms: int,
        filter_pattern: str | None = None,
        stream_prefixes: Sequence[str] | None = None,
    ) -> Iterator[LogEvent]:
        """Every event of ``log_group`` in [start_ms, end_ms], following all pages.

        ``filter_pattern`` is only a server-side hint to cut traffic: callers match
        every returned line themselves. Raises ``errors.LogScanError`` when the group
        does not exist or cannot be read.
        """
        ...

    @property
    def api_calls(self) -> int: ...
