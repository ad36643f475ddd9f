"""What pytest shows for a failed smoke check or a log scan with findings.

A check's failure shows the check as written (its YAML lines, numbered), the request
sent, the status and body excerpt received, every failed expectation with expected and
actual, and the lines of the log tail that matter. Everything goes through the run's
``Redactor``: secrets never reach the terminal or ``--junitxml``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from smoke.model import Check, CheckResult, Finding, Location, Outcome, ScanResult
from smoke.redact import Redactor

HEADLINE_REASON_CHARS = 200
_HEADS = {
    Outcome.FAILED: "failed", Outcome.ERROR: "could not be executed",
    Outcome.REFUSED: "was refused by the mutation guard (nothing was invoked)",
    Outcome.NOT_RUN: "did not run",
}


def _one_line(text: str, limit: int = HEADLINE_REASON_CHARS) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def headline(result: CheckResult) -> str:
    """The first line of a failure, and all that pytest's short summary and junitxml's
    ``failure@message`` lead with: the check, and why (its first failed expectation, or
    the error that kept it from running)."""
    head = f"smoke check {result.check.id} {_HEADS.get(result.outcome, result.outcome.value)}"
    if result.failures:
        return f"{head}: {_one_line(result.failures[0].message)}"
    if result.error:
        return f"{head}: {_one_line(result.error)}"
    return head


class CheckFailed(Exception):
    """Raised by a check item whose check did not pass; carries the result to render."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(headline(result))
        self.result = result


class LogScanFailed(Exception):
    """Raised by a log-scan item: findings for its function, or a scan that could not run."""

    def __init__(self, function: str, findings: Sequence[Finding], errors: Sequence[str]) -> None:
        super().__init__(f"log scan of {function}: {len(findings)} finding(s)")
        self.function = function
        self.findings = tuple(findings)
        self.errors = tuple(errors)


def _request_lines(check: Check, summary: Mapping[str, Any], redactor: Redactor) -> list[str]:
    from smoke.events.paths import query_text, sent_target

    if summary.get("event") == "raw":
        payload = json.dumps(redactor.data(summary.get("payload")), default=str)
        return [f"  raw payload: {payload[:500]}"]
    # the path as sent (placeholders filled) with its query: the http transport's url has
    # the path filled in but not the query
    url = summary.get("url")
    where = f"{url}{query_text(check.request)}" if url else sent_target(check.request)
    method = summary.get("method") or check.request.method.upper()
    lines = [f"  {method} {redactor.text(str(where))}".rstrip()]
    headers = summary.get("headers")
    if isinstance(headers, Mapping):
        for name, value in redactor.headers(headers).items():
            lines.append(f"  {name}: {value}")
    return lines


def _shown(location: Location, root: Path | None) -> str:
    if root is not None:
        with contextlib.suppress(ValueError):
            rel = Path(location.file).resolve().relative_to(root).as_posix()
            return str(dataclasses.replace(location, file=rel))
    return str(location)


def render_check_failure(result: CheckResult, redactor: Redactor, root: Path | None = None) -> str:
    from smoke.loading.yamlload import quote_lines
    from smoke.reporters import failure_lines, learn, log_lines_that_matter
    from smoke.run_events import CheckFinished
    from smoke.verdicts import body_text, excerpt

    learn(redactor, CheckFinished(result))
    check, ex = result.check, result.exchange
    loc = check.location
    first = headline(result)
    out = [first, f"{_shown(loc, root)}:"]
    out.append(quote_lines(loc.file, loc.line, loc.end_line) or "  (the YAML lines are unavailable)")
    if check.source:  # generated from `routes:`
        out.append(f"  (route from {check.source})")
    if result.error and not first.endswith(f": {result.error}"):  # not said in full above
        out += ["", result.error]
    if ex is not None:
        out += ["", f"request ({ex.transport} -> {ex.target}):"]
        out += _request_lines(check, ex.request_summary, redactor)
        out.append("")
        if ex.response is not None:
            out.append(f"response: status {ex.response.status} in {ex.latency_ms:.0f} ms")
            body = excerpt(body_text(ex.response))
            out.append(f"  body: {body}" if body else "  body: (empty)")
        elif ex.payload is not None and not ex.function_error:
            out.append(f"payload: {excerpt(json.dumps(ex.payload, default=str))}")
        if ex.function_error:
            out.append(f"function error ({ex.function_error}): "
                       f"{ex.error_type or ''}: {ex.error_message or ''}")
    if result.failures:
        out += ["", "failed expectations:", *failure_lines(result.failures)]
    if ex is not None and ex.log_tail:
        kept = log_lines_that_matter(ex.log_tail)
        if kept:
            out += ["", "log tail (the lines that matter):"]
            out += [f"  {line}" for line in kept]
    for finding in result.findings:
        out.append(f"log finding [{finding.rule}]: {finding.line}")
    return redactor.final("\n".join(out))


def findings_for(function: str, scan: ScanResult) -> tuple[list[Finding], list[str]]:
    """The findings and scan errors that belong to one function's log-scan item."""
    findings = [f for f in scan.findings if f.function == function]
    errors = [
        e for e in scan.errors
        if e.startswith((f"{function} (", f"{function}:")) or not _names_a_function(e)
    ]
    return findings, errors


def _names_a_function(error: str) -> bool:
    return bool(re.match(r"^[\w.-]+ \(/|^[\w.-]+: not scanned", error))


def scan_headline(failure: LogScanFailed) -> str:
    """The first line of a log-scan item's failure: the function, and the first problem."""
    head = f"log scan of function {failure.function}"
    if failure.errors:
        return f"{head} could not run: {_one_line(failure.errors[0])}"
    first = failure.findings[0]
    return f"{head}: {len(failure.findings)} finding(s): [{first.rule}] {_one_line(first.line)}"


def render_scan_failure(failure: LogScanFailed, redactor: Redactor) -> str:
    out = [scan_headline(failure)]
    if failure.errors:
        out.append("the log scan could not run (a scan that did not happen is never clean):")
        out += [f"  {e}" for e in failure.errors]
    if failure.findings:
        out.append(f"{len(failure.findings)} finding(s) in {failure.findings[0].log_group}:")
        for f in failure.findings:
            who = f" (check {f.check_id})" if f.check_id else ""
            out.append(f"  [{f.rule}]{who} {f.line}")
    return redactor.final("\n".join(out))
