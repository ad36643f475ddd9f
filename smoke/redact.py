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


_TRIE_DEPTH = 100  # branching points along one secret; deeper: a flat alternation


def secrets_pattern(secrets: Iterable[str]) -> re.Pattern[str]:
    """A pattern matching, at each position, the longest of ``secrets`` that starts there:
    what an alternation of them sorted longest first matches, built as a trie instead.

    ``re`` tries an alternation's branches one by one at every position of the text, and
    compiles ~0.1 ms per branch: with 26,000 spellings (2,000 checks answered with a new
    session cookie each) one console line took 0.5 ms to mask. In a trie a position tries
    one branch per distinct next character, and a common prefix is compiled once. A
    greedy optional group at the end of each secret that others extend tries the longer
    secrets first, and only one branch can match the text's next character, so the match
    is the longest secret there, as before.
    """
    ordered = sorted(set(secrets), key=len, reverse=True)
    root: dict[str, Any] = {}
    for secret in ordered:
        node = root
        for char in secret:
            node = node.setdefault(char, {})
        node[""] = {}  # a secret ends here

    def branches(node: dict[str, Any], depth: int) -> str:
        if depth > _TRIE_DEPTH:
            raise RecursionError("the trie is too deep")
        alternatives = []
        for char in sorted(k for k in node if k):
            child, run = node[char], [char]
            while len(child) == 1 and "" not in child:  # a chain: one run of literals
                ((char, child),) = child.items()
                run.append(char)
            rest = branches(child, depth + 1) if len(child) > ("" in child) else ""
            alternatives.append(re.escape("".join(run)) + rest)
        group = "(?:" + "|".join(alternatives) + ")"
        if "" in node:  # a secret ends here: the longer ones first (greedy)
            return group + "?"
        return alternatives[0] if len(alternatives) == 1 else group

    try:
        return re.compile(branches(root, 0)) if root else re.compile("(?!)")
    except (RecursionError, re.error):
        return re.compile("|".join(re.escape(s) for s in ordered))


_SCAN_BUDGET = 2_000_000  # len(text) x secrets not yet compiled: above it, compile instead
_MIN_PENDING = 64  # secrets left out of the pattern before it is compiled again, at least


class Redactor:
    """The run's secrets, and one regular expression that masks them all (every
    spelling, the longest first).

    Learning is cheap; compiling is not (re compiles ~0.1 ms per alternative), and a run
    may learn a new secret with every check (an app that answers each request with a new
    session cookie: 300 such checks took 186 s when every one recompiled the whole set).
    So the pattern is compiled lazily, and only when a secret not yet in it occurs in the
    text at hand, the text is too long to look for each of them, or they are more than
    half as many as those compiled: the pattern grows geometrically, so a run compiles
    O(log n) times. A text in which no pending secret occurs is masked exactly as the
    whole set would mask it.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._seen: set[tuple[str, bool]] = set()  # values learned (as headers or not)
        self._pending: list[str] = []  # learned, not yet in _pattern (append only)
        self._pattern: re.Pattern[str] | None = None
        self._ordered: list[str] = []  # the compiled secrets, longest first
        self.add(*secrets)

    def add(self, *values: str | None) -> None:
        """Learn secret values, and their parts: "Bearer abc" -> also "abc" alone; a
        cookie string ("a=b; c=d", a Set-Cookie value) -> each cookie's value, never the
        cookie names nor the Set-Cookie attributes (Max-Age=200, Path=/, Secure)."""
        self._learn(values, lambda value: cookie_values(value) or _parts(value))

    def _learn(self, values: Iterable[str | None], parts: Any, *, whole_as_is: bool = False) -> None:
        """``whole_as_is``: the whole value is learned only as it is, its parts in every
        spelling. For a cookie header: each spelling maps character by character, so the
        URL-, JSON- or HTML-escaped header contains each cookie value spelled the same
        way, and that is masked; the whole header's dozen spellings, learned anew from
        every response that sets a new session cookie, only made the pattern grow."""
        with self._lock:
            for value in values:
                if not value:
                    continue
                value = str(value)
                key = (value, whole_as_is)  # the same value always yields the same secrets
                if key in self._seen:  # a repeated Authorization: no spellings again
                    continue
                self._seen.add(key)
                found = {c: _spellings(c) for c in parts(value)}
                found.setdefault(value, {value} if whole_as_is else _spellings(value))
                for c, spelled in found.items():
                    if len(c) >= _MIN_SECRET_LEN and c.lower() not in {"bearer", "basic"}:
                        new = spelled - self._secrets
                        if new:
                            self._secrets.update(new)
                            self._pending.extend(new)

    def _learn_cookies(self, values: Iterable[str]) -> None:
        """Cookie header values: each cookie's value is secret, the names and the
        Set-Cookie attributes are not."""
        self._learn(values, lambda text: cookie_values(text, header=True), whole_as_is=True)

    def _compiled(self) -> re.Pattern[str] | None:
        """The pattern of every secret learned so far (compiled now if any is pending)."""
        with self._lock:
            if self._pending:
                self._ordered = sorted(self._secrets, key=len, reverse=True)
                self._pattern = secrets_pattern(self._ordered)
                self._pending = []
            return self._pattern

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
                self._learn_cookies(given)
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
            self._learn_cookies([str(c) for c in cookies])
        token = event.get("authorizationToken")  # a TOKEN authorizer's event
        if isinstance(token, str):
            self.add(token)

    def text(self, value: str) -> str:
        if not value:
            return value
        pattern, pending = self._pattern, self._pending
        if pending and (
            len(pending) > max(_MIN_PENDING, (len(self._secrets) - len(pending)) // 2)
            or len(value) * len(pending) > _SCAN_BUDGET
            or any(secret in value for secret in pending)
            or any(mark in value for mark in _CUT_MARKS)  # may end in a secret's prefix
        ):
            pattern = self._compiled()
        if pattern is None:
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
        self._compiled()
        secrets = self._ordered
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
