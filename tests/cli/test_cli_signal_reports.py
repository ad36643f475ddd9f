"""A signal once the checks are done, while the reports are written (a CI job cancelled
right then): this run's reports are written, never the previous run's left behind.

To hit that moment every time, the test holds the report directory's lock (the one two
runs writing the same reports take in turn, ``smoke.reporters.paths.pair_lock``): the run
finishes its checks, prints their results, and waits for the lock to write its reports.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cli_support import REPO, ProjectFactory

from smoke.reporters.paths import writing_set


def _suite(path: str, checks: int) -> str:
    return "suite: s\nfunction: api\nchecks:\n" + "".join(
        f"  - {{name: c{i}, get: {path}, expect: {{status: 200}}}}\n" for i in range(checks))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_while_the_reports_wait_to_be_written_leaves_this_runs_reports(
        project: ProjectFactory, sig: signal.Signals) -> None:
    root = project({"s": _suite("/health", 5)}).parent
    env = dict(os.environ, PYTHONPATH=str(REPO))
    green = subprocess.run([sys.executable, "-m", "smoke", "run", "dev"], cwd=root, env=env,
                           capture_output=True, text=True, timeout=120)
    assert green.returncode == 0, green.stdout + green.stderr
    (root / "suites" / "s.yaml").write_text(_suite("/broken", 5))  # now every check fails
    lock = os.open(root / "reports" / ".smoke-reports.lock", os.O_CREAT | os.O_RDWR)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        proc = subprocess.Popen([sys.executable, "-m", "smoke", "run", "dev"], cwd=root,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        assert proc.stdout is not None
        failed = 0
        for line in proc.stdout:  # all 5 results are printed at the end of the checks
            failed += line.startswith("FAIL ")
            if failed == 5:
                break
        time.sleep(1.0)  # a few ms on: the run waits for the lock to write its reports
        proc.send_signal(sig)
        time.sleep(0.3)
        assert proc.poll() is None  # not killed: it waits to write this run's reports
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        os.close(lock)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, (proc.returncode, out, err)  # the run's own verdict
    data = json.loads((root / "reports" / "smoke-dev.json").read_text(encoding="utf-8"))
    assert data["totals"]["failed"] == 5 and data["totals"]["passed"] == 0
    assert ET.parse(root / "reports" / "smoke-dev.xml").getroot().get("failures") == "5"
    assert "/broken" in (root / "reports" / "smoke-dev.html").read_text(encoding="utf-8")


def test_a_hard_interrupt_while_writing_leaves_none_of_the_set(tmp_path: Path) -> None:
    """A third Ctrl-C in the middle of writing: the reports not written yet would be the
    previous run's; none of the set is left, and smoke says so."""
    paths = [tmp_path / "r.json", tmp_path / "r.xml", tmp_path / "r.html"]
    for path in paths:
        path.write_text("the previous run's")
    with pytest.raises(KeyboardInterrupt), writing_set(paths):
        paths[0].write_text("this run's")
        raise KeyboardInterrupt
    assert not any(path.exists() for path in paths)
    with writing_set(paths):  # an ordinary write: nothing removed
        paths[0].write_text("this run's")
    assert paths[0].read_text() == "this run's"
