"""The users' own JSON Schemas (``expect.json_schema``), each compiled once per run.

A suite of 2,000 checks usually repeats a handful of schemas. Both the metaschema
check (when the suite is loaded) and the validator (when a check is judged) are
cached by the schema's content, so each distinct schema costs one check and one
compilation per process, however many checks use it. jsonschema is imported here,
and only when a suite has a schema.
"""

from __future__ import annotations

import json
import threading
from typing import Any

_lock = threading.Lock()
_metaschema_errors: dict[str, Any] = {}  # key -> SchemaError or None (2020-12 metaschema)
_validators: dict[str, Any] = {}  # key -> a validator, or the SchemaError that prevents one


def schema_key(schema: Any) -> str:
    """The schema's content as one canonical string (the cache key)."""
    return json.dumps(schema, sort_keys=True, separators=(",", ":"), default=repr)


def metaschema_error(schema: Any, *, remember: bool = True) -> Any:
    """The ``SchemaError`` of ``schema`` against draft 2020-12's metaschema, or None.

    A schema found valid is remembered between runs (``smoke.schema.known_valid``),
    unless ``remember`` is false (it holds a value read from the environment)."""
    key = schema_key(schema)
    with _lock:
        if key in _metaschema_errors:
            return _metaschema_errors[key]
    from smoke.schema import known_valid

    known = known_valid.document_key("metaschema", schema) if remember else None
    if known_valid.is_known_valid(known):
        with _lock:
            _metaschema_errors[key] = None
        return None
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
        error = None
        known_valid.remember_valid(known)
    except SchemaError as exc:
        error = exc
    with _lock:
        _metaschema_errors[key] = error
    return error


def validator(schema: Any) -> Any:
    """A validator for ``schema`` (its ``$schema`` draft, 2020-12 by default), or the
    ``SchemaError`` that says why there is none. One per distinct schema."""
    key = schema_key(schema)
    with _lock:
        found = _validators.get(key)
    if found is not None:
        return found
    import jsonschema
    from jsonschema.exceptions import SchemaError

    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    made: Any
    try:
        cls.check_schema(schema)
        made = cls(schema)
    except SchemaError as exc:
        made = exc
    with _lock:
        return _validators.setdefault(key, made)
