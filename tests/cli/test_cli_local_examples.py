"""`smoke run` end to end through the local runtime, on the example apps (real handler code)."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest
from cli_support import REPO, REPORT_SCHEMA
from junitparser import Failure, JUnitXml

from smoke.cli import main

EXAMPLES = REPO / "examples"


def run_example(app: str, tmp_path: Path) -> tuple[int, dict[str, object], JUnitXml]:
    config = EXAMPLES / app / "smoke.yaml"
    if not config.exists():
        pytest.skip(f"example {app} is not in this checkout")
    json_path, junit_path = tmp_path / "r.json", tmp_path / "r.xml"
    code = main(["run", "local", "--config", str(config), "--json", str(json_path),
                 "--junit", str(junit_path), "--log-wait", "2"])
    report = json.loads(json_path.read_text())
    jsonschema.validate(report, json.loads(REPORT_SCHEMA.read_text()))
    return code, report, JUnitXml.fromfile(str(junit_path))


def test_healthy_example_passes_with_a_clean_log_scan(tmp_path: Path) -> None:
    code, report, xml = run_example("api", tmp_path)
    assert code == 0
    checks = {c["name"]: c for c in report["checks"]}  # type: ignore[attr-defined]
    assert all(c["outcome"] == "passed" for c in checks.values())
    assert checks["cleanup dry run"]["request"]["method"] is None
    assert checks["health"]["request_id"]
    assert report["run"]["transport"] == "invoke"  # type: ignore[index]
    assert report["log_scan"]["errors"] == []  # type: ignore[index]
    assert report["log_scan"]["groups"]  # type: ignore[index]
    # the API's four checks run at once, in as many sandboxes as Lambda would start: each
    # sandbox's cold start is reported once, on its first invocation, in both reports;
    # every invocation has its REPORT metrics
    api = [c for c in checks.values() if c["function"] == "api"]
    assert all(c["metrics"]["duration_ms"] is not None for c in api)
    cold = sum(c["metrics"]["init_duration_ms"] is not None for c in api)
    sandboxes = (tmp_path / "logs" / "BackendApiFunction.log").read_text().count("INIT_START")
    assert 1 <= cold == sandboxes <= 4
    assert len([c for s in xml if s.name == "backend-api" for c in s]) == 4
    tree = ElementTree.parse(tmp_path / "r.xml")
    cases = tree.getroot().findall("./testsuite[@name='backend-api']/testcase")
    props = [{p.get("name"): p.get("value") for p in c.iter("property")} for c in cases]
    assert all("lambda.max_memory_used_mb" in p for p in props)
    assert sum("lambda.init_duration_ms" in p for p in props) == cold


def test_broken_router_fails_and_the_log_scan_names_the_missing_module(tmp_path: Path) -> None:
    code, report, xml = run_example("broken-router", tmp_path)
    assert code == 1
    failed = [c for c in report["checks"] if c["outcome"] == "failed"]  # type: ignore[attr-defined]
    assert len(failed) == 3 and {c["status"] for c in failed} == {500}
    findings = report["log_scan"]["findings"]  # type: ignore[index]
    assert any("No module named 'src'" in f["line"] for f in findings)
    assert all(c["findings"] for c in failed)  # attributed to the checks by request id
    assert all("No module named 'src'" in c["log_tail"] for c in failed)  # seen from inside
    api_suite = next(s for s in xml if s.name == "backend-api")
    lazy = next(c for c in api_suite if c.name == "providers answers without auth")
    assert isinstance(lazy.result[0], Failure) and "got 500" in (lazy.result[0].message or "")
    assert "No module named 'src'" in (lazy.result[0].text or "")
    scan_suite = next(s for s in xml if s.name == "log-scan")
    api_case = next(c for c in scan_suite if c.name == "api")
    assert isinstance(api_case.result[0], Failure)
