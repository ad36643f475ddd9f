"""Checks against the local runtime (a real handler in tmp_path), and the log-scan items."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml


def test_local_runtime_checks_and_a_failing_log_scan_item_in_junitxml(
    pytester: pytest.Pytester, local_project: Path
) -> None:
    junit = local_project / "junit.xml"
    report = local_project / "smoke.json"
    result = pytester.runpytest("suites", "--smoke-env", "local", "--smoke-log-wait", "10",
                                f"--junitxml={junit}", f"--smoke-json={report}", "-v")
    result.assert_outcomes(passed=5, failed=2)
    result.stdout.fnmatch_lines([
        "*suites/api.yaml::backend-api::health PASSED*",
        "*suites/api.yaml::backend-api::providers FAILED*",
        "*suites/worker.yaml::worker::ping PASSED*",
        "*smoke.yaml::log-scan::api FAILED*",     # the scan runs last, one item per function
        "*smoke.yaml::log-scan::worker PASSED*",
    ])
    out = result.stdout.str()
    assert "function error (Unhandled): ModuleNotFoundError: No module named 'src'" in out
    assert "log tail (the lines that matter):" in out
    assert "[module-not-found] (check backend-api::providers)" in out

    cases = {(c.classname, c.name): c for s in JUnitXml.fromfile(str(junit)) for c in s}
    scan_api = cases[("smoke.yaml.log-scan", "api")]
    failures = [r for r in scan_api.result if isinstance(r, Failure)]
    assert failures and "ModuleNotFoundError" in (failures[0].text or "")
    assert cases[("smoke.yaml.log-scan", "worker")].is_passed

    data = json.loads(report.read_text())
    assert data["run"]["transport"] == "invoke"
    assert set(data["functions"]) == {"api", "worker"}
    assert [f["rule"] for f in data["log_scan"]["findings"]] == ["module-not-found"]
    by_id = {c["id"]: c for c in data["checks"]}
    assert by_id["backend-api::providers"]["findings"][0]["rule"] == "module-not-found"


def test_log_scan_items_follow_the_selected_checks_and_ignore_marker_selection(
    pytester: pytest.Pytester, local_project: Path
) -> None:
    result = pytester.runpytest("suites/worker.yaml", "--smoke-env", "local",
                                "--smoke-log-wait", "10", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*smoke.yaml::log-scan::worker PASSED*"])
    assert "log-scan::api" not in result.stdout.str()  # no api check: no api scan

    result = pytester.runpytest("suites", "--smoke-env", "local", "--smoke-log-wait", "10",
                                "-k", "health", "-v")
    result.assert_outcomes(passed=3, deselected=4)  # -k does not deselect the scan of api
    result.stdout.fnmatch_lines([
        "*collected 7 items / 4 deselected / 3 selected",  # the scan items are counted
        "smoke: 1 log-scan item(s) deselected with all of their function's checks*",
        "*smoke.yaml::log-scan::api PASSED*",
    ])

    result = pytester.runpytest("suites", "--smoke-env", "local", "--smoke-no-log-scan",
                                "-k", "health")
    result.assert_outcomes(passed=2, deselected=3)
    assert "log-scan" not in result.stdout.str()


def test_a_function_on_another_python_than_declared_is_a_pytest_warning(
    pytester: pytest.Pytester,
) -> None:
    from plugin_project import write_project

    code = pytester.path / "code"
    code.mkdir()
    (code / "app.py").write_text("def handler(event, context):\n    return {'ok': True}\n")
    write_project(pytester.path, """\
        environments:
          local:
            functions:
              api: {handler: app.handler, code: code, runtime: python3.99}
        """, {"api.yaml": """\
        suite: api
        function: api
        event: raw
        checks:
          - {name: ping, payload: {}, mutates: false}
        """})  # fmt: skip
    result = pytester.runpytest("suites", "--smoke-env", "local", "--smoke-log-wait", "5")
    result.assert_outcomes(passed=2)  # python3.99 is installed nowhere; the handler runs anyway
    result.stdout.fnmatch_lines(["*warnings summary*", "*smoke: api: NO PYTHON 3.99 FOUND*"])


MIXED_TEMPLATE = """\
Resources:
  ImageFunction:
    Type: AWS::Serverless::Function
    Properties: {PackageType: Image, ImageUri: repo/app:latest}
  PythonFunction:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler}
"""


def test_a_function_the_local_runtime_refuses_fails_only_its_own_checks(
    pytester: pytest.Pytester,
) -> None:
    from plugin_project import write_project

    root = pytester.path
    (root / "template.yaml").write_text(MIXED_TEMPLATE)
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("def handler(event, context):\n    return {'ok': 1}\n")
    write_project(root, "environments:\n  local:\n    template: template.yaml\n", {
        "mixed.yaml": """\
            suite: mixed
            event: raw
            checks:
              - {name: python, function: PythonFunction, payload: {}, mutates: false}
              - {name: image, function: ImageFunction, payload: {}, mutates: false}
            """,
    })  # fmt: skip
    result = pytester.runpytest("suites", "--smoke-env", "local", "--smoke-log-wait", "5", "-v")
    result.stdout.fnmatch_lines([
        "*suites/mixed.yaml::mixed::python PASSED*",
        "*suites/mixed.yaml::mixed::image FAILED*",
        "*smoke.yaml::log-scan::ImageFunction SKIPPED*",  # nothing ran: nothing scanned
        "*smoke.yaml::log-scan::PythonFunction PASSED*",
    ])  # fmt: skip
    out = result.stdout.str()
    assert "PackageType: Image functions are not supported by the local runtime" in out
    assert "the function was not found" not in out  # a refused function is no scan error
