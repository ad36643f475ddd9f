from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from smoke.errors import CheckNotExecuted
from smoke.model import Check, Exchange, Expect, Request
from smoke.transports.http import HttpTransport, build_url


def check_for(request: Request, timeout_s: float | None = None, event: str = "apigw-rest") -> Check:
    return Check(suite="s", name="n", function="api", event=event, request=request,
                 expect=Expect(), timeout_s=timeout_s)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sends_method_path_parameters_query_headers_and_body(http_server: str) -> None:
    request = Request(method="POST", path="/items/{id}/notes", path_parameters={"id": "a b/c"},
                      query={"q": ("1", "2"), "x": ("y",)}, headers={"X-Trace": "t-1"},
                      body=b'{"k": 1}')
    transport = HttpTransport(http_server)
    try:
        exchange = transport.send(check_for(request), None)
    finally:
        transport.close()
    assert exchange.transport == "http"
    assert exchange.response is not None and exchange.response.status == 200
    echoed = json.loads(exchange.response.body)
    assert echoed["method"] == "POST"
    assert echoed["path"] == "/items/a%20b%2Fc/notes"
    assert echoed["query"] == {"q": ["1", "2"], "x": ["y"]}
    assert echoed["headers"]["x-trace"] == "t-1"
    assert echoed["body"] == '{"k": 1}'
    assert exchange.target.startswith(http_server + "/items/a%20b%2Fc/notes?")
    assert exchange.response.headers["set-cookie"] == "session=s3cr3tcookie"
    assert exchange.latency_ms > 0
    assert exchange.request_summary["method"] == "POST"


def test_redirects_are_not_followed(http_server: str) -> None:
    transport = HttpTransport(http_server)
    try:
        exchange = transport.send(check_for(Request(path="/redirect")), None)
    finally:
        transport.close()
    assert exchange.response is not None
    assert exchange.response.status == 307
    assert exchange.response.headers["location"] == "/health"


def test_a_slow_answer_is_a_timeout_not_a_pass(http_server: str) -> None:
    transport = HttpTransport(http_server)
    try:
        with pytest.raises(CheckNotExecuted) as info:
            transport.send(check_for(Request(path="/slow", query={"ms": ("800",)}), timeout_s=0.2), None)
    finally:
        transport.close()
    assert "within 0.2s" in str(info.value)
    assert not info.value.fatal


def test_connection_refused_is_fatal_and_one_line() -> None:
    transport = HttpTransport(f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(CheckNotExecuted) as info:
            transport.send(check_for(Request(path="/health")), None)
    finally:
        transport.close()
    assert info.value.fatal and info.value.retryable
    assert "connection refused" in str(info.value)
    assert "\n" not in str(info.value)


def test_dns_failure_is_translated() -> None:
    def fail(request: httpx.Request) -> httpx.Response:  # DNS cannot run here: a mock
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    transport = HttpTransport("https://api.invalid", transport=httpx.MockTransport(fail))
    with pytest.raises(CheckNotExecuted) as info:
        transport.send(check_for(Request(path="/health")), None)
    assert "DNS lookup failed" in str(info.value)
    assert "api.invalid" in str(info.value)


def test_raw_checks_cannot_go_over_http() -> None:
    transport = HttpTransport("http://127.0.0.1:1")
    with pytest.raises(CheckNotExecuted, match="via: invoke"):
        transport.send(check_for(Request(), event="raw"), None)


def test_build_url_joins_base_and_path() -> None:
    check = check_for(Request(path="/u/{name}", path_parameters={"name": "ä"}))
    assert build_url("https://x.example/stage/", check) == "https://x.example/stage/u/%C3%A4"


def test_each_worker_thread_sends_on_its_own_client_and_close_closes_them_all(
    http_server: str,
) -> None:
    transport = HttpTransport(http_server)
    checks = [check_for(Request(path="/slow", query={"ms": ("50",)})) for _ in range(24)]
    with ThreadPoolExecutor(6) as pool:
        statuses = [e.response.status for e in pool.map(transport.send, checks)
                    if e.response is not None]
    clients = list(transport._clients.values())
    assert statuses == [200] * 24
    assert 1 < len(clients) <= 6  # one per worker thread that sent, never one per check
    transport.close()
    assert all(client.is_closed for client in clients)
    assert transport._clients == {}


def test_a_worker_mid_request_at_close_leaves_no_client_open(http_server: str) -> None:
    # A request blocked in a read when its client is closed may only end at its read
    # timeout (CPython polls the socket's closed descriptor); with the default 10 s, a
    # loaded machine crossed the join below. 2 s bounds it well inside.
    transport = HttpTransport(http_server, timeout_s=2.0)
    outcome: list[object] = []

    def worker() -> None:
        for _ in range(2):  # mid-request at close, then one more check after it
            try:
                outcome.append(transport.send(check_for(Request(path="/slow", query={"ms": ("600",)}))))
            except Exception as exc:
                outcome.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    deadline = time.monotonic() + 5
    while not transport._clients and time.monotonic() < deadline:
        time.sleep(0.01)
    clients = list(transport._clients.values())
    assert len(clients) == 1
    transport.close()
    thread.join(15)
    assert not thread.is_alive()
    assert clients[0].is_closed
    assert transport._clients == {}  # the check after close opened nothing
    assert isinstance(outcome[-1], CheckNotExecuted)
    assert "the run is over" in str(outcome[-1])
    # the request in flight either finished or ended as a check not executed: never a crash
    assert isinstance(outcome[0], (CheckNotExecuted, Exchange))


def _count_ca_loads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    loads: list[object] = []
    real = ssl.SSLContext.load_verify_locations

    def counting(self: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append(args or kwargs)
        real(self, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counting)
    return loads


def test_the_ca_bundle_is_loaded_once_for_https_whatever_the_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loads = _count_ca_loads(monkeypatch)
    transport = HttpTransport(f"https://127.0.0.1:{free_port()}")  # nothing listens: refused
    try:
        with ThreadPoolExecutor(4) as pool:
            errors = list(pool.map(_error_of, [transport] * 8))
        assert len(transport._clients) > 1
    finally:
        transport.close()
    assert all("connection refused" in e for e in errors)
    assert len(loads) == 1


def test_no_ca_bundle_is_loaded_for_http(monkeypatch: pytest.MonkeyPatch) -> None:
    loads = _count_ca_loads(monkeypatch)
    transport = HttpTransport(f"http://127.0.0.1:{free_port()}")
    try:
        with ThreadPoolExecutor(4) as pool:
            errors = list(pool.map(_error_of, [transport] * 8))
    finally:
        transport.close()
    assert all("connection refused" in e for e in errors)
    assert loads == []


def _error_of(transport: HttpTransport) -> str:
    time.sleep(0.02)  # let the pool's threads all start
    try:
        transport.send(check_for(Request(path="/health")), None)
    except CheckNotExecuted as exc:
        return str(exc)
    return "sent"


def test_a_finished_threads_client_is_closed_when_a_new_thread_starts(http_server: str) -> None:
    transport = HttpTransport(http_server)
    try:
        first = threading.Thread(target=transport.send, args=(check_for(Request(path="/health")),))
        first.start()
        first.join()
        (old,) = transport._clients.values()
        second = threading.Thread(target=transport.send, args=(check_for(Request(path="/health")),))
        second.start()
        second.join()
        assert old.is_closed  # an earlier round's idle connection is not kept open
        assert list(transport._clients) == [second]
    finally:
        transport.close()


def test_a_set_cookie_is_judged_but_never_sent_again(http_server: str) -> None:
    transport = HttpTransport(http_server)
    try:
        first = transport.send(check_for(Request(path="/echo")), None)
        second = transport.send(check_for(Request(path="/echo")), None)  # same thread, same client
        own = transport.send(check_for(Request(path="/echo", headers={"Cookie": "theme=dark"})))
    finally:
        transport.close()
    assert first.response is not None and second.response is not None and own.response is not None
    assert first.response.multi_headers["set-cookie"] == ("session=s3cr3tcookie",)
    assert "cookie" not in json.loads(second.response.body)["headers"]
    assert json.loads(own.response.body)["headers"]["cookie"] == "theme=dark"


def test_a_close_between_getting_the_client_and_sending_is_not_a_crash(http_server: str) -> None:
    transport = HttpTransport(http_server)
    get_client = transport._client

    def closed_right_after() -> httpx.Client:  # close() lands in the worker's window
        client = get_client()
        transport.close()
        return client

    transport._client = closed_right_after  # type: ignore[method-assign]
    with pytest.raises(CheckNotExecuted, match="the run is over"):
        transport.send(check_for(Request(path="/health")), None)
    assert transport._clients == {}


def test_a_check_timeout_bounds_the_whole_answer_not_each_read(http_server: str) -> None:
    """A server trickling its body (a byte every 0.2 s, 3 s in all) never makes one read
    wait 1 s, so httpx's per-read timeout never fires: ``timeout: 1`` passed after 3 s."""
    transport = HttpTransport(http_server)
    t0 = time.perf_counter()
    with pytest.raises(CheckNotExecuted, match=r"no complete answer from .*/trickle within 1s "
                       r"\(the body was still arriving\)"):
        transport.send(check_for(Request(path="/trickle"), timeout_s=1.0))
    assert time.perf_counter() - t0 < 2.5
    # a body that arrives in time is read whole, through the same path
    exchange = transport.send(check_for(Request(path="/trickle", query={"bytes": ("3",)}),
                                        timeout_s=5.0))
    assert exchange.response is not None and exchange.response.body == b"xxx"
    transport.close()


def test_a_body_that_stops_after_the_headers_is_said_so(http_server: str) -> None:
    """The headers came, so "no answer" was wrong (second trial): the body stopped."""
    transport = HttpTransport(http_server)
    with pytest.raises(CheckNotExecuted, match=r"no complete answer from .*/stall within 1s "
                       r"\(the headers came, then the body stopped arriving\)"):
        transport.send(check_for(Request(path="/stall"), timeout_s=1.0))
    transport.close()
