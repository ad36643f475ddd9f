"""GET /api/v1/providers: API clients only (bearer token), 401 otherwise."""

from __future__ import annotations

from typing import Any

from app.auth import bearer

PROVIDERS = [{"id": "acme", "name": "Acme Health"}, {"id": "globex", "name": "Globex Care"}]


def handle(request: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    if bearer(request) is None:
        return 401, {"message": "Unauthorized"}, {"WWW-Authenticate": "Bearer"}
    return 200, {"providers": PROVIDERS}, {}
