"""The proof of isolation, end to end through `smoke run local`.

PyYAML is installed in smoke's own environment (smoke needs it), but not in the
function's package or layers. Lambda would fail to import the handler, so the local
run must fail the same way: the check, the log scan and both reports say so.
"""

from __future__ import annotations

import importlib.util
import json
import textwrap
from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml

from smoke.cli import main


def test_a_package_only_smoke_has_is_a_runtime_import_module_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert importlib.util.find_spec("yaml") is not None  # it IS importable beside smoke
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text("import yaml\n\ndef handler(event, context):\n"
                                              "    return {'statusCode': 200, 'body': 'ok'}\n")
    (tmp_path / "layer" / "python").mkdir(parents=True)  # a layer, but not with yaml in it
    (tmp_path / "layer" / "python" / "helpers.py").write_text("X = 1\n")
    (tmp_path / "suites").mkdir()
    (tmp_path / "smoke.yaml").write_text(textwrap.dedent("""\
        environments:
          local:
            functions:
              api: {handler: app.handler, code: code, layers: [layer]}
        """))
    (tmp_path / "suites" / "api.yaml").write_text(textwrap.dedent("""\
        suite: api
        function: api
        checks:
          - {name: health, get: /health, expect: {status: 200}}
        """))
    monkeypatch.chdir(tmp_path)

    assert main(["run", "local", "--log-wait", "2"]) == 1

    report = json.loads((tmp_path / "reports" / "smoke-local.json").read_text())
    check = report["checks"][0]
    assert check["outcome"] == "failed"
    assert check["error_type"] == "Runtime.ImportModuleError"
    assert "No module named 'yaml'" in check["error_message"]
    findings = report["log_scan"]["findings"]
    assert any("No module named 'yaml'" in f["line"] for f in findings)
    assert {f["rule"] for f in findings} & {"import-module-error", "module-not-found"}
    xml = JUnitXml.fromfile(str(tmp_path / "reports" / "smoke-local.xml"))
    case = next(c for s in xml if s.name == "api" for c in s)
    assert isinstance(case.result[0], Failure)
    assert "Runtime.ImportModuleError" in (case.result[0].message or "") + (case.result[0].text or "")
    scan_case = next(c for s in xml if s.name == "log-scan" for c in s)
    assert isinstance(scan_case.result[0], Failure)
    assert "No module named 'yaml'" in (scan_case.result[0].text or "") + (
        scan_case.result[0].message or "")


def test_log_scan_false_in_smoke_yaml_skips_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text(
        "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n")
    (tmp_path / "suites").mkdir()
    (tmp_path / "smoke.yaml").write_text(textwrap.dedent("""\
        environments:
          local:
            log_scan: false
            functions:
              api: {handler: app.handler, code: code}
        """))
    (tmp_path / "suites" / "api.yaml").write_text(
        "suite: api\nfunction: api\nchecks:\n  - {name: health, get: /health}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "local"]) == 0
    report = json.loads((tmp_path / "reports" / "smoke-local.json").read_text())
    assert report["log_scan"]["skipped"] is True and report["log_scan"]["api_calls"] == 0
