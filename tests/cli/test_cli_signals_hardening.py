"""Issue 12 items 7, 8, 15, 16, 25: the log scan and discovery against AWS faults and signals.

``python -m smoke run`` subprocesses against a loopback stand-in for Lambda and CloudWatch
Logs (aws_standin.py): endless FilterLogEvents pages, empty logs, a slow discovery,
invocations without request ids, AccessDenied / ServiceException.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from aws_standin import AWS_ENV, StandIn, standin


def project(root: Path, stand: StandIn, *, via: str = "invoke", checks: int = 1) -> Path:
    http = f"    via: http\n    base_url: {stand.url}\n    log_scan: true\n" if via == "http" else ""
    (root / "smoke.yaml").write_text(
        "environments:\n  aws:\n    region: us-east-1\n"
        f"    endpoint_url: {stand.url}\n{http}"
        "    functions:\n      api: {name: api-fn}\n")
    (root / "suites").mkdir(exist_ok=True)
    lines = "".join(f"  - {{name: c{i}, get: /health}}\n" for i in range(checks))
    (root / "suites" / "api.yaml").write_text("suite: api\nfunction: api\nchecks:\n" + lines)
    return root


def start(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "smoke", "run", "aws", *args], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **AWS_ENV})


def finish(proc: subprocess.Popen[str], timeout: float = 30) -> tuple[int, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out + err


def reports(root: Path) -> tuple[dict[str, object], ET.Element]:
    data = json.loads((root / "reports" / "smoke-aws.json").read_text())
    junit = ET.parse(root / "reports" / "smoke-aws.xml").getroot()
    return data, junit


def test_item_15_endless_next_tokens_end_at_the_scan_deadline_with_exit_3(
    tmp_path: Path,
) -> None:
    with standin(logs="endless") as stand:
        began = time.monotonic()
        code, out = finish(start(project(tmp_path, stand), "--log-wait", "1"), timeout=60)
        took = time.monotonic() - began
    assert code == 3, out
    assert took < 20, f"took {took:.1f}s"  # --log-wait 1: 1s to wait, 5s to read
    assert "could not finish within 6s" in out
    data, junit = reports(tmp_path)
    assert data["run"]["exit_code"] == 3  # type: ignore[index]
    assert "could not finish" in data["log_scan"]["errors"][0]  # type: ignore[index]
    scan_suite = junit.find("testsuite[@name='log-scan']")
    assert scan_suite is not None and scan_suite.get("errors") == "1"


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_item_15_first_signal_during_endless_pages_is_honoured(
    tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    with standin(logs="endless") as stand:
        proc = start(project(tmp_path, stand), "--log-wait", "60")
        stand.wait_for("logs", 3)
        began = time.monotonic()
        proc.send_signal(sig)  # once
        got, out = finish(proc)
        took = time.monotonic() - began
    assert got == code, out
    assert took < 5, f"took {took:.1f}s after the signal"
    assert "Traceback" not in out


def test_item_07_interrupt_during_the_log_scan_is_in_junit_and_json(tmp_path: Path) -> None:
    with standin(logs="endless") as stand:
        proc = start(project(tmp_path, stand), "--log-wait", "60")
        stand.wait_for("logs", 3)
        proc.send_signal(signal.SIGINT)
        got, out = finish(proc)
    assert got == 130, out
    data, junit = reports(tmp_path)
    assert data["run"]["exit_code"] == 130 and data["run"]["interrupted"] == "SIGINT"  # type: ignore[index]
    assert data["log_scan"]["errors"]  # type: ignore[index]
    assert int(junit.get("errors", "0")) + int(junit.get("failures", "0")) >= 1
    scan_suite = junit.find("testsuite[@name='log-scan']")
    assert scan_suite is not None and scan_suite.get("errors") == "1"


def test_item_16_signal_during_log_wait_polling_stops_within_the_grace(tmp_path: Path) -> None:
    with standin(logs="empty") as stand:  # no REPORT line ever: the scan would poll 60s
        proc = start(project(tmp_path, stand), "--log-wait", "60")
        stand.wait_for("logs", 1)
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        got, out = finish(proc)
        took = time.monotonic() - began
    assert got == 143, out
    assert took < 4, f"took {took:.1f}s after SIGTERM"


def test_item_16_signal_during_via_http_log_wait_stops_within_the_grace(tmp_path: Path) -> None:
    with standin(logs="empty") as stand:
        proc = start(project(tmp_path, stand, via="http"), "--log-wait", "60")
        stand.wait_for("health", 1)
        time.sleep(0.5)
        began = time.monotonic()
        proc.send_signal(signal.SIGINT)
        got, out = finish(proc)
        took = time.monotonic() - began
    assert got == 130, out
    assert took < 4, f"took {took:.1f}s after SIGINT"


def test_item_16_signal_during_slow_discovery_stops_within_the_grace(tmp_path: Path) -> None:
    with standin(discovery_delay_s=20) as stand:
        proc = start(project(tmp_path, stand))
        stand.wait_for("discovery", 1)
        began = time.monotonic()
        proc.send_signal(signal.SIGINT)
        got, out = finish(proc)
        took = time.monotonic() - began
    assert got == 130, out
    assert took < 4, f"took {took:.1f}s after SIGINT"
    data, _ = reports(tmp_path)
    assert data["run"]["interrupted"] == "SIGINT"  # type: ignore[index]
    assert {c["outcome"] for c in data["checks"]} == {"not_run"}  # type: ignore[attr-defined]
    assert stand.seen("invoke") == 0


@pytest.mark.parametrize("fault", ["AccessDeniedException", "ServiceException"])
def test_item_25_every_invocation_refused_by_aws_exits_3(tmp_path: Path, fault: str) -> None:
    with standin(invoke=fault) as stand:
        code, out = finish(start(project(tmp_path, stand, checks=2), "--no-log-scan"))
        assert stand.seen("invoke") == 2  # each tried once: never invoked twice
    assert code == 3, out
    assert "AWS refused or failed every invocation" in out
    data, _ = reports(tmp_path)
    assert data["run"]["exit_code"] == 3  # type: ignore[index]
    assert [c["outcome"] for c in data["checks"]] == ["error", "error"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("via, invoke", [("http", "ok"), ("invoke", "no-request-id")])
def test_item_08_blind_scan_exits_3(tmp_path: Path, via: str, invoke: str) -> None:
    with standin(logs="empty", invoke=invoke) as stand:
        code, out = finish(start(project(tmp_path, stand, via=via), "--log-wait", "1"))
        assert stand.seen("logs") >= 1  # the scan ran, and found not one line of the run
    assert code == 3, out
    assert "no line of this run's invocations" in out
    data, _ = reports(tmp_path)
    assert [c["outcome"] for c in data["checks"]] == ["passed"]  # type: ignore[attr-defined]
    assert data["run"]["exit_code"] == 3  # type: ignore[index]
