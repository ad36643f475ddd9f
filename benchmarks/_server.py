"""A cheap loopback HTTP/1.1 server for whole-process benchmarks (asyncio, keep-alive).

Every request is answered after ``delay_s`` with a small JSON body. It also speaks
just enough of the Lambda API for ``smoke run`` via invoke: GetFunctionConfiguration
(``GET /2015-03-31/functions/NAME/configuration``) and Invoke (``POST .../invocations``,
every invocation with the same request id), and of CloudWatch Logs for the log scan:
FilterLogEvents answers that invocation's START, END and REPORT lines, stamped a second
ago (so they are in any run's window; a moto server would need its events put again
before every run, or they fall out of the window of the later runs).

It runs in its own process (``python benchmarks/_server.py DELAY_MS``, which prints the
port), so its CPU never shares a GIL with what is measured, and asyncio keeps its own
cost per request at tens of microseconds: the server is not what a benchmark measures.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

_OK = json.dumps({"status": "ok"}).encode()
_CONFIG = json.dumps({
    "FunctionName": "bench-fn",
    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:bench-fn",
    "Runtime": "python3.12", "Timeout": 10, "MemorySize": 128,
    "LastModified": "2026-01-01T00:00:00.000+0000", "Version": "$LATEST",
}).encode()
REQUEST_ID = "7e1d3a52-0000-4000-8000-00000000be9c"
_PROXY = json.dumps({
    "statusCode": 200, "headers": {"Content-Type": "application/json"},
    "body": json.dumps({"status": "ok"}),
}).encode()


def _log_events() -> bytes:
    now = int(time.time() * 1000) - 1000
    stream = time.strftime("%Y/%m/%d/[$LATEST]0123456789abcdef0123456789abcdef", time.gmtime())
    lines = [f"START RequestId: {REQUEST_ID} Version: $LATEST", f"END RequestId: {REQUEST_ID}",
             f"REPORT RequestId: {REQUEST_ID}\tDuration: 1.00 ms\tBilled Duration: 1 ms\t"
             "Memory Size: 128 MB\tMax Memory Used: 40 MB"]
    events = [{"logStreamName": stream, "timestamp": now + i, "message": line + "\n",
               "ingestionTime": now + 500, "eventId": str(now + i)} for i, line in enumerate(lines)]
    return json.dumps({"events": events, "searchedLogStreams": []}).encode()


def _answer(method: str, path: str, target: str = "") -> tuple[bytes, bytes]:
    """(extra header lines, body) for one request."""
    if method == "GET" and path.endswith("/configuration"):
        return b"", _CONFIG
    if method == "POST" and path.endswith("/invocations"):
        return (b"X-Amz-Executed-Version: $LATEST\r\nX-Amzn-RequestId: "
                + REQUEST_ID.encode() + b"\r\n"), _PROXY
    if target.endswith(".FilterLogEvents"):
        return b"", _log_events()
    return b"", _OK


class _Protocol(asyncio.Protocol):
    delay_s = 0.05

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]
        self.buffer = b""
        self.queue: list[tuple[str, str]] = []

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end].decode("latin-1")
            length, target = 0, ""
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
                elif name.strip().lower() == "x-amz-target":
                    target = value.strip()
            total = head_end + 4 + length
            if len(self.buffer) < total:
                return
            self.buffer = self.buffer[total:]
            method, path, _ = head.split(" ", 2)
            loop = asyncio.get_running_loop()
            loop.call_later(self.delay_s, self._respond, method, path, target)

    def _respond(self, method: str, path: str, target: str) -> None:
        if self.transport.is_closing():
            return
        extra, body = _answer(method, path, target)
        self.transport.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + extra
            + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )


async def _serve(delay_s: float) -> None:
    _Protocol.delay_s = delay_s
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Protocol, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes stdin


@contextmanager
def loopback_server(delay_ms: float) -> Iterator[str]:
    """The server in a child process; yields its base URL."""
    child = subprocess.Popen(
        [sys.executable, __file__, str(delay_ms)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    asyncio.run(_serve(float(sys.argv[1]) / 1000.0))
