"""Function logs of the local runtime: one text file per function, Lambda's format.

Every line of ``<log_dir>/<function name>.log`` is ``<ISO timestamp> <message>``, where
the message is what CloudWatch Logs would hold: the function's own stdout/stderr lines
and the platform lines (``START RequestId: ...``, ``END``, ``REPORT``, ``INIT_REPORT``).
``LocalLogSource`` reads those files back for the log scan, windowed by timestamp.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path

from smoke.errors import LogGroupMissing, LogScanError
from smoke.logscan import LogEvent

LOG_GROUP_PREFIX = "/aws/lambda/"
TAIL_BYTES = 4096


def iso_timestamp(epoch_s: float) -> str:
    """``2024-05-01T12:00:00.123Z``: the timestamp Lambda prints."""
    stamp = datetime.fromtimestamp(epoch_s, tz=timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def parse_timestamp_ms(text: str) -> int | None:
    try:
        stamp = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return int(stamp.timestamp() * 1000)


RECORDED_LINES = 200_000  # per log: what this process wrote, for its own run's scan
_WRITTEN_HERE: dict[Path, weakref.WeakSet[FunctionLog]] = {}
_WRITTEN_LOCK = threading.Lock()


class FunctionLog:
    """Appends timestamped lines to one function's log file (thread-safe).

    While an invocation runs, ``capture()`` also collects its lines in memory, for the
    ``X-Amz-Log-Result`` tail of that invocation. The lines this process wrote are also
    kept (``recorded``): two runs at once append to the same file, and a run's own scan
    reads only its own lines (``LocalLogSource(own_lines=True)``), never the other's.
    """

    def __init__(self, path: Path, redact: Callable[[str], str] | None = None) -> None:
        self.path = path
        self._redact = redact
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()
        self._captured: list[str] | None = None
        self.recorded: deque[tuple[str, str]] = deque(maxlen=RECORDED_LINES)
        with _WRITTEN_LOCK:
            _WRITTEN_HERE.setdefault(path.resolve(), weakref.WeakSet()).add(self)

    def write(self, message: str) -> None:
        now = time.time()
        lines = message.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if self._redact is not None:  # secrets never reach the file nor the tail
            lines = [self._redact(line) for line in lines]
        with self._lock:
            if self._file.closed:  # the runtime is closing: the last lines have nowhere to go
                return
            stamp = iso_timestamp(now)
            for line in lines:
                self._file.write(f"{stamp} {line}\n")
                self.recorded.append((stamp, line))
                if self._captured is not None:
                    self._captured.append(line)
            self._file.flush()

    def start_capture(self) -> None:
        with self._lock:
            self._captured = []

    def stop_capture(self) -> str:
        """The lines written since ``start_capture``, as text (the invocation's log)."""
        with self._lock:
            lines, self._captured = self._captured or [], None
        return "".join(line + "\n" for line in lines)

    def close(self) -> None:
        with self._lock:
            self._file.close()


def _own_events(path: Path, version: str, start_ms: int, end_ms: int) -> Iterator[LogEvent]:
    """The lines this process wrote to ``path`` (another run's lines in the same file are
    not this run's: they are attributed to nothing here)."""
    with _WRITTEN_LOCK:
        logs = list(_WRITTEN_HERE.get(path.resolve(), ()))
    for log in logs:
        with log._lock:
            lines = list(log.recorded)
        for stamp, message in lines:
            timestamp_ms = parse_timestamp_ms(stamp)
            if timestamp_ms is None or not start_ms <= timestamp_ms <= end_ms:
                continue
            day = stamp[:10].replace("-", "/")
            yield LogEvent(timestamp_ms, message, f"{day}/[{version}]smoke-local")


def tail(text: str, limit: int = TAIL_BYTES) -> bytes:
    """The last ``limit`` bytes of an invocation's log, as Lambda returns them."""
    return text.encode("utf-8")[-limit:]


class LocalLogSource:
    """A ``LogSource`` over the local runtime's log files."""

    def __init__(self, log_dir: Path, *, own_lines: bool = False) -> None:
        self.log_dir = log_dir
        self.own_lines = own_lines  # only the lines this process wrote: this run's
        self._api_calls = 0

    @property
    def api_calls(self) -> int:
        return self._api_calls

    def path_for(self, log_group: str) -> Path:
        if not log_group.startswith(LOG_GROUP_PREFIX) or "/" in log_group[len(LOG_GROUP_PREFIX) :]:
            raise LogScanError(
                f"log group {log_group!r} is not a local function's log group "
                f"(expected {LOG_GROUP_PREFIX}<function name>)"
            )
        return self.log_dir / f"{log_group[len(LOG_GROUP_PREFIX) :]}.log"

    def events(
        self,
        log_group: str,
        start_ms: int,
        end_ms: int,
        filter_pattern: str | None = None,
        stream_prefixes: Sequence[str] | None = None,
    ) -> Iterator[LogEvent]:
        # filter_pattern is only a hint (callers match lines themselves). Each version
        # writes its own file (``Api.log`` for $LATEST, ``Api.3.log`` for version 3): its
        # events carry a CloudWatch-like stream name with the version, ``.../[3]smoke-local``.
        path = self.path_for(log_group)
        self._api_calls += 1
        files = [(path, "$LATEST")] if path.exists() else []
        stem = path.name[: -len(".log")]
        for other in sorted(path.parent.glob(f"{stem}.*.log")):
            version = other.name[len(stem) + 1 : -len(".log")]
            if version.isdigit():
                files.append((other, version))
        if not files:
            raise LogGroupMissing(
                f"log group {log_group} does not exist: no local log file {path} "
                "(the function has not run in this log directory)"
            )
        for file, version in files:
            if self.own_lines:
                yield from _own_events(file, version, start_ms, end_ms)
            else:
                yield from self._file_events(file, version, start_ms, end_ms)

    @staticmethod
    def _file_events(path: Path, version: str, start_ms: int, end_ms: int) -> Iterator[LogEvent]:
        try:
            handle = path.open(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return
        except OSError as exc:
            raise LogScanError(f"cannot read local log file {path}: {exc}") from None
        with handle:
            for line in handle:
                stamp, _, message = line.rstrip("\n").partition(" ")
                timestamp_ms = parse_timestamp_ms(stamp)
                if timestamp_ms is None or not start_ms <= timestamp_ms <= end_ms:
                    continue
                day = stamp[:10].replace("-", "/")
                yield LogEvent(timestamp_ms, message, f"{day}/[{version}]smoke-local")
