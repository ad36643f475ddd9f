"""Lambda entry point ``app.main.handler``: API Gateway REST proxy events, a lazy router.

Each path's router module is imported on its first request (``app.router_map``), as a
large API does to keep its cold start short. An import that fails is logged and answered
with 500, as a web framework behind a Lambda adapter does; ``/health`` never imports one.
"""

from __future__ import annotations

import importlib
import json
import logging
from typing import Any

from app.router_map import ROUTERS

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def respond(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body)}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    method = event.get("httpMethod", "GET")
    resource = event.get("resource") or event.get("path") or "/"
    logger.info("%s %s", method, event.get("path"))
    if resource == "/health":
        return respond(200, {"status": "ok"})
    module_name = ROUTERS.get(resource)
    if module_name is None:
        return respond(404, {"message": "Not Found"})
    try:
        router = importlib.import_module(module_name)
        status, body = router.handle(method, event.get("pathParameters") or {},
                                     event.get("headers") or {})
    except Exception:
        logger.exception("unhandled error on %s %s", method, event.get("path"))
        return respond(500, {"message": "Internal Server Error"})
    return respond(status, body)
