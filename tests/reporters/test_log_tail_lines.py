"""The log tail's lines that matter: the user's frames, never a lone traceback header."""

from __future__ import annotations

import io

from reporters_support import check, exchange

from smoke.model import CheckResult, Failure, Outcome
from smoke.redact import Redactor
from smoke.reporters import log_lines_that_matter
from smoke.reporters.console import CONSOLE_TAIL_LINES, ConsoleReporter
from smoke.run_events import RunFinished

FASTAPI_INIT = """INIT_START Runtime Version: python:3.12.v40
[ERROR] RuntimeError: Form data requires "python-multipart" to be installed.
Traceback (most recent call last):
  File "/var/lang/lib/python3.12/importlib/__init__.py", line 90, in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
  File "<frozen importlib._bootstrap>", line 1387, in _gcd_import
  File "/var/task/app/main.py", line 28, in <module>
    @app.post("/upload")
  File "/var/task/lib/python3.12/site-packages/fastapi/routing.py", line 933, in decorator
    self.add_api_route(
  File "/var/task/lib/python3.12/site-packages/fastapi/routing.py", line 872, in add_api_route
    route = route_class(
  File "/var/task/lib/python3.12/site-packages/fastapi/dependencies/utils.py", line 100, in x
    raise RuntimeError(message)
INIT_REPORT Init Duration: 403.55 ms\tPhase: init\tStatus: error\tError Type: Runtime.Unknown
START RequestId: 0f1e2d3c-0000-4000-8000-000000000001 Version: $LATEST
END RequestId: 0f1e2d3c-0000-4000-8000-000000000001
REPORT RequestId: 0f1e2d3c-0000-4000-8000-000000000001\tDuration: 403.55 ms\tStatus: error
"""

IMPORT_ERROR = """INIT_START Runtime Version: python:3.11.v7
[ERROR] Runtime.ImportModuleError: Unable to import module 'app.main': No module named 'x'
Traceback (most recent call last):
INIT_REPORT Init Duration: 444.21 ms\tPhase: init\tStatus: error
REPORT RequestId: 0f1e2d3c-0000-4000-8000-000000000002\tDuration: 444.21 ms\tStatus: error
"""


def test_the_console_tail_keeps_the_users_frame_and_the_exception() -> None:
    kept = log_lines_that_matter(FASTAPI_INIT, limit=CONSOLE_TAIL_LINES)
    assert len(kept) <= CONSOLE_TAIL_LINES
    assert kept[0].startswith("[ERROR] RuntimeError")
    assert kept[1] == "Traceback (most recent call last):"
    assert kept[2] == '  File "/var/task/app/main.py", line 28, in <module>'
    assert kept[3] == '    @app.post("/upload")'
    assert "utils.py" in kept[4]  # the innermost frame: where it raised
    assert kept[-1].startswith("REPORT RequestId")
    assert not any("importlib" in line or "<frozen" in line for line in kept)


def test_a_traceback_header_with_no_frame_is_left_out() -> None:
    kept = log_lines_that_matter(IMPORT_ERROR, limit=CONSOLE_TAIL_LINES)
    assert "Traceback (most recent call last):" not in kept
    assert kept[0].startswith("[ERROR] Runtime.ImportModuleError")
    assert any(line.startswith("INIT_REPORT") for line in kept)


def test_a_plain_traceback_keeps_its_exception_line() -> None:
    tail = ("Traceback (most recent call last):\n"
            '  File "/var/task/handler.py", line 7, in handler\n'
            "    return 1 / 0\n"
            "ZeroDivisionError: division by zero\n")
    assert log_lines_that_matter(tail, limit=4) == tail.splitlines()


def test_a_multi_line_error_message_is_indented_in_the_console() -> None:
    c = check("api", "boom", 3)
    ex = exchange(c, None, function_error="Unhandled", error_type="ValueError",
                  error_message="first line\nsecond line\n  third, indented")
    result = CheckResult(c, Outcome.FAILED, exchange=ex,
                         failures=(Failure("status", "no HTTP answer"),))
    out = io.StringIO()
    reporter = ConsoleReporter(out, Redactor())
    reporter.handle_event(RunFinished("prod", [result], None, 1.0, 2.0, 1, None))
    reporter.shutdown()
    lines = out.getvalue().splitlines()
    at = lines.index("  function error: ValueError: first line")
    assert lines[at + 1] == "      second line"
    assert lines[at + 2] == "        third, indented"
