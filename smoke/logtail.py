"""Read Lambda's log lines: the 4 KB tail of an Invoke, or a whole log file.

Both log formats are understood:

- text: ``START RequestId: ...``, ``END``, ``REPORT RequestId: ... Duration: 12.34 ms ...``,
  ``INIT_REPORT Init Duration: ... Status: error``, ``[ERROR] Runtime.ImportModuleError: ...``
  (and the tab-separated ``[ERROR]\\t<time>\\t<request id>\\t...`` of Python's logging),
  ``<time> <request id> Task timed out after 3.00 seconds``, ``Runtime.ExitError``;
- JSON: ``{"type": "platform.start" | "platform.report" | "platform.initReport", "record": ...}``
  and application lines with ``"level": "ERROR"`` (or ``"log_level"``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from smoke.model import LambdaMetrics

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_MARKER = re.compile(r"^(START|END|REPORT) RequestId: (\S+)")
_TAB_LINE = re.compile(r"^\[[A-Z]+\]\t[^\t]*\t(" + _UUID + r")\t")
_TIME_ID = re.compile(r"^\d{4}-\d\d-\d\dT\S+\s+(" + _UUID + r")\s")
_REQUEST_ID = re.compile(r"^RequestId: (" + _UUID + r")\b")
_FIELD = re.compile(
    r"(Duration|Billed Duration|Memory Size|Max Memory Used|Init Duration): ([\d.]+)"
)
_STATUS = re.compile(r"Status: (\w+)")
_ERROR_TYPE = re.compile(r"Error Type: (\S+)")
_EXIT_TERMS = ("Runtime.ExitError", "Error: Runtime exited")
_TIMED_OUT = re.compile(r"Task timed out after [\d.]+ seconds")


@dataclass(frozen=True)
class TailInfo:
    request_id: str | None
    metrics: LambdaMetrics | None
    errors: tuple[str, ...]
    init_status: str | None
    timed_out: bool


@dataclass(frozen=True)
class LineInfo:
    """What one line says about the invocation it belongs to."""

    kind: str | None  # "start" | "end" | "report" | "init_start" | None
    request_id: str | None


def json_record(line: str) -> dict[str, Any] | None:
    text = line.strip()
    if not (text.startswith("{") and text.endswith("}")):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def classify(line: str) -> LineInfo:
    """START/END/REPORT markers and the request id a line carries, in either format."""
    record = json_record(line)
    if record is not None:
        kind = {
            "platform.start": "start",
            "platform.runtimeDone": "end",
            "platform.report": "report",
            "platform.initStart": "init_start",
        }.get(str(record.get("type", "")))
        body = record.get("record")
        rid = body.get("requestId") if isinstance(body, dict) else None
        rid = rid or record.get("requestId") or record.get("AWSRequestId")
        return LineInfo(kind, str(rid) if rid else None)
    if line.startswith("INIT_START"):
        return LineInfo("init_start", None)
    marker = _MARKER.match(line)
    if marker:
        return LineInfo(marker.group(1).lower(), marker.group(2))
    for pattern in (_TAB_LINE, _TIME_ID, _REQUEST_ID):
        found = pattern.match(line)
        if found:
            return LineInfo(None, found.group(1))
    return LineInfo(None, None)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def _integer(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) else None


def _text_metrics(line: str) -> LambdaMetrics:
    fields = {name: float(value) for name, value in _FIELD.findall(line)}
    memory = fields.get("Memory Size")
    used = fields.get("Max Memory Used")
    return LambdaMetrics(
        duration_ms=fields.get("Duration"),
        billed_duration_ms=fields.get("Billed Duration"),
        memory_size_mb=int(memory) if memory is not None else None,
        max_memory_used_mb=int(used) if used is not None else None,
        init_duration_ms=fields.get("Init Duration"),
    )


def _json_metrics(metrics: Any) -> LambdaMetrics:
    m = metrics if isinstance(metrics, dict) else {}
    return LambdaMetrics(
        duration_ms=_number(m.get("durationMs")),
        billed_duration_ms=_number(m.get("billedDurationMs")),
        memory_size_mb=_integer(m.get("memorySizeMB")),
        max_memory_used_mb=_integer(m.get("maxMemoryUsedMB")),
        init_duration_ms=_number(m.get("initDurationMs")),
    )


class _Reader:
    def __init__(self) -> None:
        self.request_id: str | None = None
        self.metrics: LambdaMetrics | None = None
        self.errors: list[str] = []
        self.init_status: str | None = None
        self.init_ms: float | None = None  # the first INIT_REPORT's Init Duration
        self.timed_out = False

    def text_line(self, line: str) -> None:
        info = classify(line)
        if info.kind in ("start", "report") and info.request_id:
            self.request_id = info.request_id
        if info.kind == "report":
            self.metrics = _text_metrics(line)
            status = _STATUS.search(line)
            if status and status.group(1) == "timeout":
                self.timed_out = True
        elif line.startswith("INIT_REPORT"):
            init = dict(_FIELD.findall(line)).get("Init Duration")
            if init is not None and self.init_ms is None:
                self.init_ms = float(init)
            status = _STATUS.search(line)
            self.init_status = status.group(1) if status else None
            if self.init_status in ("error", "timeout", "failure"):
                self.errors.append(line)
        elif line.startswith("[ERROR]") or any(t in line for t in _EXIT_TERMS):
            self.errors.append(line)
        elif _TIMED_OUT.search(line):
            self.timed_out = True
            self.errors.append(line)

    def json_line(self, line: str, record: dict[str, Any]) -> None:
        kind = record.get("type")
        body = record.get("record") if isinstance(record.get("record"), dict) else {}
        assert isinstance(body, dict)
        if kind in ("platform.start", "platform.report") and body.get("requestId"):
            self.request_id = str(body["requestId"])
        if kind == "platform.report":
            self.metrics = _json_metrics(body.get("metrics"))
            if body.get("status") == "timeout":
                self.timed_out = True
            if body.get("status") in ("error", "timeout", "failure"):
                self.errors.append(line)
        elif kind == "platform.initReport":
            init_metrics = body.get("metrics")
            if self.init_ms is None and isinstance(init_metrics, dict):
                self.init_ms = _number(init_metrics.get("durationMs"))
            self.init_status = str(body.get("status")) if body.get("status") else None
            if self.init_status in ("error", "timeout", "failure"):
                self.errors.append(line)
        elif str(record.get("level") or record.get("log_level") or "").upper() in (
            "ERROR",
            "FATAL",
            "CRITICAL",
        ):
            self.errors.append(line)


def parse_log_tail(text: str) -> TailInfo:
    """Request id, REPORT metrics, error lines, init status and timeout of a log text."""
    reader = _Reader()
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        record = json_record(line)
        if record is not None:
            reader.json_line(line.strip(), record)
        else:
            reader.text_line(line)
    metrics = reader.metrics
    if reader.init_ms is not None and (metrics is None or metrics.init_duration_ms is None):
        # an init that ran is a cold start, even a failed one: Lambda's REPORT after a
        # failed init has no Init Duration, its INIT_REPORT has
        metrics = replace(metrics or LambdaMetrics(), init_duration_ms=reader.init_ms)
    return TailInfo(
        request_id=reader.request_id,
        metrics=metrics,
        errors=tuple(reader.errors),
        init_status=reader.init_status,
        timed_out=reader.timed_out,
    )
