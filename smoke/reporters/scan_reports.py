"""The reports of ``smoke scan ENV``: JSON, JUnit, HTML and the step summary, like ``smoke run``'s.

A scan is a run without checks: the same reporters read the same events (``RunStarted``
with no checks, ``ScanFinished``, the scan's ``DecisionMade``, ``RunFinished``), so a
nightly job publishes ``reports/scan-ENV.xml`` exactly as it publishes a run's: one
testcase per function, one failure per finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smoke.model import FunctionRef, ScanResult
from smoke.redact import Redactor
from smoke.run_events import (
    DecisionMade,
    EventHandler,
    RunEvent,
    RunFinished,
    RunStarted,
    ScanFinished,
)


@dataclass(frozen=True)
class ScanReportPaths:
    json: Path | None
    junit: Path | None
    html: Path | None
    step_summary: Path | None = None

    def files(self) -> dict[str, Path]:
        named = {"--json": self.json, "--junit": self.junit, "--html": self.html,
                 "$GITHUB_STEP_SUMMARY": self.step_summary}
        return {k: v for k, v in named.items() if v is not None}


def scan_exit_code(scan: ScanResult) -> int:
    """3: the scan could not run (never a clean scan); 1: findings; 0: clean."""
    if scan.errors:
        return 3
    return 1 if scan.findings else 0


def scan_decision(scan: ScanResult, functions: int) -> DecisionMade:
    if scan.errors:
        return DecisionMade("scan", "could not scan", "bad", tuple(scan.errors))
    if scan.findings:
        by_function: dict[str, int] = {}
        for finding in scan.findings:
            by_function[finding.function] = by_function.get(finding.function, 0) + 1
        return DecisionMade("scan", "findings", "bad", tuple(
            f"{name}: {n} finding(s)" for name, n in sorted(by_function.items())
        ))
    return DecisionMade("scan", "clean", "ok", (
        f"no error lines in {len(scan.scanned_groups)} log group(s) of {functions} function(s)",
        *scan.notes,
    ))


def scan_events(
    environment: str, functions: Mapping[str, FunctionRef], scan: ScanResult, *,
    started: float, finished: float, meta: Mapping[str, Any],
) -> list[RunEvent]:
    code = scan_exit_code(scan)
    return [
        RunStarted(environment, (), started, dict(functions), {**meta, "command": "scan"}),
        ScanFinished(scan),
        scan_decision(scan, len(functions)),
        RunFinished(environment, (), scan, started, finished, code),
    ]


def write_scan_reports(
    paths: ScanReportPaths, events: list[RunEvent], redactor: Redactor
) -> list[Path]:
    """Every report of ``paths``, written under one lock; the paths written."""
    from smoke.reporters.html import HtmlReporter
    from smoke.reporters.json_report import JsonReporter
    from smoke.reporters.junit import JUnitReporter
    from smoke.reporters.paths import pair_lock
    from smoke.reporters.step_summary import StepSummaryReporter

    handlers: list[EventHandler] = []
    if paths.json is not None:
        handlers.append(JsonReporter(paths.json, redactor))
    if paths.junit is not None:
        handlers.append(JUnitReporter(paths.junit, redactor))
    if paths.html is not None:
        handlers.append(HtmlReporter(paths.html, redactor))
    if paths.step_summary is not None:
        handlers.append(StepSummaryReporter(paths.step_summary, redactor))
    for handler in handlers:
        handler.start()
        for event in events:
            handler.handle_event(event)
    written = [p for p in (paths.json, paths.junit, paths.html) if p is not None]
    with pair_lock(written):
        for handler in handlers:
            handler.shutdown()
    return written
