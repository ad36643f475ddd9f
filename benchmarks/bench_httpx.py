"""httpx's own per-request cost, as smoke uses it, against tuned ways of using httpx.

N GETs from C threads (as the engine sends them) against the loopback server
(``_server.py``, its own process, no delay). Each variant is run ``--rounds`` times,
the variants alternating within each round (their order rotates), and every line gives
the median over the rounds of the process's CPU time per request (all threads,
``time.process_time``: the measure to read on a shared machine), the median wall time,
the ratio of that CPU to the reference (``shared``) measured in the same rounds, how
many requests failed (a transport error on a healthy server is a false verdict in
smoke, so it is counted, never hidden), and how many times httpcore closed a connection
while a request was using it (``HTTP11Connection.close`` on an ``ACTIVE`` connection,
counted by wrapping that method: the race behind ``[Errno 9] Bad file descriptor``).
The variants:

- ``smoke``: ``HttpTransport.send`` itself, a check per request (what a run pays);
- ``shared+jar``: one ``httpx.Client``, HTTP/1.1 pool sized to the concurrency, with
  httpx's default cookie jar (smoke before issue 14);
- ``shared``: the same without a cookie jar (a ``CookieJar`` that never stores): the
  reference;
- ``thread+jar`` / ``thread``: one client per worker thread (``threading.local``),
  a pool of one connection each, with and without the cookie jar;
- ``defaults``: one client with httpx's default limits (100 connections, 20 kept
  alive) and cookie jar: past 20 connections httpcore closes "surplus" idle
  connections from whichever thread manages the pool, racing the thread that was just
  given one (see benchmarks/README.md);
- ``over-stdlib`` (a *proposal*, not in smoke): httpx's client layer over a transport
  that sends with ``http.client`` (one connection per thread);
- ``stdlib``: ``http.client`` per thread, no httpx: the floor for a blocking client.

    .venv/bin/python benchmarks/bench_httpx.py [--requests 4000] [--concurrency 64]
        [--rounds 3] [--variants shared,thread,...]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import _common  # noqa: F401  (puts the repository on sys.path)
import httpx
from _server import loopback_server
from httpcore._sync.http11 import HTTP11Connection, HTTPConnectionState

from smoke.transports.http import _NoCookieJar as NoCookies  # the jar smoke uses

CLOSED_IN_USE = [0]
_close = HTTP11Connection.close


def _counting_close(self: HTTP11Connection) -> None:
    if self._state == HTTPConnectionState.ACTIVE:  # another thread is sending or reading on it
        CLOSED_IN_USE[0] += 1
    _close(self)


HTTP11Connection.close = _counting_close  # type: ignore[method-assign]

Send = Callable[[int], int]


class StdlibTransport(httpx.BaseTransport):
    """httpx over ``http.client``: one keep-alive connection per thread (the proposal)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._conns: list[http.client.HTTPConnection] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            url = request.url
            conn = self._local.conn = http.client.HTTPConnection(url.host, url.port)
            with self._lock:
                self._conns.append(conn)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in request.headers.raw}
        headers.pop("Host", None)
        headers.pop("host", None)
        conn.request(request.method, request.url.raw_path.decode("ascii"),
                     body=request.read() or None, headers=headers)
        answer = conn.getresponse()
        return httpx.Response(answer.status, headers=answer.getheaders(), content=answer.read())

    def close(self) -> None:
        with self._lock:
            for conn in self._conns:
                conn.close()


def client(limit: int, jar: bool, **kwargs: Any) -> httpx.Client:
    extra: dict[str, Any] = {} if jar else {"cookies": NoCookies()}
    return httpx.Client(trust_env=False, follow_redirects=False, limits=httpx.Limits(
        max_connections=limit, max_keepalive_connections=limit), **extra, **kwargs)


@contextmanager
def one_client(url: str, one: httpx.Client) -> Iterator[Send]:
    """Every thread sends through ``one`` client (``shared``, ``defaults``, ``over-stdlib``)."""
    try:
        yield lambda i: one.get(f"{url}/item/{i}").status_code
    finally:
        one.close()


@contextmanager
def per_thread(url: str, c: int, jar: bool) -> Iterator[Send]:
    local = threading.local()
    made: list[httpx.Client] = []
    lock = threading.Lock()

    def send(i: int) -> int:
        mine = getattr(local, "client", None)
        if mine is None:
            mine = local.client = client(1, jar)
            with lock:
                made.append(mine)
        return int(mine.get(f"{url}/item/{i}").status_code)

    try:
        yield send
    finally:
        for each in made:
            each.close()


@contextmanager
def stdlib(url: str, c: int) -> Iterator[Send]:
    parts = urlsplit(url)
    local = threading.local()
    made: list[http.client.HTTPConnection] = []

    def send(i: int) -> int:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection(parts.hostname, parts.port)
            made.append(conn)
        conn.request("GET", f"/item/{i}")
        answer = conn.getresponse()
        answer.read()
        return answer.status

    try:
        yield send
    finally:
        for conn in made:
            conn.close()


@contextmanager
def smoke(url: str, c: int) -> Iterator[Send]:
    from smoke.model import Check, Expect, Request
    from smoke.transports.http import HttpTransport

    transport = HttpTransport(url)
    checks = [Check(suite="bench", name=f"item {i}", function="api", event="apigw-rest",
                    request=Request(path=f"/item/{i}", headers={"Accept": "application/json"},
                                    query={"q": ("1",)}), expect=Expect())
              for i in range(64)]

    def send(i: int) -> int:
        exchange = transport.send(checks[i % 64], None)
        assert exchange.response is not None
        return exchange.response.status

    try:
        yield send
    finally:
        transport.close()


VARIANTS: dict[str, Callable[[str, int], Any]] = {
    "smoke": smoke,
    "shared+jar": lambda url, c: one_client(url, client(c, jar=True)),
    "shared": lambda url, c: one_client(url, client(c, jar=False)),
    "thread+jar": lambda url, c: per_thread(url, c, jar=True),
    "thread": lambda url, c: per_thread(url, c, jar=False),
    "defaults": lambda url, c: one_client(url, httpx.Client(trust_env=False)),
    "over-stdlib": lambda url, c: one_client(url, httpx.Client(
        trust_env=False, cookies=NoCookies(), transport=StdlibTransport())),
    "stdlib": stdlib,
}
REFERENCE = "shared"


def measure(send: Send, n: int, concurrency: int) -> tuple[float, float, int, int]:
    """(wall s, CPU s, failed requests, connections closed in use) for ``n`` calls of
    ``send`` on ``concurrency`` threads."""

    def safe(i: int) -> int:
        try:
            return send(i)
        except Exception:
            return -1

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(safe, range(concurrency)))  # warm: connections open
        CLOSED_IN_USE[0] = 0
        wall0, cpu0 = time.perf_counter(), time.process_time()
        statuses = list(pool.map(safe, range(n)))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        closed_in_use = CLOSED_IN_USE[0]
    return wall, cpu, sum(s != 200 for s in statuses), closed_in_use


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated, of: {', '.join(VARIANTS)}")
    args = parser.parse_args()
    n, c = args.requests, args.concurrency
    names = [v for v in args.variants.split(",") if v]
    unknown = set(names) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variant(s): {', '.join(sorted(unknown))}")
    results: dict[str, list[tuple[float, float, int, int]]] = {name: [] for name in names}
    with loopback_server(0) as url:
        for r in range(args.rounds):
            order = names[r % len(names):] + names[:r % len(names)]  # rotate: no variant always first
            for name in order:
                with VARIANTS[name](url, c) as send:
                    results[name].append(measure(send, n, c))
    print(f"{n} GETs from {c} threads, loopback server without delay, "
          f"median of {args.rounds} alternating rounds")
    ref = statistics.median(r[1] for r in results[REFERENCE]) if REFERENCE in results else None
    for name in names:
        wall = statistics.median(r[0] for r in results[name])
        cpu = statistics.median(r[1] for r in results[name])
        failed = sum(r[2] for r in results[name])
        in_use = sum(r[3] for r in results[name])
        ratio = f"{cpu / ref:5.2f}x {REFERENCE}" if ref else ""
        print(f"  {name:<12} CPU {cpu * 1e6 / n:6.0f} us/request  wall {wall:6.2f} s  {ratio}"
              f"  failed {failed}/{n * args.rounds}  closed in use {in_use}")


if __name__ == "__main__":
    main()
