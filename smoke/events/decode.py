"""Decode what a function returned into the HTTP answer its gateway would give.

Payload 1.0 (REST API) and ALB need a proxy response object; anything else is
what API Gateway calls a "Malformed Lambda proxy response" and answers 502.
Payload 2.0 (HTTP API, Function URL) infers a response when there is no
``statusCode``: status 200, ``content-type: application/json``, and the
function's result as the body.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from smoke.model import Response

GATEWAY_ERROR = Response(
    status=502,
    headers={"content-type": "application/json"},
    body=b'{"message":"Internal server error"}',
    multi_headers={"content-type": ("application/json",)},
)
ALB_ERROR = Response(
    status=502,
    headers={"content-type": "text/html"},
    body=b"502 Bad Gateway",
    multi_headers={"content-type": ("text/html",)},
)


class Malformed(Exception):
    """Why a proxy response is malformed (internal to this module)."""


def describe(value: Any) -> str:
    """A short name for a JSON value's type, for notes."""
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names.update({list: "a list", dict: "an object", bytes: "bytes"})
    return names.get(type(value), type(value).__name__)


def _status(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Malformed(f"statusCode must be an integer, got {describe(value)}")
    if not 100 <= value <= 599:
        raise Malformed(f"statusCode {value} is not an HTTP status")
    return value


def _scalar(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise Malformed(f"header {name!r} has {describe(value)} value")


def _headers(proxy: Mapping[str, Any]) -> dict[str, list[str]]:
    """Merge ``multiValueHeaders`` and ``headers``; multi-value wins for a name in both."""
    merged: dict[str, list[str]] = {}
    multi = proxy.get("multiValueHeaders")
    if multi is not None:
        if not isinstance(multi, Mapping):
            raise Malformed(f"multiValueHeaders must be an object, got {describe(multi)}")
        for name, values in multi.items():
            if not isinstance(values, list):
                raise Malformed(f"multiValueHeaders[{name!r}] must be a list")
            merged.setdefault(str(name).lower(), []).extend(_scalar(name, v) for v in values)
    single = proxy.get("headers")
    if single is not None:
        if not isinstance(single, Mapping):
            raise Malformed(f"headers must be an object, got {describe(single)}")
        from_multi = set(merged)
        for name, value in single.items():
            key = str(name).lower()
            if key not in from_multi:
                merged.setdefault(key, []).append(_scalar(name, value))
    return merged


def _body(proxy: Mapping[str, Any]) -> bytes:
    body = proxy.get("body")
    encoded = proxy.get("isBase64Encoded", False)
    if encoded is not None and not isinstance(encoded, bool):
        raise Malformed(f"isBase64Encoded must be a boolean, got {describe(encoded)}")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise Malformed(f"body must be a string, got {describe(body)}")
    if not encoded:
        return body.encode("utf-8", errors="surrogatepass")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Malformed(f"body is marked isBase64Encoded but is not base64 ({exc})") from None


def _response(headers: dict[str, list[str]], status: int, body: bytes) -> Response:
    return Response(
        status=status,
        headers={name: ", ".join(values) for name, values in headers.items()},
        body=body,
        multi_headers={name: tuple(values) for name, values in headers.items()},
    )


def _proxy_response(proxy: Any, *, cookies: bool) -> Response:
    if not isinstance(proxy, Mapping):
        raise Malformed(f"expected an object with statusCode, got {describe(proxy)}")
    if "statusCode" not in proxy:
        raise Malformed("statusCode is missing")
    status = _status(proxy["statusCode"])
    headers = _headers(proxy)
    if cookies and proxy.get("cookies") is not None:
        jar = proxy["cookies"]
        if not isinstance(jar, list) or not all(isinstance(c, str) for c in jar):
            raise Malformed("cookies must be a list of strings")
        headers.setdefault("set-cookie", []).extend(jar)
    return _response(headers, status, _body(proxy))


def decode_v1(payload: Any, *, alb: bool = False) -> tuple[Response, tuple[str, ...]]:
    """REST API payload 1.0 and ALB: a proxy response object, or 502."""
    try:
        return _proxy_response(payload, cookies=False), ()
    except Malformed as why:
        return (ALB_ERROR if alb else GATEWAY_ERROR), (f"malformed Lambda proxy response: {why}",)


def decode_v2(payload: Any) -> tuple[Response, tuple[str, ...]]:
    """HTTP API / Function URL payload 2.0, with its inference rules."""
    if isinstance(payload, Mapping) and "statusCode" in payload:
        try:
            return _proxy_response(payload, cookies=True), ()
        except Malformed as why:
            return GATEWAY_ERROR, (f"malformed Lambda proxy response: {why}",)
    if isinstance(payload, bytes):
        body = payload
    elif isinstance(payload, str):
        body = payload.encode("utf-8", errors="surrogatepass")
    else:
        try:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8", errors="surrogatepass")
        except (TypeError, ValueError) as exc:
            return GATEWAY_ERROR, (f"malformed Lambda proxy response: not JSON ({exc})",)
    inferred = {"content-type": ["application/json"]}
    return _response(inferred, 200, body), ("no statusCode: payload 2.0 inferred a 200 response",)
