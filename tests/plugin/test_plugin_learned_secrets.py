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
from loopback import serving
from plugin_project import write_project

PAIRS = 4
SETTLE_S = 0.3


def _session(n: int) -> str:
    return f"s3cr3t+Sess/ion=VALUE{n:02d}"  # a new session each login, URL-unsafe characters


def _settled(server: ThreadingHTTPServer) -> str:
    """The latest session answered at least SETTLE_S ago: its check has its result by now,
    also when another xdist worker ran it."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with server.lock:  # type: ignore[attr-defined]
            old = [v for t, v in server.answered if t <= time.monotonic() - SETTLE_S]  # type: ignore[attr-defined]
        if old:
            return old[-1]
        time.sleep(0.05)
    return "no login was answered"


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
                server.answered.append((time.monotonic(), value))  # type: ignore[attr-defined]
            body, status = b"login ok", 200
            cookie: str | None = f"session={value}; Path=/; HttpOnly"
        elif self.path == "/early-leak":  # the session the next login will set
            with server.lock:  # type: ignore[attr-defined]
                value = _session(server.logins + 1)  # type: ignore[attr-defined]
            body, status, cookie = json.dumps({"debug_session": value}).encode(), 500, None
        else:  # /leak: fails, and shows the latest session in its body, also URL-encoded
            value = _settled(server)
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
    server.lock, server.logins = threading.Lock(), 0  # type: ignore[attr-defined]
    server.answered = []  # type: ignore[attr-defined]
    with serving(server):
        yield server


def _spellings(value: str) -> set[str]:
    return {value, quote_plus(value), quote(value, safe=""), quote(value)}


def _checks(kinds: tuple[str, ...]) -> str:
    return "suite: x\nfunction: api\nchecks:\n" + "".join(
        f"  - name: {kind}{i}\n    get: /{kind}\n    expect: {{status: 200}}\n"
        for i in range(PAIRS) for kind in kinds
    )


# serially; under xdist; and under xdist with the logins and the leaks in two files, one
# per worker (--dist loadfile): the worker that renders a leak never saw a login
@pytest.mark.parametrize("workers", [("-n", "0"), ("-n", "2", "--dist", "loadfile")])
def test_a_set_cookie_value_in_a_later_checks_body_is_masked_everywhere(
    pytester: pytest.Pytester, cookie_api: ThreadingHTTPServer, workers: tuple[str, ...]
) -> None:
    port = cookie_api.server_address[1]
    split = "loadfile" in workers
    suites = ({"a.yaml": _checks(("login",)), "b.yaml": _checks(("leak",)).replace("x", "y", 1)}
              if split else {"x.yaml": _checks(("login", "leak"))})
    write_project(pytester.path, _config(port), suites)
    junit, report = pytester.path / "j.xml", pytester.path / "s.json"
    result = pytester.runpytest_subprocess(
        "suites", "--smoke-env", "web", *workers, "-p", "no:cacheprovider",
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
            _assert_nowhere(value, text, where)



def test_a_value_shown_before_the_check_that_makes_it_secret_is_masked_at_the_end(
    pytester: pytest.Pytester, cookie_api: ThreadingHTTPServer
) -> None:
    """The leak is rendered before the login answers with that value: pytest's summary
    (printed at the end) and --junitxml (written at the end) are masked again then."""
    port = cookie_api.server_address[1]
    write_project(pytester.path, _config(port), {"x.yaml": "suite: x\nfunction: api\nchecks:\n"
                        "  - name: early\n    get: /early-leak\n    expect: {status: 200}\n"
                        "  - name: login\n    get: /login\n    expect: {status: 200}\n"})
    junit = pytester.path / "j.xml"
    result = pytester.runpytest("suites", "--smoke-env", "web", "-p", "no:xdist",
                                f"--junitxml={junit}")
    result.assert_outcomes(passed=1, failed=1)
    out = "\n".join(result.outlines + result.errlines)
    assert '"debug_session": "***"' in out
    for where, text in {"pytest's output": out, "--junitxml": junit.read_text()}.items():
        _assert_nowhere(_session(1), text, where)


def _config(port: int) -> str:
    return f"""\
        environments:
          web:
            via: http
            base_url: http://127.0.0.1:{port}
            functions:
              api: {{name: api}}
        """


def _assert_nowhere(value: str, text: str, where: str) -> None:
    for spelled in _spellings(value):
        assert spelled not in text, f"{spelled} in {where}"
