"""``${NAME}`` interpolation in suites and smoke.yaml.

Every string value may say ``${NAME}`` (the environment variable NAME) or
``${NAME:-default}``; ``$${`` writes a literal ``${``. Values read from the
environment are secrets: the loaders record them so no output ever shows them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from smoke.errors import ConfigError
from smoke.model import Location
from smoke.yamlload import node_location, quote_lines

_REFERENCE = re.compile(r"\$(\$?)\{([^}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def interpolate(data: Any, env: Mapping[str, str], file: str, text: str = "") -> set[str]:
    """Replace ``${NAME}`` / ``${NAME:-default}`` in every string value, in place.

    ``$${`` writes a literal ``${``. Returns the values read from ``env`` (secrets).
    An unset variable without a default is a ConfigError at the value's line.
    """
    secrets: set[str] = set()
    stack: list[Any] = [data] if isinstance(data, (dict, list)) else []
    seen: set[int] = set()
    while stack:
        container = stack.pop()
        if id(container) in seen:
            continue
        seen.add(id(container))
        keys: Iterable[Any] = (
            list(container) if isinstance(container, dict) else range(len(container))
        )
        for key in keys:
            value = container[key]
            if isinstance(value, (dict, list)):
                stack.append(value)
            elif isinstance(value, str) and "${" in value:
                loc = node_location(container, key, file)
                container[key] = _substitute(value, env, loc, text, secrets)
    return secrets


def _substitute(
    value: str, env: Mapping[str, str], loc: Location, text: str, secrets: set[str]
) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            return "${" + match.group(2) + "}"
        name, has_default, default = match.group(2).partition(":-")
        if not _NAME.fullmatch(name):
            raise ConfigError(
                f"invalid variable reference {match.group(0)!r}",
                loc,
                quote_lines(text, loc.line, loc.end_line),
                hint="Write ${NAME} or ${NAME:-default}; NAME is letters, digits and _; "
                "write $${ for a literal ${.",
            )
        if name in env:
            found = env[name]
            if found:
                secrets.add(found)
            return found
        if has_default:
            return default
        raise ConfigError(
            f"the environment variable {name} is not set",
            loc,
            quote_lines(text, loc.line, loc.end_line),
            hint=f"Set {name} before running smoke, or give a default: ${{{name}:-value}}.",
        )

    return _REFERENCE.sub(replace, value)


