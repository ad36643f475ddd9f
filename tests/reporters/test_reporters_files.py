from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml
from reporters_support import SECRET, schema

from smoke.redact import Redactor
from smoke.reporters import write_atomic
from smoke.reporters.json_report import JsonReporter
from smoke.reporters.junit import JUnitReporter
from smoke.run_events import RunEvent


def feed(handler: JsonReporter | JUnitReporter, events: list[RunEvent]) -> None:
    handler.start()
    for event in events:
        handler.handle_event(event)
    handler.shutdown()


def test_json_report_carries_everything_and_matches_the_schema(tmp_path: Path,
                                                               run_events: list[RunEvent]) -> None:
    path = tmp_path / "deep" / "dir" / "smoke-prod.json"
    feed(JsonReporter(path, Redactor()), run_events)
    report = json.loads(path.read_text())
    jsonschema.validate(report, schema())
    assert report["run"]["interrupted"] == "SIGINT" and report["run"]["exit_code"] == 130
    assert report["run"]["started_at"] == "2023-11-14T22:13:20.000+00:00"
    assert report["run"]["duration_s"] == 3.5
    assert report["functions"]["api"]["qualifier"] == "live"
    assert report["functions"]["api"]["cold_starts"] == {"count": 1, "init_ms": [250.0]}
    checks = {c["name"]: c for c in report["checks"]}
    health = checks["health"]
    assert health["metrics"]["cold_start"] is True and health["metrics"]["init_duration_ms"] == 250.0
    assert health["request_id"] == "req-1" and health["executed_version"] == "7"
    crash = checks["import error"]
    assert crash["error_type"] == "Runtime.ImportModuleError"
    assert crash["findings"][0]["rule"] == "traceback"
    assert checks["cleanup dry run"]["request"]["payload"] == '{"dry_run": true}'
    assert checks["cleanup dry run"]["request"]["method"] is None
    assert checks["cleanup for real"]["outcome"] == "refused"
    assert report["log_scan"]["api_calls"] == 3
    assert report["totals"] == {"checks": 6, "passed": 1, "failed": 2, "error": 1, "refused": 1,
                                "not_run": 1, "findings": 1}
    assert SECRET not in path.read_text()  # learned from the Authorization header


def test_junit_report_maps_outcomes_and_the_log_scan(tmp_path: Path,
                                                     run_events: list[RunEvent]) -> None:
    path = tmp_path / "smoke-prod.xml"
    feed(JUnitReporter(path, Redactor()), run_events)
    xml = JUnitXml.fromfile(str(path))
    suites = {s.name: s for s in xml}
    assert list(suites) == ["api", "jobs", "log-scan"]
    api = {c.name: c for c in suites["api"]}
    assert api["health"].is_passed
    failure = api["dashboard"].result[0]
    assert isinstance(failure, Failure) and failure.type == "status"
    assert "expected: 2xx" in (failure.text or "") and "actual:   500" in (failure.text or "")
    assert "log tail:" in (failure.text or "") and SECRET not in (failure.text or "")
    assert "defusedxml" in (api["import error"].result[0].text or "")
    jobs = {c.name: c for c in suites["jobs"]}
    assert isinstance(jobs["cleanup dry run"].result[0], Error)
    assert isinstance(jobs["cleanup for real"].result[0], Error)
    assert jobs["cleanup for real"].result[0].type == "refused"
    assert isinstance(jobs["later"].result[0], Error)  # not run is never a quiet skip
    assert jobs["later"].result[0].type == "not_run"
    assert suites["jobs"].errors == 3 and suites["jobs"].skipped == 0
    scan_case = next(iter(suites["log-scan"]))
    assert scan_case.name == "api" and isinstance(scan_case.result[0], Failure)
    assert "Traceback" in (scan_case.result[0].text or "")
    assert jobs["later"]._elem.get("file") == "suites/jobs.yaml"
    assert jobs["later"]._elem.get("line") == "15"
    assert "\x1b" not in path.read_text()


def test_reports_are_complete_without_run_finished(tmp_path: Path, run_events: list[RunEvent]) -> None:
    json_path, xml_path = tmp_path / "r.json", tmp_path / "r.xml"
    partial = run_events[:3]  # RunStarted and two results, then the process went down
    feed(JsonReporter(json_path, Redactor()), partial)
    feed(JUnitReporter(xml_path, Redactor()), partial)
    report = json.loads(json_path.read_text())
    jsonschema.validate(report, schema())
    assert [c["outcome"] for c in report["checks"]] == ["passed", "failed"] + ["not_run"] * 4
    assert report["run"]["exit_code"] is None
    xml = JUnitXml.fromfile(str(xml_path))
    assert xml.errors == 4 and xml.skipped == 0


def test_nothing_is_written_when_the_run_never_started(tmp_path: Path) -> None:
    feed(JsonReporter(tmp_path / "r.json", Redactor()), [])
    assert not (tmp_path / "r.json").exists()


def test_write_atomic_replaces_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "a" / "r.json"
    write_atomic(path, "one")
    write_atomic(path, "two")
    assert path.read_text() == "two"
    assert os.listdir(path.parent) == ["r.json"]


def test_write_atomic_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    write_atomic(path, "old")
    def pieces() -> Iterator[str]:
        yield "half a report"
        raise RuntimeError("the writer failed")

    with pytest.raises(RuntimeError):
        write_atomic(path, pieces())
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["r.json"]


def test_junit_report_is_written_a_suite_at_a_time_as_one_tree_would_be(
    tmp_path: Path, run_events: list[RunEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each <testsuite> is made, written to text and dropped in turn: the file is the
    bytes of the whole tree indented by ElementTree, through the last line of defence
    (a suite's name is no structured field: only that pass masks a secret in it)."""
    import dataclasses
    import time
    import xml.etree.ElementTree as ET

    from smoke.reporters.junit import _counts
    from smoke.run_events import CheckFinished, RunFinished, RunStarted

    def renamed(event: RunEvent) -> RunEvent:
        if isinstance(event, CheckFinished):
            check = event.result.check
            check = dataclasses.replace(check, suite=f"{check.suite}-{SECRET}")
            return CheckFinished(dataclasses.replace(event.result, check=check))
        return event

    events = [renamed(e) for e in run_events]
    results = tuple(e.result for e in events if isinstance(e, CheckFinished))
    events = [dataclasses.replace(e, results=results) if isinstance(e, RunFinished) else e
              for e in events]
    started = next(e for e in events if isinstance(e, RunStarted))
    monkeypatch.setattr(time, "time", lambda: started.started_at + 7.25)
    redactor = Redactor([SECRET])
    path = tmp_path / "r.xml"
    reporter = JUnitReporter(path, redactor)
    feed(reporter, events)
    text = path.read_text(encoding="utf-8")
    assert SECRET not in text and 'name="api-***"' in text

    root = ET.Element("testsuites", {"name": "smoke prod"})  # the whole tree, as before
    suites = reporter.suites()
    root.extend(suites)
    root.attrib.update(_counts([c for s in suites for c in s.iter("testcase")]))
    root.set("time", "7.250")
    ET.indent(root)
    whole = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    assert SECRET in whole
    assert text == redactor.final(whole)
    xml = JUnitXml.fromfile(str(path))
    assert [s.name for s in xml] == ["api-***", "jobs-***", "log-scan"]
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (7, 3, 3, 0)
