"""A failed cold start logs its error three times; the scan reports it once, for its request."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from smoke.logscan import LogEvent
from smoke.logscan.rules import DEFAULT_RULES
from smoke.logscan.scan import scan_logs
from smoke.model import FunctionRef

STREAM = "2026/11/23/[$LATEST]0123456789abcdef"
RID = "8f2a9c3e-1b4d-4e5f-9a6b-7c8d9e0f1a2b"


def init_failure(rid: str, t: int) -> list[str]:
    return [
        "INIT_START Runtime Version: python:3.12.v38\tRuntime Version ARN: arn:aws:lambda:x",
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'app.main': "
        "No module named 'defusedxml'\nTraceback (most recent call last):",
        "INIT_REPORT Init Duration: 95.12 ms\tPhase: init\tStatus: error\t"
        "Error Type: Runtime.ImportModuleError",
        f"START RequestId: {rid} Version: $LATEST",
        f"END RequestId: {rid}",
        f"REPORT RequestId: {rid}\tDuration: 95.12 ms\tBilled Duration: 96 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 30 MB\tStatus: error\t"
        "Error Type: Runtime.ImportModuleError",
    ]


class Lines:
    """An in-memory LogSource: the scan's rule matching and attribution are pure logic."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.calls = 0

    @property
    def api_calls(self) -> int:
        return self.calls

    def events(self, log_group: str, start_ms: int, end_ms: int,
               filter_pattern: str | None = None,
               stream_prefixes: Sequence[str] | None = None) -> Iterator[LogEvent]:
        self.calls += 1
        for i, line in enumerate(self.lines):
            yield LogEvent(start_ms + 10 + i, line, STREAM)


def test_one_finding_per_failed_invocation_attributed_to_its_check() -> None:
    other = "11111111-2222-3333-4444-555555555555"
    source = Lines(init_failure(RID, 0) + init_failure(other, 0))
    scan = scan_logs([FunctionRef("api", "api-fn")], source, start_ms=1_000, end_ms=2_000,
                     rules=DEFAULT_RULES, request_ids={RID: "s::health", other: "s::ready"},
                     wait_s=0, clock_skew_ms=0)
    assert len(scan.findings) == 2
    first, second = scan.findings
    assert "No module named 'defusedxml'" in first.line  # the line that says what broke
    assert (first.request_id, first.check_id) == (RID, "s::health")
    assert (second.request_id, second.check_id) == (other, "s::ready")
