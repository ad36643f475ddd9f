"""Lambda entry point: ``app.main.handler`` (API Gateway REST or HTTP API proxy events)."""

from __future__ import annotations

import json
import logging
from typing import Any

from app import xml_safety  # noqa: F401  (imports defusedxml from the layer at init)
from app.router import resolve

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def respond(status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(body),
    }


def request_of(event: dict[str, Any]) -> dict[str, Any]:
    context = event.get("requestContext") or {}
    return {
        "method": event.get("httpMethod") or (context.get("http") or {}).get("method", "GET"),
        "path": event.get("path") or event.get("rawPath") or "/",
        "headers": {k.lower(): v for k, v in (event.get("headers") or {}).items()},
        "body": event.get("body"),
    }


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = request_of(event)
    if request["path"] == "/health":
        return respond(200, {"status": "ok"})
    try:
        endpoint = resolve(request["path"])
        if endpoint is None:
            return respond(404, {"message": "Not Found"})
        status, body, headers = endpoint.handle(request)
        return respond(status, body, headers)
    except Exception:
        # What a web framework behind a Lambda adapter does: log, answer 500.
        logger.exception("unhandled error on %s %s", request["method"], request["path"])
        return respond(500, {"message": "Internal Server Error"})
