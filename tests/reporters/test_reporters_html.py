"""The HTML report, read back with html.parser: everything is there, nothing leaks out."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from html_support import CONSOLE, external_references, parse
from hypothesis import given
from hypothesis import strategies as st
from reporters_support import API, SECRET, check, exchange

from smoke.model import CheckResult, Failure, Finding, LambdaMetrics, Outcome, Response, ScanResult
from smoke.redact import Redactor
from smoke.reporters.html import HtmlReporter
from smoke.run_events import (
    CheckFinished,
    DecisionMade,
    RunEvent,
    RunFinished,
    RunStarted,
    ScanFinished,
)


def write(path: Path, events: list[RunEvent]) -> str:
    reporter = HtmlReporter(path, Redactor())
    reporter.start()
    for event in events:
        reporter.handle_event(event)
    reporter.shutdown()
    return path.read_text(encoding="utf-8")


def on_aws(events: list[RunEvent]) -> list[RunEvent]:
    started = events[0]
    assert isinstance(started, RunStarted)
    meta = {**started.meta, "aws_console": True, "region": "us-west-2"}
    return [dataclasses.replace(started, meta=meta), *events[1:]]


def test_every_check_and_finding_is_on_the_page_failures_first(
    tmp_path: Path, run_events: list[RunEvent]
) -> None:
    page = parse(write(tmp_path / "smoke-prod.html", run_events))
    summaries = [d.text for d in page.all("details") if "check" in d.attrs.get("class", "")]
    started = run_events[0]
    assert isinstance(started, RunStarted)
    for c in started.checks:
        assert sum(c.id in s for s in summaries) == 1, c.id
    labels = [s.split()[0] for s in summaries]
    # failures first; the one passing check last, collapsed
    assert labels == ["FAIL", "FAIL", "ERROR", "REFUSED", "NOT", "PASS"]
    problems = page.by_id("problems")
    assert "api::dashboard" in problems.text and "api::health" not in problems.text
    passed = page.by_id("passed")
    assert "open" not in passed.attrs and "api::health" in passed.text
    opened = [d for d in page.all("details") if "open" in d.attrs]
    assert len(opened) == 5  # every problem is open
    findings = page.by_id("findings")
    assert "traceback" in findings.text and "Traceback (most recent call last):" in findings.text
    assert "api::import error" in findings.text
    # the failed expectations, with expected and actual
    dashboard = next(d for d in page.all("details") if "api::dashboard" in d.text
                     and "check" in d.attrs.get("class", ""))
    assert "status 500 is not healthy" in dashboard.text and "2xx" in dashboard.text
    assert "GET /x" in dashboard.text  # the request sent
    assert "suites/api.yaml:8-10" in dashboard.text
    # the error that kept a check from running, and the refusal
    assert "not executed: throttled" in page.text
    assert "refused in protected environment 'prod'" in page.text
    # cold start: the function's count and init durations
    functions = page.by_id("functions")
    assert re.search(r"api\s*prod-BackendApiFunction-zeRfK8\s*live\s*1\s*250 ms", functions.text)
    assert page.all("title")[0].text.startswith("smoke run prod")


def test_no_secret_and_no_external_resource(tmp_path: Path, run_events: list[RunEvent]) -> None:
    text = write(tmp_path / "r.html", on_aws(run_events))
    assert SECRET not in text  # Authorization header, and the token echoed in a log tail
    page = parse(text)
    assert external_references(page) == []
    style = " ".join(e.text for e in page.all("style"))
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    assert not page.all("script") and not page.all("link") and not page.all("iframe")
    assert not page.all("img")


def test_the_svg_draws_one_bar_per_invocation_cold_starts_marked_failures_coloured(
    tmp_path: Path, run_events: list[RunEvent]
) -> None:
    page = parse(write(tmp_path / "r.html", run_events))
    (svg,) = page.all("svg")
    assert svg.attrs["id"] == "timeline"
    bars = [r for r in page.all("rect") if r.attrs.get("class") in ("ok", "bad", "warn")]
    assert len(bars) == 3  # the three checks that ran
    assert sorted(b.attrs["class"] for b in bars) == ["bad", "bad", "ok"]
    cold = page.all("rect", class_="init")
    assert len(cold) == 1  # the health check's cold start (init 250 ms of a 42.5 ms bar)
    titles = [t.text for t in page.all("title")[1:]]
    assert any("api::health" in t and "cold start, init 250 ms" in t for t in titles)
    links = [a.attrs["href"] for a in page.all("a") if a.attrs.get("href", "").startswith("#c")]
    assert len(links) == 2  # the failing bars link to their checks
    for href in links:
        assert page.by_id(href[1:]).tag == "details"


def test_aws_runs_link_each_invocation_to_the_cloudwatch_console(
    tmp_path: Path, run_events: list[RunEvent]
) -> None:
    page = parse(write(tmp_path / "r.html", on_aws(run_events)))
    links = [a.attrs["href"] for a in page.all("a") if a.attrs.get("href", "").startswith("https")]
    assert links and all(CONSOLE in url and "us-west-2" in url for url in links)
    # the crash's invocation: its log stream (known from the finding) and its request id
    stream = [u for u in links if "log-events/2024$252F01$252F01$252F$255Blive$255Dabc" in u]
    assert stream and all(u.endswith("$3FfilterPattern$3D$2522req-2$2522") for u in stream)
    assert any(u.endswith("/log-events$3FfilterPattern$3D$2522req-1$2522") for u in links)
    # the scan knows every invocation's stream: the passing check links to its own too
    scan = run_events[-2]
    assert isinstance(scan, ScanFinished)
    streams = {"req-1": "2024/01/02/[7]fresh"}
    known = [dataclasses.replace(e, scan=dataclasses.replace(e.scan, request_streams=streams))
             if isinstance(e, (ScanFinished, RunFinished)) and e.scan else e
             for e in on_aws(run_events)]
    page = parse(write(tmp_path / "known.html", known))
    hrefs = [a.attrs["href"] for a in page.all("a")]
    assert any(u.endswith("log-events/2024$252F01$252F02$252F$255B7$255Dfresh"
                          "$3FfilterPattern$3D$2522req-1$2522") for u in hrefs)
    assert any(u.endswith("#logsV2:log-groups/log-group/$252Faws$252Flambda$252F"
                          "prod-BackendApiFunction-zeRfK8") for u in links)  # the function's group
    # a local (or moto, LocalStack) run has no console links
    local = parse(write(tmp_path / "local.html", run_events))
    assert not [a for a in local.all("a") if a.attrs.get("href", "").startswith("http")]


def test_a_decision_has_its_slot_and_binary_bodies_are_never_raw(tmp_path: Path) -> None:
    c = check("files", "logo", 3)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    response = Response(200, {"content-type": "image/png"}, png)
    result = CheckResult(c, Outcome.FAILED,
                         dataclasses.replace(exchange(c), response=response),
                         (Failure("max_ms", "took too long", "<= 1 ms", "43 ms"),))
    events: list[RunEvent] = [
        RunStarted("prod", (c,), 1_700_000_000.0, {"api": API}, {"transport": "invoke"}),
        CheckFinished(result),
        DecisionMade("gate", "held", "bad", ("version 8 failed 1 check",)),
        RunFinished("prod", (result,), None, 1_700_000_000.0, 1_700_000_001.0, 1),
    ]
    text = write(tmp_path / "r.html", events)
    page = parse(text)
    decision = page.by_id("decision")
    assert "gate decision" in decision.text and "held" in decision.text
    assert "version 8 failed 1 check" in decision.text
    assert "\x00" not in text and "IHDR" not in text
    assert "<binary body: 272 bytes, image/png>" in page.text


def test_ten_thousand_checks_stay_one_page_with_failures_first(tmp_path: Path) -> None:
    checks = [check("big", f"check {i}", i) for i in range(10_000)]
    results = []
    for i, c in enumerate(checks):
        ex = dataclasses.replace(exchange(c), started_at=1_700_000_000.0 + (i // 16) * 0.05,
                                 metrics=LambdaMetrics(init_duration_ms=300.0) if i < 16 else None)
        bad = i % 1000 == 999
        results.append(CheckResult(c, Outcome.FAILED if bad else Outcome.PASSED, ex,
                                   (Failure("status", "500 is not healthy", "2xx", "500"),)
                                   if bad else ()))
    scan = ScanResult(findings=(Finding("api", "/aws/lambda/x", "timeout", "Task timed out"),))
    events: list[RunEvent] = [
        RunStarted("prod", tuple(checks), 1_700_000_000.0, {"api": API}, {"transport": "invoke"}),
        *(CheckFinished(r) for r in results), ScanFinished(scan),
        RunFinished("prod", tuple(results), scan, 1_700_000_000.0, 1_700_000_040.0, 1),
    ]
    text = write(tmp_path / "big.html", events)
    # html.parser on 4 MB is slow: the structure is read with patterns here
    badges = re.findall(r'<details class="check \w+" id="[^"]+"( open)?><summary><span class="badge">'
                        r'(\w+)</span>', text)
    assert len(badges) == 10_000
    assert badges[:10] == [(" open", "FAIL")] * 10  # the 10 failures first, open
    assert all(b == ("", "PASS") for b in badges[10:])  # then the passing ones, collapsed
    assert '<details id="passed"><summary>' in text
    height = re.search(r'<svg id="timeline" viewBox="0 0 [\d.]+ ([\d.]+)"', text)
    assert height and float(height.group(1)) < 450  # 16 lanes, not 10,000 rows
    assert text.count('<rect class="init"') == 16
    assert len(text) < 10_000_000


def test_a_large_page_is_written_a_piece_at_a_time_each_through_the_last_line_of_defence(
    tmp_path: Path,
) -> None:
    """3,000 checks whose suite file's name holds a secret (no structured redaction
    reads a location): the page is written in pieces of whole lines, and what is
    written is exactly the whole page through ``Redactor.final``."""
    from smoke.model import Location
    from smoke.reporters import html

    checks = [dataclasses.replace(check("big", f"check {i}", i),
                                  location=Location(f"suites/{SECRET}.yaml", i + 1, i + 1))
              for i in range(3000)]
    results = [CheckResult(c, Outcome.PASSED, exchange(c)) for c in checks]
    events: list[RunEvent] = [
        RunStarted("prod", tuple(checks), 1_700_000_000.0, {"api": API}, {"transport": "invoke"}),
        *(CheckFinished(r) for r in results),
        RunFinished("prod", tuple(results), None, 1_700_000_000.0, 1_700_000_009.0, 0),
    ]
    redactor = Redactor([SECRET])
    reporter = HtmlReporter(tmp_path / "big.html", redactor)
    for event in events:
        reporter.handle_event(event)
    reporter.shutdown()
    text = (tmp_path / "big.html").read_text(encoding="utf-8")
    assert SECRET not in text and text.count("suites/***.yaml:") == 3000
    data = html.report_data(reporter.run, redactor)
    assert data is not None
    whole = html._template().render(data)  # Jinja2's own, in one string
    assert whole.count(SECRET) == 3000  # only the last line of defence masks these
    assert text == redactor.final(whole)
    again = html.report_data(reporter.run, redactor)
    assert again is not None
    pieces = list(html.pieces(again))
    assert len(pieces) > 10 and all(p.endswith("\n") for p in pieces[:-1])
    assert "".join(pieces) == whole


@given(st.text())
def test_console_fragments_escape_as_the_console_does(text: str) -> None:
    from urllib.parse import quote

    from smoke.reporters.cloudwatch_links import _fragment

    assert _fragment(text) == quote(quote(text, safe=""), safe="").replace("%", "$")


def test_the_compiled_template_is_cached_and_a_bad_cache_never_fails_a_report(
    tmp_path: Path, run_events: list[RunEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Jinja2's bytecode cache in smoke's cache directory (compiling the template is
    ~40-70 ms of every run): used when it can be, ignored when it cannot."""
    from smoke.reporters import html

    cache = tmp_path / "cache"
    monkeypatch.setenv("SMOKE_CACHE_DIR", str(cache))
    html._template.cache_clear()
    expected = write(tmp_path / "a.html", run_events)
    (directory,) = (cache / "jinja2").iterdir()  # one per version of the options
    entries = list(directory.iterdir())
    assert len(entries) == 1 and entries[0].stat().st_size > 1000
    for damage in (b"garbage", b""):  # a corrupt entry is compiled again
        entries[0].write_bytes(damage)
        html._template.cache_clear()
        assert write(tmp_path / "b.html", run_events) == expected
    directory.chmod(0o500)  # unwritable (root ignores it: then simply written)
    try:
        entries[0].unlink(missing_ok=True)
        html._template.cache_clear()
        assert write(tmp_path / "c.html", run_events) == expected
    finally:
        directory.chmod(0o700)
    monkeypatch.setenv("SMOKE_CACHE_DIR", str(tmp_path / "a-file"))
    (tmp_path / "a-file").write_text("not a directory")
    html._template.cache_clear()
    assert write(tmp_path / "d.html", run_events) == expected
    html._template.cache_clear()


def test_a_fifo_planted_in_the_template_cache_never_blocks_the_report(
    tmp_path: Path, run_events: list[RunEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import threading

    from smoke.reporters import html

    cache = tmp_path / "cache"
    monkeypatch.setenv("SMOKE_CACHE_DIR", str(cache))
    html._template.cache_clear()
    expected = write(tmp_path / "a.html", run_events)
    (directory,) = (cache / "jinja2").iterdir()
    (entry,) = directory.iterdir()
    entry.unlink()
    os.mkfifo(entry)
    html._template.cache_clear()
    written: list[str] = []
    worker = threading.Thread(
        target=lambda: written.append(write(tmp_path / "b.html", run_events)), daemon=True)
    worker.start()
    worker.join(20)
    assert not worker.is_alive(), "the HTML report blocked on a FIFO in the template cache"
    assert written == [expected]
    html._template.cache_clear()
