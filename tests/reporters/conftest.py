from __future__ import annotations

import pytest
from reporters_support import API, SECRET, check, exchange

from smoke.model import CheckResult, Failure, Finding, LambdaMetrics, Outcome, ScanResult
from smoke.run_events import CheckFinished, RunEvent, RunFinished, RunStarted, ScanFinished


@pytest.fixture()
def run_events() -> list[RunEvent]:
    ok = check("api", "health", 4)
    broken = check("api", "dashboard", 8)
    crash = check("api", "import error", 12)
    raw = check("jobs", "cleanup dry run", 3, event="raw", payload={"dry_run": True}, mutates=False)
    refused = check("jobs", "cleanup for real", 9, event="raw", payload={"dry_run": False})
    skipped = check("jobs", "later", 15)
    finding = Finding("api", API.log_group or "", "traceback", "Traceback (most recent call last):",
                      1_700_000_000_500, "2024/01/01/[live]abc", "req-2", crash.id)
    results = (
        CheckResult(ok, Outcome.PASSED, exchange(ok, metrics=LambdaMetrics(12.0, 13.0, 512, 80, 250.0),
                                                  request_id="req-1", executed_version="7")),
        CheckResult(broken, Outcome.FAILED, exchange(broken, 500, log_tail=f"token {SECRET}\nEND"),
                    (Failure("status", "status 500 is not healthy", "2xx", "500"),)),
        CheckResult(crash, Outcome.FAILED,
                    exchange(crash, None, function_error="Unhandled", error_type="Runtime.ImportModuleError",
                             error_message="No module named 'defusedxml'", request_id="req-2"),
                    (Failure("function_error", "the function failed", None, "Runtime.ImportModuleError"),),
                    findings=(finding,)),
        CheckResult(raw, Outcome.ERROR, error="not executed: throttled\x1b[0m"),
        CheckResult(refused, Outcome.REFUSED, error="refused in protected environment 'prod'"),
        CheckResult(skipped, Outcome.NOT_RUN, error="not run: the run was interrupted"),
    )
    scan = ScanResult(findings=(finding,), scanned_groups=(API.log_group or "",), api_calls=3)
    started = RunStarted("prod", tuple(r.check for r in results), 1_700_000_000.0, {"api": API},
                         {"smoke_version": "0.1.0", "python_version": "3.11.7", "transport": "invoke",
                          "config": "smoke.yaml"})
    return [started, *[CheckFinished(r) for r in results], ScanFinished(scan),
            RunFinished("prod", results, scan, 1_700_000_000.0, 1_700_000_003.5, 130, "SIGINT")]
