"""Checks over HTTP are independent: a Set-Cookie answered to one check is never sent by
another (httpx's Client keeps a cookie jar by default; smoke's transport must not).

Through the real `smoke run` path (config, suites, engine, HttpTransport, verdicts, JSON
report) against a loopback server that sets a session cookie on /login and tells, on
/whoami, which Cookie header it received.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cli_support import ProjectFactory
from loopback import serving

from smoke.cli import main


class _SessionApp(BaseHTTPRequestHandler):
    """/login sets a session cookie; /whoami answers 409 to a request that carries it
    (an app whose answer changes with the session), else 200 with the Cookie it got."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        received = self.headers.get("Cookie") or ""
        self.server.cookies_seen.append((self.path, received))  # type: ignore[attr-defined]
        if self.path == "/login":
            self._answer(200, {"ok": True}, {"Set-Cookie": "session=from-login-7f3a; Path=/"})
        else:
            self._answer(409 if "session=" in received else 200, {"cookie": received})


@pytest.fixture()
def session_app() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _SessionApp)
    seen: list[tuple[str, str]] = []
    httpd.cookies_seen = seen  # type: ignore[attr-defined]
    with serving(httpd) as url:
        yield url, seen


SUITE = """\
    suite: session
    function: api
    checks:
      - name: login sets the session cookie
        get: /login
        expect:
          status: 200
          headers: {Set-Cookie: "session=from-login-7f3a; Path=/"}
      - name: anonymous whoami
        get: /whoami
        expect: {status: 200}
      - name: whoami with the check's own cookie
        get: /whoami
        headers: {Cookie: "theme=dark"}
        expect: {status: 200, body_contains: "theme=dark"}
    """


def test_a_cookie_set_for_one_check_is_never_sent_by_another(
    project: ProjectFactory, session_app: tuple[str, list[tuple[str, str]]], tmp_path: Path
) -> None:
    url, seen = session_app
    config = project({"session": SUITE}, base_url=url)
    report = tmp_path / "out" / "r.json"
    # one check at a time, in file order: /login is answered before both /whoami checks
    code = main(["run", "dev", "--config", str(config), "--concurrency", "1", "--no-log-scan",
                 "--json", str(report), "--junit", str(tmp_path / "out" / "r.xml")])
    assert seen == [("/login", ""), ("/whoami", ""), ("/whoami", "theme=dark")]
    checks = {c["name"]: c for c in json.loads(report.read_text())["checks"]}
    assert {name: (c["outcome"], c["status"]) for name, c in checks.items()} == {
        "login sets the session cookie": ("passed", 200),  # its Set-Cookie reached the verdict
        "anonymous whoami": ("passed", 200),
        "whoami with the check's own cookie": ("passed", 200),
    }
    assert code == 0
    # the report names the Set-Cookie header; its value is a secret and never written
    assert "from-login-7f3a" not in report.read_text()
