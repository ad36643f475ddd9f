"""The uploads endpoints (imported lazily by app.main)."""

from __future__ import annotations

import logging
from typing import Any

from app.auth import authorized

logger = logging.getLogger()


def handle(method: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
    if method == "POST":
        logger.warning("WRITE: an upload was stored")  # a write: smoke must never send it
        return 201, {"stored": True}
    if not authorized(headers):
        return 401, {"message": "Unauthorized"}
    return 200, {"items": [], "params": params}
