"""Resolve one template function: Globals, code, layers, environment values.

Every property is evaluated as CloudFormation would (``intrinsics.Evaluator``, with the
environment's parameters). A Handler, CodeUri, Runtime, Timeout, MemorySize or layer that
cannot be evaluated is a ``ConfigError`` naming the key to set; an environment variable
that cannot be is a placeholder (``UNRESOLVED-<key>``) and a warning naming the key,
never a silent ``''``. Image packages, other languages and functions whose Condition is
false raise ``NotSupportedLocally``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NoReturn

from smoke.errors import ConfigError, SmokeError
from smoke.local.intrinsics import NO_VALUE, Unresolvable
from smoke.local.layer_arns import LayerMap
from smoke.local.stacks import LoadedTemplate
from smoke.local.template import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    LAYER_TYPES,
    PREBUILT,
    SERVERLESS_FUNCTION,
    FunctionDefinition,
    NotSupportedLocally,
    UnknownFunction,
    inline_code_dir,
)
from smoke.model import Location

PYTHON3 = re.compile(r"^python3\.\d+$")
# Lambda's runtime names (a typo of one gets a did-you-mean)
_RUNTIMES = (
    *(f"python3.{minor}" for minor in range(8, 15)), *(f"nodejs{v}.x" for v in (16, 18, 20, 22)),
    "java8.al2", "java11", "java17", "java21", "dotnet6", "dotnet8", "ruby3.2", "ruby3.3",
    "ruby3.4", "go1.x", "provided", "provided.al2", "provided.al2023",
)
_FUNCTION_PROPERTIES = frozenset(
    {"Handler", "CodeUri", "Code", "Runtime", "InlineCode", "Layers", "Environment", "Timeout",
     "MemorySize", "Architectures"}
)  # fmt: skip
_ASSET_PATH = "aws:asset:path"


def _is_intrinsic(node: Any) -> bool:
    return isinstance(node, dict) and len(node) == 1 and (
        next(iter(node)) in ("Ref", "Condition") or str(next(iter(node))).startswith("Fn::")
    )


def all_functions(templates: list[LoadedTemplate]) -> list[str]:
    """Every function's address: ``LogicalId``, or ``Child/LogicalId`` in a nested stack."""
    return [f"{t.prefix}{logical}" for t in templates for logical in t.functions()]


def find_function(
    templates: list[LoadedTemplate],
    address: str,
    where: Location | None = None,
    layer_map: LayerMap | None = None,
) -> FunctionDefinition:
    """The function at ``address`` (its logical id, ``Child/LogicalId``, or a CDK construct
    path such as ``MyStack/Api``). ``where`` is the smoke.yaml entry naming it."""
    prefix, _, logical = address.rpartition("/")
    prefix = f"{prefix}/" if prefix else ""
    for loaded in templates:
        resources = loaded.template.resources
        if loaded.prefix == prefix and logical in loaded.functions():
            return FunctionReader(loaded, logical, resources[logical], layer_map).definition()
    root = templates[0]
    for logical_id in root.functions():  # CDK: the construct path of aws:cdk:path metadata
        metadata = root.template.resources[logical_id].get("Metadata")
        cdk_path = metadata.get("aws:cdk:path") if isinstance(metadata, dict) else None
        construct = cdk_path.removesuffix("/Resource") if isinstance(cdk_path, str) else ""
        if construct and address in (construct, construct.split("/", 1)[-1]):
            return FunctionReader(
                root, logical_id, root.template.resources[logical_id], layer_map
            ).definition()
    raise unknown_function(templates, address, where)


def unknown_function(
    templates: list[LoadedTemplate], address: str, where: Location | None
) -> UnknownFunction:
    from smoke.loading.yamlload import quote_lines
    from smoke.suggest import did_you_mean

    functions = sorted(all_functions(templates))
    close = did_you_mean(address, functions)
    hint = f"Did you mean {close!r}? " if close else ""
    root = templates[0].template
    resource = root.resources.get(address)
    if isinstance(resource, dict):
        message = f"resource {address!r} of {root.path} is not a function"
        message += f" (Type: {resource.get('Type')})"
    else:
        message = f"template {root.path} has no function resource {address!r}"
    at = where or root.location(resource)
    return UnknownFunction(
        message,
        at,
        quote_lines(at.file, at.line, at.end_line) if at.line else "",
        hint=f"{hint}Functions in the template: {', '.join(functions) or '(none)'}.",
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class FunctionReader:
    def __init__(
        self,
        loaded: LoadedTemplate,
        logical_id: str,
        resource: Any,
        layer_map: LayerMap | None = None,
    ) -> None:
        self.loaded = loaded
        self.template = loaded.template
        self.evaluator = loaded.evaluator()
        self.logical_id = logical_id
        self.address = f"{loaded.prefix}{logical_id}"
        self.resource = resource
        self.layer_map = layer_map or LayerMap()
        self.warnings: list[str] = list(loaded.notes)
        self.layer_build_methods: dict[str, str] = {}
        self.is_sam = resource.get("Type") == SERVERLESS_FUNCTION
        self.globals = self.template.globals if self.is_sam else {}
        properties = resource.get("Properties")
        if properties is None:
            misplaced = [key for key in resource if key in _FUNCTION_PROPERTIES]
            if misplaced:
                self.fail(
                    f"{misplaced[0]} is beside Properties, not inside it",
                    resource,
                    "Indent the function's properties (Handler, CodeUri, Runtime ...) under "
                    "'Properties:'.",
                    key=misplaced[0],
                )
            properties = {}
        if not isinstance(properties, dict):
            self.fail("Properties must be a mapping", resource, key="Properties")
        self.properties = properties

    def fail(
        self, message: str, node: Any, hint: str = "", key: str | None = None,
        error: type[ConfigError] = ConfigError,
    ) -> NoReturn:
        if not getattr(node, "line", 0):  # e.g. an empty Properties: name the resource
            node, key = self.resource, None
        raise error(
            f"function {self.address}: {message}",
            self.template.location(node, key),
            self.template.snippet(node, key),
            hint,
        )

    def where(self, name: str) -> tuple[Any, str | None]:
        """The mapping (and key) a property was written in: Properties or Globals."""
        if name in self.properties:
            return self.properties, name
        if name in self.globals:
            return self.globals, name
        return self.properties, None

    def prop(self, name: str, default: Any = None) -> Any:
        """The property's value, Globals applied, intrinsics evaluated."""
        node, key = self.where(name)
        if key is None:
            return default
        try:
            value = self.evaluator.value(node[key])
        except Unresolvable as exc:
            self.fail(f"{name} cannot be resolved locally: {exc.message}", node,
                      exc.hint(self.layer_map.env_name), key=key)  # fmt: skip
        return default if value is NO_VALUE else value

    def definition(self) -> FunctionDefinition:
        unsupported = self.loaded.condition(self.resource)
        if unsupported:
            self.fail(f"not created: {unsupported}", self.resource, key="Condition",
                      error=NotSupportedLocally)  # fmt: skip
        if self.prop("PackageType") == "Image":
            node, key = self.where("PackageType")
            self.fail(
                "PackageType: Image functions are not supported by the local runtime",
                node,
                "Test this function in AWS, or run its image with `sam local`.",
                key=key,
                error=NotSupportedLocally,
            )
        runtime = self.runtime()
        handler = self.prop("Handler")
        if not isinstance(handler, str) or "." not in handler.strip(".") or " " in handler:
            node, key = self.where("Handler")
            got = "it is not set" if handler is None else f"got {handler!r}"
            self.fail(
                f"Handler must be 'module.function', {got}",
                node,
                "For example: Handler: app.main.handler (the function handler in app/main.py).",
                key=key,
            )
        architectures = self.prop("Architectures") or ["x86_64"]
        code = self.code()
        layers = tuple(self.layers())
        environment = self.environment()
        timeout = self.number("Timeout", DEFAULT_TIMEOUT_S, low=1, high=900)
        memory = self.number("MemorySize", DEFAULT_MEMORY_MB, low=128, high=10240)
        self.warnings.extend(self.evaluator.notes)
        metadata = self.resource.get("Metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        return FunctionDefinition(
            name=self.address.replace("/", "-"),
            handler=handler,
            code=code,
            runtime=runtime,
            layers=layers,
            environment=environment,
            timeout_s=float(timeout),
            memory_mb=int(memory),
            architecture=str(architectures[0]) if isinstance(architectures, list) else "x86_64",
            location=self.template.location(self.resource),
            warnings=tuple(dict.fromkeys(self.warnings)),
            tags=self.tags(),
            build_method=_text(metadata.get("BuildMethod")),
            # a CDK asset is deployed as it is (bundled or not: CDK never runs pip unless
            # it bundles); SAM's own flag not to build it
            bundled=_ASSET_PATH in metadata or metadata.get("SkipBuild") in (True, "true", "True"),
            layer_build_methods=dict(self.layer_build_methods),
            reserved_concurrency=self.reserved_concurrency(),
        )

    def reserved_concurrency(self) -> int | None:
        """``ReservedConcurrentExecutions``: the cap on the local runtime's sandboxes."""
        if self.prop("ReservedConcurrentExecutions") is None:
            return None
        value = self.number("ReservedConcurrentExecutions", 0, low=0, high=1_000_000)
        if value != int(value):
            node, key = self.where("ReservedConcurrentExecutions")
            self.fail(f"ReservedConcurrentExecutions must be a whole number, got {value!r}", node, key=key)
        return int(value)

    def runtime(self) -> str | None:
        runtime = self.prop("Runtime")
        if runtime is None:
            return None
        node, key = self.where("Runtime")
        if not isinstance(runtime, str):
            self.fail(f"Runtime {runtime!r} is not a runtime name", node, key=key)
        if not PYTHON3.match(runtime):
            from smoke.suggest import did_you_mean

            close = did_you_mean(runtime, _RUNTIMES) if runtime not in _RUNTIMES else None
            self.fail(
                f"Runtime {runtime}: the local runtime runs Python 3 functions only",
                node,
                (f"Did you mean {close!r}? " if close else "")
                + "Test this function in AWS (or with `sam local`); the other functions run.",
                key=key,
                error=NotSupportedLocally,
            )
        return runtime

    def tags(self) -> dict[str, str]:
        try:
            tags = self.prop("Tags") or {}
        except ConfigError:
            return {}
        if isinstance(tags, list):  # AWS::Lambda::Function: [{Key, Value}]
            tags = {t.get("Key"): t.get("Value") for t in tags if isinstance(t, dict)}
        if not isinstance(tags, dict):
            return {}
        return {str(k): str(v) for k, v in tags.items() if v is not None}

    def number(self, name: str, default: float, *, low: float, high: float) -> float:
        """A numeric property within Lambda's limits [low, high] (never NaN or infinite)."""
        value = self.prop(name, default)
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            node, key = self.where(name)
            self.fail(f"{name} must be a number, got {value!r}", node, key=key)
        if not low <= number <= high:  # also false for NaN
            node, key = self.where(name)
            self.fail(f"{name} must be between {low:g} and {high:g} (Lambda's limits), "
                      f"got {value!r}", node, key=key)
        return number

    def local_path(self, value: Any, what: str, node: Any, key: str | None = None) -> Path:
        if isinstance(value, str) and value.startswith(("s3://", "https://", "http://")):
            value = {"S3 location": value}
        if not isinstance(value, str):
            self.fail(
                f"{what} {value!r} is not a local path",
                node,
                "The local runtime runs code from a directory or .zip next to the template "
                "(S3 locations cannot be read; a CDK asset needs its aws:asset:path metadata).",
                key=key,
            )
        path = (self.template.path.parent / value).resolve()
        if not path.exists():
            self.fail(
                f"{what} {value!r} does not exist ({path})",
                node,
                "Paths are relative to the template's directory; build the package first "
                "if it is generated.",
                key=key,
            )
        return path

    def asset_path(self, resource: Any, properties: tuple[str, ...]) -> str | None:
        """CDK: ``Metadata: aws:asset:path`` (relative to the template's directory)."""
        metadata = resource.get("Metadata") if isinstance(resource, dict) else None
        if not isinstance(metadata, dict) or not isinstance(metadata.get(_ASSET_PATH), str):
            return None
        prop = metadata.get("aws:asset:property")
        return metadata[_ASSET_PATH] if prop is None or prop in properties else None

    def code(self) -> Path:
        from smoke.local.packages import cache_root

        asset = self.asset_path(self.resource, ("Code", "CodeUri"))
        if asset is not None:
            metadata = self.resource["Metadata"]
            return self.local_path(asset, "aws:asset:path", metadata, _ASSET_PATH)
        if self.is_sam:
            inline = self.prop("InlineCode")
            if isinstance(inline, str):
                return inline_code_dir(inline, cache_root())
            node, key = self.where("CodeUri")
            return self.local_path(self.prop("CodeUri", "."), "CodeUri", node, key)
        code = self.prop("Code", ".")  # as sam local: no Code is the template's directory
        if isinstance(code, dict) and isinstance(code.get("ZipFile"), str):
            return inline_code_dir(code["ZipFile"], cache_root())
        return self.local_path(code, "Code", self.properties, "Code")

    def layers(self) -> list[Path]:
        written: list[tuple[Any, Any]] = []
        for source in ((self.globals, self.properties) if self.is_sam else (self.properties,)):
            entries = source.get("Layers")
            try:
                entries = self.evaluator.value(entries) if isinstance(entries, dict) else entries
            except Unresolvable as exc:
                self.fail(f"Layers cannot be resolved locally: {exc.message}", source,
                          exc.hint(self.layer_map.env_name), key="Layers")  # fmt: skip
            if isinstance(entries, list):
                node = source.get("Layers")
                where = node if getattr(node, "line", 0) else source
                written.extend((where, entry) for entry in entries)
        return [self.layer(where, entry) for where, entry in written]

    def layer(self, where: Any, entry: Any) -> Path:
        """One entry of Layers (``where``: the list it was written in)."""
        key = None if isinstance(where, list) else "Layers"
        target = entry.get("Ref") if isinstance(entry, dict) and len(entry) == 1 else None
        resource = self.template.resources.get(target) if isinstance(target, str) else None
        if isinstance(resource, dict) and resource.get("Type") in LAYER_TYPES:
            return self.layer_resource(target, resource)  # type: ignore[arg-type]
        try:
            arn = self.evaluator.value(entry)
        except Unresolvable as exc:
            self.fail(f"layer {entry!r} cannot be resolved locally: {exc.message}", where,
                      exc.hint(self.layer_map.env_name), key="Layers")  # fmt: skip
        if arn is NO_VALUE:
            return self.fail("an AWS::NoValue layer is not supported", where, key=key)
        mapped = self.layer_map.find(str(arn))
        if mapped is None:
            message, hint = self.layer_map.missing(str(arn))
            self.fail(message, where, hint, key=key)
        if self.layer_map.downloads(str(arn)):
            if self.layer_map.fetch is None:  # smoke validate / list: no AWS call
                return mapped
            try:
                return self.layer_map.fetch(str(arn))
            except SmokeError as exc:
                _, hint = self.layer_map.missing(str(arn))
                self.fail(f"layer {arn} could not be downloaded: {exc}", where,
                          "Map it to local content instead. " + hint, key=key)  # fmt: skip
        if not mapped.exists():
            self.fail(f"layer {arn} maps to {mapped}, which does not exist", where,
                      "Paths under `layers:` are relative to smoke.yaml.", key=key)
        return mapped

    def layer_resource(self, logical: str, layer: Any) -> Path:
        path = self.layer_content(logical, layer)
        metadata = layer.get("Metadata")
        method = _text(metadata.get("BuildMethod")) if isinstance(metadata, dict) else None
        if isinstance(metadata, dict) and _ASSET_PATH in metadata:
            method = PREBUILT  # a CDK asset is deployed as it is
        if method:
            self.layer_build_methods[str(path)] = method
        return path

    def layer_content(self, logical: str, layer: Any) -> Path:
        layer_props = layer.get("Properties") or {}
        asset = self.asset_path(layer, ("Content", "ContentUri"))
        if asset is not None:
            return self.local_path(asset, f"layer {logical} aws:asset:path", layer["Metadata"],
                                   _ASSET_PATH)  # fmt: skip
        key = "ContentUri" if "ContentUri" in layer_props else "Content"
        node = layer_props if getattr(layer_props, "line", 0) else layer
        try:
            content = self.evaluator.value(layer_props.get(key))
        except Unresolvable as exc:
            self.fail(f"layer {logical} {key} cannot be resolved: {exc.message}", node,
                      exc.hint(self.layer_map.env_name), key=key)  # fmt: skip
        return self.local_path(content, f"layer {logical} {key}", node, key)

    def environment(self) -> dict[str, str]:
        variables: dict[str, Any] = {}
        for source in (self.globals, self.properties):
            block = source.get("Environment") or {}
            try:
                block = self.evaluator.value(block) if _is_intrinsic(block) else block
            except Unresolvable as exc:
                self.warnings.append(
                    f"the Environment of {self.address} cannot be resolved locally: {exc.message}"
                )
                block = {}
            if isinstance(block, dict):
                found = block.get("Variables") or {}
                if isinstance(found, dict):
                    variables.update(found)
        resolved = {}
        for name, value in variables.items():
            try:
                text = self.evaluator.value(value)
                if text is NO_VALUE:
                    continue
                if isinstance(text, (dict, list)):
                    raise Unresolvable(f"{value!r} is not a single value")
            except Unresolvable as exc:
                key = exc.key or name
                text = f"UNRESOLVED-{key}"
                where = (
                    f"parameters: {{{exc.key}: ...}}" if exc.key
                    else f"environment: {{{name}: ...}} on the function"
                )
                self.warnings.append(
                    f"environment variable {name} of {self.address} cannot be resolved "
                    f"locally ({exc.message}): set to {text!r}; give it with {where} "
                    "in smoke.yaml"
                )
            resolved[str(name)] = str(text).lower() if isinstance(text, bool) else str(text)
        return resolved
