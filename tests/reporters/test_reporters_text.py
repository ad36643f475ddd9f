from __future__ import annotations

import io
from pathlib import Path

from reporters_support import SECRET

from smoke.redact import Redactor
from smoke.reporters.console import ConsoleReporter
from smoke.reporters.step_summary import StepSummaryReporter
from smoke.run_events import RunEvent


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_console_plain_lines_and_summary(run_events: list[RunEvent]) -> None:
    out = io.StringIO()
    reporter = ConsoleReporter(out, Redactor(), report_paths=[Path("reports/smoke-prod.json")])
    for event in run_events:
        reporter.handle_event(event)
    reporter.shutdown()
    text = out.getvalue()
    assert "PASS     api::health  200  42 ms" in text
    assert "FAIL     api::dashboard  500" in text
    assert "REFUSED  jobs::cleanup for real" in text
    assert "expected: 2xx" in text and "actual:   500" in text
    assert "function error: Runtime.ImportModuleError: No module named 'defusedxml'" in text
    assert "Log scan findings (1):" in text
    assert "[traceback] api (api::import error)" in text
    assert "6 check(s): 1 passed, 2 failed, 1 error, 1 refused, 1 not run; 1 log finding(s)" in text
    assert "(interrupted: SIGINT)" in text
    assert "cold starts: api 1 (init 250 ms)" in text
    assert "report: reports/smoke-prod.json" in text
    assert SECRET not in text


def test_console_on_a_tty_uses_one_updating_line(run_events: list[RunEvent]) -> None:
    out = FakeTty()
    reporter = ConsoleReporter(out, Redactor())
    for event in run_events:
        reporter.handle_event(event)
    progress = out.getvalue()
    assert "\r[6/6] 5 not passed" in progress
    assert "PASS     api::health" not in progress  # no per-check lines while live
    reporter.shutdown()
    assert "FAIL     api::dashboard" in out.getvalue()  # problems listed in the summary


def test_step_summary_appends_markdown(tmp_path: Path, run_events: list[RunEvent]) -> None:
    path = tmp_path / "summary.md"
    path.write_text("# earlier step\n")
    reporter = StepSummaryReporter(path, Redactor())
    for event in run_events:
        reporter.handle_event(event)
    reporter.shutdown()
    text = path.read_text()
    assert text.startswith("# earlier step\n")
    assert "## smoke `prod`: exit 130" in text
    assert "| ❌ FAIL | api::dashboard | 500 | 42 | status 500 is not healthy |" in text
    assert "### Log scan" in text and "Traceback" in text
    assert SECRET not in text


class CountingPipe(io.StringIO):
    """A non-TTY stream that counts the writes reaching it (each one a system call
    under PYTHONUNBUFFERED=1, which CI images often set)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def test_plain_progress_lines_are_written_together_not_one_write_each() -> None:
    from reporters_support import check

    from smoke.model import CheckResult, Outcome
    from smoke.run_events import CheckFinished, RunFinished, RunStarted

    checks = [check("big", f"c{i:04d}", i + 1) for i in range(2000)]
    results = [CheckResult(c, Outcome.PASSED) for c in checks]
    out = CountingPipe()
    reporter = ConsoleReporter(out, Redactor([SECRET]))
    reporter.handle_event(RunStarted("prod", tuple(checks), 1_700_000_000.0, {}, {}))
    assert out.getvalue().startswith("smoke: 2000 check(s)") and out.writes == 1  # at once
    for r in results:
        reporter.handle_event(CheckFinished(r))
    reporter.handle_event(RunFinished("prod", tuple(results), None, 1.0, 2.0, 0))
    lines = out.getvalue().splitlines()
    assert lines[1:] == [f"PASS     big::c{i:04d}  -" for i in range(2000)]  # all, in order
    assert out.writes < 50  # not 2,000: gathered, written every FLUSH_S at most
    reporter.shutdown()
    assert "2000 check(s): 2000 passed" in out.getvalue()
    assert out.writes < 55  # the summary is one write too


def test_a_gathered_line_is_written_within_flush_s_while_a_slow_check_runs() -> None:
    import threading
    import time

    from reporters_support import check

    from smoke.model import CheckResult, Outcome
    from smoke.reporters.console import FLUSH_S
    from smoke.run_events import CheckFinished, RunFinished, RunStarted

    fast, slow = check("s", "fast", 1), check("s", "slow", 5)
    out = CountingPipe()
    reporter = ConsoleReporter(out, Redactor())
    reporter.handle_event(RunStarted("prod", (fast, slow), 1_700_000_000.0, {}, {}))
    reporter.handle_event(CheckFinished(CheckResult(fast, Outcome.PASSED)))
    waited = time.monotonic() + FLUSH_S * 6  # the slow check is still running: no event
    while "PASS     s::fast" not in out.getvalue() and time.monotonic() < waited:
        time.sleep(0.05)
    assert "PASS     s::fast" in out.getvalue()
    reporter.handle_event(RunFinished("prod", (), None, 1.0, 2.0, 0))
    reporter.shutdown()
    flushers = [t for t in threading.enumerate() if t.name == "smoke-console"]
    for t in flushers:
        t.join(FLUSH_S * 4)
    assert not any(t.is_alive() for t in flushers)  # the flusher ends with the run
