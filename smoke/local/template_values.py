"""Resolve one template function: Globals, code, layers, environment values.

Only what the local runtime needs is resolved: ``Ref`` to parameters (their defaults),
pseudo parameters and layer resources, simple ``Fn::Sub``/``Fn::Join``. Anything else
in an environment variable becomes an empty string and a warning in ``runtime_info``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NoReturn

from smoke.errors import ConfigError
from smoke.local.template import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    LAYER_TYPES,
    SERVERLESS_FUNCTION,
    FunctionDefinition,
    Template,
    inline_code_dir,
)

_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")
PYTHON3 = re.compile(r"^python3\.\d+$")
_FUNCTION_PROPERTIES = frozenset(
    {"Handler", "CodeUri", "Code", "Runtime", "InlineCode", "Layers", "Environment", "Timeout",
     "MemorySize", "Architectures"}
)  # fmt: skip


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class FunctionReader:
    def __init__(self, template: Template, logical_id: str, resource: Any, region: str) -> None:
        self.template = template
        self.logical_id = logical_id
        self.resource = resource
        self.region = region
        self.warnings: list[str] = []
        self.layer_build_methods: dict[str, str] = {}
        self.is_sam = resource.get("Type") == SERVERLESS_FUNCTION
        self.globals = template.globals if self.is_sam else {}
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

    def fail(self, message: str, node: Any, hint: str = "", key: str | None = None) -> NoReturn:
        if not getattr(node, "line", 0):  # e.g. an empty Properties: name the resource
            node, key = self.resource, None
        raise ConfigError(
            f"function {self.logical_id}: {message}",
            self.template.location(node, key),
            self.template.snippet(node, key),
            hint,
        )

    def prop(self, name: str, default: Any = None) -> Any:
        if name in self.properties:
            return self.properties[name]
        return self.globals.get(name, default)

    def where(self, name: str) -> tuple[Any, str | None]:
        """The mapping (and key) a property was written in: Properties or Globals."""
        if name in self.properties:
            return self.properties, name
        if name in self.globals:
            return self.globals, name
        return self.properties, None

    def definition(self) -> FunctionDefinition:
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
        runtime = self.runtime()
        architectures = self.prop("Architectures") or ["x86_64"]
        layers = tuple(self.layers())
        metadata = self.resource.get("Metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        return FunctionDefinition(
            name=self.logical_id,
            handler=handler,
            code=self.code(),
            runtime=runtime,
            layers=layers,
            environment=self.environment(),
            timeout_s=self.number("Timeout", DEFAULT_TIMEOUT_S, low=1, high=900),
            memory_mb=int(self.number("MemorySize", DEFAULT_MEMORY_MB, low=128, high=10240)),
            architecture=str(architectures[0]) if isinstance(architectures, list) else "x86_64",
            location=self.template.location(self.resource),
            warnings=tuple(self.warnings),
            tags=self.tags(),
            build_method=_text(metadata.get("BuildMethod")),
            bundled=metadata.get("aws:asset:is-bundled") in (True, "true", "True"),
            layer_build_methods=dict(self.layer_build_methods),
        )

    def runtime(self) -> str | None:
        declared = self.prop("Runtime")
        if declared is None:
            return None
        node, key = self.where("Runtime")
        runtime = self.resolve(declared)
        if not isinstance(runtime, str):
            self.fail(
                f"Runtime {declared!r} cannot be resolved locally",
                node,
                "Write the runtime (Runtime: python3.12), or give the parameter a Default.",
                key=key,
            )
        if not PYTHON3.match(runtime):
            self.fail(
                f"the local runtime runs Python 3 functions; Runtime is {runtime!r}",
                node,
                "Use a python3.x runtime (e.g. python3.12), or test this function in AWS.",
                key=key,
            )
        return runtime

    def tags(self) -> dict[str, str]:
        tags = self.prop("Tags") or {}
        if isinstance(tags, list):  # AWS::Lambda::Function: [{Key, Value}]
            tags = {t.get("Key"): t.get("Value") for t in tags if isinstance(t, dict)}
        if not isinstance(tags, dict):
            return {}
        resolved = {str(k): self.resolve(v) for k, v in tags.items()}
        return {k: str(v) for k, v in resolved.items() if v is not None}

    def number(self, name: str, default: float, *, low: float, high: float) -> float:
        """A numeric property within Lambda's limits [low, high] (never NaN or infinite)."""
        value = self.resolve(self.prop(name, default))
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

    def local_path(
        self, value: Any, what: str, node: Any = None, key: str | None = None
    ) -> Path:
        node = self.properties if node is None else node
        if not isinstance(value, str):
            self.fail(
                f"{what} {value!r} is not a local path",
                node,
                "The local runtime runs code from a directory or .zip next to the template "
                "(S3 locations cannot be read).",
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

    def code(self) -> Path:
        from smoke.local.packages import cache_root

        if self.is_sam:
            inline = self.prop("InlineCode")
            if isinstance(inline, str):
                return inline_code_dir(inline, cache_root())
            node, key = self.where("CodeUri")
            return self.local_path(self.prop("CodeUri", "."), "CodeUri", node, key)
        code = self.properties.get("Code")
        if isinstance(code, dict) and isinstance(code.get("ZipFile"), str):
            return inline_code_dir(code["ZipFile"], cache_root())
        return self.local_path(code, "Code", self.properties, "Code")

    def layers(self) -> list[Path]:
        listed = list(self.globals.get("Layers") or []) if self.is_sam else []
        listed += list(self.properties.get("Layers") or [])
        paths = []
        for entry in listed:
            target = entry.get("Ref") if isinstance(entry, dict) else None
            layer = self.template.resources.get(target) if isinstance(target, str) else None
            if not isinstance(layer, dict) or layer.get("Type") not in LAYER_TYPES:
                declared = self.properties.get("Layers")
                where = declared if declared and entry in declared else self.globals.get("Layers")
                self.fail(
                    f"layer {entry!r} cannot be resolved locally",
                    where,
                    "Refer to a LayerVersion resource of this template with !Ref, or give the "
                    "function's layers as local directories in smoke.yaml.",
                )
            layer_props = layer.get("Properties") or {}
            key = "ContentUri" if "ContentUri" in layer_props else "Content"
            node = layer_props if getattr(layer_props, "line", 0) else layer
            content = layer_props.get(key)
            path = self.local_path(content, f"layer {target} {key}", node, key)
            metadata = layer.get("Metadata")
            method = _text(metadata.get("BuildMethod")) if isinstance(metadata, dict) else None
            if method:
                self.layer_build_methods[str(path)] = method
            paths.append(path)
        return paths

    def environment(self) -> dict[str, str]:
        variables: dict[str, Any] = {}
        for source in (self.globals, self.properties):
            block = source.get("Environment") or {}
            if isinstance(block, dict):
                variables.update(block.get("Variables") or {})
        resolved = {}
        for name, value in variables.items():
            text = self.resolve(value)
            if text is None:
                self.warnings.append(
                    f"environment variable {name} of {self.logical_id} is {value!r}, which "
                    "cannot be resolved locally: set to ''"
                )
                text = ""
            resolved[str(name)] = str(text).lower() if isinstance(text, bool) else str(text)
        return resolved

    def resolve(self, value: Any) -> Any:
        """A scalar for ``value``, or None when it needs CloudFormation to resolve."""
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            return self.ref(value["Ref"])
        if "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
            text = value["Fn::Sub"]
            names = _SUB_VARIABLE.findall(text)
            values = {name: self.ref(name) for name in names}
            if any(v is None for v in values.values()):
                return None
            return _SUB_VARIABLE.sub(lambda m: str(values[m.group(1)]), text)
        if "Fn::Join" in value and isinstance(value["Fn::Join"], list) and len(value["Fn::Join"]) == 2:
            separator, parts = value["Fn::Join"]
            resolved = [self.resolve(part) for part in parts or []]
            return None if None in resolved else str(separator).join(map(str, resolved))
        return None

    def ref(self, name: Any) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": "123456789012",
            "AWS::Partition": "aws",
            "AWS::StackName": "local",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        parameter = self.template.parameters.get(name)
        if isinstance(parameter, dict) and "Default" in parameter:
            return parameter["Default"]
        if name in self.template.resources:
            return name  # a resource's Ref is its physical name; locally its logical id
        return None
