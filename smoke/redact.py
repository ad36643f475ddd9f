"""Redaction: secrets never appear in any report, log or console output.

A ``Redactor`` knows the secret values of a run (everything read through
``${VAR}``, values listed under ``secrets:`` in smoke.yaml, and the values of
sensitive headers seen in requests and responses) and replaces them by ``***``
in any text or JSON-like structure handed to it. Every reporter and every
renderer of failures passes its output through the run's Redactor.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from smoke.model import SENSITIVE_HEADERS

MASK = "***"
_MIN_SECRET_LEN = 3  # shorter values would mask ordinary text all over the report


_CUT_MARKS = ("...", "\u2026")  # how excerpts say they were cut short


def _spellings(secret: str) -> set[str]:
    """A secret as it may appear in output: as is, URL-encoded (query strings, URLs,
    ``rawQueryString``) and JSON-escaped (a function that logs its event)."""
    from urllib.parse import quote, quote_plus

    spelled = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
    spelled.add(json.dumps(secret)[1:-1])
    spelled.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    return {s for s in spelled if len(s) >= _MIN_SECRET_LEN}


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(*secrets)

    def add(self, *values: str | None) -> None:
        with self._lock:
            before = len(self._secrets)
            for value in values:
                if not value:
                    continue
                value = str(value)
                candidates = {value}
                # "Bearer abc" -> also mask "abc" alone; "a=b; c=d" cookies -> each value
                for part in re.split(r"[\s;,=]+", value):
                    candidates.add(part)
                for c in candidates:
                    if len(c) >= _MIN_SECRET_LEN and c.lower() not in {"bearer", "basic"}:
                        self._secrets.update(_spellings(c))
            if len(self._secrets) != before:
                ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    def add_headers(self, headers: Mapping[str, Any] | None) -> None:
        """Learn the values of sensitive headers (Authorization, Cookie, ...)."""
        if not headers:
            return
        for name, value in headers.items():
            if name.lower() in SENSITIVE_HEADERS:
                if isinstance(value, (list, tuple)):
                    self.add(*[str(v) for v in value])
                else:
                    self.add(str(value))

    def text(self, value: str) -> str:
        pattern = self._pattern
        if pattern is None or not value:
            return value
        masked = pattern.sub(MASK, value)
        return self._cut_tail(masked) if masked.endswith(_CUT_MARKS) else masked

    def _cut_tail(self, value: str) -> str:
        """An excerpt cut short may end in the first characters of a secret: mask those."""
        mark = next(m for m in _CUT_MARKS if value.endswith(m))
        body = value[: -len(mark)]
        for secret in self._secrets:
            for k in range(len(secret) - 1, _MIN_SECRET_LEN - 1, -1):
                if body.endswith(secret[:k]):
                    return body[:-k] + MASK + mark
        return value

    def headers(self, headers: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in headers.items():
            if name.lower() in SENSITIVE_HEADERS:
                out[name] = MASK
            else:
                out[name] = self.data(value)
        return out

    def data(self, value: Any) -> Any:
        """Redact a JSON-like structure (dicts, lists, strings), recursively."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, bytes):
            return self.text(value.decode("utf-8", errors="replace"))
        if isinstance(value, Mapping):
            return {
                k: (MASK if isinstance(k, str) and k.lower() in SENSITIVE_HEADERS else self.data(v))
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self.data(v) for v in value]
        return value
