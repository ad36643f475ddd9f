"""Function logs of the local runtime: one text file per function, Lambda's format.

Every line of ``<log_dir>/<function name>.log`` is ``<ISO timestamp> <log stream>
<message>``, as ``aws logs tail`` prints a log group: the stream is the sandbox's
(``2024/05/01/[$LATEST]3f2a...``, one per sandbox as in Lambda, so the lines of
concurrent sandboxes can be told apart), and the message is what CloudWatch Logs would
hold: the function's own stdout/stderr lines and the platform lines (``START RequestId:
...``, ``END``, ``REPORT``, ``INIT_REPORT``). Lines without a stream (older runs) read
as one stream per version and day. ``LocalLogSource`` reads the files back for the log
scan, windowed by timestamp.
"""

from __future__ import annotations

import re
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
STREAM_NAME = re.compile(r"^\d{4}/\d{2}/\d{2}/\[[^\]\s]+\]\S+$")  # 2024/05/01/[$LATEST]3f2a...


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

                self._file.write(f"{prefix}{line}\n")
                self.recorded.append((stamp, stream or "", line))
                if captured is not None:
                    captured.append(line)
    """

    def __init__(self, path: Path, redact: Callable[[str], str] | None = None) -> None:
        self.path = path
        self._redact = redact
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()
        self.recorded: deque[tuple[str, str, str]] = deque(maxlen=RECORDED_LINES)
        with _WRITTEN_LOCK:
            _WRITTEN_HERE.setdefault(path.resolve(), weakref.WeakSet()).add(self)

    def write(
        self, message: str, captured: list[str] | None = None, stream: str | None = None
    ) -> None:
        now = time.time()
        lines = message.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if self._redact is not None:  # secrets never reach the file nor the tail
            lines = [self._redact(line) for line in lines]
        stamp = iso_timestamp(now)
        prefix = f"{stamp} {stream} " if stream else f"{stamp} "
        with self._lock:
            if self._file.closed:  # the runtime is closing: the last lines have nowhere to go
                return
            for line in lines:
                self._file.write(f"{prefix}{line}\n")
                self.recorded.append((stamp, stream or "", line))
                if captured is not None:
                    captured.append(line)
            self._file.flush()

    def stream(self, name: str) -> LogStream:
        """A writer for one sandbox's log stream ``name``, capturing from the start (its
        cold start's lines)."""
        return LogStream(self, name)

    def close(self) -> None:
        with self._lock:
            self._file.close()


class LogStream:
    """One sandbox's view of its function's log (Lambda gives each its own log stream)."""

    def __init__(self, log: FunctionLog, name: str) -> None:
        self._log = log
        self.name = name
        self._lock = threading.Lock()
        self._captured: list[str] | None = []

    def write(self, message: str) -> None:
        with self._lock:
            self._log.write(message, self._captured, self.name)

    def start_capture(self) -> None:
        with self._lock:
            self._captured = []

    def stop_capture(self) -> str:
        """The lines written since ``start_capture`` (or since the stream was made)."""
        with self._lock:
            lines, self._captured = self._captured or [], None
        return "".join(line + "\n" for line in lines)


def _own_events(path: Path, version: str, start_ms: int, end_ms: int) -> Iterator[LogEvent]:
    """The lines this process wrote to ``path`` (another run's lines in the same file are
    not this run's: they are attributed to nothing here)."""
    with _WRITTEN_LOCK:
        logs = list(_WRITTEN_HERE.get(path.resolve(), ()))
    for log in logs:
        with log._lock:
            lines = list(log.recorded)
        for stamp, stream, message in lines:
            timestamp_ms = parse_timestamp_ms(stamp)
            if timestamp_ms is None or not start_ms <= timestamp_ms <= end_ms:
                continue
            day = stamp[:10].replace("-", "/")
            yield LogEvent(timestamp_ms, message, stream or f"{day}/[{version}]smoke-local")


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
        # writes its own file (``Api.log`` for $LATEST, ``Api.3.log`` for version 3); each
        # event carries its sandbox's stream, whose name has the version (``.../[3]...``).
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
                stream, _, rest = message.partition(" ")
                if STREAM_NAME.match(stream):  # the sandbox's own stream
                    yield LogEvent(timestamp_ms, rest, stream)
                    continue
                day = stamp[:10].replace("-", "/")  # a line of an older run
                yield LogEvent(timestamp_ms, message, f"{day}/[{version}]smoke-local")
