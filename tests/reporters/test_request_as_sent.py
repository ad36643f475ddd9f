"""HTML and pytest show the request path as it was sent: placeholders filled, query redacted."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from html_support import parse
from reporters_support import API, check, exchange

from smoke.model import CheckResult, Failure, Outcome, Request
from smoke.plugin.render import render_check_failure
from smoke.redact import Redactor
from smoke.reporters.html import HtmlReporter
from smoke.run_events import CheckFinished, RunEvent, RunFinished, RunStarted

TOKEN = "tok-value-4242"


def failed_route_check() -> CheckResult:
    request = Request(path="/users/{user_id}", path_parameters={"user_id": "smoke-test"},
                      query={"token": (TOKEN,)})
    c = check("routes", "GET /users/{user_id}", 5, request=request)
    return CheckResult(c, Outcome.FAILED, exchange(c, 500),
                       (Failure("status", "status 500", "2xx", "500"),))


def test_the_html_report_shows_the_path_as_sent(tmp_path: Path) -> None:
    result = failed_route_check()
    events: list[RunEvent] = [
        RunStarted("prod", (result.check,), 1_700_000_000.0, {"api": API}, {"transport": "invoke"}),
        CheckFinished(result),
        RunFinished("prod", (result,), None, 1_700_000_000.0, 1_700_000_001.0, 1),
    ]
    reporter = HtmlReporter(tmp_path / "r.html", Redactor([TOKEN]))
    reporter.start()
    for event in events:
        reporter.handle_event(event)
    reporter.shutdown()
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    page = parse(text)
    assert "GET /users/smoke-test?token=***" in page.text
    assert "GET /users/{user_id}?" not in page.text
    assert TOKEN not in text


def test_pytest_shows_the_path_as_sent_with_its_query() -> None:
    shown = render_check_failure(failed_route_check(), Redactor([TOKEN]))
    assert "  GET /users/smoke-test?token=***" in shown
    assert TOKEN not in shown


def test_pytest_over_http_shows_the_url_with_its_query() -> None:
    result = failed_route_check()
    assert result.exchange is not None
    summary = {"method": "GET", "path": "/users/{user_id}",
               "url": "https://api.example.com/users/smoke-test", "headers": {}}
    result = dataclasses.replace(
        result, exchange=dataclasses.replace(result.exchange, transport="http",
                                             request_summary=summary))
    shown = render_check_failure(result, Redactor([TOKEN]))
    assert "  GET https://api.example.com/users/smoke-test?token=***" in shown
