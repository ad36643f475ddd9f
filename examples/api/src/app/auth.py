"""Credentials of a request: a bearer token or a session cookie (the example accepts any)."""

from __future__ import annotations

from typing import Any


def bearer(request: dict[str, Any]) -> str | None:
    value = request["headers"].get("authorization", "")
    return value[len("Bearer ") :] if value.startswith("Bearer ") and len(value) > 7 else None


def session(request: dict[str, Any]) -> str | None:
    for part in request["headers"].get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == "session" and value:
            return value
    return None
