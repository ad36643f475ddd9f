"""`smoke run ENV --qualifier Q`: the checks go to that version, and the log scan reads
only that version's streams, even while another version logs errors at the same time."""

from __future__ import annotations

import json
import threading

from gate_support import BROKEN, GOOD, Release

from smoke.cli import main

NOISY = GOOD.replace(
    "def handler(event, context):",
    "def handler(event, context):\n    print(\"ModuleNotFoundError: No module named 'legacy'\")",
)


def _report(release: Release) -> dict:
    return json.loads((release.root / "reports" / "smoke-prod.json").read_text())


def test_the_scan_reads_only_the_qualified_versions_streams(release: Release) -> None:
    assert release.publish(GOOD) == "1"
    release.write(NOISY)  # $LATEST logs a ModuleNotFoundError on every invocation
    stop = threading.Event()

    def noise() -> None:
        while not stop.is_set():
            release.client.invoke(FunctionName="Api", Payload=b"{}")

    thread = threading.Thread(target=noise)
    thread.start()
    try:
        assert main(["run", "prod", "--qualifier", "1", "--log-wait", "2"]) == 0
    finally:
        stop.set()
        thread.join()
    report = _report(release)
    assert report["functions"]["api"]["qualifier"] == "1"
    assert [c["executed_version"] for c in report["checks"]] == ["1"]
    assert report["log_scan"]["findings"] == [] and report["log_scan"]["errors"] == []

    # the same line in the version that ran is a finding: the filter above is the stream's
    assert main(["run", "prod", "--qualifier", "api=$LATEST", "--log-wait", "2"]) == 1
    findings = _report(release)["log_scan"]["findings"]
    assert findings and all("[$LATEST]" in f["log_stream"] for f in findings)


def test_bad_qualifiers_are_clear(release: Release, capsys) -> None:
    assert main(["run", "prod", "--qualifier", "worker=1"]) == 2
    assert "has no function 'worker'" in capsys.readouterr().err
    assert main(["run", "prod", "--qualifier", "not/valid"]) == 2
    assert "neither a version number nor an alias" in capsys.readouterr().err
    assert main(["run", "prod", "--qualifier", "7", "--log-wait", "1"]) == 3
    assert "has no alias or version '7'" in capsys.readouterr().err


def test_the_pytest_plugin_takes_a_qualifier(release: Release) -> None:
    import subprocess
    import sys

    assert release.publish(GOOD) == "1"
    release.write(BROKEN)  # only $LATEST is broken
    base = [sys.executable, "-m", "pytest", "suites", "--smoke-env", "prod", "-p", "no:xdist",
            "--smoke-log-wait", "2", "-q", "--smoke-json", "reports/pytest.json"]
    done = subprocess.run([*base, "--smoke-qualifier", "api=1"], cwd=release.root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((release.root / "reports" / "pytest.json").read_text())
    assert [c["executed_version"] for c in report["checks"]] == ["1"]
    done = subprocess.run([*base, "--smoke-qualifier", "worker=1"], cwd=release.root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 4 and "--smoke-qualifier worker=...: environment 'prod' has no function 'worker'" in done.stderr
