"""GET /api/v1/dashboard/overview: browser users; without a session, redirect to login."""

from __future__ import annotations

from typing import Any

from app.auth import bearer, session


def handle(request: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    if session(request) is None and bearer(request) is None:
        return 307, {"message": "login required"}, {"Location": "/login?next=/dashboard"}
    return 200, {"providers": 2, "open_claims": 17}, {}
