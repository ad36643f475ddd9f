"""Fixtures for the pytest plugin tests: a loopback API, and smoke projects written by pytester."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from loopback import serving
from plugin_project import HANDLER, HTTP_SUITE, LOCAL_SUITES, SECRET, LoopbackApi, write_project


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self) -> None:
        self.server.api.requests.append((self.command, self.path))  # type: ignore[attr-defined]
        if self.path == "/health":
            self._send(200, {"status": "ok"})
        elif self.path == "/providers":
            self._send(401, {"message": "Unauthorized"})
        elif self.path == "/dashboard":  # fails, and echoes the caller's token in its body
            auth = self.headers.get("Authorization", "")
            self._send(500, {"error": "dashboard exploded", "seen_auth": auth})
        else:
            self._send(404, {"error": "no route"})

    do_GET = do_POST = do_DELETE = _route


@pytest.fixture()
def loopback_api() -> Iterator[LoopbackApi]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    with serving(server) as url:
        api = server.api = LoopbackApi(url)  # type: ignore[attr-defined]
        yield api


@pytest.fixture()
def http_project(pytester: pytest.Pytester, loopback_api: LoopbackApi,
                 monkeypatch: pytest.MonkeyPatch) -> LoopbackApi:
    """A project whose `web` environment goes over HTTP to the loopback API."""
    monkeypatch.setenv("SMOKE_TOKEN", SECRET)
    write_project(pytester.path, f"""\
        environments:
          web:
            via: http
            base_url: {loopback_api.url}
            functions:
              api: {{name: my-api}}
          guarded:
            via: http
            base_url: {loopback_api.url}
            protected: true
            functions:
              api: {{name: my-api}}
        """, {"api.yaml": HTTP_SUITE})
    return loopback_api


@pytest.fixture()
def local_project(pytester: pytest.Pytester) -> Path:
    """A project whose `local` environment runs a tiny handler in the local runtime."""
    code = pytester.path / "code"
    code.mkdir()
    (code / "app.py").write_text(HANDLER)
    write_project(pytester.path, """\
        environments:
          local:
            functions:
              api: {handler: app.handler, code: code}
              worker: {handler: app.handler, code: code}
        """, LOCAL_SUITES)
    return pytester.path
