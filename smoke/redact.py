"""Redaction: secrets never appear in any report, log or console output.

A ``Redactor`` knows the secret values of a run (everything read through
``${VAR}``, values listed under ``secrets:`` in smoke.yaml, and the values of
sensitive headers seen in requests and responses) and replaces them by ``***``
in any text or JSON-like structure handed to it. Every reporter and every
renderer of failures passes its output through the run's Redactor.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from smoke.model import SENSITIVE_HEADERS

MASK = "***"
_MIN_SECRET_LEN = 3  # shorter values would mask ordinary text all over the report


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
                        self._secrets.add(c)
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
        return pattern.sub(MASK, value)

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
