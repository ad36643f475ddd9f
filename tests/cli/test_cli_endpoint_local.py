"""`smoke run` against `smoke local start` through `endpoint_url`, like against AWS.

Discovery (GetFunctionConfiguration), invocation and the log scan (FilterLogEvents)
all go through the same boto3 clients a production run uses; only the endpoint differs.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from smoke.cli import main
from smoke.local import start_local_runtime
from smoke.model import Environment, FunctionSpec

HANDLER = """\
import importlib

def handler(event, context):
    if event["path"] == "/health":
        return {"statusCode": 200, "body": "{}"}
    try:
        importlib.import_module("src.api.v1.providers")
    except ModuleNotFoundError:
        import traceback
        traceback.print_exc()
        return {"statusCode": 500, "body": "Internal Server Error"}
"""


def test_a_normal_environment_runs_end_to_end_against_the_local_runtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text(HANDLER)
    local_env = Environment(name="local", functions={
        "api": FunctionSpec(logical="api", handler="app.handler", code=str(tmp_path / "code"))})
    project = tmp_path / "project"
    (project / "suites").mkdir(parents=True)
    (project / "suites" / "api.yaml").write_text(textwrap.dedent("""\
        suite: api
        function: api
        checks:
          - {name: health, get: /health, expect: {status: 200}}
          - {name: providers, get: /api/v1/providers, expect: {status: [401, 307]}}
        """))
    for name, value in {"AWS_ACCESS_KEY_ID": "any", "AWS_SECRET_ACCESS_KEY": "any"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(project)
    with start_local_runtime(local_env, base_dir=tmp_path, log_dir=project / "reports" / "logs") \
            as runtime:
        (project / "smoke.yaml").write_text(textwrap.dedent(f"""\
            environments:
              staging:
                region: us-east-1
                endpoint_url: {runtime.endpoint_url}
                functions:
                  api: {{name: api}}
            """))
        code = main(["run", "staging", "--log-wait", "3"])
    assert code == 1
    report = json.loads((project / "reports" / "smoke-staging.json").read_text())
    assert report["functions"]["api"]["name"] == "api"  # found by GetFunctionConfiguration
    outcomes = {c["name"]: (c["outcome"], c["status"]) for c in report["checks"]}
    assert outcomes == {"health": ("passed", 200), "providers": ("failed", 500)}
    scan = report["log_scan"]
    assert scan["errors"] == [] and scan["api_calls"] >= 1  # FilterLogEvents answered
    assert any("No module named 'src'" in f["line"] and f["check_id"] == "api::providers"
               for f in scan["findings"])
