"""`smoke discover` and `smoke scan` through the command line, against moto's server."""

from __future__ import annotations

import time
from pathlib import Path

import boto3
import pytest
from test_aws_discovery import _role, make_function

from smoke.cli import main
from smoke.model import Environment

REPORT_SCHEMA = Path(__file__).resolve().parents[2] / "smoke" / "schema" / "report.schema.json"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`smoke scan` writes reports/scan-ENV.* where it runs: here, not in the repository."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


def write_config(tmp_path: Path, env: Environment, functions: str) -> Path:
    config = tmp_path / "smoke.yaml"
    config.write_text(
        "environments:\n"
        "  moto:\n"
        f"    region: {env.region}\n"
        f"    endpoint_url: {env.endpoint_url}\n"
        "    functions:\n" + functions
    )
    return config


def put_lines(env: Environment, group: str, lines: list[str], *, at_ms: int) -> None:
    logs = boto3.client("logs", region_name=env.region, endpoint_url=env.endpoint_url)
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="2026/11/23/[$LATEST]abc")
    logs.put_log_events(
        logGroupName=group, logStreamName="2026/11/23/[$LATEST]abc",
        logEvents=[{"timestamp": at_ms + i, "message": line} for i, line in enumerate(lines)],
    )


def test_discover_prints_physical_name_runtime_and_log_group(
    moto_env: Environment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_function(moto_env, "shop-prod-ApiFunction-zeRfK8mebejx", _role(moto_env))
    config = write_config(tmp_path, moto_env, "      api: {prefix: shop-prod-ApiFunction}\n")
    assert main(["discover", "moto", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "api: shop-prod-ApiFunction-zeRfK8mebejx" in out
    assert "runtime: python3.12" in out
    assert "log group: /aws/lambda/shop-prod-ApiFunction-zeRfK8mebejx" in out


def test_discover_of_a_missing_function_exits_3_without_traceback(
    moto_env: Environment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, moto_env, "      api: {name: not-deployed}\n")
    assert main(["discover", "moto", "--config", str(config)]) == 3
    err = capsys.readouterr().err
    assert "not-deployed" in err and "Traceback" not in err


def test_scan_finds_an_import_error_inside_the_window_only(
    moto_env: Environment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_function(moto_env, "worker", _role(moto_env))
    now_ms = int(time.time() * 1000)
    put_lines(moto_env, "/aws/lambda/worker", [
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named 'old'",
    ], at_ms=now_ms - 3 * 3600 * 1000)  # three hours ago: outside --since 30m
    logs = boto3.client("logs", region_name=moto_env.region, endpoint_url=moto_env.endpoint_url)
    logs.put_log_events(
        logGroupName="/aws/lambda/worker", logStreamName="2026/11/23/[$LATEST]abc",
        logEvents=[{"timestamp": now_ms - 60_000, "message":
                    "[ERROR] Runtime.ImportModuleError: Unable to import module 'app': "
                    "No module named 'defusedxml'"}],
    )
    config = write_config(tmp_path, moto_env, "      worker: {name: worker}\n")
    assert main(["scan", "moto", "--since", "30m", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "No module named 'defusedxml'" in out
    assert "No module named 'old'" not in out
    assert "1 finding(s) in 1 log group(s)" in out


def test_scan_of_a_function_that_never_logged_is_a_note_not_a_failure(
    moto_env: Environment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # right after a deploy many functions have not run yet: `smoke scan` on its own says
    # so; after `smoke run` invoked a function, a missing group is a scan that could
    # not run (exit 3, tested in test_aws_logscan)
    role = _role(moto_env)
    make_function(moto_env, "quiet", role)
    make_function(moto_env, "worker", role)
    put_lines(moto_env, "/aws/lambda/worker", [
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named 'x'"
        "\nTraceback (most recent call last):",
    ], at_ms=int(time.time() * 1000) - 60_000)
    config = write_config(tmp_path, moto_env,
                          "      quiet: {name: quiet}\n      worker: {name: worker}\n")
    assert main(["scan", "moto", "--since", "30m", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "note: quiet: no log group /aws/lambda/quiet (never logged)" in out
    assert "No module named 'x' [...]" in out  # one line per finding
    assert "1 finding(s) in 1 log group(s)" in out


def test_scan_reads_every_version_stream_without_a_qualifier(
    moto_env: Environment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # traffic through an alias runs numbered versions: `[7]` streams, not `[$LATEST]`
    make_function(moto_env, "aliased", _role(moto_env))
    logs = boto3.client("logs", region_name=moto_env.region, endpoint_url=moto_env.endpoint_url)
    logs.create_log_group(logGroupName="/aws/lambda/aliased")
    logs.create_log_stream(logGroupName="/aws/lambda/aliased", logStreamName="2026/11/22/[7]abc")
    logs.put_log_events(logGroupName="/aws/lambda/aliased", logStreamName="2026/11/22/[7]abc",
                        logEvents=[{"timestamp": int(time.time() * 1000) - 5_000,
                                    "message": "Task timed out after 3.00 seconds"}])
    config = write_config(tmp_path, moto_env, "      aliased: {name: aliased}\n")
    assert main(["scan", "moto", "--since", "10m", "--config", str(config)]) == 1
    assert "[timeout]" in capsys.readouterr().out


def test_an_http_environment_can_read_its_functions_logs(
    moto_env: Environment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Healthy(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        make_function(moto_env, "web-fn", _role(moto_env))
        # the URL answers 200 while the function behind another route fails to import
        put_lines(moto_env, "/aws/lambda/web-fn", [
            "[ERROR] Runtime.ImportModuleError: Unable to import module 'app': "
            "No module named 'defusedxml'"], at_ms=int(time.time() * 1000))
        (tmp_path / "suites").mkdir()
        (tmp_path / "suites" / "web.yaml").write_text(
            "suite: web\nfunction: api\nchecks:\n  - {name: health, get: /health}\n")
        for scan, expected in (("", 0), ("    log_scan: true\n", 1)):
            (tmp_path / "smoke.yaml").write_text(
                "environments:\n  web:\n    via: http\n"
                f"    base_url: http://127.0.0.1:{server.server_address[1]}\n"
                f"    region: {moto_env.region}\n    endpoint_url: {moto_env.endpoint_url}\n"
                + scan + "    functions:\n      api: {name: web-fn}\n")
            code = main(["run", "web", "--config", str(tmp_path / "smoke.yaml"), "--log-wait", "0",
                         "--json", str(tmp_path / "r.json"), "--junit", str(tmp_path / "r.xml")])
            out = capsys.readouterr().out
            assert code == expected, out
        assert "No module named 'defusedxml'" in out
        assert "PASS     web::health  200" in out
    finally:
        server.shutdown()
        server.server_close()


def test_scan_writes_json_junit_html_and_the_step_summary(
    moto_env: Environment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    import jsonschema
    from junitparser import Failure, JUnitXml

    role = _role(moto_env)
    for name in ("worker", "quiet", "calm"):
        make_function(moto_env, name, role)
    now_ms = int(time.time() * 1000)
    put_lines(moto_env, "/aws/lambda/worker", [
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named 'lxml'",
        "2026-11-23T00:00:01.000Z 0ed5b16f-2f11-4b5e-9a55-0123456789ab Task timed out after 3.00 seconds",
    ], at_ms=now_ms - 60_000)
    put_lines(moto_env, "/aws/lambda/calm", ["START RequestId: abc", "all good"],
              at_ms=now_ms - 60_000)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    config = write_config(tmp_path, moto_env, "      worker: {name: worker}\n"
                          "      quiet: {name: quiet}\n      calm: {name: calm}\n")
    assert main(["scan", "moto", "--since", "30m", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    reports = tmp_path / "reports"
    for suffix in ("json", "xml", "html"):
        assert f"report: reports/scan-moto.{suffix}" in out
    # JUnit: one testcase per function, one failure per finding
    xml = JUnitXml.fromfile(str(reports / "scan-moto.xml"))
    (suite,) = list(xml)
    assert suite.name == "log-scan"
    cases = {case.name: case for case in suite}
    assert set(cases) == {"worker", "quiet", "calm"}
    failures = [r for r in cases["worker"].result if isinstance(r, Failure)]
    assert sorted(f.type for f in failures) == ["import-module-error", "timeout"]
    assert any("No module named 'lxml'" in (f.message or "") for f in failures)
    assert cases["quiet"].is_passed and cases["calm"].is_passed
    # JSON: the report's own schema, no checks, every finding
    data = json.loads((reports / "scan-moto.json").read_text())
    jsonschema.validate(data, json.loads(REPORT_SCHEMA.read_text()))
    assert data["run"]["command"] == "scan" and data["run"]["exit_code"] == 1
    assert data["checks"] == [] and len(data["log_scan"]["findings"]) == 2
    assert data["log_scan"]["notes"] == ["quiet: no log group /aws/lambda/quiet (never logged)"]
    # HTML: the scan's decision and its findings
    page = (reports / "scan-moto.html").read_text()
    assert "scan decision" in page and "findings" in page and "worker: 2 finding(s)" in page
    assert "No module named &#39;lxml&#39;" in page and "Task timed out after 3.00 seconds" in page
    text = summary.read_text()
    assert text.startswith("## smoke scan `moto`: exit 1") and "No module named 'lxml'" in text


def test_a_clean_scan_moved_by_options_says_clean(
    moto_env: Environment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from junitparser import JUnitXml

    make_function(moto_env, "calm", _role(moto_env))
    put_lines(moto_env, "/aws/lambda/calm", ["all good"], at_ms=int(time.time() * 1000) - 5_000)
    config = write_config(tmp_path, moto_env, "      calm: {name: calm}\n")
    out = tmp_path / "nightly"
    assert main(["scan", "moto", "--config", str(config), "--json", f"{out}/",
                 "--junit", str(out / "junit.xml")]) == 0
    assert JUnitXml.fromfile(str(out / "junit.xml")).tests == 1
    assert "clean" in (out / "scan-moto.html").read_text()  # beside the JSON
    assert not (tmp_path / "reports").exists()
