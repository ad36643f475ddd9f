"""The templates of a local environment, each with what its intrinsics may refer to.

- ``template:`` is a SAM/CloudFormation file, or a CDK cloud assembly directory
  (``cdk.out``): its one stack is read (several: the error lists the lines to write).
- Nested ``AWS::Serverless::Application`` (``Location``) and ``AWS::CloudFormation::Stack``
  (``TemplateURL``) with a local path are read too, with the ``Parameters`` the parent
  passes; their functions are addressed as ``ChildLogicalId/FunctionLogicalId`` (as
  ``sam local invoke`` does), and run under the name ``ChildLogicalId-FunctionLogicalId``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from smoke.errors import ConfigError
from smoke.local import foreach
from smoke.local.intrinsics import Evaluator, Stack, Unresolvable, pseudo_parameters
from smoke.local.parameters import SAMCONFIG_ENV, parameter_values
from smoke.local.template import FUNCTION_TYPES, Template, read_template
from smoke.model import Location

ACCOUNT_ID = "123456789012"
DEFAULT_STACK_NAME = "local"
NESTED_TYPES = ("AWS::Serverless::Application", "AWS::CloudFormation::Stack")
MAX_DEPTH = 5


@dataclass(frozen=True)
class LoadedTemplate:
    """One template of the environment, with its parameters evaluated."""

    template: Template
    stack: Stack
    prefix: str = ""  # "" for the root; "Child/" for a nested stack
    notes: tuple[str, ...] = ()  # parameter notes (AllowedValues ...)
    secrets: tuple[str, ...] = ()  # NoEcho parameter values

    def evaluator(self) -> Evaluator:
        return Evaluator(self.stack)

    def condition(self, resource: Any) -> str | None:
        """Why ``resource`` is not created (its ``Condition`` is false), or None."""
        name = resource.get("Condition") if isinstance(resource, dict) else None
        if not isinstance(name, str):
            return None
        try:
            created = self.evaluator().condition(name)
        except Unresolvable as exc:
            return f"its Condition {name} cannot be evaluated: {exc.message}"
        return None if created else f"its Condition {name} is false with these parameters"

    def functions(self) -> list[str]:
        return [
            key for key, value in self.template.resources.items()
            if isinstance(value, dict) and value.get("Type") in FUNCTION_TYPES
        ]  # fmt: skip


def cdk_template(directory: Path) -> Path:
    """The stack template of a CDK cloud assembly (``cdk.out``) that has exactly one."""
    manifest = directory / "manifest.json"
    stacks: list[tuple[str, Path]] = []
    if manifest.is_file():
        _assembly_stacks(directory, stacks, 0)
    else:
        stacks = [(p.name.split(".")[0], p) for p in sorted(directory.glob("*.template.json"))]
    if len(stacks) == 1:
        return stacks[0][1]
    if not stacks:
        raise ConfigError(
            f"template {directory} is a directory without a stack template",
            Location(str(directory)),
            hint="Point `template:` at a template file, or run `cdk synth` to fill cdk.out.",
        )
    lines = "\n".join(f"    template: {p}" for _, p in stacks)
    raise ConfigError(
        f"{directory} holds {len(stacks)} stacks; say which one",
        Location(str(directory)),
        hint=f"Write one of these in the environment of smoke.yaml:\n{lines}",
    )


def _assembly_stacks(directory: Path, found: list[tuple[str, Path]], depth: int) -> None:
    try:
        manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {directory / 'manifest.json'}: {exc}") from None
    for name, artifact in (manifest.get("artifacts") or {}).items():
        kind = artifact.get("type")
        properties = artifact.get("properties") or {}
        if kind == "aws:cloudformation:stack" and properties.get("templateFile"):
            found.append((name, directory / properties["templateFile"]))
        elif kind == "cdk:cloud-assembly" and depth < MAX_DEPTH:
            nested = directory / str(properties.get("directoryName", ""))
            if (nested / "manifest.json").is_file():
                _assembly_stacks(nested, found, depth + 1)


def load_templates(
    path: Path,
    *,
    region: str,
    given: Mapping[str, Any],
    config_env: str | None = None,
) -> list[LoadedTemplate]:
    """The root template and every nested one with a local location, root first."""
    if path.is_dir():
        path = cdk_template(path)
    root = read_template(path)
    stack_name = str(given.get("AWS::StackName", DEFAULT_STACK_NAME))
    loaded = [_loaded(root, region, stack_name, given, given, config_env or SAMCONFIG_ENV, "")]
    _nested(loaded[0], region, config_env or SAMCONFIG_ENV, loaded, 1)
    return loaded


def _loaded(
    template: Template, region: str, stack_name: str, parameters: Mapping[str, Any],
    given: Mapping[str, Any], config_env: str, prefix: str,
) -> LoadedTemplate:
    nested = bool(prefix)
    values = parameter_values(template.parameters, template.path, parameters, config_env, nested)
    notes = list(values.notes)
    stack = Stack(
        parameters=values.values,
        missing=values.missing,
        resources=template.resources,
        conditions=template.conditions,
        mappings=template.mappings,
        pseudo=pseudo_parameters(region, stack_name, str(given.get("AWS::AccountId", ACCOUNT_ID))),
        given={k: v for k, v in given.items() if k not in template.parameters},
        nested=nested,
    )
    if any(str(key).startswith(foreach.PREFIX) for key in template.resources):
        resources = foreach.expand(dict(template.resources), Evaluator(stack), notes)
        template = replace(template, resources=resources)
        stack = replace(stack, resources=resources)
    return LoadedTemplate(template, stack, prefix, tuple(notes), values.secrets)


def _nested(
    parent: LoadedTemplate, region: str, config_env: str, out: list[LoadedTemplate], depth: int
) -> None:
    for logical, resource in parent.template.resources.items():
        if not isinstance(resource, dict) or resource.get("Type") not in NESTED_TYPES:
            continue
        if depth > MAX_DEPTH or parent.condition(resource):
            continue
        properties = resource.get("Properties") or {}
        key = "Location" if resource["Type"] == NESTED_TYPES[0] else "TemplateURL"
        evaluator = parent.evaluator()
        try:
            location = evaluator.value(properties.get(key))
            passed = evaluator.value(properties.get("Parameters") or {})
        except Unresolvable:
            continue  # its functions are reported as unknown when addressed
        if not isinstance(location, str) or "://" in location:
            continue  # a SAR application or an S3 URL: nothing local to run
        path = (parent.template.path.parent / location).resolve()
        if path.is_dir():
            path = path / "template.yaml"
        if not path.is_file():
            raise ConfigError(
                f"nested {resource['Type']} {logical}: {key} {location!r} does not exist ({path})",
                parent.template.location(properties, key),
                parent.template.snippet(properties, key),
                "Paths are relative to the parent template's directory.",
            )
        child = read_template(path)
        stack_name = f"{parent.stack.pseudo['AWS::StackName']}-{logical}"
        given = {str(k): v for k, v in (passed if isinstance(passed, dict) else {}).items()}
        account = {"AWS::AccountId": parent.stack.pseudo["AWS::AccountId"]}
        loaded = _loaded(child, region, stack_name, given, account, config_env,
                         f"{parent.prefix}{logical}/")  # fmt: skip
        out.append(loaded)
        _nested(loaded, region, config_env, out, depth + 1)
