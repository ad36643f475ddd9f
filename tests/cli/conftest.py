from __future__ import annotations

import json
import socket
import textwrap
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cli_support import ProjectFactory, Server
from loopback import serving


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: avoid the 40 ms delayed-ACK stall
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _route(self) -> None:
        url = urlsplit(self.path)
        self.server.hits.append(f"{self.command} {url.path}")  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if url.path == "/health":
            self._send(200, {"status": "ok"})
        elif url.path.startswith("/api/v1/providers"):
            self._send(401, {"message": "Unauthorized"})
        elif url.path.startswith("/api/v1/login"):
            self._send(307, {}, {"Location": "https://auth.example/login"})
        elif url.path == "/broken":
            self._send(500, {"errorMessage": "No module named 'src'"})
        elif url.path == "/slow":
            time.sleep(float(parse_qs(url.query).get("ms", ["300"])[0]) / 1000.0)
            self._send(200, {"status": "slow"})
        elif url.path == "/echo":
            self._send(200, {"headers": {k.lower(): v for k, v in self.headers.items()}},
                       {"Set-Cookie": "session=cookie-from-server-42"})
        else:
            self._send(404, {"message": "not found"})

    do_GET = do_POST = do_PUT = do_DELETE = _route


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog (5) drops SYNs under 16 concurrent connects


@pytest.fixture()
def server() -> Iterator[Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.hits = []  # type: ignore[attr-defined]
    with serving(httpd) as url:
        yield Server(url, httpd.hits)  # type: ignore[attr-defined]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def project(tmp_path: Path, server: Server) -> ProjectFactory:
    """Write smoke.yaml (prod: protected, via http; down: nothing listening) and suites."""

    def make(suites: dict[str, str], base_url: str | None = None) -> Path:
        (tmp_path / "suites").mkdir(exist_ok=True)
        (tmp_path / "smoke.yaml").write_text(textwrap.dedent(f"""\
            environments:
              prod:
                via: http
                base_url: {base_url or server.url}
                protected: true
                functions:
                  api: {{name: prod-api}}
              dev:
                via: http
                base_url: {base_url or server.url}
                functions:
                  api: {{name: dev-api}}
              down:
                via: http
                base_url: http://127.0.0.1:{free_port()}
                functions:
                  api: {{name: down-api}}
            """))
        for name, text in suites.items():
            (tmp_path / "suites" / f"{name}.yaml").write_text(textwrap.dedent(text))
        return tmp_path / "smoke.yaml"

    return make


