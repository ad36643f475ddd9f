"""Pieces shared by the event builders: the request's target, headers, body and clock.

The gateway is bypassed when smoke invokes a function directly, so the builders
fill in what the gateway would have added: a Host, X-Forwarded-* headers, a
User-Agent, a request id and the request time.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, quote

from smoke.model import Request

USER_AGENT = "smoke-lambda"
SOURCE_IP = "127.0.0.1"
ACCOUNT_ID = "123456789012"
API_ID = "smoke"
REGION = "us-east-1"  # the builders do not know the region; the Host header can override
PATH_SAFE = "/%:@!$&'()*+,;=-._~"  # characters left as they are in a raw path


@dataclass(frozen=True)
class Target:
    """Method, decoded path and ordered query of a request."""

    method: str
    path: str
    query: tuple[tuple[str, tuple[str, ...]], ...]  # name -> values, in order


@dataclass(frozen=True)
class EventSettings:
    """What an environment says about the gateway in front of its functions."""

    stage: str | None = None  # the API's stage (None: "$default")
    host: str | None = None  # the Host the gateway saw (a custom domain, base_url's host)
    alb_multi_value: bool = False  # the ALB target group has multi-value headers on

    def stage_of(self, request: Request) -> str:
        return request.stage or self.stage or "$default"


@dataclass(frozen=True)
class Clock:
    request_id: str
    epoch_ms: int

    @property
    def request_time(self) -> str:
        """API Gateway's ``requestTime`` format: ``04/Mar/2020:19:15:17 +0000``."""
        moment = datetime.fromtimestamp(self.epoch_ms / 1000, tz=timezone.utc)
        return moment.strftime("%d/%b/%Y:%H:%M:%S +0000")


def make_clock(request_id: str | None, now: float | None) -> Clock:
    seconds = time.time() if now is None else now
    return Clock(request_id or str(uuid.uuid4()), int(seconds * 1000))


def target_of(request: Request) -> Target:
    """Split ``path?query`` (a path may carry its query) and merge it with ``request.query``."""
    path, _, inline = request.path.partition("?")
    merged: dict[str, list[str]] = {}
    for name, value in parse_qsl(inline, keep_blank_values=True):
        merged.setdefault(name, []).append(value)
    for name, values in request.query.items():
        merged.setdefault(name, []).extend(values)
    query = tuple((name, tuple(values)) for name, values in merged.items())
    return Target(request.method.upper(), path or "/", query)


def encode_path(path: str) -> str:
    """The path as it travels on the wire: non-ASCII and spaces percent-encoded."""
    return quote(path, safe=PATH_SAFE)


def encode_query(query: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    """``a=1&a=2&b=x%20y``: the raw query string a client would send."""
    return "&".join(
        f"{quote(name, safe='')}={quote(value, safe='')}" for name, values in query for value in values
    )


def find_header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def gateway_header_lists(
    request: Request, host: str, clock: Clock, *, port: str = "443", proto: str = "https"
) -> dict[str, list[str]]:
    """Every header line the function's gateway received, name -> values in order: the
    request's (a header given as a list is repeated), plus what the client or the
    gateway adds when the check did not say (Host, User-Agent, X-Forwarded-*, the trace
    id; a ``Content-Length`` for a body, as every client sends one)."""
    defaults = {
        "Host": host,
        "User-Agent": USER_AGENT,
        "X-Amzn-Trace-Id": trace_header(clock),
        "X-Forwarded-For": SOURCE_IP,
        "X-Forwarded-Port": port,
        "X-Forwarded-Proto": proto,
    }
    if request.body is not None:
        defaults["Content-Length"] = str(len(request.body))
    given = {name.lower() for name in request.headers}
    lines: dict[str, list[str]] = {}
    for name, value in request.headers.items():
        lines[name] = list(request.header_lists.get(name) or (str(value),))
    for name, value in defaults.items():
        if name.lower() not in given:
            lines[name] = [value]
    return lines


def lower_joined(lines: Mapping[str, list[str]]) -> dict[str, str]:
    """Header names lower-cased and repeated values comma-joined, as HTTP APIs, Function
    URLs and ALB (single-value mode joins nothing: see ``alb``) pass them."""
    headers: dict[str, str] = {}
    for name, values in lines.items():
        key = name.lower()
        joined = ",".join(values)
        headers[key] = f"{headers[key]},{joined}" if key in headers else joined
    return headers


def trace_header(clock: Clock) -> str:
    """An ``X-Amzn-Trace-Id`` as the gateway adds it: ``Root=1-<epoch hex>-<24 hex>``."""
    import hashlib

    digest = hashlib.sha256(clock.request_id.encode()).hexdigest()[:24]
    return f"Root=1-{clock.epoch_ms // 1000:08x}-{digest}"


def host_of(request: Request, default: str, settings: EventSettings | None = None) -> str:
    """The check's Host header, else the environment's domain, else ``default``."""
    return find_header(request.headers, "Host") or (settings and settings.host) or default


def user_agent_of(request: Request) -> str:
    return find_header(request.headers, "User-Agent") or USER_AGENT


def encode_body(request: Request) -> tuple[str | None, bool]:
    """(body, isBase64Encoded): text as a string, binary (or non-UTF-8) as base64."""
    if request.body is None:
        return None, False
    if not request.body_is_binary:
        try:
            return request.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(request.body).decode("ascii"), True


def authorizer_v1(request: Request) -> dict[str, Any] | None:
    """REST API (payload 1.0) ``requestContext.authorizer``."""
    auth = request.authorizer
    if auth is None:
        return None
    context: dict[str, Any] = dict(auth.context or {})
    if auth.claims is not None:
        context["claims"] = dict(auth.claims)
    if auth.principal_id is not None:
        context["principalId"] = auth.principal_id
    return context


def authorizer_v2(request: Request) -> dict[str, Any] | None:
    """HTTP API (payload 2.0) ``requestContext.authorizer``: ``jwt`` and/or ``lambda``."""
    auth = request.authorizer
    if auth is None:
        return None
    context: dict[str, Any] = {}
    if auth.claims is not None:
        scope = auth.claims.get("scope")
        scopes = scope.split() if isinstance(scope, str) else None
        context["jwt"] = {"claims": dict(auth.claims), "scopes": scopes}
    if auth.context is not None or auth.principal_id is not None:
        # payload 2.0 carries only the authorizer's context: no principalId, unlike 1.0
        context["lambda"] = dict(auth.context or {})
    return context
