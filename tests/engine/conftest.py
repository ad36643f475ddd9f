from __future__ import annotations

import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from loopback import serving


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: avoid the 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, body: dict[str, object], headers: dict[str, str] | None = None) -> None:
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
        query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if url.path == "/health":
            self._send(200, {"status": "ok"})
        elif url.path == "/slow":
            time.sleep(float(query.get("ms", ["100"])[0]) / 1000.0)
            self._send(200, {"status": "slow"})
        elif url.path == "/trickle":  # one byte every 0.2 s: no single read waits long
            count = int(query.get("bytes", ["15"])[0])
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(count))
            self.end_headers()
            try:
                for _ in range(count):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:  # the client gave up
                pass
        elif url.path == "/stall":  # the headers and 3 of 10 bytes, then nothing for 3 s
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "10")
            self.end_headers()
            try:
                self.wfile.write(b"xyz")
                self.wfile.flush()
                time.sleep(3)
            except OSError:
                pass
        elif url.path == "/redirect":
            self._send(307, {}, {"Location": "/health"})
        elif url.path == "/broken":
            self._send(500, {"error": "boom"})
        else:
            self._send(200, {
                "method": self.command,
                "path": url.path,
                "query": query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }, {"Set-Cookie": "session=s3cr3tcookie"})

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _route


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog (5) drops SYNs under 16 concurrent connects


@pytest.fixture()
def http_server() -> Iterator[str]:
    with serving(_Server(("127.0.0.1", 0), _Handler)) as url:
        yield url
