"""The Lambda Runtime API that one local function process talks to (loopback HTTP).

awslambdaric's native client polls ``GET /2018-06-01/runtime/invocation/next`` and posts
``.../invocation/{id}/response``, ``.../invocation/{id}/error`` or ``.../init/error``.
It needs every header real Lambda sends with the next invocation (it crashes without
``Lambda-Runtime-Trace-Id``), so all of them are sent.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

PREFIX = "/2018-06-01/runtime"
_INVOCATION_POST = re.compile(rf"^{PREFIX}/invocation/(?P<id>[^/]+)/(?P<kind>response|error)$")


@dataclass(frozen=True)
class Invocation:
    """One invocation handed to the function process."""

    request_id: str
    payload: bytes
    deadline_ms: int
    function_arn: str
    trace_id: str
    client_context: str | None = None  # JSON text
    cognito_identity: str | None = None  # JSON text

    def headers(self) -> dict[str, str]:
        headers = {
            "Lambda-Runtime-Aws-Request-Id": self.request_id,
            "Lambda-Runtime-Deadline-Ms": str(self.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": self.function_arn,
            "Lambda-Runtime-Trace-Id": self.trace_id,
            "Content-Type": "application/json",
        }
        if self.client_context:
            headers["Lambda-Runtime-Client-Context"] = self.client_context
        if self.cognito_identity:
            headers["Lambda-Runtime-Cognito-Identity"] = self.cognito_identity
        return headers


class RuntimeEvents(Protocol):
    """What the Runtime API reports to the sandbox that owns it."""

    def next_invocation(self) -> Invocation | None: ...  # blocks; None: shutting down

    def invocation_response(self, request_id: str, body: bytes) -> bool: ...

    def invocation_error(self, request_id: str, body: bytes, error_type: str) -> bool: ...

    def init_error(self, body: bytes, error_type: str) -> None: ...


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _RuntimeServer

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _status(self, status: int, text: str) -> None:
        self._reply(status, json.dumps({"status": text}).encode(), {"Content-Type": "application/json"})

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:
        if self.path != f"{PREFIX}/invocation/next":
            self._status(404, "not found")
            return
        invocation = self.server.events.next_invocation()
        if invocation is None:
            self._status(500, "runtime is shutting down")
            self.close_connection = True
            return
        self._reply(200, invocation.payload, invocation.headers())

    def do_POST(self) -> None:
        body = self._body()
        error_type = self.headers.get("Lambda-Runtime-Function-Error-Type") or ""
        if self.path == f"{PREFIX}/init/error":
            self.server.events.init_error(body, error_type)
            self._status(202, "OK")
            return
        match = _INVOCATION_POST.match(self.path)
        if not match:
            self._status(404, "not found")
            return
        events = self.server.events
        if match["kind"] == "response":
            known = events.invocation_response(match["id"], body)
        else:
            known = events.invocation_error(match["id"], body, error_type)
        if known:
            self._status(202, "OK")
        else:
            self._status(400, "InvalidRequestID")


class _RuntimeServer(ThreadingHTTPServer):
    daemon_threads = True
    events: RuntimeEvents

    def handle_error(self, request: object, client_address: object) -> None:
        """A function process killed mid-request (timeout, crash) is expected: stay quiet."""


class RuntimeAPI:
    """A Runtime API server on loopback for one function process."""

    def __init__(self, events: RuntimeEvents, host: str = "127.0.0.1") -> None:
        self._server = _RuntimeServer((host, 0), _Handler)
        self._server.events = events
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name="smoke-runtime-api", daemon=True,
        )  # fmt: skip
        self._thread.start()

    @property
    def address(self) -> str:
        """``host:port``, the value of ``AWS_LAMBDA_RUNTIME_API``."""
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
