"""``${NAME}`` interpolation in suites and smoke.yaml.

Every string value may say ``${NAME}`` (the environment variable NAME) or
``${NAME:-default}``; ``$${`` writes a literal ``${``. Values read from the
environment are secrets: the loaders record them so no output ever shows them.

With ``require_env=False`` (``smoke validate`` in a lint step without secrets) an
unset variable without a default becomes the placeholder ``<unset:NAME>`` and its
name is collected instead of being an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from smoke.errors import ConfigError
from smoke.loading.yamlload import node_location, quote_lines
from smoke.model import Location

_REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PLACEHOLDER_PREFIX = "<unset:"


def placeholder(name: str) -> str:
    """What an unset variable reads as when the environment is not required."""
    return f"{PLACEHOLDER_PREFIX}{name}>"


def has_placeholder(value: Any) -> bool:
    """Whether ``value`` is a string holding an unset variable's placeholder."""
    return isinstance(value, str) and PLACEHOLDER_PREFIX in value


def interpolate(
    data: Any,
    env: Mapping[str, str],
    file: str,
    text: str = "",
    *,
    require_env: bool = True,
    unset: list[str] | None = None,
) -> set[str]:
    """Replace ``${NAME}`` / ``${NAME:-default}`` in every string value, in place.

    ``$${`` writes a literal ``${``. Returns the values read from ``env`` (secrets).
    An unset variable without a default is a ConfigError at the value's line, or,
    with ``require_env=False``, the placeholder ``<unset:NAME>`` (its name is
    appended to ``unset``, once). An unterminated ``${`` is always a ConfigError.

    ``text`` is the YAML the data was read from (its lines are quoted in errors). When
    it has neither ``${`` nor a backslash, no value can hold a reference (``_no_reference``)
    and nothing is walked.
    """
    secrets: set[str] = set()
    if _no_reference(text):
        return secrets
    missing = unset if unset is not None else []
    for container, key in _strings_in_file_order(data):
        value = container[key]
        if "${" in value:
            loc = node_location(container, key, file)
            found = _Substitution(env, loc, text, secrets, missing, require_env)
            container[key] = found.apply(value)
    return secrets


def _no_reference(text: str) -> bool:
    """Whether no string read from the YAML ``text`` can contain ``${``.

    A YAML string is the text as written, except for escapes (double-quoted ``"\\x24{"``,
    ``"$\\<line break>{"``: a backslash either way) and line folding, which joins lines
    with a space or a line break, never with nothing. So ``${`` in a value is ``${`` in
    the text, or the text has a backslash (tests/loading: a property test over YAML made
    of these characters)."""
    return bool(text) and "${" not in text and "\\" not in text


def _strings_in_file_order(data: Any) -> Iterator[tuple[Any, Any]]:
    """(container, key) of every string value, depth first, in the order written."""
    if not isinstance(data, (dict, list)):
        return
    seen = {id(data)}
    stack: list[Iterator[tuple[Any, Any]]] = [_entries(data)]
    while stack:
        for container, key in stack[-1]:
            value = container[key]
            if isinstance(value, str):
                yield container, key
            elif isinstance(value, (dict, list)) and id(value) not in seen:
                seen.add(id(value))
                stack.append(_entries(value))
                break
        else:
            stack.pop()


def _entries(container: Any) -> Iterator[tuple[Any, Any]]:
    keys: Iterable[Any] = list(container) if isinstance(container, dict) else range(len(container))
    return ((container, key) for key in keys)


class _Substitution:
    def __init__(
        self,
        env: Mapping[str, str],
        loc: Location,
        text: str,
        secrets: set[str],
        unset: list[str],
        require_env: bool,
    ) -> None:
        self.env, self.loc, self.text = env, loc, text
        self.secrets, self.unset, self.require_env = secrets, unset, require_env

    def error(self, message: str, hint: str) -> ConfigError:
        snippet = quote_lines(self.text, self.loc.line, self.loc.end_line)
        return ConfigError(message, self.loc, snippet, hint)

    def apply(self, value: str) -> str:
        return _REFERENCE.sub(self.replace, value)

    def replace(self, match: re.Match[str]) -> str:
        whole = match.group(0)
        if whole == "$${":
            return "${"
        if match.group(1) is None:
            rest = match.string[match.start() :]
            shown = rest if len(rest) <= 30 else rest[:27] + "..."
            raise self.error(
                f"unterminated ${{...}} in {shown!r}: no closing }}",
                "Close the reference: ${NAME}; write $${ for a literal ${.",
            )
        name, has_default, default = match.group(1).partition(":-")
        if not _NAME.fullmatch(name):
            raise self.error(
                f"invalid variable reference {whole!r}",
                "Write ${NAME} or ${NAME:-default}; NAME is letters, digits and _; "
                "write $${ for a literal ${.",
            )
        if name in self.env:
            found = self.env[name]
            if found:
                self.secrets.add(found)
            return found
        if has_default:
            return default
        if not self.require_env:
            if name not in self.unset:
                self.unset.append(name)
            return placeholder(name)
        raise self.error(
            f"the environment variable {name} is not set",
            f"Set {name} before running smoke, or give a default: ${{{name}:-value}}.",
        )
