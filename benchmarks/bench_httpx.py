"""httpx's own per-request cost, as smoke uses it, against tuned ways of using httpx.

N GETs from C threads (as the engine sends them) against the loopback server
(``_server.py``, no delay), measured as wall time and the process's CPU time per
request, for:

- ``default``: one ``httpx.Client`` with httpx's default pool (100 connections; the
  pool smoke used before was a fixed 32);
- ``tuned``: one client, HTTP/1.1, the pool sized to the concurrency (what smoke uses);
- ``per-thread``: one client per worker thread, each with a pool of one connection
  (no pool lock shared between threads);
- ``stdlib``: ``http.client`` per thread, the floor for a blocking client in Python.

    .venv/bin/python benchmarks/bench_httpx.py [--requests 4000] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import http.client
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
from _server import loopback_server


def measure(send: Callable[[int], int], n: int, concurrency: int) -> tuple[float, float]:
    """(wall s, CPU s) for ``n`` calls of ``send`` on ``concurrency`` threads."""
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(send, range(concurrency)))  # warm: connections open
        wall0, cpu0 = time.perf_counter(), time.process_time()
        statuses = list(pool.map(send, range(n)))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    assert all(s == 200 for s in statuses), set(statuses)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    n, c = args.requests, args.concurrency
    rows: list[tuple[str, float, float]] = []
    with loopback_server(0) as url:
        default = httpx.Client(trust_env=False)
        rows.append(("default (one client, pool 100)",
                     *measure(lambda i: default.get(f"{url}/item/{i}").status_code, n, c)))
        default.close()
        tuned = httpx.Client(trust_env=False, limits=httpx.Limits(
            max_connections=c, max_keepalive_connections=c))
        rows.append((f"tuned (one client, pool {c})",
                     *measure(lambda i: tuned.get(f"{url}/item/{i}").status_code, n, c)))
        tuned.close()
        local = threading.local()

        def per_thread(i: int) -> int:
            client = getattr(local, "client", None)
            if client is None:
                client = local.client = httpx.Client(trust_env=False, limits=httpx.Limits(
                    max_connections=1, max_keepalive_connections=1))
            return int(client.get(f"{url}/item/{i}").status_code)

        rows.append(("per-thread clients (pool 1 each)", *measure(per_thread, n, c)))
        parts = urlsplit(url)

        def stdlib(i: int) -> int:
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = http.client.HTTPConnection(parts.hostname, parts.port)
            conn.request("GET", f"/item/{i}")
            answer = conn.getresponse()
            answer.read()
            return answer.status

        rows.append(("stdlib http.client per thread", *measure(stdlib, n, c)))
    print(f"{n} GETs from {c} threads, loopback server without delay")
    for label, wall, cpu in rows:
        print(f"  {label:<34} wall {wall:6.2f} s   CPU {cpu * 1e6 / n:6.0f} us/request")


if __name__ == "__main__":
    main()
