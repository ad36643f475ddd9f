from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cli_support import BROKEN_SUITE, HEALTHY_SUITE, REPORT_SCHEMA, ProjectFactory, Server
from junitparser import Error, Failure, JUnitXml

from smoke.cli import main


def run(config: Path, *args: str) -> tuple[int, Path, Path]:
    out = config.parent / "out"
    json_path, junit_path = out / "r.json", out / "r.xml"
    code = main(["run", *args, "--config", str(config), "--json", str(json_path),
                 "--junit", str(junit_path)])
    return code, json_path, junit_path


def load_report(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    jsonschema.validate(data, json.loads(REPORT_SCHEMA.read_text()))
    return data


def test_healthy_run_exits_0_with_valid_reports(project: ProjectFactory, server: Server,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    config = project({"api": HEALTHY_SUITE})
    code, json_path, junit_path = run(config, "prod")
    assert code == 0
    report = load_report(json_path)
    assert report["run"]["exit_code"] == 0
    assert report["run"]["transport"] == "http"
    assert report["run"]["interrupted"] is None
    assert [c["outcome"] for c in report["checks"]] == ["passed"] * 3
    assert [c["status"] for c in report["checks"]] == [200, 401, 307]
    assert report["checks"][0]["location"].endswith("api.yaml:4-8")
    assert report["checks"][2]["request"]["target"] == server.url + "/api/v1/login"
    assert report["totals"]["passed"] == 3 and report["log_scan"] is None
    xml = JUnitXml.fromfile(str(junit_path))
    suites = list(xml)
    assert [s.name for s in suites] == ["backend-api"]
    cases = list(suites[0])
    assert [c.name for c in cases] == ["health", "providers answers without auth", "login redirects"]
    assert all(c.is_passed for c in cases)
    assert cases[0].classname == "backend-api"
    assert cases[0]._elem.get("line") == "4"
    out = capsys.readouterr().out
    assert "PASS     backend-api::health  200" in out
    assert "exit code 0" in out
    assert sorted(server.hits) == ["GET /api/v1/login", "GET /api/v1/providers", "GET /health"]


def test_a_500_fails_the_run_with_expected_and_actual(project: ProjectFactory,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    config = project({"api": HEALTHY_SUITE, "lazy": BROKEN_SUITE})
    code, json_path, junit_path = run(config, "prod")
    assert code == 1
    report = load_report(json_path)
    by_id = {c["id"]: c for c in report["checks"]}
    broken = by_id["lazy-endpoints::broken endpoint"]
    assert broken["outcome"] == "failed"
    assert broken["status"] == 500
    assert broken["failures"][0]["kind"] == "status"
    assert broken["failures"][0]["actual"] and "500" in broken["failures"][0]["actual"]
    assert "No module named 'src'" in broken["response_excerpt"]
    assert by_id["lazy-endpoints::health again"]["outcome"] == "passed"
    assert report["totals"] == {"checks": 5, "passed": 4, "failed": 1, "error": 0, "refused": 0,
                                "not_run": 0, "findings": 0}
    xml = JUnitXml.fromfile(str(junit_path))
    lazy = next(s for s in xml if s.name == "lazy-endpoints")
    assert lazy.failures == 1 and lazy.tests == 2
    case = next(c for c in lazy if c.name == "broken endpoint")
    failure = case.result[0]
    assert isinstance(failure, Failure)
    assert failure.type == "status"
    assert "500" in (failure.text or "")
    captured = capsys.readouterr()
    assert "FAIL     lazy-endpoints::broken endpoint  500" in captured.out
    assert "expected:" in captured.out and "actual:" in captured.out


def test_an_invalid_suite_exits_2_with_file_and_line(project: ProjectFactory,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    config = project({"bad": """\
        suite: bad
        function: api
        checks:
          - name: health
            get: /health
            expect: {statuss: 200}
        """})
    code, json_path, _ = run(config, "prod")
    assert code == 2
    err = capsys.readouterr().err
    assert "bad.yaml:" in err
    assert "Traceback" not in err
    assert not json_path.exists()


def test_a_mutation_in_a_protected_environment_is_refused_before_anything_runs(
    project: ProjectFactory, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project({"api": HEALTHY_SUITE, "write": """\
        suite: write
        function: api
        checks:
          - name: create thing
            post: /health
            body: '{"a": 1}'
        """})
    code, json_path, junit_path = run(config, "prod", "--allow-mutations")
    assert code == 2
    assert server.hits == []  # nothing was invoked, not even the safe checks
    report = load_report(json_path)
    outcomes = {c["id"]: c["outcome"] for c in report["checks"]}
    assert outcomes["write::create thing"] == "refused"
    assert outcomes["backend-api::health"] == "not_run"
    assert report["run"]["exit_code"] == 2
    xml = JUnitXml.fromfile(str(junit_path))
    write = next(s for s in xml if s.name == "write")
    assert isinstance(next(iter(write)).result[0], Error)
    captured = capsys.readouterr()
    assert "create thing" in captured.err
    said = captured.out + captured.err  # the reason is said once, in the summary
    assert said.count("POST is not a read-only method") == 1
    assert "REFUSED  write::create thing  -\n" in captured.out  # the progress line: no reason
    # the same suite in an unprotected environment runs the POST
    code, json_path, _ = run(config, "dev")
    assert code == 0
    assert "POST /health" in server.hits


def test_connection_refused_exits_3(project: ProjectFactory, capsys: pytest.CaptureFixture[str]) -> None:
    config = project({"api": HEALTHY_SUITE})
    code, json_path, junit_path = run(config, "down")
    assert code == 3
    report = load_report(json_path)
    assert report["run"]["exit_code"] == 3
    outcomes = [c["outcome"] for c in report["checks"]]
    assert "error" in outcomes and set(outcomes) <= {"error", "not_run"}
    assert "connection refused" in capsys.readouterr().err
    xml = JUnitXml.fromfile(str(junit_path))
    results = [type(c.result[0]) for s in xml for c in s]
    assert set(results) == {Error}  # not run: an error in CI's test tab, never a skip


def test_default_report_paths_are_under_reports(project: ProjectFactory, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    config = project({"api": HEALTHY_SUITE})
    monkeypatch.chdir(tmp_path)
    assert main(["run", "prod", "--config", str(config)]) == 0
    assert load_report(tmp_path / "reports" / "smoke-prod.json")["totals"]["passed"] == 3
    assert JUnitXml.fromfile(str(tmp_path / "reports" / "smoke-prod.xml")).tests == 3


def test_suite_arguments_and_tags_select_checks(project: ProjectFactory) -> None:
    config = project({"api": HEALTHY_SUITE, "lazy": BROKEN_SUITE})
    code, json_path, _ = run(config, "prod", "api")
    assert code == 0
    assert {c["suite"] for c in load_report(json_path)["checks"]} == {"backend-api"}


def test_deadline_marks_the_rest_not_run(project: ProjectFactory) -> None:
    checks = "".join(f"  - name: slow {i}\n    get: /slow?ms=200\n" for i in range(6))
    config = project({"slow": "suite: slow\nfunction: api\nchecks:\n" + checks})
    code, json_path, _ = run(config, "prod", "--concurrency", "1", "--deadline", "0.3")
    assert code == 1
    report = load_report(json_path)
    assert report["run"]["interrupted"] == "deadline"
    outcomes = [c["outcome"] for c in report["checks"]]
    assert outcomes[0] == "passed" and outcomes[-1] == "not_run"


def test_a_run_that_could_not_start_says_why_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_CONFIG_FILE", "/dev/null"), ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")):
        monkeypatch.setenv(name, value)
    config = tmp_path / "smoke.yaml"
    config.write_text("environments:\n  aws:\n    region: us-east-1\n"
                      f"    endpoint_url: http://127.0.0.1:{port}\n"
                      "    functions: {api: {stack: shop, resource: Api}}\n")
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "a.yaml").write_text(
        "suite: s\nfunction: api\nchecks:\n  - {name: a, get: /a}\n  - {name: b, get: /b}\n")
    code, json_path, _ = run(config, "aws")
    assert code == 3
    captured = capsys.readouterr()
    assert "NOT RUN  s::a  -\n" in captured.out and "NOT RUN  s::b  -\n" in captured.out
    said = captured.out + captured.err
    assert said.count("cannot connect to") == 1
    report = load_report(json_path)
    assert all("the run could not start" in c["error"] for c in report["checks"])  # the reports keep it
