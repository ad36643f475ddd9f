"""Issue 12 (hardening, round two): the pytest plugin's share of it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from plugin_project import HTTP_SUITE, write_project


def test_item_20_unclosed_ipv6_base_url_is_a_usage_error_not_internalerror(
    pytester: pytest.Pytester,
) -> None:
    write_project(pytester.path, """\
        environments:
          web:
            via: http
            base_url: "http://[::1"
            functions:
              api: {name: my-api}
        """, {"api.yaml": HTTP_SUITE})
    result = pytester.runpytest("suites", "--smoke-env", "web")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "smoke.yaml:4: base_url is not a valid URL" in err
    assert "INTERNALERROR" not in err + result.stdout.str()


class _Counting(BaseHTTPRequestHandler):
    """Answers 200 at once, except that the sixth request hangs (Ctrl-C comes meanwhile)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        server = self.server
        server.hits += 1  # type: ignore[attr-defined]
        if server.hits == 6:  # type: ignore[attr-defined]
            time.sleep(3)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


def _twenty_checks(root: Path, base_url: str) -> None:
    checks = "".join(f"  - {{name: c{i:02d}, get: /c{i}}}\n" for i in range(20))
    write_project(root, f"""\
        environments:
          web:
            via: http
            base_url: {base_url}
            functions:
              api: {{name: my-api}}
        """, {"api.yaml": "suite: api\nfunction: api\nchecks:\n" + checks})


def test_item_06_pytest_interrupt_reports_unrun_checks(pytester: pytest.Pytester) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    server.daemon_threads = True
    server.hits = 0  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        _twenty_checks(pytester.path, f"http://127.0.0.1:{server.server_address[1]}")
        report = pytester.path / "smoke.json"
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest", "suites", "--smoke-env", "web", "-p", "no:xdist",
             f"--smoke-json={report}", "-q"],
            cwd=pytester.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while server.hits < 6 and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        server.shutdown()
        server.server_close()
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, out
    data = json.loads(report.read_text())
    assert len(data["checks"]) == 20, out
    outcomes = [c["outcome"] for c in data["checks"]]
    assert outcomes[:5] == ["passed"] * 5
    assert set(outcomes[5:]) == {"not_run"}
    assert data["run"]["interrupted"] == "SIGINT" and data["run"]["exit_code"] == 130
    assert data["totals"]["not_run"] == 15


def test_item_14_unwritable_smoke_json_exits_3_like_smoke_run(
    pytester: pytest.Pytester, http_project: object
) -> None:
    blocker = pytester.path / "not-a-dir"
    blocker.write_text("a file where a directory should be")
    result = pytester.runpytest("suites", "--smoke-env", "web", "-k", "health",
                                f"--smoke-json={blocker}/smoke.json")
    result.assert_outcomes(passed=1)
    assert result.ret == 3
    assert "smoke: could not write a report" in result.stdout.str()
