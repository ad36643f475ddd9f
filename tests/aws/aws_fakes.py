"""A loopback Lambda Invoke API with programmable replies (for tests/aws)."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Reply:
    """One programmed answer of the loopback Invoke API."""

    payload: Any = None  # JSON value (or str/bytes sent as is)
    status: int = 200
    function_error: str | None = None
    log_tail: str | None = None  # sent base64-encoded in X-Amz-Log-Result
    executed_version: str = "$LATEST"
    error_type: str | None = None  # x-amzn-ErrorType for error statuses
    delay_s: float = 0.0
    request_id: str = "11111111-2222-3333-4444-555555555555"

    def body(self) -> bytes:
        if isinstance(self.payload, bytes):
            return self.payload
        if isinstance(self.payload, str):
            return self.payload.encode()
        return json.dumps(self.payload).encode()


def throttled(message: str = "Rate Exceeded.") -> Reply:
    return Reply(
        payload={"Type": "User", "message": message, "Reason": "CallerRateLimitExceeded"},
        status=429,
        error_type="TooManyRequestsException",
    )


def service_error() -> Reply:
    return Reply(
        payload={"Type": "Service", "message": "Internal error"},
        status=500,
        error_type="ServiceException",
    )


@dataclass
class Seen:
    function: str
    query: str
    body: bytes
    headers: dict[str, str]


@dataclass
class InvokeApi:
    url: str
    replies: dict[str, list[Reply]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    default: Reply = field(default_factory=lambda: Reply(payload={"ok": True}))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def program(self, function: str, *replies: Reply) -> None:
        with self.lock:
            self.replies.setdefault(function, []).extend(replies)

    def next_reply(self, function: str) -> Reply:
        with self.lock:
            queue = self.replies.get(function)
            return queue.pop(0) if queue else self.default

    def calls(self, function: str) -> int:
        with self.lock:
            return sum(1 for s in self.seen if s.function == function)


def _handler(api: InvokeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # headers and body go out in two writes: without this, Nagle + delayed ACK
            # add ~40 ms to every answer
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            path, _, query = self.path.partition("?")
            parts = path.split("/")
            if len(parts) != 5 or parts[4] != "invocations":
                self.send_error(404)
                return
            function = urllib.request.unquote(parts[3])
            with api.lock:
                api.seen.append(Seen(function, query, body, dict(self.headers)))
            reply = api.next_reply(function)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            data = reply.body()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-amzn-RequestId", reply.request_id)
                if reply.status < 300:
                    self.send_header("X-Amz-Executed-Version", reply.executed_version)
                if reply.function_error:
                    self.send_header("X-Amz-Function-Error", reply.function_error)
                if reply.log_tail is not None:
                    tail = base64.b64encode(reply.log_tail.encode()).decode()
                    self.send_header("X-Amz-Log-Result", tail)
                if reply.error_type:
                    self.send_header("x-amzn-ErrorType", reply.error_type)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


def start_invoke_api() -> tuple[InvokeApi, ThreadingHTTPServer]:
    api = InvokeApi(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    server.block_on_close = False
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return api, server
