"""Read functions and layers from a SAM or CloudFormation template (YAML or JSON).

Short-form tags (``!Ref``, ``!GetAtt``, ``!Sub`` ...) are read by a ``SafeLoader``
subclass into their long form (``{"Ref": ...}``, ``{"Fn::GetAtt": ...}``), without
touching PyYAML's global loaders. Every mapping remembers its lines, so mistakes are
reported as ``template.yaml:12-18``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from smoke.errors import ConfigError
from smoke.loading.yamlload import (
    SelfAliasComposer,
    check_aliases,
    duplicate_key_error,
    nested_too_deeply,
    quote_lines,
    read_text,
)
from smoke.model import Location

if TYPE_CHECKING:
    from smoke.local.layer_arns import LayerMap

TEMPLATE_MAX_BYTES = 8 * 1024 * 1024  # CloudFormation's own limit is 1 MB; SAM's input is larger

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
FUNCTION_TYPES = (SERVERLESS_FUNCTION, LAMBDA_FUNCTION)
LAYER_TYPES = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
DEFAULT_TIMEOUT_S = 3.0
DEFAULT_MEMORY_MB = 128

_SHORT_TAGS = (
    "Ref", "Condition", "GetAtt", "Sub", "Join", "If", "Select", "FindInMap", "ImportValue",
    "Split", "Base64", "Equals", "Not", "And", "Or", "GetAZs", "Cidr", "Transform", "Length",
    "ToJsonString",
)  # fmt: skip


class NotSupportedLocally(ConfigError):
    """A function the local runtime does not run (an Image package, another language,
    a Condition that is false): only the checks that target it are errors."""


class UnknownFunction(ConfigError):
    """smoke.yaml names a resource the template does not have as a function."""


class MarkedDict(dict[str, Any]):
    """A mapping that knows where it was written (1-based lines)."""

    line: int = 0
    end_line: int = 0
    key_lines: dict[str, int]  # the line of each key


class MarkedList(list[Any]):
    """A sequence that knows where it was written (1-based lines)."""

    line: int = 0
    end_line: int = 0


class TemplateLoader(SelfAliasComposer, yaml.SafeLoader):
    """SafeLoader + CloudFormation short-form tags + line marks (no global patching).

    Held to the suites' rules: an alias to itself or aliases that add more than
    ``MAX_ALIAS_VALUES`` values are errors, and so is a key written twice in one
    mapping (CloudFormation keeps the last one silently); keys are strings
    (``123:`` is the logical id "123")."""

    def __init__(self, stream: str, file: str = "<template>") -> None:
        super().__init__(stream)
        self.file, self.text = file, stream

    def construct_document(self, node: yaml.Node) -> Any:
        check_aliases(node, self.text)
        return super().construct_document(node)

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        seen: dict[str, int] = {}  # written keys only: a merged (<<) key may be overridden
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain string, not a list or mapping",
                    key_node.start_mark,
                )
            key = str(key_node.value)
            if key in seen:
                raise duplicate_key_error(self.file, self.text, key, seen[key], key_node)
            seen[key] = key_node.start_mark.line + 1
        super().flatten_mapping(node)

    def construct_pairs(self, node: yaml.MappingNode, deep: bool = False) -> list[tuple[Any, Any]]:
        """Keys as written (``123:`` is "123", ``true:`` is "true"), values constructed."""
        return [
            (str(key.value), self.construct_object(value, deep=deep)) for key, value in node.value
        ]


def _construct_mapping(loader: TemplateLoader, node: yaml.MappingNode) -> MarkedDict:
    loader.flatten_mapping(node)
    result = MarkedDict(loader.construct_pairs(node, deep=True))
    result.key_lines = {
        str(key.value): key.start_mark.line + 1 for key, _ in node.value if hasattr(key, "value")
    }
    result.line = node.start_mark.line + 1
    result.end_line = _end_line(node)
    return result


def _end_line(node: yaml.Node) -> int:
    """The last line of a block node (1-based): a node that ends where the next key's
    indentation begins ended on the line before."""
    mark = node.end_mark
    buffer, pointer = getattr(mark, "buffer", None), getattr(mark, "pointer", None)
    if isinstance(buffer, str) and isinstance(pointer, int) and mark.column:
        start = buffer.rfind("\n", 0, pointer) + 1
        if not buffer[start:pointer].strip():
            return max(mark.line, node.start_mark.line + 1)
    return mark.line + (0 if mark.column == 0 else 1)


def _construct_sequence(loader: TemplateLoader, node: yaml.SequenceNode) -> MarkedList:
    result = MarkedList(loader.construct_sequence(node, deep=True))
    result.line = node.start_mark.line + 1
    result.end_line = _end_line(node)
    return result


def _short_form(tag: str) -> Any:
    long_name = tag if tag in ("Ref", "Condition") else f"Fn::{tag}"

    def construct(loader: TemplateLoader, node: yaml.Node) -> Any:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if tag == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = _construct_mapping(loader, node)  # type: ignore[arg-type]
        return {long_name: value}

    return construct


TemplateLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)
TemplateLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
    _construct_sequence,
)
for _tag in _SHORT_TAGS:
    TemplateLoader.add_constructor(f"!{_tag}", _short_form(_tag))


@dataclass(frozen=True)
class FunctionDefinition:
    """Everything the local runtime needs to run one function."""

    name: str  # the local function's name (the template's logical id, or the spec's)
    handler: str
    code: Path  # a directory or a .zip
    runtime: str | None = None
    layers: tuple[Path, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    architecture: str = "x86_64"
    location: Location | None = None
    warnings: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    # how `sam build` builds it (Metadata BuildMethod), and whether a build tool already
    # did (CDK's aws:asset:is-bundled, a .aws-sam/build template): see smoke.local.artifacts
    build_method: str | None = None
    bundled: bool = False
    layer_build_methods: Mapping[str, str] = field(default_factory=dict)  # str(path) -> method
    reserved_concurrency: int | None = None  # ReservedConcurrentExecutions: caps the sandboxes


PREBUILT = "(prebuilt)"  # a layer's "build method" when a tool built it already (CDK assets)


@dataclass(frozen=True)
class Template:
    path: Path
    resources: Mapping[str, Any]
    globals: Mapping[str, Any]
    parameters: Mapping[str, Any]
    conditions: Mapping[str, Any] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)

    def location(self, node: Any, key: str | None = None) -> Location:
        """Where ``node`` (or its entry ``key``) was written in the template."""
        lines = getattr(node, "key_lines", {})
        if key is not None and key in lines:
            line = lines[key]
            return Location(str(self.path), line, line)
        if isinstance(node, (MarkedDict, MarkedList)):
            return Location(str(self.path), node.line, node.end_line)
        return Location(str(self.path))

    def snippet(self, node: Any, key: str | None = None) -> str:
        location = self.location(node, key)
        if not location.line:
            return ""
        end = min(location.end_line or location.line, location.line + 7)
        return quote_lines(self.path, location.line, end)


def read_template(path: Path) -> Template:
    text = read_text(path, TEMPLATE_MAX_BYTES, "templates")
    loader = TemplateLoader(text, str(path))
    try:
        data = loader.get_single_data()
    except RecursionError:
        raise nested_too_deeply(str(path), text) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 0
        problem = str(exc.problem)
        hint = ""
        unknown = re.search(r"tag '(![^']*)'", problem)
        if unknown and "constructor" in problem:
            from smoke.suggest import valid_values

            known = [f"!{t}" for t in _SHORT_TAGS]
            problem = f"unknown tag {unknown.group(1)!r}"
            hint = valid_values(unknown.group(1), known, "CloudFormation short-form tags")
        raise ConfigError(
            f"template is not valid YAML/JSON: {problem}", Location(str(path), line),
            snippet=quote_lines(text, line), hint=hint,
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"template is not valid YAML/JSON: {exc}", Location(str(path), 1)
        ) from None
    finally:
        loader.dispose()
    _check_sections(data, path)
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise ConfigError(
            "not a CloudFormation/SAM template: no Resources mapping",
            Location(str(path), getattr(data, "line", 0) or 1),  # an empty file: line 1
            hint="A template has a top-level 'Resources:' mapping of logical ids.",
        )
    globals_ = data.get("Globals") or {}
    return Template(
        path=path,
        resources=data["Resources"],
        globals=globals_.get("Function") or {} if isinstance(globals_, dict) else {},
        parameters=_mapping(data.get("Parameters")),
        conditions=_mapping(data.get("Conditions")),
        mappings=_mapping(data.get("Mappings")),
    )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _check_sections(data: Any, path: Path) -> None:
    """The template's top-level sections have the shapes CloudFormation requires."""
    if not isinstance(data, dict):
        return  # said below: no Resources mapping
    for key in ("Resources", "Parameters", "Globals", "Conditions", "Mappings", "Outputs"):
        value = data.get(key)
        if value is not None and not isinstance(value, dict):
            _shape_error(path, data, key, f"{key} must be a mapping of names to entries")
    globals_ = data.get("Globals") or {}
    for key, value in globals_.items():
        if value is not None and not isinstance(value, dict):
            _shape_error(path, globals_, key, f"Globals.{key} must be a mapping of properties")
    for logical_id, resource in (data.get("Resources") or {}).items():
        if logical_id.startswith("Fn::"):  # Fn::ForEach::Name (AWS::LanguageExtensions)
            continue
        if not isinstance(resource, dict):
            _shape_error(path, data["Resources"], logical_id,
                         f"resource {logical_id!r} must be a mapping with a Type")
        if resource.get("Type") in FUNCTION_TYPES:
            properties = resource.get("Properties")
            if properties is not None and not isinstance(properties, dict):
                _shape_error(path, resource, "Properties",
                             f"function {logical_id}: Properties must be a mapping")
            _check_function_shapes(path, properties or {}, f"function {logical_id}")
    if isinstance(globals_.get("Function"), dict):
        _check_function_shapes(path, globals_["Function"], "Globals.Function")


_PROPERTY_SHAPES = {  # property -> (the type it must have, how to say it)
    "Layers": (list, "a list of layer ARNs or !Ref LayerResource"),
    "Architectures": (list, "a list such as [arm64]"),
    "Environment": (dict, "a mapping with Variables"),
}


def _intrinsic(value: Any) -> bool:
    """``{"Ref": ...}``, ``{"Fn::If": ...}``: a value CloudFormation computes."""
    return isinstance(value, dict) and len(value) == 1 and (
        "Ref" in value or next(iter(value)).startswith("Fn::")
    )


def _check_function_shapes(path: Path, properties: Any, who: str) -> None:
    for key, (kind, said) in _PROPERTY_SHAPES.items():
        value = properties.get(key)
        if value is not None and not isinstance(value, kind) and not _intrinsic(value):
            _shape_error(path, properties, key, f"{who}: {key} must be {said}; got {value!r}")
    environment = properties.get("Environment")
    if isinstance(environment, dict) and not _intrinsic(environment):
        variables = environment.get("Variables")
        if variables is not None and not isinstance(variables, dict):
            _shape_error(path, environment, "Variables",
                         f"{who}: Environment.Variables must be a mapping of names to values; "
                         f"got {variables!r}")


def _shape_error(path: Path, parent: Any, key: str, message: str) -> None:
    line = getattr(parent, "key_lines", {}).get(key, getattr(parent, "line", 0))
    raise ConfigError(
        message, Location(str(path), line), quote_lines(path, line) if line else "",
        hint="See the AWS SAM template anatomy: https://docs.aws.amazon.com/serverless-"
        "application-model/latest/developerguide/sam-specification-template-anatomy.html",
    )


def function_definition(
    template: Template,
    logical_id: str,
    region: str,
    where: Location | None = None,
    layer_map: LayerMap | None = None,
) -> FunctionDefinition:
    """The function ``logical_id`` of ``template`` alone (parameter defaults, no
    smoke.yaml overrides, no nested stacks); see ``template_values.find_function``."""
    from smoke.local.stacks import _loaded
    from smoke.local.template_values import find_function

    loaded = _loaded(template, region, "local", {}, {}, "default", "")
    return find_function([loaded], logical_id, where, layer_map)


def inline_code_dir(source: str, cache: Path) -> Path:
    """A directory holding inline code (``ZipFile``/``InlineCode``) as ``index.py``."""
    directory = cache / "inline" / hashlib.sha256(source.encode()).hexdigest()[:16]
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "index.py"
    if not target.exists():
        target.write_text(source, encoding="utf-8")
    return directory
