from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
from cli_support import HEALTHY_SUITE, REPO, REPORT_SCHEMA, ProjectFactory
from junitparser import Error, JUnitXml


def smoke_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("GITHUB_STEP_SUMMARY", None)
    return env


def test_python_m_smoke_runs_a_suite(project: ProjectFactory, tmp_path: Path) -> None:
    config = project({"api": HEALTHY_SUITE})
    proc = subprocess.run(
        [sys.executable, "-m", "smoke", "run", "prod", "--config", str(config)],
        cwd=tmp_path, env=smoke_env(), capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "3 check(s): 3 passed" in proc.stdout
    report = json.loads((tmp_path / "reports" / "smoke-prod.json").read_text())
    jsonschema.validate(report, json.loads(REPORT_SCHEMA.read_text()))
    assert report["totals"]["passed"] == 3


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_run_exits_with_complete_reports(project: ProjectFactory, tmp_path: Path,
                                                      signum: signal.Signals, code: int) -> None:
    checks = "".join(f"  - name: slow {i:02d}\n    get: /slow?ms=400\n" for i in range(12))
    config = project({"slow": "suite: slow\nfunction: api\nchecks:\n" + checks})
    json_path, junit_path = tmp_path / "out" / "r.json", tmp_path / "out" / "r.xml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "smoke", "run", "prod", "--config", str(config), "--concurrency", "2",
         "--json", str(json_path), "--junit", str(junit_path)],
        cwd=tmp_path, env=smoke_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        seen.append(line)
        if line.startswith("PASS"):
            break
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, (seen, out, err)
    report = json.loads(json_path.read_text())
    jsonschema.validate(report, json.loads(REPORT_SCHEMA.read_text()))
    assert report["run"]["interrupted"] == signum.name
    assert report["run"]["exit_code"] == code
    outcomes = [c["outcome"] for c in report["checks"]]
    assert len(outcomes) == 12
    assert outcomes.count("passed") >= 1
    assert outcomes.count("not_run") >= 6
    assert set(outcomes) == {"passed", "not_run"}
    not_run = [c for c in report["checks"] if c["outcome"] == "not_run"]
    assert all("interrupted" in c["error"] for c in not_run)
    xml = JUnitXml.fromfile(str(junit_path))
    cases = [c for s in xml for c in s]
    assert len(cases) == 12
    assert sum(1 for c in cases if c.result and isinstance(c.result[0], Error)
               and c.result[0].type == "not_run") == len(not_run)
    assert f"interrupted: {signum.name}" in out


def _imported_after(args: list[str], tmp_path: Path) -> set[str]:
    code = (
        "import sys\n"
        "from smoke.cli import main\n"
        "try:\n"
        f"    rc = main({args!r})\n"
        "except SystemExit as e:\n"
        "    rc = e.code\n"
        "heavy = sorted(m for m in ('boto3', 'botocore', 'httpx', 'jsonschema') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n"
        "print('RC=' + str(rc))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=smoke_env(),
                          capture_output=True, text=True, timeout=60)
    lines = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line and line[:2] in ("HE", "RC"))
    assert lines.get("RC") == "0", proc.stdout + proc.stderr
    return set(filter(None, lines["HEAVY"].split(",")))


def test_help_and_validate_do_not_import_boto3(project: ProjectFactory, tmp_path: Path) -> None:
    config = project({"api": HEALTHY_SUITE})
    assert _imported_after(["--help"], tmp_path) == set()
    heavy = _imported_after(["validate", "--config", str(config)], tmp_path)
    assert "boto3" not in heavy and "botocore" not in heavy


def test_a_run_over_http_imports_no_aws_library(project: ProjectFactory, tmp_path: Path) -> None:
    """via: http without a log scan calls no AWS API: botocore's import (~150 ms) is not paid."""
    config = project({"api": HEALTHY_SUITE})
    heavy = _imported_after(["run", "prod", "--config", str(config)], tmp_path)
    assert "httpx" in heavy
    assert not heavy & {"boto3", "botocore"}
