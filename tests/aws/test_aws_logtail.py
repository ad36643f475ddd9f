"""parse_log_tail and the log-scan rules, on real Lambda log shapes (text and JSON)."""

from __future__ import annotations

import json

import pytest

from smoke.logscan.rules import DEFAULT_RULES, filter_pattern, match_line
from smoke.logtail import classify, parse_log_tail
from smoke.model import LogRule

RID = "0b4f6a3e-5d2c-4e1b-8a9f-1c2d3e4f5a6b"


def test_text_start_report_with_cold_start() -> None:
    tail = (
        f"START RequestId: {RID} Version: $LATEST\n"
        f"END RequestId: {RID}\n"
        f"REPORT RequestId: {RID}\tDuration: 12.34 ms\tBilled Duration: 13 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 50 MB\tInit Duration: 200.01 ms\t\n"
    )
    info = parse_log_tail(tail)
    assert info.request_id == RID
    assert info.metrics is not None
    assert info.metrics.duration_ms == 12.34
    assert info.metrics.billed_duration_ms == 13
    assert info.metrics.memory_size_mb == 128
    assert info.metrics.max_memory_used_mb == 50
    assert info.metrics.init_duration_ms == 200.01
    assert info.errors == () and not info.timed_out and info.init_status is None


def test_warm_report_has_no_init_duration() -> None:
    info = parse_log_tail(f"REPORT RequestId: {RID}\tDuration: 1.00 ms\tBilled Duration: 1 ms\n")
    assert info.metrics is not None and info.metrics.init_duration_ms is None


def test_import_module_error_and_init_report() -> None:
    tail = (
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named 'x'\n"
        "Traceback (most recent call last):\n"
        "INIT_REPORT Init Duration: 250.41 ms\tPhase: init\tStatus: error\t"
        "Error Type: Runtime.ImportModuleError\n"
        f"START RequestId: {RID} Version: $LATEST\n"
    )
    info = parse_log_tail(tail)
    assert info.init_status == "error"
    assert info.errors[0].startswith("[ERROR] Runtime.ImportModuleError")
    assert any(e.startswith("INIT_REPORT") for e in info.errors)
    assert info.request_id == RID


def test_tab_separated_logging_error_carries_request_id() -> None:
    line = f"[ERROR]\t2024-05-01T10:00:00.123Z\t{RID}\tpayment failed"
    info = parse_log_tail(line)
    assert info.errors == (line,)
    assert classify(line).request_id == RID


def test_task_timed_out() -> None:
    line = f"2024-05-01T10:00:03.000Z {RID} Task timed out after 3.00 seconds"
    info = parse_log_tail(line + "\n")
    assert info.timed_out and info.errors == (line,)
    assert classify(line).request_id == RID


def test_init_timeout_and_exit_error() -> None:
    tail = (
        "INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout\n"
        f"RequestId: {RID} Error: Runtime exited with error: exit status 1\n"
        "Runtime.ExitError\n"
    )
    info = parse_log_tail(tail)
    assert info.init_status == "timeout"
    assert len(info.errors) == 3


def test_json_format_report_start_init_and_app_error() -> None:
    lines = [
        {"type": "platform.initStart", "record": {"phase": "init"}},
        {
            "type": "platform.initReport",
            "record": {"phase": "init", "status": "error", "errorType": "Runtime.Unknown"},
        },
        {"type": "platform.start", "record": {"requestId": RID, "version": "$LATEST"}},
        {
            "timestamp": "2024-05-01T10:00:00Z",
            "level": "ERROR",
            "message": "boom",
            "requestId": RID,
        },
        {"timestamp": "2024-05-01T10:00:00Z", "level": "INFO", "message": "fine"},
        {
            "type": "platform.report",
            "record": {
                "requestId": RID,
                "metrics": {
                    "durationMs": 3000.5,
                    "billedDurationMs": 3000,
                    "memorySizeMB": 256,
                    "maxMemoryUsedMB": 80,
                    "initDurationMs": 321.0,
                },
                "status": "timeout",
            },
        },
    ]
    info = parse_log_tail("\n".join(json.dumps(x) for x in lines))
    assert info.request_id == RID
    assert info.metrics is not None
    assert info.metrics.duration_ms == 3000.5 and info.metrics.memory_size_mb == 256
    assert info.metrics.init_duration_ms == 321.0
    assert info.timed_out and info.init_status == "error"
    assert len(info.errors) == 3  # initReport error, the ERROR app line, the timeout report
    assert classify(json.dumps(lines[2])).kind == "start"
    assert classify(json.dumps(lines[5])).kind == "report"


def test_truncated_tail_is_tolerated() -> None:
    info = parse_log_tail('ordId": "x"}\n{"type": "platform.rep\n')
    assert info.request_id is None and info.metrics is None and info.errors == ()


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        (
            "[ERROR] Runtime.ImportModuleError: Unable to import module 'a': x",
            "import-module-error",
        ),
        ("ModuleNotFoundError: No module named 'src'", "module-not-found"),
        ("ImportError: cannot import name 'x' from 'y'", "import-error"),
        ("[ERROR] Runtime.UserCodeSyntaxError: Syntax error in module 'app'", "syntax-error"),
        (
            "[ERROR] Runtime.HandlerNotFound: Handler 'h' missing on module 'app'",
            "handler-not-found",
        ),
        (f"2024-01-01T00:00:03.000Z {RID} Task timed out after 3.00 seconds", "timeout"),
        ("Runtime.ExitError", "exit-error"),
        ("INIT_REPORT Init Duration: 9.00 ms\tPhase: init\tStatus: error", "init-error"),
        ("INIT_REPORT Init Duration: 9.00 ms\tPhase: init\tStatus: timeout", "init-error"),
        ('{"type": "platform.report", "record": {"status": "timeout"}}', "platform-error"),
        ('{"type": "platform.initReport", "record": {"status": "error"}}', "platform-error"),
    ],
)
def test_default_rules_match(line: str, rule: str) -> None:
    found = match_line(line, DEFAULT_RULES)
    assert found is not None and found.name == rule


@pytest.mark.parametrize(
    "line",
    [
        f"REPORT RequestId: {RID}\tDuration: 1.00 ms",
        "INIT_REPORT Init Duration: 9.00 ms\tPhase: init\tStatus: success",
        '{"type": "platform.report", "record": {"status": "success"}}',
        "importing orders module",
    ],
)
def test_default_rules_ignore_healthy_lines(line: str) -> None:
    assert match_line(line, DEFAULT_RULES) is None


def test_filter_pattern_ors_the_terms() -> None:
    pattern = filter_pattern(DEFAULT_RULES, ["RequestId"])
    assert pattern.startswith('?"ImportModuleError" ?"ModuleNotFoundError"')
    assert '?"Task timed out"' in pattern and pattern.endswith('?"RequestId"')
    assert filter_pattern([*DEFAULT_RULES, LogRule("mine", "oops")]) == ""


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("ModuleNotFoundError: No module named 'src'", "module-not-found"),
        ("[ERROR] ModuleNotFoundError: No module named 'src'\nTraceback (most recent call last):",
         "module-not-found"),
        ('{"errorType": "ModuleNotFoundError", "errorMessage": "No module named \'src\'"}',
         "module-not-found"),
        ("ImportError: cannot import name 'x' from 'y'", "import-error"),
        # a traceback's source lines name the exception without it having happened
        ('    raise ModuleNotFoundError("No module named src")', None),
        ("    except ModuleNotFoundError:", None),
        ("    except ImportError:  # optional speedups", None),
        ('raise ImportError("x")', None),
    ],
)
def test_rules_match_reported_exceptions_not_source_lines(line: str, rule: str | None) -> None:
    from smoke.logscan.rules import DEFAULT_RULES, match_line

    found = match_line(line, DEFAULT_RULES)
    assert (found.name if found else None) == rule


def test_a_failed_init_is_a_cold_start() -> None:
    tail = (
        "INIT_START Runtime Version: python:3.11.v7\n"
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'app.main': No module named 'x'\n"
        "INIT_REPORT Init Duration: 444.21 ms\tPhase: init\tStatus: error\tError Type: Runtime.ImportModuleError\n"
        "INIT_REPORT Init Duration: 390.00 ms\tPhase: invoke\tStatus: error\tError Type: Runtime.ImportModuleError\n"
        "START RequestId: ead29dba-1784-4a3c-ad23-eebb1b0d9e5a Version: $LATEST\n"
        "END RequestId: ead29dba-1784-4a3c-ad23-eebb1b0d9e5a\n"
        "REPORT RequestId: ead29dba-1784-4a3c-ad23-eebb1b0d9e5a\tDuration: 444.21 ms\t"
        "Billed Duration: 445 ms\tMemory Size: 256 MB\tMax Memory Used: 22 MB\tStatus: error\n"
    )
    info = parse_log_tail(tail)
    assert info.init_status == "error"
    assert info.metrics is not None
    assert info.metrics.init_duration_ms == 444.21
    assert info.metrics.duration_ms == 444.21


def test_a_failed_init_is_a_cold_start_in_json_logs() -> None:
    tail = (
        '{"type": "platform.initReport", "record": {"initializationType": "on-demand", '
        '"phase": "init", "status": "error", "metrics": {"durationMs": 120.5}}}\n'
        '{"type": "platform.report", "record": {"requestId": "r1", "status": "error", '
        '"metrics": {"durationMs": 130.0, "billedDurationMs": 131}}}\n'
    )
    info = parse_log_tail(tail)
    assert info.metrics is not None and info.metrics.init_duration_ms == 120.5


def test_a_warm_invocation_is_no_cold_start() -> None:
    tail = ("START RequestId: r2 Version: $LATEST\nEND RequestId: r2\n"
            "REPORT RequestId: r2\tDuration: 3.00 ms\tBilled Duration: 3 ms\n")
    info = parse_log_tail(tail)
    assert info.metrics is not None and info.metrics.init_duration_ms is None
