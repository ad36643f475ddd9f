"""Benchmark: direct invocations through InvokeTransport, and the log scan's API calls.

1. 200 raw checks through ``InvokeTransport`` (via ``smoke.engine.run_checks``, or a
   thread pool when the engine is missing) at concurrency 16, against a loopback
   Lambda Invoke API that takes 50 ms per call; compared with the ideal
   ceil(200 / 16) x 50 ms and with a sequential plain boto3 loop.
2. The log scan over a moto log group holding several hundred events: API calls
   are one per log group per page, never one per check.

Run: ``.venv/bin/python benchmarks/bench_invoke.py [--calls 200] [--concurrency 16]``
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import socket
import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from smoke.model import Check, Environment, Expect, FunctionRef, Request

DELAY_S = 0.05
os.environ.update(
    AWS_ACCESS_KEY_ID="bench",
    AWS_SECRET_ACCESS_KEY="bench",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_CONFIG_FILE=os.devnull,
    AWS_SHARED_CREDENTIALS_FILE=os.devnull,
)


class SlowInvoke(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle + delayed ACK
        # add ~40 ms to every answer
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(DELAY_S)
        body = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Amz-Executed-Version", "$LATEST")
        self.end_headers()
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default listen backlog (5) drops bursts of connects


def start_server() -> tuple[ThreadingHTTPServer, str]:
    server = Server(("127.0.0.1", 0), SlowInvoke)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def checks(n: int) -> list[Check]:
    return [
        Check("bench", f"c{i}", "api", "raw", Request(), Expect(), payload={"i": i})
        for i in range(n)
    ]


def run_transport(env: Environment, n: int, concurrency: int) -> float:
    from smoke.transports.invoke import InvokeTransport

    transport = InvokeTransport(env)
    ref = FunctionRef(logical="api", name="bench-fn", timeout_s=10)
    todo = checks(n)
    started = time.perf_counter()
    try:
        from smoke.engine import run_checks
    except ImportError:
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda c: transport.send(c, ref), todo))
    else:
        results = run_checks(todo, transport, {"api": ref}, [], concurrency=concurrency)
        bad = [r for r in results if r.outcome.value != "passed"]
        if bad:
            raise SystemExit(
                f"{len(bad)} checks did not pass, e.g. {bad[0].error or bad[0].failures}"
            )
    elapsed = time.perf_counter() - started
    transport.close()
    return elapsed


def run_plain_boto3(url: str, n: int) -> float:
    import boto3

    client = boto3.client("lambda", endpoint_url=url, region_name="us-east-1")
    started = time.perf_counter()
    for i in range(n):
        answer = client.invoke(FunctionName="bench-fn", Payload=json.dumps({"i": i}).encode())
        answer["Payload"].read()
    return time.perf_counter() - started


def median_of(repeats: int, run: Callable[[], float]) -> float:
    return statistics.median(run() for _ in range(repeats))


def bench_invoke(calls: int, concurrency: int, repeats: int) -> None:
    server, url = start_server()
    env = Environment(name="bench", region="us-east-1", endpoint_url=url)
    run_transport(env, concurrency, concurrency)  # warm-up: clients, connections
    smoke_s = median_of(repeats, lambda: run_transport(env, calls, concurrency))
    ideal_s = math.ceil(calls / concurrency) * DELAY_S
    plain_s = median_of(1, lambda: run_plain_boto3(url, calls))
    server.shutdown()
    print(f"invoke: {calls} calls, {DELAY_S * 1000:.0f} ms each, concurrency {concurrency}")
    print(f"  smoke (median of {repeats}): {smoke_s:.3f} s")
    print(f"  ideal ceil({calls}/{concurrency}) x {DELAY_S:.2f}: {ideal_s:.3f} s")
    print(f"  sequential plain boto3:     {plain_s:.3f} s")
    print(f"  smoke / ideal = {smoke_s / ideal_s:.2f}   plain / smoke = {plain_s / smoke_s:.1f}x")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_scan(events: int, checks_count: int, page_size: int) -> None:
    import boto3
    from moto.server import ThreadedMotoServer

    from smoke.logscan.cloudwatch import CloudWatchSource
    from smoke.logscan.rules import DEFAULT_RULES
    from smoke.logscan.scan import scan_logs

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    logs = boto3.client("logs", endpoint_url=url, region_name="us-east-1")
    now = int(time.time() * 1000)
    stream = time.strftime("%Y/%m/%d", time.gmtime()) + "/[$LATEST]bench"
    rids = {f"00000000-0000-4000-8000-{i:012d}": f"bench::c{i}" for i in range(checks_count)}
    lines: list[str] = []
    for rid in rids:
        lines += [
            f"START RequestId: {rid} Version: $LATEST",
            f"END RequestId: {rid}",
            f"REPORT RequestId: {rid}\tDuration: 1.00 ms\tBilled Duration: 1 ms",
        ]
    lines += [f"app line {i}" for i in range(max(0, events - len(lines)))]
    refs = []
    for group in ("/aws/lambda/bench-a", "/aws/lambda/bench-b"):
        logs.create_log_group(logGroupName=group)
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        batch = [{"timestamp": now - 4000 + i // 50, "message": m} for i, m in enumerate(lines)]
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
        refs.append(FunctionRef(logical=group[-1], name=group.split("/")[-1], log_group=group))
    env = Environment(name="bench", region="us-east-1", endpoint_url=url)
    source = CloudWatchSource(env, page_size=page_size, max_rps=1000)
    started = time.perf_counter()
    result = scan_logs(
        refs,
        source,
        start_ms=now - 5000,
        end_ms=now,
        rules=DEFAULT_RULES,
        request_ids=rids,
        wait_s=5,
        poll_interval_s=0.2,
    )
    elapsed = time.perf_counter() - started
    server.stop()
    pages = math.ceil(len(lines) / page_size)
    print(f"log scan: 2 groups x {len(lines)} events, {checks_count} checks, page size {page_size}")
    print(
        f"  API calls: {result.api_calls} (2 groups x {pages} pages = {2 * pages}); "
        f"{result.api_calls / checks_count:.2f} calls per check; {elapsed:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--events", type=int, default=600)
    parser.add_argument("--checks", type=int, default=150)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    bench_invoke(args.calls, args.concurrency, args.repeats)
    bench_scan(args.events, args.checks, args.page_size)


if __name__ == "__main__":
    main()
