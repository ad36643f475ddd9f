"""Lambda's aliases and versions for the gate: read the targets, move aliases, put them back.

Every change goes through ``AliasKeeper``, which remembers how each alias was before the
gate touched it, so an interrupt, a crash or a rollback restores exactly that (version
and weights), and says what it did.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from smoke.aws import client, error_code, translate
from smoke.errors import ConfigError, HarnessError
from smoke.gate.model import Target
from smoke.model import Environment


def is_alias(qualifier: str | None) -> bool:
    return bool(qualifier) and qualifier != "$LATEST" and not str(qualifier).isdigit()


def gated_functions(env: Environment) -> list[str]:
    """The logical functions whose environment entry names an alias (``qualifier: live``)."""
    return [k for k, spec in env.functions.items() if is_alias(spec.qualifier)]


def lambda_client(env: Environment) -> Any:
    return client(env, "lambda")


def published_versions(lam: Any, name: str) -> list[str]:
    versions: list[str] = []
    try:
        for page in lam.get_paginator("list_versions_by_function").paginate(FunctionName=name):
            versions += [v["Version"] for v in page.get("Versions", []) if v["Version"].isdigit()]
    except Exception as exc:
        raise translate(exc, f"list the versions of {name}") from exc
    return sorted(set(versions), key=int)


def read_alias(lam: Any, name: str, alias: str) -> tuple[str, dict[str, float]]:
    try:
        answer = lam.get_alias(FunctionName=name, Name=alias)
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            raise HarnessError(
                f"function {name} has no alias {alias!r}: create it once, pointing at the "
                f"version in service (aws lambda create-alias --function-name {name} "
                f"--name {alias} --function-version N)"
            ) from exc
        raise translate(exc, f"read alias {alias} of {name}") from exc
    weights = (answer.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return str(answer["FunctionVersion"]), {str(k): float(v) for k, v in weights.items()}


def find_targets(
    env: Environment, logical: Sequence[str], versions: Mapping[str | None, str], lam: Any
) -> list[Target]:
    """Each gated function with its alias, current version and candidate."""
    from smoke.discovery import discover

    unknown = [k for k in versions if k is not None and k not in logical]
    if unknown:
        raise ConfigError(
            f"--version {unknown[0]}=...: {unknown[0]!r} is not a gated function of "
            f"environment {env.name!r}",
            hint=f"gated functions (those with an alias qualifier): {', '.join(logical) or '(none)'}",
        )
    found = discover(env, logical)
    targets = []
    for key in logical:
        ref = found[key]
        alias = str(env.functions[key].qualifier)
        current, routing = read_alias(lam, ref.name, alias)
        published = published_versions(lam, ref.name)
        wanted = versions.get(key, versions.get(None))
        target = Target(key, ref.name, alias, current, routing)
        if wanted is not None:
            if wanted not in published:
                raise HarnessError(
                    f"function {key} ({ref.name}) has no published version {wanted}; "
                    f"published: {', '.join(published) or '(none)'}"
                )
            candidate = wanted
        elif not published:
            targets.append(_none(target, "no published version (publish one first)"))
            continue
        else:
            candidate = published[-1]
        if candidate == current:
            targets.append(_none(target, f"alias {alias} already points at version {current}"))
        elif routing:
            weights = ", ".join(f"{v}: {w:.0%}" for v, w in routing.items())
            targets.append(_none(target, f"alias {alias} already routes traffic by weight "
                                         f"({weights}): another release is under way"))
        else:
            targets.append(Target(key, ref.name, alias, current, routing, candidate))
    return targets


def _none(target: Target, why: str) -> Target:
    return Target(target.logical, target.name, target.alias, target.current, target.routing,
                  None, why)


class AliasKeeper:
    """Moves aliases and remembers, per alias, how it was before the gate touched it."""

    def __init__(self, lam: Any) -> None:
        self.lam = lam
        self._before: dict[tuple[str, str], tuple[str, dict[str, float]]] = {}
        self._lock = threading.Lock()

    def point(self, target: Target, version: str, weights: Mapping[str, float] | None = None) -> None:
        """Point ``target``'s alias at ``version`` (with ``weights`` for other versions)."""
        key = (target.name, target.alias)
        with self._lock:
            self._before.setdefault(key, (target.current, dict(target.routing)))
        routing = {"AdditionalVersionWeights": {k: float(w) for k, w in (weights or {}).items()}}
        try:
            self.lam.update_alias(FunctionName=target.name, Name=target.alias,
                                  FunctionVersion=version, RoutingConfig=routing)
        except Exception as exc:
            raise translate(exc, f"update alias {target.alias} of {target.name}") from exc

    def forget(self, target: Target) -> None:
        """The alias's new state is final (promoted): nothing to restore any more."""
        with self._lock:
            self._before.pop((target.name, target.alias), None)

    def touched(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._before)

    def restore(self, target: Target) -> str | None:
        """Put ``target``'s alias back as it was; None when it worked, else the problem."""
        key = (target.name, target.alias)
        with self._lock:
            before = self._before.get(key)
        if before is None:
            return None
        version, weights = before
        try:
            self.lam.update_alias(FunctionName=target.name, Name=target.alias,
                                  FunctionVersion=version,
                                  RoutingConfig={"AdditionalVersionWeights": weights})
        except Exception as exc:
            return str(translate(exc, f"restore alias {target.alias} of {target.name}"))
        with self._lock:
            self._before.pop(key, None)
        return None
