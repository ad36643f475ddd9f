from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from smoke.model import Check, Exchange, Expect, Request, Response, StatusExpectation


def status_set(*items: int | str) -> StatusExpectation:
    """``status_set(401, 307)`` or ``status_set("2xx")``, as a suite writes them."""
    codes = frozenset(i for i in items if isinstance(i, int))
    classes = frozenset(int(i[0]) for i in items if isinstance(i, str))
    return StatusExpectation(codes=codes, classes=classes)


def make_check(event: str = "apigw-rest", **expect: Any) -> Check:
    return Check("verdicts", "a check", "api", event, Request(path="/x"), Expect(**expect))


def make_exchange(
    status: int | None = 200,
    body: bytes | str = b"",
    headers: dict[str, str] | None = None,
    latency_ms: float = 12.0,
    **fields: Any,
) -> Exchange:
    response = None
    if status is not None:
        raw = body.encode() if isinstance(body, str) else body
        lower = {k.lower(): v for k, v in (headers or {}).items()}
        response = Response(status, lower, raw, {k: (v,) for k, v in lower.items()})
    return Exchange(
        check_id="verdicts::a check",
        transport="invoke",
        target="fn",
        request_summary={"method": "GET", "path": "/x"},
        started_at=0.0,
        latency_ms=latency_ms,
        response=response,
        **fields,
    )


@pytest.fixture
def check() -> Callable[..., Check]:
    return make_check


@pytest.fixture
def exchange() -> Callable[..., Exchange]:
    return make_exchange


@pytest.fixture
def statuses() -> Callable[..., StatusExpectation]:
    return status_set
