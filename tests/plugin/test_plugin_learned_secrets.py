"""A Set-Cookie value answered to one check is a secret in every later check's output.

A first-time user's trial: `login` checks answered with ``Set-Cookie: session=...``, and
`leak` checks whose 500 body echoes that value. `smoke run` masks it (its reporters learn
the secrets of every event); pytest's output and --junitxml printed it in clear, serially
and under xdist (the worker that renders a failure may not have run the login).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, quote_plus

import pytest
from plugin_project import write_project

PAIRS = 4


def _session(n: int) -> str:
    return f"s3cr3t+Sess/ion=VALUE{n:02d}"  # a new session each login, URL-unsafe characters


class _CookieApi(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        server = self.server
        if self.path == "/login":
            with server.lock:  # type: ignore[attr-defined]
                server.logins += 1  # type: ignore[attr-defined]
                value = _session(server.logins)  # type: ignore[attr-defined]
            server.answered.set()  # type: ignore[attr-defined]
            body, status = b"login ok", 200
            cookie: str | None = f"session={value}; Path=/; HttpOnly"
        else:  # /leak: fails, and shows the latest session in its body, also URL-encoded
            server.answered.wait(30)  # type: ignore[attr-defined]
            time.sleep(0.3)  # the login's check has its result (another xdist worker's too)
            with server.lock:  # type: ignore[attr-defined]
                value = _session(server.logins)  # type: ignore[attr-defined]
            body = json.dumps({"debug_session": value, "q": quote_plus(value)}).encode()
            status, cookie = 500, None
        self.send_response(status)
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def cookie_api() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _CookieApi)
    server.daemon_threads = True
    server.lock, server.logins = threading.Lock(), 0  # type: ignore[attr-defined]
    server.answered = threading.Event()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _spellings(value: str) -> set[str]:
    return {value, quote_plus(value), quote(value, safe=""), quote(value)}


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_set_cookie_value_in_a_later_checks_body_is_masked_everywhere(
    pytester: pytest.Pytester, cookie_api: ThreadingHTTPServer, workers: str
) -> None:
    port = cookie_api.server_address[1]
    checks = "".join(
        f"  - name: login{i}\n    get: /login\n    expect: {{status: 200}}\n"
        f"  - name: leak{i}\n    get: /leak\n    expect: {{status: 200}}\n"
        for i in range(PAIRS)
    )
    write_project(pytester.path, f"""\
        environments:
          web:
            via: http
            base_url: http://127.0.0.1:{port}
            functions:
              api: {{name: api}}
        """, {"x.yaml": f"suite: x\nfunction: api\nchecks:\n{checks}"})
    junit, report = pytester.path / "j.xml", pytester.path / "s.json"
    result = pytester.runpytest_subprocess(
        "suites", "--smoke-env", "web", "-n", workers, "-p", "no:cacheprovider",
        f"--junitxml={junit}", f"--smoke-json={report}", timeout=120,
    )
    result.assert_outcomes(passed=PAIRS, failed=PAIRS)
    out = "\n".join(result.outlines + result.errlines)
    assert out.count('"debug_session": "***"') >= PAIRS  # each leak rendered, masked
    outputs = {"pytest's output": out, "--junitxml": junit.read_text(),
               "--smoke-json": report.read_text()}
    sessions = [_session(n) for n in range(1, PAIRS + 1)]
    for where, text in outputs.items():
        for value in sessions:
            for spelled in _spellings(value):
                assert spelled not in text, f"{spelled} in {where}"

