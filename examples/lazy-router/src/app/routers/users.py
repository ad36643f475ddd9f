"""The users endpoints (imported lazily by app.main)."""

from __future__ import annotations

import logging
from typing import Any

from app.auth import authorized

logger = logging.getLogger()


def handle(method: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
    if not authorized(headers):
        return 401, {"message": "Unauthorized"}
    return 200, {"items": [], "params": params}
