"""An interrupted run ends promptly even when a check is stuck inside a function.

The grace period is short (2 s): a function that sleeps for 30 s must not hold the
exit, the reports must be complete when the process ends, and no function process
may be left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from cli_support import REPO

HANDLERS = """\
import time

def fast(event, context):
    return {"statusCode": 200, "body": "ok"}

def stuck(event, context):
    time.sleep(30)
    return {"statusCode": 200, "body": "late"}
"""


def children_running(marker: str) -> list[str]:
    found = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in found.splitlines() if marker in line and "ps -eo" not in line]


@pytest.mark.parametrize("how", ["SIGTERM", "deadline"])
def test_a_stuck_check_does_not_hold_the_exit(tmp_path: Path, how: str) -> None:
    code_dir = tmp_path / f"code-{how}"
    code_dir.mkdir()
    (code_dir / "app.py").write_text(HANDLERS)
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "s.yaml").write_text(textwrap.dedent("""\
        suite: s
        checks:
          - {name: fast, function: fast, get: /}
          - {name: stuck, function: stuck, get: /}
        """))
    (tmp_path / "smoke.yaml").write_text(textwrap.dedent(f"""\
        environments:
          local:
            functions:
              fast: {{handler: app.fast, code: {code_dir.name}}}
              stuck: {{handler: app.stuck, code: {code_dir.name}, timeout: 60}}
        """))
    args = [sys.executable, "-m", "smoke", "run", "local", "--log-wait", "0"]
    if how == "deadline":
        args += ["--deadline", "5"]  # time for fast's cold start on a loaded machine
    proc = subprocess.Popen(args, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "PASS" not in proc.stdout.readline():
        pass
    started = time.monotonic()
    if how == "SIGTERM":
        proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=25)
    took = time.monotonic() - started
    # the stuck handler sleeps 30 s: ending well before that is the point, not a speed
    assert took < 20, f"the run took {took:.1f}s to end"
    assert proc.returncode == (143 if how == "SIGTERM" else 1), err
    report = json.loads((tmp_path / "reports" / "smoke-local.json").read_text())
    assert {c["name"]: c["outcome"] for c in report["checks"]} == {"fast": "passed",
                                                                   "stuck": "not_run"}
    assert report["run"]["interrupted"] == how
    assert (tmp_path / "reports" / "smoke-local.xml").read_text().rstrip().endswith("</testsuites>")
    time.sleep(0.5)
    assert children_running(str(code_dir)) == [] and children_running("app.stuck") == []
