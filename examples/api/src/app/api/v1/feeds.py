"""/api/v1/feeds: POST an RSS document (parsed with defusedxml) -> its item titles."""

from __future__ import annotations

from typing import Any

from app.auth import bearer
from app.xml_safety import parse_feed


def handle(request: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
    if bearer(request) is None:
        return 401, {"message": "Unauthorized"}, {"WWW-Authenticate": "Bearer"}
    if request["method"] != "POST" or not request["body"]:
        return 200, {"titles": []}, {}
    return 200, {"titles": parse_feed(request["body"])}, {}
