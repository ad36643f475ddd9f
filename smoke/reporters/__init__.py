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
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

from smoke.model import CheckResult, Outcome
from smoke.redact import Redactor
from smoke.run_events import CheckFinished, EventHandler, RunEvent, RunStarted

LABELS = {
    Outcome.PASSED: "PASS",
    Outcome.FAILED: "FAIL",
    Outcome.ERROR: "ERROR",
    Outcome.REFUSED: "REFUSED",
    Outcome.NOT_RUN: "NOT RUN",
}


def learn(redactor: Redactor, event: RunEvent) -> None:
    """Teach ``redactor`` the sensitive header values an event carries."""
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


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same directory, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def totals(results: Iterable[CheckResult], findings: int = 0) -> dict[str, int]:
    counts = {o.value: 0 for o in Outcome}
    n = 0
    for result in results:
        counts[result.outcome.value] += 1
        n += 1
    return {"checks": n, **counts, "findings": findings}


def build_reporters(
    redactor: Redactor,
    *,
    json_path: Path | None,
    junit_path: Path | None,
    console: IO[str] | None,
    step_summary_path: Path | None = None,
    report_paths: Sequence[Path] = (),
) -> list[EventHandler]:
    """The CLI's reporters: console, JSON, JUnit and (under GitHub Actions) the step summary."""
    from smoke.reporters.console import ConsoleReporter
    from smoke.reporters.json_report import JsonReporter
    from smoke.reporters.junit import JUnitReporter
    from smoke.reporters.step_summary import StepSummaryReporter

    handlers: list[EventHandler] = []
    if json_path is not None:
        handlers.append(JsonReporter(json_path, redactor))
    if junit_path is not None:
        handlers.append(JUnitReporter(junit_path, redactor))
    if step_summary_path is not None:
        handlers.append(StepSummaryReporter(step_summary_path, redactor))
    if console is not None:
        paths = [p for p in (json_path, junit_path) if p is not None] + list(report_paths)
        handlers.append(ConsoleReporter(console, redactor, report_paths=paths))
    return handlers
