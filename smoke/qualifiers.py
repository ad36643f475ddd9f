"""``--qualifier Q`` / ``--qualifier FN=Q``: run against a version or alias, not smoke.yaml's.

``Q`` alone applies to every function of the environment; ``api=42`` to one logical
function (and wins over a bare ``Q``). The override replaces ``qualifier:`` in smoke.yaml
before discovery, so the transport invokes that qualifier and the log scan reads only
that version's streams (``[42]``), or, for an alias, the version that actually ran.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from smoke.errors import ConfigError
from smoke.model import Environment
from smoke.suggest import valid_values

# Lambda's own rules: a version is digits (or $LATEST); an alias is 1-128 of [a-zA-Z0-9-_]
# and not only digits.
_QUALIFIER = re.compile(r"^(\$LATEST|[0-9]+|[A-Za-z0-9_-]{1,128})$")
_OPTION = "--qualifier"


def parse_qualifiers(values: Sequence[str], option: str = _OPTION) -> dict[str | None, str]:
    """``["live", "api=42"]`` -> ``{None: "live", "api": "42"}``; a bad value is exit 2."""
    parsed: dict[str | None, str] = {}
    for value in values:
        function, sep, qualifier = value.rpartition("=")
        key: str | None = function.strip() if sep else None
        qualifier = qualifier.strip()
        if sep and not key:
            raise ConfigError(f"{option} {value!r}: the function name before '=' is empty",
                              hint=f"Write {option} FUNCTION=QUALIFIER, e.g. {option} api=42.")
        if not _QUALIFIER.match(qualifier):
            raise ConfigError(
                f"{option} {value!r}: {qualifier!r} is neither a version number nor an alias name",
                hint="A qualifier is a published version (e.g. 42), $LATEST, or an alias "
                "(letters, digits, - and _), e.g. live.",
            )
        if key in parsed and parsed[key] != qualifier:
            what = f"function {key!r}" if key else "every function"
            raise ConfigError(f"{option} given twice for {what}: {parsed[key]!r} and {qualifier!r}")
        parsed[key] = qualifier
    return parsed


def apply_qualifiers(
    env: Environment, qualifiers: Mapping[str | None, str], option: str = _OPTION
) -> Environment:
    """``env`` with the overridden qualifiers (``$LATEST`` means none)."""
    if not qualifiers:
        return env
    unknown = [k for k in qualifiers if k is not None and k not in env.functions]
    if unknown:
        raise ConfigError(
            f"{option} {unknown[0]}=...: environment {env.name!r} has no function {unknown[0]!r}",
            env.location,
            hint=valid_values(unknown[0], list(env.functions), "functions"),
        )
    if env.is_local:
        raise ConfigError(
            f"{option}: environment {env.name!r} is local, and a local environment has only "
            "$LATEST (its functions run from the files on disk)",
            env.location,
            hint="Start `smoke local start ENV` (it serves PublishVersion and aliases), and run "
            "against an environment whose endpoint_url is its address.",
        )
    functions = {}
    for logical, spec in env.functions.items():
        chosen = qualifiers.get(logical, qualifiers.get(None, spec.qualifier))
        if chosen == "$LATEST":
            chosen = None
        functions[logical] = replace(spec, qualifier=chosen)
    return replace(env, functions=functions)
