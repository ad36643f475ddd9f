"""A loopback stand-in for the few AWS calls a run makes, with the faults moto cannot make.

Lambda ``GetFunctionConfiguration`` (optionally slow) and ``Invoke`` (with or without a
request id), CloudWatch Logs ``FilterLogEvents`` (no lines, or endless ``nextToken``s),
AWS-style errors for Invoke (AccessDenied, ServiceException), and ``GET /health`` for
``via: http``. Each call is counted, so a test can send its signal at the right moment.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
           "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}


@dataclass
class StandIn:
    url: str = ""
    discovery_delay_s: float = 0.0
    logs: str = "empty"  # "empty" | "endless" (a new nextToken every page)
    invoke: str = "ok"  # "ok" | "no-request-id" | "AccessDeniedException" | "ServiceException"
    calls: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, what: str) -> None:
        with self.lock:
            self.calls[what] = self.calls.get(what, 0) + 1

    def seen(self, what: str) -> int:
        with self.lock:
            return self.calls.get(what, 0)

    def wait_for(self, what: str, n: int = 1, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self.seen(what) < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} was called {self.seen(what)} time(s), not {n}")
            time.sleep(0.02)


def _handler(stand: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def reply(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def do_GET(self) -> None:
            if self.path == "/health":
                stand.count("health")
                self.reply(200, {"status": "ok"})
                return
            parts = self.path.split("?")[0].split("/")
            if len(parts) == 5 and parts[4] == "configuration":
                stand.count("discovery")
                time.sleep(stand.discovery_delay_s)
                name = parts[3]
                self.reply(200, {
                    "FunctionName": name, "Runtime": "python3.12", "Timeout": 3,
                    "FunctionArn": f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
                    "LastModified": "2026-11-30T00:00:00.000+0000", "MemorySize": 128,
                })
                return
            self.reply(404, {"message": "not found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            target = self.headers.get("X-Amz-Target", "")
            if target.endswith("FilterLogEvents"):
                n = stand.seen("logs")
                stand.count("logs")
                page: dict[str, Any] = {"events": [], "searchedLogStreams": []}
                if stand.logs == "endless":
                    page["nextToken"] = f"token-{n}"
                self.reply(200, page)
                return
            if self.path.split("?")[0].endswith("/invocations"):
                stand.count("invoke")
                json.loads(body or b"{}")
                if stand.invoke in ("AccessDeniedException", "ServiceException"):
                    status = 403 if stand.invoke == "AccessDeniedException" else 500
                    self.reply(status, {"Type": "User", "message": f"{stand.invoke} from the stand-in"},
                               {"x-amzn-ErrorType": stand.invoke,
                                "x-amzn-RequestId": str(uuid.uuid4())})
                    return
                headers = {"X-Amz-Executed-Version": "$LATEST"}
                if stand.invoke != "no-request-id":
                    headers["x-amzn-RequestId"] = str(uuid.uuid4())
                self.reply(200, {"statusCode": 200, "body": "{}"}, headers)
                return
            self.reply(404, {"message": "not found"})

    return Handler


@contextmanager
def standin(**settings: Any) -> Iterator[StandIn]:
    stand = StandIn(**settings)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stand))
    server.daemon_threads = True
    stand.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    try:
        yield stand
    finally:
        server.shutdown()
        server.server_close()
