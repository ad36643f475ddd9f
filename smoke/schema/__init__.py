"""JSON Schemas (draft 2020-12) shipped in the package.

``suite.schema.json`` describes ``suites/*.yaml`` and ``config.schema.json`` describes
``smoke.yaml``. Editors validate while typing with a first-line comment such as::

    # yaml-language-server: $schema=<path printed by schema_path("suite")>
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from smoke.errors import ConfigError
from smoke.loading.interpolate import has_placeholder
from smoke.loading.yamlload import location_of, node_location, quote_lines
from smoke.model import Location
from smoke.suggest import valid_values


def _file_name(name: str) -> str:
    return name if name.endswith(".json") else f"{name}.schema.json"


@functools.cache
def _schema_text(file_name: str) -> str:
    from importlib import resources  # here: its import (~5 ms) is for a cold validation

    try:
        return resources.files(__name__).joinpath(file_name).read_text(encoding="utf-8")
    except FileNotFoundError:
        available = sorted(
            p.name for p in resources.files(__name__).iterdir() if p.name.endswith(".json")
        )
        raise ValueError(f"no schema {file_name!r}; available: {', '.join(available)}") from None


def load_schema(name: str) -> dict[str, Any]:
    """A fresh copy of the schema ``name`` ("suite", "config" or a file name)."""
    schema: dict[str, Any] = json.loads(_schema_text(_file_name(name)))
    return schema


def schema_path(name: str) -> Path:
    """The schema's file on disk (for ``# yaml-language-server: $schema=...``)."""
    from importlib import resources

    return Path(str(resources.files(__name__).joinpath(_file_name(name))))


# ------------------------------------------------------------------ validation errors

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "null": "null",
}
_MAX_LISTED = 5


@functools.cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(inline_refs(load_schema(name)))


_SCOPE_KEYWORDS = frozenset({"$id", "$anchor", "$dynamicAnchor", "$dynamicRef", "$recursiveRef"})
_DATA_KEYWORDS = frozenset({"$defs", "enum", "const", "default", "examples"})  # values, not schemas


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The same schema with each ``{"$ref": "#/$defs/NAME"}`` replaced by NAME's schema.

    A subschema that is ``$ref`` alone means exactly its target (JSON Schema 2020-12,
    8.2.3.1), when the target starts no new scope (no ``$id``/anchors). jsonschema then
    validates the same keywords against the same values and reports the same errors
    (validator, instance, path, schema), without resolving a reference per value: half
    of the validation time of a 1,000-check suite went to ``referencing``. A ``$ref``
    with siblings, to anything else, or back into itself is left as written (``$defs``
    stays, so it still resolves).
    """
    defs = schema.get("$defs", {})

    def target(node: Any) -> Any:
        ref = node.get("$ref") if isinstance(node, dict) and len(node) == 1 else None
        if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
            return None
        found = defs.get(ref[len("#/$defs/"):])
        if not isinstance(found, dict) or _SCOPE_KEYWORDS & found.keys():
            return None
        return found

    def walk(node: Any, open_refs: tuple[str, ...]) -> Any:
        found = target(node)
        if found is not None and node["$ref"] not in open_refs:
            return walk(found, (*open_refs, node["$ref"]))
        if isinstance(node, dict):
            return {k: v if k in _DATA_KEYWORDS else walk(v, open_refs)
                    for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, open_refs) for v in node]
        return node

    inlined: dict[str, Any] = walk(schema, ())
    return inlined


def validate(data: Any, name: str, file: str, text: str, secrets: Iterable[str] = ()) -> None:
    """Validate ``data`` (from ``yamlload``) against the schema ``name``.

    A string holding an unset variable's placeholder (``<unset:NAME>``) is not held
    to a ``pattern``: its real value is unknown. Raises one ConfigError for the first problem in file order, with ``file:line``,
    the quoted lines, valid keys/values and a did-you-mean; later problems are
    listed in its hint. The validator is built once per schema and process (jsonschema is
    the reference; no hand-written fast path to drift from it). A document jsonschema
    found valid in an earlier run, byte for byte, is not validated again
    (``smoke.schema.known_valid``; never one holding ``secrets``).
    """
    from smoke.schema import known_valid

    key = None if secrets else known_valid.document_key(name, data)
    if known_valid.is_known_valid(key):  # jsonschema found this very document valid
        return
    deepest = [_deepest(error) for error in _validator(name).iter_errors(data)]
    issues = _non_finite(data, file)  # first: a bound's message about NaN would mislead
    issues += [
        issue
        for error in deepest
        if not (error.validator == "pattern" and has_placeholder(error.instance))
        for issue in _issues(error, data, file, set(secrets))
    ]
    if not issues:
        known_valid.remember_valid(key)
        return
    issues.sort(key=lambda i: (i[0].line, i[0].end_line))
    loc, message, hint = issues[0]
    more = [f"also {i[0]}: {i[1]}" for i in issues[1 : 1 + _MAX_LISTED]]
    if len(issues) > 1 + _MAX_LISTED:
        more.append(f"... and {len(issues) - 1 - _MAX_LISTED} more")
    error = ConfigError(
        message, loc, quote_lines(text, loc.line, loc.end_line), "\n".join([hint, *more]).strip()
    )
    error.count = len(issues)
    raise error


def _non_finite(data: Any, file: str) -> list[tuple[Location, str, str]]:
    """Every NaN or infinity (``.nan``, ``.inf``): a JSON Schema bound never rejects NaN, and
    no limit, timeout or latency budget can be one."""
    found: list[tuple[Location, str, str]] = []
    stack: list[tuple[Any, list[Any]]] = [(data, [])]
    while stack:
        value, path = stack.pop()
        items: Iterable[tuple[Any, Any]] = (
            value.items() if isinstance(value, dict)
            else enumerate(value) if isinstance(value, list) else ()
        )
        for key, item in items:
            if isinstance(item, float) and not math.isfinite(item):
                where = describe_path(data, [*path, key])
                found.append((node_location(value, key, file),
                              f"{where} must be a finite number; got {_yaml_float(item)}",
                              "NaN and infinity are never valid here; write a number."))
            elif isinstance(item, (dict, list)):
                stack.append((item, [*path, key]))
    return found


def _yaml_float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    return ".inf" if value > 0 else "-.inf"


def _deepest(error: Any) -> Any:
    """For anyOf/oneOf, the alternative's error that went deepest into the value."""
    while error.validator in ("anyOf", "oneOf") and error.context:
        deeper = [e for e in error.context if len(e.absolute_path) > len(error.absolute_path)]
        if not deeper:
            break
        error = max(deeper, key=lambda e: len(e.absolute_path))
    return error


def _issues(error: Any, data: Any, file: str, secrets: set[str]) -> list[tuple[Location, str, str]]:
    path = list(error.absolute_path)
    parent, container = _walk(data, path)
    loc = node_location(parent, path[-1], file) if path else location_of(data, file)
    if not loc.line:  # a top-level scalar (the whole file is `0`): its first line
        loc = Location(loc.file, 1)
    where = describe_path(data, path)
    value = error.instance
    kind = error.validator
    expected = error.schema.get("x-expected") if isinstance(error.schema, dict) else None
    if kind == "additionalProperties" and isinstance(value, dict):
        allowed = sorted(error.schema.get("properties", {}))
        unknown = [k for k in value if k not in allowed]
        return [
            (
                node_location(container, key, file),
                f"unknown key {key!r} in {where}",
                valid_values(key, allowed, "valid keys"),
            )
            for key in unknown
        ]
    if kind == "required":
        missing = [k for k in error.validator_value if k not in value]
        return [(loc, f"{where} is missing the required key {', '.join(map(repr, missing))}", "")]
    if kind == "enum":
        got = _show(value, secrets)
        choices = [str(c) for c in error.validator_value]
        word = value if isinstance(value, str) else None
        return [(loc, f"{where} has an unknown value {got}", valid_values(word, choices))]
    if expected:
        return [(loc, f"{where} must be {expected}; got {_show(value, secrets)}", "")]
    if kind == "type":
        types = (
            error.validator_value
            if isinstance(error.validator_value, list)
            else [error.validator_value]
        )
        wanted = " or ".join(_TYPE_NAMES.get(str(t), str(t)) for t in types)
        hint = ""
        if path and path[-1] == "body" and isinstance(value, (dict, list)):
            hint = ("did you mean `json:`? A mapping or a list is a JSON body: write `json:` "
                    "instead of `body:` (sent as JSON, with Content-Type: application/json); "
                    "`body:` is text.")
        return [(loc, f"{where} must be {wanted}; got {_describe(value, secrets)}", hint)]
    if kind == "minItems":
        return [(loc, f"{where} must not be an empty list", "")]
    if kind == "minLength":
        return [(loc, f"{where} must not be empty", "")]
    if kind == "minProperties":
        return [(loc, f"{where} must have at least one entry", "")]
    bounds = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
    if kind in bounds:
        limit = f"{bounds[kind]} {error.validator_value}"
        return [(loc, f"{where} must be {limit}; got {_show(value, secrets)}", "")]
    return [(loc, f"{where}: {error.message}", "")]


def _walk(data: Any, path: list[Any]) -> tuple[Any, Any]:
    """(parent of the value at ``path``, the value itself)."""
    parent, value = None, data
    for step in path:
        parent, value = value, value[step]
    return parent, value


def describe_path(data: Any, path: Sequence[Any]) -> str:
    """``checks[1] ('health').expect.status``: a path in the user's words."""
    if not path:
        return "the top level"
    text, value = "", data
    for step in path:
        value = value[step]
        if isinstance(step, int):
            text += f"[{step}]"
            name = value.get("name") if isinstance(value, dict) else None
            if isinstance(name, str):
                text += f" ({name!r})"
        else:
            text += f".{step}" if text else str(step)
    return f"`{text}`" if "(" not in text else text


def _describe(value: Any, secrets: set[str]) -> str:
    for python_type, name in ((bool, "boolean"), (dict, "object"), (list, "array")):
        if isinstance(value, python_type):
            return f"{_TYPE_NAMES[name]} {_show(value, secrets)}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, str):
        return f"the string {_show(value, secrets)}"
    return _show(value, secrets)


def _show(value: Any, secrets: set[str]) -> str:
    from smoke.redact import Redactor

    text = json.dumps(value, default=str, ensure_ascii=False)
    text = text if len(text) <= 60 else text[:57] + "..."
    return Redactor(secrets).text(text) if secrets else text  # also a secret cut short
