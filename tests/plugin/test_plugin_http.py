"""Running checks over HTTP against a loopback API: outcomes, failure rendering, reports."""

from __future__ import annotations

import json

import pytest
from junitparser import Failure, JUnitXml
from plugin_project import SECRET, LoopbackApi


def test_outcomes_follow_the_checks_verdicts(
    pytester: pytest.Pytester, http_project: LoopbackApi
) -> None:
    result = pytester.runpytest("suites", "--smoke-env", "web", "-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*::backend-api::health PASSED*",
        "*::backend-api::providers answers without auth PASSED*",
        "*::backend-api::dashboard FAILED*",
    ])
    assert sorted(http_project.requests) == [
        ("GET", "/dashboard"), ("GET", "/health"), ("GET", "/providers")
    ]
    assert "log-scan" not in result.stdout.str()  # nothing to scan over HTTP


def test_a_failure_shows_yaml_request_status_body_and_expectations_but_never_the_secret(
    pytester: pytest.Pytester, http_project: LoopbackApi
) -> None:
    junit = pytester.path / "junit.xml"
    report = pytester.path / "smoke.json"
    html = pytester.path / "smoke.html"
    result = pytester.runpytest("suites", "--smoke-env", "web", f"--junitxml={junit}",
                                f"--smoke-json={report}", f"--smoke-html={html}", "-rA")
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    failure = out[out.index("smoke check backend-api::dashboard failed"):]
    for expected in [
        "\nsuites/api.yaml:12-15:\n",                  # where the check is written
        '> 12 |   - name: dashboard',                   # its YAML lines, numbered
        '> 13 |     get: /dashboard',
        '> 14 |     headers: {Authorization: "Bearer ${SMOKE_TOKEN}"}',
        f"GET {http_project.url}/dashboard",            # the request sent
        "Authorization: ***",
        "response: status 500",                         # what came back
        '"error": "dashboard exploded"',                # the body excerpt
        "[status]",                                     # the failed expectation
        "expected: 2xx",
        "actual:   500",
    ]:
        assert expected in failure, expected
    assert '"seen_auth": "***"' in failure  # the echoed token is masked in the body
    page = html.read_text()  # smoke's HTML report of the same run
    assert "backend-api::dashboard" in page and "&#34;seen_auth&#34;: &#34;***&#34;" in page
    everything = out + result.stderr.str() + junit.read_text() + report.read_text() + page
    assert SECRET not in everything


def test_junitxml_has_one_testcase_per_check(
    pytester: pytest.Pytester, http_project: LoopbackApi
) -> None:
    junit = pytester.path / "junit.xml"
    pytester.runpytest("suites", "--smoke-env", "web", f"--junitxml={junit}")
    cases = {case.name: case for suite in JUnitXml.fromfile(str(junit)) for case in suite}
    assert set(cases) == {"health", "providers answers without auth", "dashboard"}
    assert cases["health"].classname == "suites.api.yaml.backend-api"
    assert cases["health"].is_passed
    failures = [r for r in cases["dashboard"].result if isinstance(r, Failure)]
    assert failures and "expected: 2xx" in (failures[0].text or "")


def test_the_html_report_path_can_come_from_the_ini_file(
    pytester: pytest.Pytester, http_project: LoopbackApi
) -> None:
    (pytester.path / "pytest.ini").write_text("[pytest]\nsmoke_html = reports/smoke.html\n")
    pytester.runpytest("suites", "--smoke-env", "web")
    page = (pytester.path / "reports" / "smoke.html").read_text()
    assert "backend-api::health" in page and "UNHEALTHY" in page


def test_the_json_report_is_smokes_own_report(
    pytester: pytest.Pytester, http_project: LoopbackApi
) -> None:
    report = pytester.path / "reports" / "smoke.json"
    pytester.runpytest("suites", "--smoke-env", "web", "--smoke-json", str(report))
    data = json.loads(report.read_text())
    assert data["run"]["environment"] == "web"
    assert data["run"]["transport"] == "http"
    assert data["run"]["exit_code"] == 1
    outcomes = {c["id"]: c["outcome"] for c in data["checks"]}
    assert outcomes == {
        "backend-api::health": "passed",
        "backend-api::providers answers without auth": "passed",
        "backend-api::dashboard": "failed",
    }
    assert data["totals"]["checks"] == 3 and data["totals"]["failed"] == 1
    assert data["log_scan"] is None
    assert list(pytester.path.glob("reports/.*tmp")) == []  # written atomically


def test_the_mutation_guard_refuses_without_invoking_anything(
    pytester: pytest.Pytester, http_project: LoopbackApi
) -> None:
    (pytester.path / "suites" / "writes.yaml").write_text(
        "suite: writes\nfunction: api\nchecks:\n"
        "  - name: reindex\n    post: /health\n    mutates: true\n"
        "  - name: undeclared delete\n    delete: /health\n"
    )
    result = pytester.runpytest("suites/writes.yaml", "--smoke-env", "guarded")
    result.assert_outcomes(failed=2)
    out = result.stdout.str()
    assert "smoke check writes::reindex was refused by the mutation guard" in out
    assert "pass --allow-mutations to run it" in out
    assert "declare mutates: true and pass --allow-mutations" in out
    assert http_project.requests == []
    result = pytester.runpytest("suites/writes.yaml", "--smoke-env", "guarded",
                                "--allow-mutations")
    result.assert_outcomes(passed=1, failed=1)  # only the declared one is allowed
    assert http_project.requests == [("POST", "/health")]
