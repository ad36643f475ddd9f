"""Verdicts: a pure function from a check and its exchange to the failed expectations.

``evaluate`` never raises; every failed expectation of a check is collected, so
a report shows at once that a check answered 500 *and* took 4 s *and* lacked
a header. Rules:

- a function error (``X-Amz-Function-Error``) always fails;
- status: the ``StatusExpectation`` set, or by default any status below 500;
- headers: present (name case-insensitive) with the exact value;
- json_schema: the body parsed as JSON (raw checks: the returned payload);
- body_contains: each string occurs in the body (raw checks: the payload as JSON);
- max_ms: the latency of the exchange;
- max_init_ms: the Init Duration of a cold start (a warm invocation has none).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from smoke.model import Check, Exchange, Failure, Response

EXCERPT_CHARS = 500
MAX_SCHEMA_ERRORS = 5
_NO_VALUE = object()


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


_TEXT_TYPES = ("text/", "json", "xml", "javascript", "x-www-form-urlencoded", "yaml", "csv")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def is_binary(body: bytes, content_type: str | None = None) -> bool:
    """Whether a body is not text a person can read (NUL bytes, an image, invalid UTF-8)."""
    if not body:
        return False
    kind = (content_type or "").lower()
    if kind and not any(t in kind for t in _TEXT_TYPES):
        return True
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return _CONTROL.search(text) is not None


def body_text(response: Response) -> str:
    """The body as text for people: a binary body is its length and content type, never raw."""
    content_type = response.headers.get("content-type")
    if is_binary(response.body, content_type):
        return f"<binary body: {len(response.body)} bytes, {content_type or 'no content-type'}>"
    return response.text()


def evaluate(check: Check, exchange: Exchange) -> tuple[Failure, ...]:
    """Every failed expectation of ``check`` for ``exchange``; empty when healthy."""
    try:
        return tuple(_failures(check, exchange))
    except Exception as exc:  # a verdict must never take the run down
        return (Failure("error", f"smoke could not judge this check: {exc!r}"),)


def _failures(check: Check, exchange: Exchange) -> Iterator[Failure]:
    expect = check.expect
    response = exchange.response
    if exchange.function_error:
        yield _function_error(exchange)
    if response is None and not check.is_raw:
        if not exchange.function_error:
            yield Failure("error", "the function gave no HTTP response", "an HTTP response", "none")
    else:
        yield from _status(check, response)
    if response is not None:
        yield from _headers(check, response)
    judge_document = not (check.is_raw and exchange.function_error)
    wants_document = expect.json_schema is not None or bool(expect.body_contains)
    if wants_document and judge_document and (response is not None or check.is_raw):
        # the body is decoded once, parsed as JSON once (only for a json_schema), and
        # made presentable (``body_text``: binary or not) only for a failure's message
        text = _text(check, exchange)

        def shown() -> str:  # never raw binary
            return body_text(response) if response is not None else text

        if expect.json_schema is not None:
            yield from _json_schema(expect.json_schema, _document(check, exchange, text), shown)
        for wanted in expect.body_contains:
            if wanted not in text:
                yield Failure(
                    "body_contains",
                    f"body does not contain {wanted!r}",
                    expected=excerpt(wanted),
                    actual=excerpt(shown()),
                )
    if expect.max_ms is not None and exchange.latency_ms > expect.max_ms:
        yield Failure(
            "max_ms",
            f"took {exchange.latency_ms:.0f} ms, more than the {expect.max_ms:g} ms allowed",
            expected=f"<= {expect.max_ms:g} ms",
            actual=f"{exchange.latency_ms:.0f} ms",
        )
    init = exchange.metrics.init_duration_ms if exchange.metrics is not None else None
    if expect.max_init_ms is not None and init is not None and init > expect.max_init_ms:
        yield Failure(
            "max_init_ms",
            f"cold start: Init Duration {init:.0f} ms, more than the {expect.max_init_ms:g} ms "
            "allowed",
            expected=f"<= {expect.max_init_ms:g} ms",
            actual=f"{init:.0f} ms",
        )


def _function_error(exchange: Exchange) -> Failure:
    error_type = exchange.error_type or exchange.function_error or "Unhandled"
    message = exchange.error_message
    if message is None and exchange.payload is not None:
        message = excerpt(_as_text(exchange.payload))
    summary = f"{error_type}: {message}" if message else str(error_type)
    return Failure("function_error", summary, expected="no function error", actual=excerpt(summary))


def _status(check: Check, response: Response | None) -> Iterator[Failure]:
    wanted = check.expect.status
    if response is None:  # a raw invocation: there is no HTTP status
        if wanted is not None:
            yield Failure(
                "status",
                f"expected status {wanted}, but a raw invocation has no HTTP status",
                expected=str(wanted),
                actual="no HTTP response",
            )
        return
    status = response.status
    ok = status < 500 if wanted is None else wanted.matches(status)
    if ok:
        return
    expected = "below 500" if wanted is None else str(wanted)
    message = (
        f"expected a status below 500 (no expect.status given), got {status}"
        if wanted is None else f"expected status {expected}, got {status}"
    )
    body = body_text(response).strip()
    if body:
        message += f": {excerpt(body, 200)}"
    yield Failure("status", message, expected=expected, actual=str(status))


def _headers(check: Check, response: Response) -> Iterator[Failure]:
    for name, value in check.expect.headers.items():
        key = name.lower()
        actual = response.headers.get(key)
        if actual is None:
            actual = next((v for k, v in response.headers.items() if k.lower() == key), None)
        values = set(response.multi_headers.get(key, ()))
        if actual is None and not values:
            yield Failure("header", f"header {name} is missing", expected=value, actual="(absent)")
        elif value != actual and value not in values:
            yield Failure(
                "header",
                f"header {name} is {actual!r}, expected {value!r}",
                expected=value,
                actual=excerpt(actual or ", ".join(sorted(values))),
            )


def _text(check: Check, exchange: Exchange) -> str:
    """What the check got back, as text (a raw check's payload as JSON)."""
    if check.is_raw and exchange.response is None:
        return _as_text(exchange.payload)
    assert exchange.response is not None
    return exchange.response.text()


def _document(check: Check, exchange: Exchange, text: str) -> Any:
    """What the check got back as a JSON value (``text`` parsed), or _NO_VALUE."""
    if check.is_raw and exchange.response is None:
        return exchange.payload
    try:
        return json.loads(text)
    except ValueError:
        return _NO_VALUE


def _as_text(payload: Any) -> str:
    if isinstance(payload, str):
        return payload
    if isinstance(payload, bytes):
        return payload.decode("utf-8", errors="replace")
    try:
        return json.dumps(payload, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(payload)


def _as_json(value: Any) -> str:
    """A JSON value as JSON: the string "42" and the number 42 look different."""
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


def _json_schema(schema: Any, document: Any, shown: Callable[[], str]) -> Iterator[Failure]:
    if document is _NO_VALUE:
        text = shown()
        yield Failure(
            "json_schema",
            "body is not valid JSON",
            expected="a JSON body matching the schema",
            actual=excerpt(text) if text.strip() else "(empty body)",
        )
        return
    from smoke.schema.expect import validator

    judge = validator(schema)
    if isinstance(judge, Exception):  # a SchemaError: the schema itself is invalid
        message = getattr(judge, "message", str(judge))
        yield Failure("json_schema", f"the json_schema of this check is invalid: {message}")
        return
    errors = sorted(judge.iter_errors(document), key=lambda e: list(map(str, e.path)))
    for error in errors[:MAX_SCHEMA_ERRORS]:
        yield Failure(
            "json_schema",
            f"{error.json_path}: {error.message}",
            expected=excerpt(f"{error.validator}: {_as_json(error.validator_value)}", 200),
            actual=excerpt(_as_json(error.instance), 200),  # "42" (a string) is not 42
        )
    if len(errors) > MAX_SCHEMA_ERRORS:
        hidden = len(errors) - MAX_SCHEMA_ERRORS
        yield Failure("json_schema", f"... and {hidden} more schema error(s)")
