"""Values that used to pass validation and fail only at run time (usertest #8, polish)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import config_error
from smoke.loading.config import load_config
from smoke.loading.suites import load_suite
from smoke.model import StatusExpectation

Write = Callable[..., Path]


def env_config(body: str) -> str:
    lines = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return f"environments:\n  prod:\n{lines}\n"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("base_url", "127.0.0.1:8765", "base_url needs a scheme: http://127.0.0.1:8765?"),
        ("base_url", "localhost:3000/api", "base_url needs a scheme: http://localhost:3000/api?"),
        ("base_url", "api.example.com", "base_url needs a scheme: https://api.example.com?"),
        ("endpoint_url", "127.0.0.1:3001", "endpoint_url needs a scheme: http://127.0.0.1:3001?"),
        ("endpoint_url", "ftp://x.example", "endpoint_url must be an http:// or https:// URL"),
        ("base_url", "http://", "base_url has no host"),
    ],
)
def test_urls_need_http_and_a_host(write: Write, key: str, value: str, message: str) -> None:
    text = env_config(f"via: http\n{key}: {value}" if key == "base_url" else f"{key}: {value}")
    path = write("smoke.yaml", text)
    error = config_error(load_config, path, {})
    line = 4 if key == "base_url" else 3
    assert str(error).startswith(f"{path}:{line}: {message}")
    assert f"> {line} |     {key}: {value}" in error.snippet


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8765", "https://api.example.com/v1", "HTTP://LOCALHOST"]
)
def test_good_urls_pass(write: Write, url: str) -> None:
    config = load_config(write("smoke.yaml", env_config(f"via: http\nbase_url: {url}")), {})
    assert config.environments["prod"].base_url == url


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("handler", "handler", "module.function"),
        ("handler", "app.", "module.function"),
        ("handler", "app handler.main", "module.function"),
        ("runtime", "python2.7", "a Python runtime such as python3.12"),
        ("runtime", "nodejs20.x", "a Python runtime such as python3.12"),
        ("runtime", "python3", "a Python runtime such as python3.12"),
    ],
)
def test_local_handler_and_runtime_are_checked(
    write: Write, field: str, value: str, expected: str
) -> None:
    spec = {"handler": "app.handler", "code": "src", "runtime": "python3.12", field: value}
    body = ", ".join(f'{k}: "{v}"' for k, v in spec.items())
    path = write("smoke.yaml", env_config(f"functions:\n  api: {{{body}}}"))
    error = config_error(load_config, path, {})
    assert error.location is not None and error.location.line == 4
    assert f"`environments.prod.functions.api.{field}` must be {expected}" in error.message
    assert repr(value).replace("'", '"') in error.message


@pytest.mark.parametrize("handler", ["app.handler", "src.api.main.handler", "pkg/mod.fn", "_a.b"])
def test_good_handlers_pass(write: Write, handler: str) -> None:
    text = env_config(f"functions:\n  api: {{handler: {handler}, code: src, runtime: python3.11}}")
    spec = load_config(write("smoke.yaml", text), {}).environments["prod"].functions["api"]
    assert (spec.handler, spec.runtime) == (handler, "python3.11")


def suite_text(check: str) -> str:
    return f"suite: s\nfunction: api\nchecks:\n  - name: c\n    {check}\n"


@pytest.mark.parametrize(
    ("check", "hint"),
    [
        ("get: health", "did you mean '/health'?"),
        ("post: api/v1/items", "did you mean '/api/v1/items'?"),
        ("method: GET\n    path: health", "did you mean '/health'?"),
        ("get: https://api.example.com/health", "Give the path alone"),
    ],
)
def test_check_path_must_start_with_a_slash(write: Write, check: str, hint: str) -> None:
    path = write("s.yaml", suite_text(check))
    error = config_error(load_suite, path, {})
    line = 6 if "\n" in check else 5
    assert str(error).startswith(f"{path}:{line}: check 'c': the request path must start with '/'")
    assert hint in error.hint


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ('"200"', StatusExpectation(codes=frozenset({200}))),
        ("'404'", StatusExpectation(codes=frozenset({404}))),
        ('["200", 307, "4xx"]', StatusExpectation(frozenset({200, 307}), frozenset({4}))),
    ],
)
def test_quoted_status_codes_count_as_numbers(
    write: Write, status: str, expected: StatusExpectation
) -> None:
    path = write("s.yaml", suite_text(f"get: /x\n    expect: {{status: {status}}}"))
    assert load_suite(path, {}).checks[0].expect.status == expected


@pytest.mark.parametrize("status", ['"600"', '"20"', '"2000"', '" 200"', '"abc"'])
def test_quoted_non_statuses_are_still_rejected(write: Write, status: str) -> None:
    path = write("s.yaml", suite_text(f"get: /x\n    expect: {{status: {status}}}"))
    error = config_error(load_suite, path, {})
    assert "must be an HTTP status code (100-599)" in error.message
