"""Fixtures for the pytest plugin tests: a loopback API, and smoke projects written by pytester."""

from __future__ import annotations

import json
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SECRET = "tok-9f8e7d6c5b4a"  # SMOKE_TOKEN: must never appear in any output


@dataclass
class LoopbackApi:
    url: str
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)


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
    server.daemon_threads = True
    api = LoopbackApi(f"http://127.0.0.1:{server.server_address[1]}")
    server.api = api  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


HTTP_SUITE = """\
suite: backend-api
function: api
tags: [api]
checks:
  - name: health
    get: /health
    tags: [critical]
    expect: {status: 200, json_schema: {type: object, required: [status]}}
  - name: providers answers without auth
    get: /providers
    expect: {status: [401, 307]}
  - name: dashboard
    get: /dashboard
    headers: {Authorization: "Bearer ${SMOKE_TOKEN}"}
    expect: {status: 2xx}
"""


def write_project(root: Path, smoke_yaml: str, suites: dict[str, str]) -> None:
    (root / "smoke.yaml").write_text(textwrap.dedent(smoke_yaml))
    (root / "suites").mkdir(exist_ok=True)
    for name, text in suites.items():
        (root / "suites" / name).write_text(textwrap.dedent(text))
    (root / "pytest.ini").write_text("[pytest]\n")


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


HANDLER = '''\
import importlib
import json


def handler(event, context):
    path = event.get("path") or event.get("rawPath") or "/"
    if path == "/providers":  # the lazy router of incident 2: wrong package root
        importlib.import_module("src.api.v1.providers")
    print("handled", path)
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"status": "ok"})}
'''

LOCAL_SUITES = {
    "api.yaml": """\
        suite: backend-api
        function: api
        checks:
          - name: health
            get: /health
            expect: {status: 200}
          - name: health again
            get: /health
          - name: providers
            get: /providers
            expect: {status: [200, 401]}
        """,
    "worker.yaml": """\
        suite: worker
        function: worker
        event: raw
        checks:
          - name: ping
            payload: {path: /health}
            mutates: false
          - name: ping twice
            payload: {path: /health}
            mutates: false
        """,
}


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
