"""What every protected router does first: no token, no data (401)."""

from __future__ import annotations


def authorized(headers: dict[str, str]) -> bool:
    return any(k.lower() == "authorization" for k in headers)
