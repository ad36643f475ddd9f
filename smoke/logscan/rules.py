"""Log-scan rules: which log lines are findings.

``DEFAULT_RULES`` catch what breaks a Python Lambda deploy (a missing module, a bad
handler, a syntax error, timeouts, a crashing runtime) in both log formats. Matching
is done here, on the client, for every returned line; ``filter_pattern`` only builds
a CloudWatch filter pattern that cuts the traffic (moto ignores most of its syntax).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from smoke.model import LogRule

_JSON_STATUS = r'"status"\s*:\s*"(error|timeout|failure)"'

DEFAULT_RULES: tuple[LogRule, ...] = (
    LogRule("import-module-error", r"Runtime\.ImportModuleError", "ImportModuleError"),
    # the exception as reported (``ModuleNotFoundError: ...``, ``"errorType": "..."``),
    # not a traceback's indented source line such as ``raise ModuleNotFoundError(...)``
    LogRule("module-not-found", r'^(?!\s).*?\bModuleNotFoundError(?::\s|")', "ModuleNotFoundError"),
    LogRule("import-error", r'^(?!\s).*?\bImportError(?::\s|")', "ImportError"),
    LogRule("syntax-error", r"Runtime\.UserCodeSyntaxError", "UserCodeSyntaxError"),
    LogRule("handler-not-found", r"Runtime\.HandlerNotFound", "HandlerNotFound"),
    LogRule("timeout", r"Task timed out after", "Task timed out"),
    LogRule("exit-error", r"Runtime\.ExitError|Runtime exited with error", "ExitError"),
    LogRule("init-error", r"^INIT_REPORT\b.*\bStatus: (error|timeout|failure)\b", "INIT_REPORT"),
    LogRule(
        "platform-error",
        r'"type"\s*:\s*"platform\.(report|initReport)".*' + _JSON_STATUS,
        "platform",
    ),
)


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def match_line(line: str, rules: Iterable[LogRule]) -> LogRule | None:
    """The first rule whose regex matches the line, or None."""
    for rule in rules:
        if _compiled(rule.pattern).search(line):
            return rule
    return None


def _quoted(term: str) -> str:
    return '"' + term.replace("\\", "").replace('"', "") + '"'


def filter_pattern(rules: Sequence[LogRule], extra_terms: Iterable[str] = ()) -> str:
    """A CloudWatch filter pattern (``?"a" ?"b"``) selecting the rules' candidate lines.

    ``extra_terms`` adds lines the scan needs for bookkeeping (START/REPORT markers).
    Returns "" (no server-side filter: read everything) when a rule has no
    ``filter_term``, since its lines could not be selected otherwise.
    """
    terms: list[str] = []
    for rule in rules:
        if not rule.filter_term.strip():
            return ""
        terms.append(rule.filter_term.strip())
    terms.extend(t for t in extra_terms if t.strip())
    unique = list(dict.fromkeys(terms))
    return " ".join("?" + _quoted(t) for t in unique)
