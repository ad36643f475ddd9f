from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from smoke.schema import load_schema, schema_path
from smoke.suggest import did_you_mean, valid_values


def objects(schema: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, dict):
        if schema.get("type") == "object" and "properties" in schema:
            yield where, schema
        for key, value in schema.items():
            yield from objects(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            yield from objects(value, f"{where}/{i}")


@pytest.mark.parametrize("name", ["suite", "config"])
def test_schemas_are_valid_draft_2020_12_with_ids(name: str) -> None:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"urn:smoke-lambda:schema:{name}"
    assert schema["title"] and schema["description"]
    assert schema_path(name).is_file()


@pytest.mark.parametrize("name", ["suite", "config"])
def test_every_object_with_properties_refuses_unknown_keys(name: str) -> None:
    found = list(objects(load_schema(name)))
    assert len(found) >= 4
    for where, schema in found:
        assert schema.get("additionalProperties") is False, where


def test_load_schema_returns_a_fresh_copy() -> None:
    load_schema("suite")["title"] = "changed"
    assert load_schema("suite")["title"] == "smoke suite"
    with pytest.raises(ValueError, match="no schema"):
        load_schema("nope")


def test_did_you_mean() -> None:
    assert did_you_mean("gett", ["get", "post"]) == "get"
    assert did_you_mean("NAME", ["name"]) == "name"
    assert did_you_mean("zzzz", ["get", "post"]) is None
    assert did_you_mean("get", ["get"]) is None
    assert valid_values("raww", ["raw", "alb"]) == "valid values: raw, alb; did you mean 'raw'?"
    assert valid_values("x", [], "functions") == "functions: (none)"


def test_loading_does_not_import_boto3_httpx_or_jsonschema() -> None:
    code = (
        "import smoke.loading.suites, smoke.loading.config, smoke.loading.plan, sys; "
        "assert 'boto3' not in sys.modules and 'httpx' not in sys.modules; "
        "assert 'jsonschema' not in sys.modules, 'jsonschema is imported when validating'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
