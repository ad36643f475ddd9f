"""Lambda events for checks, and decoding of what the function answered.

Pure functions, no I/O:

- ``build_event(check)``: the event a gateway would send for ``check.request``
  (``apigw-rest``, ``apigw-http``, ``alb``, ``function-url``), or ``check.payload``
  for ``raw`` checks.
- ``decode_response(check, payload)``: the HTTP answer the gateway would give for
  what the function returned, plus notes (e.g. why a response was malformed).

The builders are imported by the functions that use them: ``smoke.events.paths`` (the
path a client sent, which the reports show for every check) is also read over HTTP,
where no event is built, and importing it runs this package's ``__init__``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smoke.events.common import EventSettings
    from smoke.model import Check, Environment, Response

__all__ = ["build_event", "decode_response", "event_settings"]


def build_event(
    check: Check,
    *,
    request_id: str | None = None,
    now: float | None = None,
    alb_multi_value: bool | None = None,
    settings: EventSettings | None = None,
) -> Any:
    """The event to send for ``check.event``; ``request_id`` defaults to a uuid4.

    ``settings`` are the environment's (``event_settings``): stage, Host, ALB mode. An
    ALB check's own ``alb_multi_value`` wins over them, and ``alb_multi_value`` over both."""
    kind = check.event
    if kind == "raw":
        return check.payload
    from smoke.events.alb import alb_event
    from smoke.events.apigw import http_event, rest_event
    from smoke.events.common import EventSettings, make_clock

    settings = settings or EventSettings()
    clock = make_clock(request_id, now)
    if kind == "apigw-rest":
        return rest_event(check.request, clock, settings)
    if kind == "apigw-http":
        return http_event(check.request, clock, settings=settings)
    if kind == "function-url":
        return http_event(check.request, clock, function_url=True, settings=settings)
    if kind == "alb":
        multi = next(
            v for v in (alb_multi_value, check.alb_multi_value, settings.alb_multi_value)
            if v is not None
        )  # fmt: skip
        return alb_event(check.request, clock, multi_value=multi, host=settings.host)
    raise ValueError(f"unknown event kind {kind!r} for check {check.id}")


def event_settings(env: Environment) -> EventSettings:
    """An environment's ``stage``, Host (``domain``, else ``base_url``'s host) and ALB mode."""
    from urllib.parse import urlsplit

    from smoke.events.common import EventSettings

    host = env.domain
    if not host and env.base_url:
        host = urlsplit(env.base_url).netloc or None
    return EventSettings(stage=env.stage, host=host, alb_multi_value=env.alb_multi_value)


def decode_response(check: Check, payload: Any) -> tuple[Response | None, tuple[str, ...]]:
    """The HTTP-shaped answer for ``payload``; ``(None, ())`` for raw checks."""
    from smoke.events.decode import decode_v1, decode_v2

    kind = check.event
    if kind in ("apigw-rest", "alb"):
        return decode_v1(payload, alb=kind == "alb")
    if kind in ("apigw-http", "function-url"):
        return decode_v2(payload)
    return None, ()
