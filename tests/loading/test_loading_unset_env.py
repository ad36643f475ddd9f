"""``require_env=False``: a lint step without secrets can validate (usertest #10)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import config_error
from smoke.loading.config import load_config
from smoke.loading.interpolate import interpolate
from smoke.loading.plan import load_suites, unset_vars
from smoke.loading.suites import load_suite
from smoke.loading.yamlload import load_yaml

Write = Callable[..., Path]

SUITE = """
suite: api
function: api
checks:
  - name: private
    get: /private
    headers: {Authorization: "Bearer ${SMOKE_TOKEN}"}
  - name: by id
    get: /items/${ITEM_ID}
    query: {region: "${REGION:-eu}", again: "${SMOKE_TOKEN}"}
"""
CONFIG = """
environments:
  prod:
    region: ${AWS_REGION_X}
    via: http
    base_url: ${API_URL}
    endpoint_url: ${ENDPOINT_URL}
    functions:
      api: {name: "${FN_NAME}"}
"""


def test_unset_variables_become_placeholders_and_are_listed(write: Write) -> None:
    suite = load_suite(write("s.yaml", SUITE), {}, require_env=False)
    assert suite.unset_vars == ("SMOKE_TOKEN", "ITEM_ID")
    private, by_id = suite.checks
    assert private.request.headers["Authorization"] == "Bearer <unset:SMOKE_TOKEN>"
    assert by_id.request.path == "/items/<unset:ITEM_ID>"
    assert by_id.request.query["region"] == ("eu",)
    assert suite.secrets == frozenset()


def test_set_variables_are_still_read_and_secret(write: Write) -> None:
    suite = load_suite(write("s.yaml", SUITE), {"SMOKE_TOKEN": "s3cret"}, require_env=False)
    assert suite.unset_vars == ("ITEM_ID",)
    assert suite.checks[0].request.headers["Authorization"] == "Bearer s3cret"
    assert suite.secrets == frozenset({"s3cret"})


def test_the_default_still_requires_every_variable(write: Write) -> None:
    path = write("s.yaml", SUITE)
    error = config_error(load_suite, path, {})
    assert str(error).startswith(f"{path}:6: the environment variable SMOKE_TOKEN is not set")
    assert load_suite(path, {"SMOKE_TOKEN": "t", "ITEM_ID": "7"}).unset_vars == ()


def test_config_placeholders_pass_url_and_schema_checks(write: Write) -> None:
    config = load_config(write("smoke.yaml", CONFIG), {}, require_env=False)
    assert config.unset_vars == ("AWS_REGION_X", "API_URL", "ENDPOINT_URL", "FN_NAME")
    prod = config.environments["prod"]
    assert prod.base_url == "<unset:API_URL>"
    assert prod.functions["api"].name == "<unset:FN_NAME>"
    error = config_error(load_config, write("smoke.yaml", CONFIG), {})
    assert error.message == "the environment variable AWS_REGION_X is not set"


def test_placeholder_in_a_patterned_value_is_not_judged(write: Write) -> None:
    text = """
    environments:
      local:
        functions:
          api: {handler: "${HANDLER}", code: src, runtime: "${RUNTIME}"}
    """
    config = load_config(write("smoke.yaml", text), {}, require_env=False)
    assert config.unset_vars == ("HANDLER", "RUNTIME")
    assert config.environments["local"].functions["api"].handler == "<unset:HANDLER>"


def test_load_suites_passes_the_keyword_and_unset_vars_merges(write: Write) -> None:
    first = write("a.yaml", SUITE)
    second = write("b.yaml", "suite: b\nchecks: [{name: x, function: f, get: '/${OTHER}'}]\n")
    suites = load_suites([first, second], {}, require_env=False)
    config = load_config(write("smoke.yaml", CONFIG), {}, require_env=False)
    assert [s.unset_vars for s in suites] == [("SMOKE_TOKEN", "ITEM_ID"), ("OTHER",)]
    assert unset_vars(config, suites) == (
        *("AWS_REGION_X", "API_URL", "ENDPOINT_URL", "FN_NAME"),
        *("SMOKE_TOKEN", "ITEM_ID", "OTHER"),
    )
    error = config_error(load_suites, [first, second], {})
    assert error.message == "the environment variable SMOKE_TOKEN is not set"


@pytest.mark.parametrize("require_env", [True, False])
@pytest.mark.parametrize(
    "value", ['"${NOPE_VAR"', '"Bearer ${NOPE_VAR"', '"${A}-${B"', '"$${ok} ${"']
)
def test_unterminated_reference_is_an_error(write: Write, value: str, require_env: bool) -> None:
    path = write("i.yaml", f"a: 1\nheaders:\n  X: {value}\n")
    error = config_error(
        interpolate,
        load_yaml(path),
        {"A": "a"},
        str(path),
        path.read_text(),
        require_env=require_env,
    )
    assert str(error).startswith(f"{path}:3: unterminated ${{...}}")
    assert f"> 3 |   X: {value}" in str(error)
    assert "write $${ for a literal ${" in error.hint


def test_escaped_dollar_brace_without_close_is_a_literal(write: Write) -> None:
    path = write("i.yaml", 'a: "cost: $${ and $${x}"\n')
    data = load_yaml(path)
    interpolate(data, {}, str(path))
    assert data["a"] == "cost: ${ and ${x}"


def test_unterminated_reference_in_a_suite_names_the_line(write: Write) -> None:
    text = SUITE.replace('"${REGION:-eu}"', '"${NOPE_VAR"')
    path = write("s.yaml", text)
    error = config_error(load_suite, path, {"SMOKE_TOKEN": "t", "ITEM_ID": "1"})
    assert error.location is not None and error.location.line == 9
    assert "unterminated" in error.message
