from __future__ import annotations

import json
import socket

import httpx
import pytest

from smoke.errors import CheckNotExecuted
from smoke.model import Check, Expect, Request
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
