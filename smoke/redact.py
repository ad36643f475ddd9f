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
from typing import TYPE_CHECKING, Any

from smoke.model import SENSITIVE_HEADERS

if TYPE_CHECKING:
    from smoke.errors import ConfigError

MASK = "***"
_MIN_SECRET_LEN = 3  # shorter values would mask ordinary text all over the report


_CUT_MARKS = ("...", "\u2026")  # how excerpts say they were cut short
_CUT = re.compile("|".join(re.escape(m) for m in _CUT_MARKS))


def _longest_prefix(text: str, secret: str) -> int:
    """The length of the longest proper prefix of ``secret`` (3+ characters) ending ``text``."""
    for k in range(min(len(secret) - 1, len(text)), _MIN_SECRET_LEN - 1, -1):
        if text.endswith(secret[:k]):
            return k
    return 0


# the characters URL encoders leave alone: RFC 3986 path segments (httpx's paths,
# ``P%C3%A4ssword&Key!1``), whole paths, and queries
_URL_SAFE_SETS = ("", "/", "!$&'()*+,;=:@~", "/!$&'()*+,;=:@~", "/?!$&'()*+,;=:@~")
_PERCENT = re.compile(r"%[0-9A-F]{2}")


def _spellings(secret: str) -> set[str]:
    """A secret as it may appear in output: as is; URL-encoded the ways smoke's events,
    httpx and ``urllib`` spell it (paths, queries, ``rawQueryString``, upper- or lower-case
    hex); JSON-escaped (a function that logs its event); and XML/HTML-escaped (JUnit
    attributes, an HTML report)."""
    import html
    from urllib.parse import quote, quote_plus

    spelled = {secret, quote_plus(secret), quote_plus(secret, safe="/")}
    spelled.update(quote(secret, safe=safe) for safe in _URL_SAFE_SETS)
    spelled.update(_PERCENT.sub(lambda m: m.group(0).lower(), s) for s in list(spelled))
    spelled.add(json.dumps(secret)[1:-1])
    spelled.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    for plain in list(spelled):
        spelled.add(html.escape(plain, quote=False))
        spelled.add(html.escape(plain, quote=True))
        spelled.add(html.escape(plain, quote=True).replace("&#x27;", "&apos;"))
        spelled.add(plain.replace("&", "&amp;").replace("<", "&lt;").replace("\"", "&quot;")
                    .replace("\n", "&#10;"))
    return {s for s in spelled if len(s) >= _MIN_SECRET_LEN}


def masked_error(error: ConfigError, secrets: Iterable[str]) -> ConfigError:
    """``error`` without the values read from ``${VAR}``: a loader's message may quote a
    value (``got 'items?key=...'``, ``base_url needs a scheme: https://...``)."""
    secrets = list(secrets)
    return error.masked(Redactor(secrets).text) if secrets else error


# Set-Cookie attributes: what they say is never a secret (RFC 6265 section 5.2, plus the
# SameSite, Priority and Partitioned extensions)
_COOKIE_ATTRIBUTES = frozenset(
    {"expires", "max-age", "domain", "path", "secure", "httponly", "samesite", "priority",
     "partitioned"}
)  # fmt: skip
_COOKIE_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # an RFC 6265 token
_SET_COOKIE_SPLIT = re.compile(r",\s*(?=[!#$%&'*+\-.^_`|~0-9A-Za-z]+=)")  # not Expires' comma


def _parts(value: str) -> list[str]:
    return re.split(r"[\s;,=]+", value)


def cookie_values(text: str, *, header: bool = False) -> list[str]:
    """The values of the cookies in a Cookie or Set-Cookie header value (several Set-Cookie
    values may be comma-joined). Empty when ``text`` does not read as cookies; outside a
    header (``header=False``) a single ``name=value`` is not taken for one either: a
    base64 secret ends in ``=``."""
    found: list[str] = []
    for cookie in _SET_COOKIE_SPLIT.split(text):
        segments = [segment.strip() for segment in cookie.split(";") if segment.strip()]
        if not header and len(segments) < 2:
            return []
        for segment in segments:
            name, eq, value = segment.partition("=")
            name = name.strip()
            if name.lower() in _COOKIE_ATTRIBUTES:
                continue
            if not eq or not _COOKIE_NAME.match(name):
                if header:
                    found.append(segment)  # not a cookie pair: keep it secret as it is
                    continue
                return []
            found.append(value.strip().strip('"'))
    return found


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.add(*secrets)

    def add(self, *values: str | None) -> None:
        """Learn secret values, and their parts: "Bearer abc" -> also "abc" alone; a
        cookie string ("a=b; c=d", a Set-Cookie value) -> each cookie's value, never the
        cookie names nor the Set-Cookie attributes (Max-Age=200, Path=/, Secure)."""
        self._learn(values, lambda value: cookie_values(value) or _parts(value))

    def _learn(self, values: Iterable[str | None], parts: Any) -> None:
        with self._lock:
            before = len(self._secrets)
            for value in values:
                if not value:
                    continue
                value = str(value)
                for c in {value, *parts(value)}:
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
            lowered = name.lower()
            if lowered not in SENSITIVE_HEADERS:
                continue
            given = [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
            if lowered in ("cookie", "set-cookie"):  # only the cookies' values are secret
                self._learn(given, lambda text: cookie_values(text, header=True))
            else:
                self.add(*given)

    def add_event(self, event: Any) -> None:
        """Learn the sensitive header values of a Lambda event that arrived from elsewhere
        (``smoke local start`` serving a separate ``smoke run``, boto3, the AWS CLI): API
        Gateway / ALB / Function URL ``headers``, ``multiValueHeaders`` and v2 ``cookies``."""
        if not isinstance(event, Mapping):
            return
        for key in ("headers", "multiValueHeaders"):
            headers = event.get(key)
            if isinstance(headers, Mapping):
                self.add_headers(headers)
        cookies = event.get("cookies")
        if isinstance(cookies, list):  # v2: one "name=value" each, only the value secret
            self._learn([str(c) for c in cookies], lambda text: cookie_values(text, header=True))
        token = event.get("authorizationToken")  # a TOKEN authorizer's event
        if isinstance(token, str):
            self.add(token)

    def text(self, value: str) -> str:
        pattern = self._pattern
        if pattern is None or not value:
            return value
        masked = pattern.sub(MASK, value)
        if any(mark in masked for mark in _CUT_MARKS):
            masked = self._cut_prefixes(masked)
        return masked

    def final(self, value: str) -> str:
        """The last line of defence: the complete text of a report, a console line or a
        log line, right before it is written, checked for every known spelling of every
        secret (as is, URL-, JSON-, XML/HTML-escaped, or cut short before ``...``).

        Every writer calls this on exactly what it writes (reporters, the console, the
        pytest plugin's output, the local runtime's log files), after its own formatting
        and escaping, so a spelling that the structured redaction missed never gets out.
        """
        return self.text(value)

    def _cut_prefixes(self, value: str) -> str:
        """An excerpt cut short (``...``) may end in a secret's first characters: mask them.

        Checked at every cut mark, not only at the end: a multi-line text (JUnit's failure
        text, pytest's report) has its excerpts inside.
        """
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        out: list[str] = []
        done = 0
        for match in _CUT.finditer(value):
            before = value[done : match.start()]
            for secret in secrets:
                k = _longest_prefix(before, secret)
                if k:
                    before = before[:-k] + MASK
                    break
            out.append(before + match.group(0))
            done = match.end()
        out.append(value[done:])
        return "".join(out)

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
