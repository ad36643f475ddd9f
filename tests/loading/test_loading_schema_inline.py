"""The validator smoke builds from its shipped schemas (``$ref``s inlined, issue 14) finds
exactly the errors the schema as written finds: same keyword, value, path, subschema and
message, alternatives (``anyOf`` context) included, for every document of a corpus that
puts wrong values at every place of a suite and of smoke.yaml."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from smoke.schema import inline_refs, load_schema

SUITE: dict[str, Any] = {
    "suite": "s", "function": "api", "event": "apigw-rest", "stage": "v1", "tags": ["a"],
    "alb_multi_value": False,
    "checks": [
        {"name": "one", "get": "/x", "query": {"a": "1", "b": ["1", 2]}, "headers": {"h": "v"},
         "path_parameters": {"id": "1"}, "json": {"k": [1]}, "tags": ["t"], "timeout": 3,
         "authorizer": {"claims": {"sub": "x"}, "context": {}, "principal_id": "p"},
         "expect": {"status": [200, "2xx"], "headers": {"x": "y"}, "json_schema": {},
                    "body_contains": ["ok"], "max_ms": 10, "max_init_ms": 5}},
        {"name": "two", "method": "POST", "path": "/y", "body": "text", "mutates": True,
         "event": "apigw-http", "stage": "$default"},
        {"name": "raw", "event": "raw", "payload": {"a": 1}, "mutates": False,
         "function": "other", "expect": {"status": "5xx", "body_contains": "x"}},
    ],
    "routes": {"from": "openapi", "file": "api.yaml", "methods": ["GET"], "exclude": ["/x"],
               "path_parameters": {"id": "1"}, "headers": {"a": "b"}, "tags": ["r"],
               "expect": {"status": 200}, "timeout": 1, "event": "apigw-rest"},
}
CONFIG: dict[str, Any] = {
    "environments": {
        "prod": {"region": "us-east-1", "profile": "p", "protected": True, "via": "invoke",
                 "log_scan": False, "stage": "v1", "domain": "api.example.com",
                 "functions": {"api": {"stack": "s", "resource": "R", "qualifier": "live"},
                               "w": {"prefix": "p", "tags": {"a": "b"}},
                               "n": {"name": "fn", "api": "abc"}},
                 "log_rules": [{"name": "r", "pattern": "x"}]},
        "local": {"template": "template.yaml", "parameters": {"A": 1},
                  "layers": {"arn:x": "dir"}, "python": {"3.12": "python3.12"},
                  "functions": {"api": {"handler": "app.h", "code": "src", "runtime":
                                        "python3.12", "layers": ["l"], "timeout": 3,
                                        "memory": 128, "environment": {"A": "b"}}}},
    },
}
WRONG: list[Any] = [None, True, -1, 1.5, "", "9xx", [], [999], {"zz": 1}]


def _places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        yield from _places(item, (*path, key))


def _corpus(document: dict[str, Any]) -> Iterator[Any]:
    for path in _places(document):
        if not path:
            continue
        for wrong in WRONG:
            changed = copy.deepcopy(document)
            target = changed
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = copy.deepcopy(wrong)
            yield changed
        if isinstance(path[-1], str):  # an unknown key beside it, a missing one
            changed = copy.deepcopy(document)
            target = changed
            for step in path[:-1]:
                target = target[step]
            target[path[-1] + "x"] = 1
            del target[path[-1]]
            yield changed


_SEEN: dict[int, dict[int, Any]] = {}


def _errors(validator: Any, document: Any) -> list[Any]:
    defs = validator.schema.get("$defs", {})
    seen: dict[int, Any] = _SEEN.setdefault(id(validator), {})

    def same_schema(schema: Any) -> Any:  # the written one's subschema, its $refs inlined
        if id(schema) not in seen:
            seen[id(schema)] = (schema, inline_refs({"$defs": defs, "it": schema})["it"])
        return seen[id(schema)][1]

    def one(error: Any) -> Any:
        return (error.validator, same_schema(error.validator_value), list(error.absolute_path),
                error.instance, same_schema(error.schema), error.message,
                sorted((repr(one(e)) for e in error.context), key=str))

    return sorted((one(e) for e in validator.iter_errors(document)), key=repr)


def _documents() -> list[tuple[str, dict[str, Any]]]:
    """Each check on its own in a suite (the corpus stays small), and smoke.yaml."""
    alone = [{"suite": "s", "checks": [check]} for check in SUITE["checks"][1:]]
    first = {**SUITE, "checks": SUITE["checks"][:1]}
    return [("suite", first), *(("suite", d) for d in alone), ("config", CONFIG)]


@pytest.mark.parametrize(("name", "document"), _documents())
def test_inlined_schema_reports_exactly_the_errors_of_the_written_one(
    name: str, document: dict[str, Any]
) -> None:
    written = Draft202012Validator(load_schema(name))
    inlined = Draft202012Validator(inline_refs(load_schema(name)))
    assert '"$ref"' not in repr({k: v for k, v in inline_refs(load_schema(name)).items()
                                 if k != "$defs"}).replace("'", '"')
    assert _errors(written, document) == [] == _errors(inlined, document)
    compared = invalid = 0
    for changed in _corpus(document):
        expected = _errors(written, changed)
        assert _errors(inlined, changed) == expected, changed
        compared += 1
        invalid += bool(expected)
    assert compared > 50 and invalid > compared // 2, (compared, invalid)


def test_refs_that_are_not_plain_are_left_to_jsonschema() -> None:
    schema = {
        "$defs": {"a": {"type": "string"}, "self": {"items": {"$ref": "#/$defs/self"}},
                  "scoped": {"$id": "urn:x", "type": "integer"}},
        "properties": {
            "a": {"$ref": "#/$defs/a"},
            "b": {"$ref": "#/$defs/a", "minLength": 2},  # with siblings
            "c": {"$ref": "#/$defs/self"},  # recursive: one level, then the $ref stays
            "d": {"$ref": "#/$defs/scoped"},
            "e": {"const": {"$ref": "#/$defs/a"}},  # a value, not a schema
        },
    }
    out = inline_refs(schema)
    assert out["properties"]["a"] == {"type": "string"}
    assert out["properties"]["b"] == schema["properties"]["b"]
    assert out["properties"]["c"] == {"items": {"$ref": "#/$defs/self"}}
    assert out["properties"]["d"] == schema["properties"]["d"]
    assert out["properties"]["e"] == schema["properties"]["e"]
    assert out["$defs"] == schema["$defs"]
    validator = Draft202012Validator(out)
    assert not validator.is_valid({"c": [[["x"]]], "b": "x"})
    assert validator.is_valid({"c": [[[]]], "b": "xy", "a": "s", "e": {"$ref": "#/$defs/a"}})
