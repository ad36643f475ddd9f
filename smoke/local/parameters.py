"""A template's parameter values, as ``sam deploy`` would pass them.

Lowest to highest: each parameter's ``Default``; ``parameter_overrides`` of a
``samconfig.toml`` (or ``samconfig.yaml``) beside the template, read from the sections
``global``, ``deploy``, ``local_start_api`` and ``local_invoke`` of its ``default``
environment (later sections win, as the more specific); then ``parameters:`` of the
smoke.yaml environment. ``parameters:`` may also name pseudo parameters
(``AWS::AccountId``), resources (``Table``: the value of ``!Ref Table``), attributes
(``Table.Arn``) and exports (the name given to ``!ImportValue``).
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smoke.errors import ConfigError
from smoke.model import Location

SAMCONFIG_NAMES = ("samconfig.toml", "samconfig.yaml", "samconfig.yml")
SAMCONFIG_SECTIONS = ("global", "deploy", "local_start_api", "local_invoke")
SAMCONFIG_ENV = "default"


@dataclass(frozen=True)
class ParameterValues:
    values: Mapping[str, Any]  # name -> str, or list of str for list types
    missing: Mapping[str, str]  # name -> why there is no value
    notes: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()  # values of NoEcho parameters
    samconfig: Path | None = None
    sources: Mapping[str, str] = field(default_factory=dict)  # name -> where the value came from


def find_samconfig(template_path: Path) -> Path | None:
    """``samconfig.toml`` beside the template (or beside the project of a
    ``.aws-sam/build/template.yaml``)."""
    directories = [template_path.parent]
    if template_path.parent.name == "build" and template_path.parent.parent.name == ".aws-sam":
        directories.append(template_path.parent.parent.parent)
    for directory in directories:
        for name in SAMCONFIG_NAMES:
            if (directory / name).is_file():
                return directory / name
    return None


def _read_samconfig(path: Path) -> dict[str, Any]:
    try:
        if path.suffix == ".toml":
            if sys.version_info >= (3, 11):
                import tomllib
            else:  # pragma: no cover - exercised on 3.10 only
                import tomli as tomllib
            with path.open("rb") as handle:
                return tomllib.load(handle)
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except OSError as exc:
        raise ConfigError(f"cannot read {path.name}: {exc.strerror}", Location(str(path))) from None
    except ValueError as exc:  # tomllib.TOMLDecodeError and yaml errors subclass it or not
        raise ConfigError(f"{path.name} is not valid: {exc}", Location(str(path))) from None
    except Exception as exc:  # yaml.YAMLError
        raise ConfigError(f"{path.name} is not valid: {exc}", Location(str(path))) from None


def parse_overrides(value: Any, where: str) -> dict[str, str]:
    """``parameter_overrides``: ``"A=1 B='x y'"``, a list of ``"A=1"``, or the
    ``ParameterKey=A,ParameterValue=1`` form."""
    if isinstance(value, str):
        try:
            tokens = shlex.split(value)
        except ValueError as exc:
            raise ConfigError(f"{where}: parameter_overrides cannot be read: {exc}") from None
    elif isinstance(value, list):
        tokens = [str(item) for item in value]
    else:
        return {}
    result: dict[str, str] = {}
    for token in tokens:
        if token.startswith("ParameterKey=") and ",ParameterValue=" in token:
            key, _, rest = token[len("ParameterKey="):].partition(",ParameterValue=")
            result[key] = rest
        elif "=" in token:
            key, _, rest = token.partition("=")
            result[key.strip()] = rest
        else:
            raise ConfigError(
                f"{where}: parameter_overrides entry {token!r} is not KEY=VALUE",
                hint='For example: parameter_overrides = "Stage=dev LogLevel=DEBUG"',
            )
    return result


def samconfig_overrides(path: Path, config_env: str = SAMCONFIG_ENV) -> dict[str, str]:
    data = _read_samconfig(path)
    section = data.get(config_env)
    if not isinstance(section, dict):
        return {}
    overrides: dict[str, str] = {}
    for command in SAMCONFIG_SECTIONS:
        parameters = (section.get(command) or {}).get("parameters") or {}
        if isinstance(parameters, dict) and "parameter_overrides" in parameters:
            overrides.update(
                parse_overrides(
                    parameters["parameter_overrides"],
                    f"{path} [{config_env}.{command}.parameters]",
                )
            )
    return overrides


def _as_value(declared_type: str, value: Any) -> Any:
    if isinstance(value, list):
        return [str(v) for v in value]
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if declared_type == "CommaDelimitedList" or declared_type.startswith("List<"):
        return [part.strip() for part in text.split(",")] if text else []
    return text


def parameter_values(
    declared: Mapping[str, Any],
    template_path: Path,
    given: Mapping[str, Any],
    config_env: str = SAMCONFIG_ENV,
    nested: bool = False,
) -> ParameterValues:
    """``given``: smoke.yaml's ``parameters:`` (for a nested stack: what its parent passes;
    samconfig.toml applies to the root stack only, as with ``sam deploy``)."""
    samconfig = None if nested else find_samconfig(template_path)
    from_samconfig = samconfig_overrides(samconfig, config_env) if samconfig else {}
    values: dict[str, Any] = {}
    missing: dict[str, str] = {}
    notes: list[str] = []
    secrets: list[str] = []
    sources: dict[str, str] = {}
    for name, spec in declared.items():
        spec = spec if isinstance(spec, dict) else {}
        declared_type = str(spec.get("Type", "String"))
        if name in given:
            raw, sources[name] = given[name], "smoke.yaml"
        elif name in from_samconfig:
            raw, sources[name] = from_samconfig[name], str(samconfig)
        elif declared_type.startswith("AWS::SSM::Parameter::Value<"):
            missing[name] = (
                f"is read from SSM Parameter Store ({spec.get('Default', '?')}) at deploy"
            )
            continue
        elif "Default" in spec:
            raw, sources[name] = spec["Default"], "Default"
        else:
            missing[name] = (
                "has no Default and the parent stack passes no value" if nested
                else "has no Default and no value in samconfig.toml or smoke.yaml"
            )
            continue
        value = _as_value(declared_type, raw)
        allowed = spec.get("AllowedValues")
        no_echo = spec.get("NoEcho") in (True, "true", "True")
        if (
            isinstance(allowed, list) and isinstance(value, str) and not no_echo
            and value not in [_as_value("String", a) for a in allowed]
        ):
            notes.append(
                    f"parameter {name} = {value!r} ({sources[name]}) is not one of its "
                    f"AllowedValues {allowed!r}: CloudFormation would refuse it"
                )
        if spec.get("NoEcho") in (True, "true", "True") and isinstance(value, str) and value:
            secrets.append(value)
        values[name] = value
    return ParameterValues(values, missing, tuple(notes), tuple(secrets), samconfig, sources)
