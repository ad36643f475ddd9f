"""Under pytest-xdist: the same outcomes as a serial run, one merged JSON report, one log scan.

These run pytest in a subprocess (xdist starts worker processes), so a conftest in the
project can count the real calls of ``scan_logs`` across every process of the run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from junitparser import JUnitXml

COUNTING_CONFTEST = """\
import os

import smoke.logscan.scan as scan_module

_real = scan_module.scan_logs


def _counting(*args, **kwargs):
    with open(os.path.join(os.path.dirname(__file__), "scan-calls.txt"), "a") as fh:
        fh.write(f"{os.getpid()}\\n")
    return _real(*args, **kwargs)


scan_module.scan_logs = _counting
"""


def _run(pytester: pytest.Pytester, root: Path, name: str, *extra: str) -> dict[str, Any]:
    (root / "scan-calls.txt").unlink(missing_ok=True)
    junit, report = root / f"{name}.xml", root / f"{name}.json"
    result = pytester.runpytest_subprocess(
        "suites", "--smoke-env", "local", "--smoke-log-wait", "10", "-p", "no:cacheprovider",
        f"--junitxml={junit}", f"--smoke-json={report}", *extra, timeout=120,
    )
    cases = {
        f"{c.classname}::{c.name}": "passed" if c.is_passed else "failed"
        for s in JUnitXml.fromfile(str(junit)) for c in s
    }
    calls = (root / "scan-calls.txt").read_text().split()
    return {"result": result, "cases": cases, "report": json.loads(report.read_text()),
            "scan_calls": calls}


def _comparable(report: dict[str, Any]) -> dict[str, object]:
    data = report
    return {
        "checks": {c["id"]: (c["outcome"], c["status"], [f["kind"] for f in c["failures"]],
                             [f["rule"] for f in c["findings"]]) for c in data["checks"]},
        "findings": sorted((f["function"], f["rule"], f["check_id"])
                           for f in data["log_scan"]["findings"]),
        "groups": sorted(data["log_scan"]["groups"]),
        "totals": data["totals"],
        "functions": sorted(data["functions"]),
    }


def test_xdist_gives_the_serial_outcomes_one_report_and_one_log_scan(
    pytester: pytest.Pytester, local_project: Path
) -> None:
    (local_project / "conftest.py").write_text(COUNTING_CONFTEST)
    serial = _run(pytester, local_project, "serial")
    parallel = _run(pytester, local_project, "parallel", "-n", "2")

    assert parallel["result"].ret == serial["result"].ret == pytest.ExitCode.TESTS_FAILED
    assert parallel["cases"] == serial["cases"]
    assert serial["cases"]["smoke.yaml.log-scan::api"] == "failed"
    assert len(serial["cases"]) == 7

    # both workers really ran checks, each with its own local runtime and log directory
    logs = local_project / "reports" / "logs"
    assert sorted(p.name for p in logs.iterdir() if p.is_dir()) == ["gw0", "gw1"]

    # one JSON file with every check of every worker, the same as the serial one
    assert _comparable(parallel["report"]) == _comparable(serial["report"])
    assert len(parallel["report"]["checks"]) == 5
    assert _comparable(parallel["report"])["findings"] == [
        ("api", "module-not-found", "backend-api::providers")
    ]

    # the log scan ran exactly once in each run, also with two log-scan items and two workers
    assert len(serial["scan_calls"]) == 1
    assert len(parallel["scan_calls"]) == 1


def test_xdist_loadscope_also_scans_once(pytester: pytest.Pytester, local_project: Path) -> None:
    (local_project / "conftest.py").write_text(COUNTING_CONFTEST)
    run = _run(pytester, local_project, "scoped", "-n", "2", "--dist", "loadscope")
    assert len(run["scan_calls"]) == 1
    assert run["cases"]["smoke.yaml.log-scan::api"] == "failed"
    assert len(run["report"]["checks"]) == 5
