from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from smoke.model import Check, Expect, Request

FIXTURES = Path(__file__).parent / "fixtures"


def make_check(event: str = "apigw-rest", payload: Any = None, **request: Any) -> Check:
    return Check(
        suite="events",
        name="a check",
        function="api",
        event=event,
        request=Request(**request),
        expect=Expect(),
        payload=payload,
    )


@pytest.fixture
def check() -> Callable[..., Check]:
    return make_check


@pytest.fixture
def canonical() -> Callable[[str], dict[str, Any]]:
    def load(name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
        return data

    return load


def _same_type(built: Any, sample: Any) -> bool:
    if isinstance(sample, bool) or isinstance(built, bool):
        return isinstance(sample, bool) and isinstance(built, bool)
    if isinstance(sample, (int, float)):
        return isinstance(built, (int, float))
    return isinstance(built, type(sample))


def assert_same_shape(
    built: Any,
    sample: Any,
    *,
    data_maps: frozenset[str] = frozenset(),
    optional: frozenset[str] = frozenset(),
    path: str = "",
) -> None:
    """``built`` has the keys and value types of AWS's ``sample``, recursively.

    A ``null`` in the sample may be anything in ``built`` (AWS sends null for an
    empty map). ``data_maps`` are maps whose keys are data (headers, query): only
    the type of their values is compared. ``optional`` keys may be absent.
    """
    if sample is None:
        return
    assert _same_type(built, sample), (
        f"{path or '<event>'}: {type(built).__name__}, AWS sends {type(sample).__name__}"
    )
    if not isinstance(sample, Mapping):
        if isinstance(sample, list):
            for i, item in enumerate(built):
                if sample:
                    assert_same_shape(item, sample[0], path=f"{path}[{i}]")
        return
    if path in data_maps:
        value_types = {type(v) for v in sample.values()}
        for key, value in built.items():
            assert isinstance(key, str), f"{path}: key {key!r}"
            assert type(value) in value_types, f"{path}.{key}: {type(value).__name__}"
        return
    for key, value in sample.items():
        sub = f"{path}.{key}" if path else key
        if sub in optional and key not in built:
            continue
        assert key in built, f"{sub} is missing (AWS sends it)"
        assert_same_shape(built[key], value, data_maps=data_maps, optional=optional, path=sub)


@pytest.fixture
def same_shape() -> Callable[..., None]:
    return assert_same_shape
