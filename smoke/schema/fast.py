"""A fast yes/no check of a document against one of smoke's own schemas.

Loading a suite used to import jsonschema and walk every check through it (about
0.3 ms a check, and 40-100 ms of import). Nearly every document is valid, so
``compile_schema`` turns the shipped schema into plain Python predicates for the
handful of keywords it uses; only a document they reject goes to jsonschema, which
then words the error exactly as before. A schema with any keyword this module does
not know compiles to ``None``, and every document goes to jsonschema: the fast
check can make validation quicker, never more lenient (tests compare the two).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset({
    "$schema", "$id", "$comment", "title", "description", "default", "examples",
    "deprecated", "markdownDescription",
})  # fmt: skip


class Unsupported(Exception):
    """The schema uses a keyword this module does not implement."""


def _is_integer(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (
        isinstance(v, float) and math.isfinite(v) and v.is_integer()
    )


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": _is_integer,
    "number": _is_number,
}


def compile_schema(schema: dict[str, Any]) -> Check | None:
    """A predicate equivalent to ``jsonschema``'s ``is_valid`` for ``schema``, or None."""
    defs = schema.get("$defs", {})
    compiled: dict[str, Check] = {}
    try:
        for name in defs:
            compiled[name] = _compile(defs[name], defs, compiled)
        return _compile({k: v for k, v in schema.items() if k != "$defs"}, defs, compiled)
    except Unsupported:
        return None


def _compile(schema: Any, defs: dict[str, Any], compiled: dict[str, Check]) -> Check:
    if schema is True:
        return lambda v: True
    if schema is False:
        return lambda v: False
    if not isinstance(schema, dict):
        raise Unsupported(repr(schema))
    checks: list[Check] = []
    for key, value in schema.items():
        if key in _ANNOTATIONS or key.startswith("x-") or key in ("properties",):
            continue
        checks.append(_keyword(key, value, schema, defs, compiled))
    if "properties" in schema and "additionalProperties" not in schema:
        checks.append(_properties(schema["properties"], None, defs, compiled))
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    return lambda v: all(check(v) for check in checks)


def _keyword(
    key: str, value: Any, schema: dict[str, Any], defs: dict[str, Any], compiled: dict[str, Check]
) -> Check:
    if key == "type":
        names = value if isinstance(value, list) else [value]
        if any(n not in _TYPES for n in names):
            raise Unsupported(f"type {value!r}")
        tests = [_TYPES[n] for n in names]
        return tests[0] if len(tests) == 1 else (lambda v: any(t(v) for t in tests))
    if key == "$ref":
        if not (isinstance(value, str) and value.startswith("#/$defs/")):
            raise Unsupported(value)
        name = value[len("#/$defs/"):]
        if name not in defs:
            raise Unsupported(value)
        return lambda v: compiled[name](v)
    if key == "additionalProperties":
        extra = _compile(value, defs, compiled)
        return _properties(schema.get("properties", {}), extra, defs, compiled)
    if key == "required":
        names = list(value)
        return lambda v: not isinstance(v, dict) or all(n in v for n in names)
    if key == "items":
        item = _compile(value, defs, compiled)
        return lambda v: not isinstance(v, list) or all(item(x) for x in v)
    if key == "propertyNames":
        name_ok = _compile(value, defs, compiled)
        return lambda v: not isinstance(v, dict) or all(name_ok(k) for k in v)
    if key == "anyOf":
        options = [_compile(s, defs, compiled) for s in value]
        return lambda v: any(option(v) for option in options)
    if key == "enum":
        if not all(isinstance(e, str) for e in value):
            raise Unsupported("enum of non-strings")
        allowed = frozenset(value)
        return lambda v: isinstance(v, str) and v in allowed
    if key in ("minLength", "minItems", "minProperties"):
        kind = {"minLength": str, "minItems": list, "minProperties": dict}[key]
        least = int(value)
        return lambda v: not isinstance(v, kind) or len(v) >= least
    if key == "pattern":
        found = re.compile(value).search
        return lambda v: not isinstance(v, str) or found(v) is not None
    if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = value
        test = {
            "minimum": lambda v: v >= bound, "maximum": lambda v: v <= bound,
            "exclusiveMinimum": lambda v: v > bound, "exclusiveMaximum": lambda v: v < bound,
        }[key]  # fmt: skip
        return lambda v: not _is_number(v) or test(v)
    raise Unsupported(key)


def _properties(
    properties: dict[str, Any], extra: Check | None, defs: dict[str, Any],
    compiled: dict[str, Check],
) -> Check:
    known = {name: _compile(s, defs, compiled) for name, s in properties.items()}

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        for name, item in v.items():
            test = known.get(name, extra)
            if test is not None and not test(item):
                return False
        return True

    return check
