"""The JSON report (``reports/smoke-ENV.json``), described by ``smoke/schema/report.schema.json``."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

from smoke.model import Check, CheckResult, Finding, FunctionRef, Outcome, ScanResult
from smoke.redact import Redactor
from smoke.reporters import FileReporter, cold_starts, totals, write_report

SCHEMA_VERSION = 1
EXCERPT_CHARS = 500


def iso(epoch_s: float) -> str:
    return dt.datetime.fromtimestamp(epoch_s, tz=dt.timezone.utc).isoformat(timespec="milliseconds")


def payload_summary(payload: Any, limit: int = 200) -> str | None:
    if payload is None:
        return None
    text = json.dumps(payload, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def finding_entry(finding: Finding, redactor: Redactor) -> dict[str, Any]:
    return {
        "function": finding.function,
        "log_group": finding.log_group,
        "rule": finding.rule,
        "line": redactor.text(finding.line),
        "timestamp_ms": finding.timestamp_ms,
        "log_stream": finding.log_stream,
        "request_id": finding.request_id,
        "check_id": finding.check_id,
    }


def request_entry(check: Check, result: CheckResult, redactor: Redactor) -> dict[str, Any]:
    req = check.request
    exchange = result.exchange
    return {
        "event": check.event,
        "method": None if check.is_raw else req.method.upper(),
        "path": None if check.is_raw else redactor.text(req.path),
        "query": redactor.data({k: list(v) for k, v in req.query.items()}),
        "headers": redactor.headers(req.headers),
        "payload": redactor.text(payload_summary(check.payload) or "") or None,
        "target": redactor.text(exchange.target) if exchange else None,
    }


def check_entry(result: CheckResult, redactor: Redactor) -> dict[str, Any]:
    check, ex = result.check, result.exchange
    metrics = ex.metrics if ex else None
    response = ex.response if ex else None
    excerpt = None
    if response is not None and result.outcome is not Outcome.PASSED:
        excerpt = redactor.text(response.text())[:EXCERPT_CHARS]  # redact, then cut
    return {
        "id": redactor.text(check.id),
        "suite": redactor.text(check.suite),
        "name": redactor.text(check.name),
        "function": check.function,
        "location": str(check.location),
        "source": check.source or None,
        "tags": list(check.tags),
        "outcome": result.outcome.value,
        "request": request_entry(check, result, redactor),
        "status": response.status if response else None,
        "latency_ms": round(ex.latency_ms, 3) if ex else None,
        "failures": [
            {
                "kind": f.kind,
                "message": redactor.text(f.message),
                "expected": redactor.text(f.expected) if f.expected is not None else None,
                "actual": redactor.text(f.actual) if f.actual is not None else None,
            }
            for f in result.failures
        ],
        "error": redactor.text(result.error) if result.error else None,
        "function_error": ex.function_error if ex else None,
        "error_type": redactor.text(ex.error_type) if ex and ex.error_type else None,
        "error_message": redactor.text(ex.error_message) if ex and ex.error_message else None,
        "response_excerpt": excerpt,
        "log_tail": redactor.text(ex.log_tail) if ex and ex.log_tail else None,
        "request_id": ex.request_id if ex else None,
        "executed_version": ex.executed_version if ex else None,
        "metrics": None if metrics is None else {
            "duration_ms": metrics.duration_ms,
            "billed_duration_ms": metrics.billed_duration_ms,
            "init_duration_ms": metrics.init_duration_ms,
            "cold_start": metrics.init_duration_ms is not None,
            "memory_size_mb": metrics.memory_size_mb,
            "max_memory_used_mb": metrics.max_memory_used_mb,
        },
        "retries": ex.retries if ex else 0,
        "notes": [redactor.text(n) for n in ex.notes] if ex else [],
        "findings": [finding_entry(f, redactor) for f in result.findings],
    }


def function_entry(ref: FunctionRef, local: Any = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": ref.name,
        "arn": ref.arn,
        "qualifier": ref.qualifier,
        "runtime": ref.runtime,
        "last_modified": ref.last_modified,
        "log_group": ref.log_group,
    }
    if isinstance(local, dict):  # the local runtime: which Python ran it, ABI warnings
        entry["local_runtime"] = {
            "declared_runtime": local.get("declared_runtime"),
            "python": local.get("python"),
            "architecture": local.get("architecture"),
            "warnings": [str(w) for w in local.get("warnings", ())],
            "python_executable": local.get("python_executable"),
            "interpreter": local.get("interpreter"),
            "builds": [dict(b) for b in local.get("builds", ())],
        }
    return entry


def scan_entry(scan: ScanResult | None, redactor: Redactor) -> dict[str, Any] | None:
    if scan is None:
        return None
    return {
        "skipped": scan.skipped,
        "groups": list(scan.scanned_groups),
        "findings": [finding_entry(f, redactor) for f in scan.findings],
        "errors": [redactor.text(e) for e in scan.errors],
        "api_calls": scan.api_calls,
        "notes": [redactor.text(n) for n in scan.notes],
    }


class JsonReporter(FileReporter):
    """The report, written in one pass: each check's entry is encoded (by json's C
    encoder) and written as it is made, one line per check; no whole-report tree or
    string is ever held. ``report()`` gives the same data as one dict."""

    def _sections(self) -> list[tuple[str, Any]] | None:
        started, finished, scan = self.run.started, self.run.finished, self.run.scan
        if started is None:
            return None
        results = self.run.results()
        end = finished.finished_at if finished else time.time()
        meta = dict(started.meta)
        colds = cold_starts(results)
        redactor = self.redactor
        return [
            ("schema_version", SCHEMA_VERSION),
            ("run", {
                "environment": started.environment,
                "started_at": iso(started.started_at),
                "finished_at": iso(end),
                "duration_s": round(end - started.started_at, 3),
                "smoke_version": str(meta.get("smoke_version", "")),
                "python_version": str(meta["python_version"] if "python_version" in meta
                                      else _python_version()),
                "transport": str(meta.get("transport", "")),
                "config": str(meta.get("config", "")),
                "exit_code": finished.exit_code if finished else None,
                "interrupted": finished.interrupted if finished else "ended early",
                "command": str(meta.get("command", "run")),
            }),
            ("functions", {  # names and log groups may come from ${VAR}s
                k: {**redactor.data(
                        function_entry(v, dict(meta.get("local_runtime") or {}).get(k))),
                    "cold_starts": {"count": len(colds.get(k, ())),
                                    "init_ms": [round(ms, 2) for ms in colds.get(k, ())]}}
                for k, v in started.functions.items()
            }),
            ("checks", (check_entry(r, redactor) for r in results)),
            ("log_scan", scan_entry(scan, redactor)),
            ("totals", totals(results, len(scan.findings) if scan else 0)),
        ]

    def report(self) -> dict[str, Any] | None:
        sections = self._sections()
        if sections is None:
            return None
        return {k: list(v) if k == "checks" else v for k, v in sections}

    def chunks(self) -> Iterator[str]:
        """The report's text, piece by piece (valid JSON, indented for people)."""
        sections = self._sections()
        if sections is None:
            return
        yield "{\n"
        last = len(sections) - 1
        for i, (key, value) in enumerate(sections):
            comma = "," if i < last else ""
            if key == "checks":
                yield '  "checks": ['
                first = True
                for entry in value:
                    yield ("\n    " if first else ",\n    ") + json.dumps(entry)
                    first = False
                yield ("\n  ]" if not first else "]") + comma + "\n"
            else:
                text = json.dumps(value, indent=2).replace("\n", "\n  ")
                yield f"  {json.dumps(key)}: {text}{comma}\n"
        yield "}\n"

    def shutdown(self) -> None:
        if self.run.started is not None:
            write_report(self.path, self.chunks(), self.redactor)


def _python_version() -> str:
    """For a run whose RunStarted did not say (``runner.run_meta`` does)."""
    import platform

    return platform.python_version()
