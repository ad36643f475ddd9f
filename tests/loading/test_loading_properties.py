"""Property tests: whatever YAML a user writes, loading gives a result or a ConfigError
that names the file, never another exception."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA
from smoke.errors import ConfigError
from smoke.loading.config import load_config
from smoke.loading.suites import load_suite
from smoke.schema import load_schema

SUITE_TEXT = (DATA / "project" / "suites" / "backend-api.yaml").read_text()
CONFIG_TEXT = (DATA / "project" / "smoke.yaml").read_text()
ENV = {"SMOKE_TOKEN": "tok", "EMPTY": ""}
SETTINGS = settings(
    max_examples=int(os.environ.get("SMOKE_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _keys(schema: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        found.update(schema.get("properties", {}))
        for value in schema.values():
            found |= _keys(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _keys(value)
    return found


KEYS = sorted(_keys(load_schema("suite")) | _keys(load_schema("config")))
key = st.sampled_from(KEYS) | st.text(max_size=8)
scalar = (
    st.none()
    | st.booleans()
    | st.integers(-1000, 100_000)
    | st.floats(allow_nan=True)
    | st.sampled_from(["2xx", "raw", "apigw-http", "/health", "GET", "${SMOKE_TOKEN}", "${X"])
    | st.text(max_size=12)
)
value = st.recursive(
    scalar,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(key, children, max_size=5),
    max_leaves=25,
)


def check_outcome(load: Callable[..., Any], path: Path) -> None:
    try:
        load(path, ENV)
    except ConfigError as error:
        assert error.location is not None, str(error)
        assert error.location.file == str(path), str(error)
        assert str(error).startswith(str(path))


def mutate(doc: Any, data: st.DataObject) -> Any:
    """Replace, delete or add one entry somewhere in ``doc`` (in place)."""
    node = doc
    while True:
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        containers = [(k, v) for k, v in children if isinstance(v, (dict, list)) and v]
        if not containers or data.draw(st.booleans()):
            break
        node = data.draw(st.sampled_from(containers))[1]
    action = data.draw(st.sampled_from(["replace", "delete", "add"])) if node else "add"
    where = list(node) if isinstance(node, dict) else list(range(len(node)))
    index_or_key = data.draw(st.sampled_from(where)) if where else None
    if action == "replace" and where:
        node[index_or_key] = data.draw(value)
    elif action == "delete" and where:
        del node[index_or_key]
    elif isinstance(node, dict):
        node[data.draw(key)] = data.draw(value)
    else:
        node.append(data.draw(value))
    return doc


@SETTINGS
@given(doc=value)
def test_random_documents_as_suites_and_configs(tmp_path: Path, doc: Any) -> None:
    path = tmp_path / "random.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    check_outcome(load_suite, path)
    check_outcome(load_config, path)


@SETTINGS
@given(data=st.data())
def test_mutated_valid_suites(tmp_path: Path, data: st.DataObject) -> None:
    doc = yaml.safe_load(SUITE_TEXT)
    for _ in range(data.draw(st.integers(1, 3))):
        mutate(doc, data)
    path = tmp_path / "suite.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    check_outcome(load_suite, path)


@SETTINGS
@given(data=st.data())
def test_mutated_valid_configs(tmp_path: Path, data: st.DataObject) -> None:
    doc = yaml.safe_load(CONFIG_TEXT)
    for _ in range(data.draw(st.integers(1, 3))):
        mutate(doc, data)
    path = tmp_path / "smoke.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    check_outcome(load_config, path)


@SETTINGS
@given(
    position=st.integers(0, len(SUITE_TEXT)),
    cut=st.integers(0, 20),
    insert=st.text(alphabet=":-[]{}&*!|>'\"#%@` \n\tab$", max_size=6),
    which=st.sampled_from(["suite", "config"]),
)
def test_text_edits_of_valid_files(
    tmp_path: Path, position: int, cut: int, insert: str, which: str
) -> None:
    text, load = (SUITE_TEXT, load_suite) if which == "suite" else (CONFIG_TEXT, load_config)
    position = min(position, len(text))
    path = tmp_path / "edited.yaml"
    path.write_text(text[:position] + insert + text[position + cut :], encoding="utf-8")
    check_outcome(load, path)
