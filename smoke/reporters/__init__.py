"""Reporters: event handlers that turn a run into console output and report files.

Every reporter passes all of its output through the run's ``Redactor``; they
all learn the sensitive headers of each request and response from the events
(``learn``) before writing anything. Report files are written atomically
(``write_atomic``), in ``shutdown()``, so they exist and are complete even when
a run is interrupted.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

from smoke.model import CheckResult, Failure, Outcome, ScanResult
from smoke.redact import Redactor
from smoke.run_events import (
    CheckFinished,
    DecisionMade,
    EventHandler,
    RunEvent,
    RunFinished,
    RunStarted,
    ScanFinished,
)

LABELS = {
    Outcome.PASSED: "PASS",
    Outcome.FAILED: "FAIL",
    Outcome.ERROR: "ERROR",
    Outcome.REFUSED: "REFUSED",
    Outcome.NOT_RUN: "NOT RUN",
}


_learned: weakref.WeakKeyDictionary[Redactor, RunEvent] = weakref.WeakKeyDictionary()


def learn(redactor: Redactor, event: RunEvent) -> None:
    """Teach ``redactor`` the sensitive header values an event carries.

    Every reporter calls this for every event, and they usually share one redactor:
    the event it has just learned is not read again (10,000 checks, three reporters);
    a value the redactor already knows costs it a set lookup (``Redactor._learn``).
    """
    if _learned.get(redactor) is event:
        return
    _learned[redactor] = event
    if isinstance(event, RunStarted):
        for check in event.checks:
            redactor.add_headers(check.request.headers)
    elif isinstance(event, CheckFinished):
        exchange = event.result.exchange
        if exchange is not None:
            headers = exchange.request_summary.get("headers")
            if isinstance(headers, dict):
                redactor.add_headers(headers)
            if exchange.response is not None:
                redactor.add_headers(exchange.response.headers)
                redactor.add_headers(exchange.response.multi_headers)


class RunRecord:
    """What a report needs from the events, collected as they come.

    ``results()`` is the run's final list, or, when the run ended without
    ``RunFinished`` (interrupted hard), every planned check with what finished and the
    rest marked not run: a report written on the way out is still complete.
    """

    def __init__(self) -> None:
        self.started: RunStarted | None = None
        self.finished: RunFinished | None = None
        self.scan: ScanResult | None = None
        self.decision: DecisionMade | None = None
        self._results: dict[str, CheckResult] = {}

    def record(self, event: RunEvent) -> None:
        if isinstance(event, RunStarted):
            self.started = event
        elif isinstance(event, CheckFinished):
            self._results[event.result.check.id] = event.result
        elif isinstance(event, ScanFinished):
            self.scan = event.scan
        elif isinstance(event, DecisionMade):
            self.decision = event
        elif isinstance(event, RunFinished):
            self.finished = event
            self.scan = event.scan
            self._results = {}  # the final list is the event's: not held twice

    def results(self) -> list[CheckResult]:
        if self.finished is not None:
            return list(self.finished.results)
        checks = self.started.checks if self.started is not None else ()
        return [
            self._results.get(c.id)
            or CheckResult(c, Outcome.NOT_RUN, error="not run: the run ended early")
            for c in checks
        ]


class FileReporter:
    """A report written once, in ``shutdown()``, from everything the run's events said.

    ``paired``: one of the run's report files, written with the others under one lock
    (``reporters.paths.pair_lock``), so two runs at once never mix their reports.
    """

    paired = True

    def __init__(self, path: Path, redactor: Redactor) -> None:
        self.path = path
        self.redactor = redactor
        self.run = RunRecord()

    def start(self) -> None:
        pass

    def handle_event(self, event: RunEvent) -> None:
        learn(self.redactor, event)
        self.run.record(event)


def failure_lines(failures: Iterable[Failure], indent: str = "  ") -> list[str]:
    """Every failed expectation, with expected/actual where they add something."""
    lines: list[str] = []
    for f in failures:
        lines.append(f"{indent}[{f.kind}] {f.message}")
        if f.kind == "function_error" and f.actual and f.actual in f.message:
            continue  # the message is already "errorType: errorMessage"
        if f.expected is not None:
            lines.append(f"{indent}    expected: {f.expected}")
        if f.actual is not None:
            lines.append(f"{indent}    actual:   {f.actual}")
    return lines


LOG_TAIL_LINES = 20
_LOG_LINE_MATTERS = re.compile(
    r"ERROR|Error\b|Exception|Traceback|^\s+File \"|^REPORT|^INIT_REPORT|Task timed out"
)


_TRACEBACK = "Traceback (most recent call last):"
# frames of the runtime, the standard library and installed packages (not the user's code)
_LIBRARY_FRAME = re.compile(
    r"site-packages|dist-packages|/opt/python/|/var/runtime/|/var/lang/|/lib/python\d"
    r"|<frozen |awslambdaric|importlib"
)


def log_lines_that_matter(tail: str, limit: int = LOG_TAIL_LINES) -> list[str]:
    """The log tail's errors, platform lines and tracebacks, at most ``limit`` lines.

    A traceback keeps its header, the frames in the user's code (not the runtime's,
    the standard library's or site-packages'; the innermost frame when none is) with
    their source lines, and its exception line; a header with no frame after it is
    dropped. When more lines matter than ``limit``, library frames go first, then the
    earliest lines.
    """
    from smoke.logscan.rules import DEFAULT_RULES, match_line

    lines = tail.splitlines()
    picked: list[tuple[int, float, str]] = []  # (position, priority: lower stays, line)
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() != _TRACEBACK:
            if (_LOG_LINE_MATTERS.search(line) or match_line(line, DEFAULT_RULES) is not None) \
                    and '"<frozen ' not in line:
                # a frame whose header the 4 KB tail cut off ranks as a frame
                framed = line.lstrip().startswith('File "')
                priority = (2.0 if _LIBRARY_FRAME.search(line) else 1.0) if framed else 0.0
                picked.append((i, priority, line))
            i += 1
            continue
        frames: list[list[int]] = []
        j = i + 1
        while j < len(lines) and lines[j].startswith((" ", "\t")):
            if lines[j].lstrip().startswith('File "'):
                frames.append([j])
            elif frames:
                frames[-1].append(j)
            j += 1
        frames = [f for f in frames if '"<frozen ' not in lines[f[0]]]
        user = [f for f in frames if not _LIBRARY_FRAME.search(lines[f[0]])]
        if frames:
            picked.append((i, 0, line))
        for n, frame in enumerate(frames):
            mine = frame in user or (not user and frame is frames[-1])
            priority = (1.0 if n else 0.5) if mine else 2.0
            if mine and user and frame is user[0]:
                priority = 0.5
            picked += [(k, priority, lines[k]) for k in frame]
        if j < len(lines) and lines[j].strip() and not lines[j].startswith(("[", "{")) \
                and classify_marker(lines[j]) is None:
            picked.append((j, 0, lines[j]))  # the exception line
            j += 1
        i = j
    if len(picked) > limit:
        order = sorted(range(len(picked)), key=lambda n: (-picked[n][1], picked[n][0]))
        dropped = set(order[: len(picked) - limit])
        picked = [p for n, p in enumerate(picked) if n not in dropped]
    kept: list[str] = []
    for n, (_, _, line) in enumerate(picked):
        nxt = picked[n + 1][2] if n + 1 < len(picked) else ""
        if line.strip() == _TRACEBACK and not nxt.lstrip().startswith('File "'):
            continue  # never a lone header
        kept.append(line)
    return kept


def classify_marker(line: str) -> str | None:
    """START/END/REPORT/INIT_* for a platform line, else None."""
    head = line.split(" ", 1)[0]
    return head if head in ("START", "END", "REPORT", "INIT_START", "INIT_REPORT") else None


def write_atomic(path: Path, text: str | Iterable[str]) -> None:
    """Write ``text`` (or its pieces, in turn) to ``path`` via a temp file in the same
    directory, fsync, rename.

    Readers never see a half-written report. The file gets the usual permissions
    (0666 less the umask), not mkstemp's private 0600, so CI can upload and share it.
    An OSError says which report could not be written.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OSError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        # "replace": a character UTF-8 cannot carry (a surrogate from a file name that is
        # not UTF-8) becomes "?" instead of losing the whole report
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as fh:
            if isinstance(text, str):
                fh.write(text)
            else:
                fh.writelines(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OSError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise


def write_report(path: Path, text: str | Iterable[str], redactor: Redactor) -> None:
    """Write a report file: ``text`` through the last line of defence
    (``Redactor.final``), then atomically. Every report writer goes through here.

    ``text`` may come in pieces (the JSON report's, one per check; the HTML and JUnit
    reports', whole lines): each piece is a whole JSON value or line, so no secret is
    ever split between two pieces.

    No cyclic garbage collection while the pieces are made and written: a report of
    10,000 checks allocates hundreds of thousands of short-lived objects, and each
    collection they trigger walks every live object of the run again (a third of the
    JUnit report's time)."""
    from smoke.gcpolicy import paused_gc

    with paused_gc():
        if isinstance(text, str):
            write_atomic(path, redactor.final(text))
        else:
            write_atomic(path, (redactor.final(piece) for piece in text))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def totals(results: Iterable[CheckResult], findings: int = 0) -> dict[str, int]:
    counts = {o.value: 0 for o in Outcome}
    n = 0
    for result in results:
        counts[result.outcome.value] += 1
        n += 1
    return {"checks": n, **counts, "findings": findings}


def cold_starts(results: Iterable[CheckResult]) -> dict[str, list[float]]:
    """Each function's cold starts: the Init Duration (ms) of every invocation that had one."""
    found: dict[str, list[float]] = {}
    for result in results:
        metrics = result.exchange.metrics if result.exchange is not None else None
        if metrics is not None and metrics.init_duration_ms is not None:
            found.setdefault(result.check.function, []).append(metrics.init_duration_ms)
    return found


def cold_start_line(results: Iterable[CheckResult]) -> str | None:
    """``cold starts: api 2 (init 210, 305 ms), worker 1 (init 88 ms)``; None when there were none."""
    found = cold_starts(results)
    if not found:
        return None
    parts = [f"{name} {len(inits)} (init {', '.join(f'{ms:.0f}' for ms in inits)} ms)"
             for name, inits in sorted(found.items())]
    return "cold starts: " + ", ".join(parts)


def build_reporters(
    redactor: Redactor,
    *,
    json_path: Path | None,
    junit_path: Path | None,
    console: IO[str] | None,
    html_path: Path | None = None,
    step_summary_path: Path | None = None,
    report_paths: Sequence[Path] = (),
) -> list[EventHandler]:
    """The CLI's reporters: console, JSON, JUnit, HTML and (under GitHub Actions) the step summary."""
    from smoke.reporters.console import ConsoleReporter
    from smoke.reporters.json_report import JsonReporter
    from smoke.reporters.junit import JUnitReporter
    from smoke.reporters.step_summary import StepSummaryReporter

    handlers: list[EventHandler] = []
    if json_path is not None:
        handlers.append(JsonReporter(json_path, redactor))
    if junit_path is not None:
        handlers.append(JUnitReporter(junit_path, redactor))
    if html_path is not None:
        from smoke.reporters.html import HtmlReporter

        handlers.append(HtmlReporter(html_path, redactor))
    if step_summary_path is not None:
        handlers.append(StepSummaryReporter(step_summary_path, redactor))
    if console is not None:
        paths = [p for p in (json_path, junit_path, html_path) if p is not None]
        paths += list(report_paths)
        handlers.append(ConsoleReporter(console, redactor, report_paths=paths))
    return handlers
