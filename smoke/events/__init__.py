"""Lambda events for checks, and decoding of what the function answered.

Pure functions, no I/O:

- ``build_event(check)``: the event a gateway would send for ``check.request``
  (``apigw-rest``, ``apigw-http``, ``alb``, ``function-url``), or ``check.payload``
  for ``raw`` checks.
- ``decode_response(check, payload)``: the HTTP answer the gateway would give for
  what the function returned, plus notes (e.g. why a response was malformed).
"""

from __future__ import annotations

from typing import Any

from smoke.events.alb import alb_event
from smoke.events.apigw import http_event, rest_event
from smoke.events.common import make_clock
from smoke.events.decode import decode_v1, decode_v2
from smoke.model import Check, Response

__all__ = ["build_event", "decode_response"]


def build_event(
    check: Check,
    *,
    request_id: str | None = None,
    now: float | None = None,
    alb_multi_value: bool = False,
) -> Any:
    """The event to send for ``check.event``; ``request_id`` defaults to a uuid4."""
    kind = check.event
    if kind == "raw":
        return check.payload
    clock = make_clock(request_id, now)
    if kind == "apigw-rest":
        return rest_event(check.request, clock)
    if kind == "apigw-http":
        return http_event(check.request, clock)
    if kind == "function-url":
        return http_event(check.request, clock, function_url=True)
    if kind == "alb":
        return alb_event(check.request, clock, multi_value=alb_multi_value)
    raise ValueError(f"unknown event kind {kind!r} for check {check.id}")


def decode_response(check: Check, payload: Any) -> tuple[Response | None, tuple[str, ...]]:
    """The HTTP-shaped answer for ``payload``; ``(None, ())`` for raw checks."""
    kind = check.event
    if kind in ("apigw-rest", "alb"):
        return decode_v1(payload, alb=kind == "alb")
    if kind in ("apigw-http", "function-url"):
        return decode_v2(payload)
    return None, ()
