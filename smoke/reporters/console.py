"""Console output: live progress, then a summary with every failure's expected/actual.

On a TTY, progress is one updating line; otherwise (CI, pipes) one plain line
per check, the lines gathered and written together every ``FLUSH_S`` seconds by
a small daemon thread, and at the end of the run (a write per line is a system
call per check, which a 10,000-check run feels: with ``PYTHONUNBUFFERED=1``,
common in CI images, every ``write`` goes straight to the file descriptor). A line
is never held longer than ``FLUSH_S``, even while a slow check runs. Everything printed goes through the run's Redactor.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from smoke.model import CheckResult, Outcome, ScanResult
from smoke.redact import Redactor
from smoke.reporters import (
    LABELS,
    cold_start_line,
    failure_lines,
    learn,
    log_lines_that_matter,
    totals,
)
from smoke.run_events import CheckFinished, RunEvent, RunFinished, RunStarted, ScanFinished

CONSOLE_TAIL_LINES = 8  # the JSON and JUnit reports carry the whole tail
CONSOLE_FINDINGS = 10
FLUSH_S = 0.5  # plain output: how stale a CI log may be
LIVE_S = 0.1  # a TTY's progress line: redrawn at most this often (and at the last check)


_SAID_ONCE = (Outcome.REFUSED, Outcome.NOT_RUN)  # their reason is said once, not per line


def result_line(result: CheckResult, *, reason: bool = True) -> str:
    """One check on one line; ``reason=False`` (progress lines) leaves out why a check was
    refused or not run: the summary (a refusal) or the run's message (could not start)
    says it once."""
    ex = result.exchange
    status = str(ex.response.status) if ex and ex.response else "-"
    ms = f"{ex.latency_ms:.0f} ms" if ex else ""
    line = f"{LABELS[result.outcome]:<8} {result.check.id}  {status}  {ms}".rstrip()
    said_later = not reason and result.outcome in _SAID_ONCE
    if result.error and result.outcome is not Outcome.PASSED and not said_later:
        line += f"  ({result.error})"
    return line


class ConsoleReporter:
    def __init__(
        self,
        stream: IO[str],
        redactor: Redactor,
        *,
        report_paths: Sequence[Path] = (),
        live: bool | None = None,
        exit_line: bool = True,
    ) -> None:
        self.stream = stream
        self.exit_line = exit_line  # False: a gate phase (only the gate's verdict has one)
        self.redactor = redactor
        self.report_paths = list(report_paths)
        isatty = getattr(stream, "isatty", None)
        self.live = live if live is not None else bool(isatty and isatty())
        self._total = 0
        self._done = 0
        self._bad = 0
        self._finished: RunFinished | None = None
        self._started: RunStarted | None = None
        self._gone = False  # the reader of our output went away
        self.report_problems: list[str] = []  # set by the runner: reports not written
        self._flushed = time.monotonic()
        self._pending: list[str] = []  # plain progress lines not written yet
        self._lock = threading.Lock()  # the pending lines: the events' thread and the flusher
        self._flusher: threading.Event | None = None  # set: the flusher thread stops
        self._drawn = 0.0  # when the TTY's progress line was last redrawn

    def _print(self, text: str = "", *, flush: bool = True) -> None:
        """One line; ``flush=False`` (progress): gathered, written within ``FLUSH_S``."""
        if self._gone:
            return
        line = self.redactor.final(text) + "\n"
        with self._lock:
            self._pending.append(line)
        if flush or time.monotonic() - self._flushed >= FLUSH_S:
            self._drain()
        elif self._flusher is None:
            self._start_flusher()

    def _start_flusher(self) -> None:
        stop = self._flusher = threading.Event()

        def loop() -> None:
            while not stop.wait(FLUSH_S):
                self._drain()

        threading.Thread(target=loop, name="smoke-console", daemon=True).start()

    def _stop_flusher(self) -> None:
        if self._flusher is not None:
            self._flusher.set()
            self._flusher = None

    def _drain(self) -> None:
        """Write and flush the gathered lines, in one call."""
        with self._lock:
            if self._gone or not self._pending:
                return
            text = "".join(self._pending)
            self._pending.clear()
            try:
                self._write(text)
                self.stream.flush()
            except BrokenPipeError:  # `smoke run prod | head`: the run and its reports go on
                self._gone = True
            self._flushed = time.monotonic()

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
        except UnicodeEncodeError:  # e.g. a suite file name that is not UTF-8
            encoding = getattr(self.stream, "encoding", None) or "utf-8"
            self.stream.write(text.encode(encoding, "replace").decode(encoding))

    def start(self) -> None:
        pass

    def handle_event(self, event: RunEvent) -> None:
        learn(self.redactor, event)
        if isinstance(event, RunStarted):
            self._started = event
            self._total = len(event.checks)
            transport = event.meta.get("transport", "")
            self._print(f"smoke: {self._total} check(s) against {event.environment} via {transport}")
            for logical, info in dict(event.meta.get("local_runtime") or {}).items():
                for warning in info.get("warnings", ()):
                    self._print(f"warning: {logical}: {warning}")
        elif isinstance(event, CheckFinished):
            self._done += 1
            result = event.result
            if result.outcome is not Outcome.PASSED:
                self._bad += 1
            if self.live:
                now = time.monotonic()
                if self._done == self._total or now - self._drawn >= LIVE_S:
                    self._drawn = now
                    text = self.redactor.final(
                        f"\r[{self._done}/{self._total}] {self._bad} not passed  {result.check.id}"
                    )
                    self.stream.write(text[:120].ljust(120))
                    self.stream.flush()
            else:
                self._print(result_line(result, reason=False), flush=False)
        elif isinstance(event, ScanFinished):
            self._clear_live()
            self._print(self.scan_line(event.scan))
        elif isinstance(event, RunFinished):
            self._finished = event
            self._stop_flusher()
            self._drain()
            self._clear_live()

    def _clear_live(self) -> None:
        if self.live and self._done:
            self.stream.write("\r" + " " * 120 + "\r")
            self.stream.flush()

    @staticmethod
    def scan_line(scan: ScanResult) -> str:
        if scan.skipped:
            return "log scan: skipped"
        if scan.errors:
            return "LOG SCAN DID NOT RUN: " + "; ".join(scan.errors)
        line = f"log scan: {len(scan.findings)} finding(s) in {len(scan.scanned_groups)} log group(s)"
        return "\n".join([line, *(f"log scan warning: {note}" for note in scan.notes)])

    def summary(self, finished: RunFinished) -> list[str]:
        lines: list[str] = [""]
        problems = [
            r for r in finished.results
            if r.findings or r.outcome not in (Outcome.PASSED, Outcome.NOT_RUN)
        ]
        if problems:
            lines.append("Problems:")
        for result in problems:
            lines.append(result_line(result))
            lines.append(f"  at {result.check.location}"
                         + (f"  (route from {result.check.source})" if result.check.source else ""))
            lines += failure_lines(result.failures)
            ex = result.exchange
            said = " ".join(f.message for f in result.failures)
            if ex is not None and ex.error_message and ex.error_message not in said:
                lines.append(f"  function error: {ex.error_type or ''}: {ex.error_message}")
            if ex is not None and result.failures and ex.log_tail:
                kept = log_lines_that_matter(ex.log_tail, limit=CONSOLE_TAIL_LINES)
                if kept:
                    lines.append("  log tail (the lines that matter):")
                    lines += [f"    {line}" for line in kept]
        scan = finished.scan
        ran = any(r.exchange is not None for r in finished.results)
        if scan is None and ran and self._started and self._started.meta.get("transport") == "http":
            lines.append("log scan: none (via http; set log_scan: true to read the functions' logs)")
        if scan is not None:
            if scan.findings:
                lines.append(f"Log scan findings ({len(scan.findings)}):")
            for finding in scan.findings[:CONSOLE_FINDINGS]:
                where = f" ({finding.check_id})" if finding.check_id else ""
                lines.append(f"  [{finding.rule}] {finding.function}{where}: {finding.line.strip()}")
            if len(scan.findings) > CONSOLE_FINDINGS:
                lines.append(f"  ... and {len(scan.findings) - CONSOLE_FINDINGS} more in the JSON report")
            if scan.errors:
                lines.append("THE LOG SCAN COULD NOT RUN: a run without a log scan is not a clean run.")
                lines += [f"  {e}" for e in scan.errors]
        colds = cold_start_line(finished.results)
        if colds:
            lines.append(colds)
        t = totals(finished.results, len(scan.findings) if scan else 0)
        parts = [f"{t[o.value]} {o.value.replace('_', ' ')}" for o in Outcome if t[o.value]]
        head = f"{t['checks']} check(s): " + (", ".join(parts) or "none")
        if t["findings"]:
            head += f"; {t['findings']} log finding(s)"
        duration = finished.finished_at - finished.started_at
        head += f" in {duration:.2f}s"
        if finished.interrupted:
            head += f" (interrupted: {finished.interrupted})"
        lines.append(head)
        for path in self.report_paths:
            if not any(str(path) in problem for problem in self.report_problems):
                lines.append(f"report: {path}")
        lines += [f"REPORT NOT WRITTEN: {problem}" for problem in self.report_problems]
        if self.exit_line:
            lines.append(f"exit code {3 if self.report_problems else finished.exit_code}")
        return [part for line in lines for part in _indented(line)]

    def shutdown(self) -> None:
        if self._finished is not None:
            for line in self.summary(self._finished):
                self._print(line, flush=False)
        self._stop_flusher()
        self._drain()


def _indented(line: str) -> list[str]:
    """A line with a multi-line value in it (an errorMessage): its continuation lines
    indented under it, never at column 0."""
    first, *rest = line.split("\n")
    pad = " " * (len(first) - len(first.lstrip()) + 4)
    return [first, *(pad + part if part.strip() else "" for part in rest)]
