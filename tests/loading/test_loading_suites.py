from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import DATA, config_error
from smoke.errors import ConfigError
from smoke.loading.suites import load_suite, parse_status
from smoke.model import Authorizer, Location, StatusExpectation

Write = Callable[..., Path]
EXAMPLE = DATA / "project" / "suites" / "backend-api.yaml"


def suite_text(check: str, top: str = "suite: s\nfunction: api\n") -> str:
    """A suite with one check; ``check`` is the check's YAML (indented under `- `)."""
    lines = check.strip("\n").splitlines()
    body = "\n".join(["  - " + lines[0], *("    " + line for line in lines[1:])])
    return f"{top}checks:\n{body}\n"


def test_design_example_suite() -> None:
    suite = load_suite(EXAMPLE, {"SMOKE_TOKEN": "tok-42"})
    assert (suite.name, suite.function, suite.event) == ("backend-api", "api", "apigw-rest")
    assert suite.path == str(EXAMPLE)
    assert suite.secrets == frozenset({"tok-42"})
    health, providers, dashboard, cleanup = suite.checks
    assert health.id == "backend-api::health"
    assert (health.function, health.event, health.request.method, health.request.path) == (
        "api",
        "apigw-rest",
        "GET",
        "/health",
    )
    assert health.expect.status == StatusExpectation(codes=frozenset({200}))
    assert health.expect.json_schema == {"type": "object", "required": ["status"]}
    assert type(health.expect.json_schema) is dict
    assert health.location == Location(str(EXAMPLE), 5, 9)
    assert providers.expect.status == StatusExpectation(codes=frozenset({401, 307}))
    assert dashboard.request.headers == {"Authorization": "Bearer tok-42"}
    assert dashboard.expect.status == StatusExpectation(classes=frozenset({2}))
    assert dashboard.expect.max_ms == 3000.0
    assert (cleanup.function, cleanup.event, cleanup.is_raw) == ("cleanup", "raw", True)
    assert cleanup.payload == {"dry_run": True}
    assert cleanup.mutates is False
    assert cleanup.expect.status is None
    assert cleanup.expect.json_schema is not None
    assert cleanup.expect.json_schema["properties"] == {"orphan_percentage": {"maximum": 50}}
    assert cleanup.location == Location(str(EXAMPLE), 17, 26)


def test_design_example_without_the_token_names_the_line() -> None:
    error = config_error(load_suite, EXAMPLE, {})
    assert str(error).startswith(f"{EXAMPLE}:15: the environment variable SMOKE_TOKEN is not set")
    assert 'headers: {Authorization: "Bearer ${SMOKE_TOKEN}"}' in error.snippet


@pytest.mark.parametrize(
    ("value", "codes", "classes"),
    [
        (200, {200}, set()),
        ([401, 307], {401, 307}, set()),
        ("2xx", set(), {2}),
        (["2XX", 404], {404}, {2}),
    ],
)
def test_parse_status(value: object, codes: set[int], classes: set[int]) -> None:
    assert parse_status(value) == StatusExpectation(frozenset(codes), frozenset(classes))


def test_request_building(write: Write) -> None:
    path = write(
        "s.yaml",
        suite_text(
            """
            name: create
            method: post
            path: /items/{id}
            query: {tag: [a, b], limit: 10, flag: true}
            headers: {X-Count: 5}
            path_parameters: {id: 7}
            json: {name: "é", n: [1, 2]}
            stage: prod
            timeout: 2.5
            tags: [write]
            authorizer: {claims: {sub: u1}, principal_id: me}
            mutates: true
            expect: {headers: {content-type: application/json}, body_contains: ok}
            """,
            top="suite: s\nfunction: api\ntags: [smoke]\n",
        ),
    )
    (check,) = load_suite(path, {}).checks
    request = check.request
    assert (request.method, request.path, request.stage) == ("POST", "/items/{id}", "prod")
    assert request.query == {"tag": ("a", "b"), "limit": ("10",), "flag": ("true",)}
    assert request.headers == {"X-Count": "5", "content-type": "application/json"}
    assert request.path_parameters == {"id": "7"}
    assert (
        request.body
        == json.dumps(
            {"name": "é", "n": [1, 2]}, separators=(",", ":"), ensure_ascii=False
        ).encode()
    )
    assert request.body_is_binary is False
    assert request.authorizer == Authorizer(claims={"sub": "u1"}, principal_id="me")
    assert check.tags == ("smoke", "write")
    assert check.timeout_s == 2.5 and check.mutates is True
    assert check.expect.body_contains == ("ok",)
    assert check.expect.headers == {"content-type": "application/json"}


def test_json_body_keeps_a_given_content_type(write: Write) -> None:
    path = write(
        "s.yaml", suite_text("name: a\nput: /x\nheaders: {Content-Type: text/json}\njson: 1")
    )
    request = load_suite(path, {}).checks[0].request
    assert request.headers == {"Content-Type": "text/json"} and request.body == b"1"


def test_text_and_binary_bodies(write: Write) -> None:
    path = write(
        "s.yaml",
        "suite: s\nfunction: f\nchecks:\n"
        "  - {name: a, post: /a, body: hello}\n"
        "  - {name: b, post: /b, body_base64: AAEC}\n",
    )
    a, b = load_suite(path, {}).checks
    assert (a.request.body, a.request.body_is_binary) == (b"hello", False)
    assert (b.request.body, b.request.body_is_binary) == (b"\x00\x01\x02", True)


def test_a_mapping_body_suggests_json(write: Write) -> None:
    path = write("s.yaml", "suite: s\nfunction: f\nchecks:\n  - name: a\n    post: /a\n"
                           "    body: {dry_run: true}\n")
    with pytest.raises(ConfigError) as caught:
        load_suite(path, {})
    text = str(caught.value)
    assert "s.yaml:6:" in text and "body must be a string; got a mapping" in text
    assert "did you mean `json:`?" in text


def test_max_init_ms_is_a_positive_bound(write: Write) -> None:
    path = write("s.yaml", "suite: s\nfunction: f\nchecks:\n"
                           "  - {name: a, get: /a, expect: {max_init_ms: 800}}\n")
    assert load_suite(path, {}).checks[0].expect.max_init_ms == 800.0
    bad = write("b.yaml", "suite: s\nfunction: f\nchecks:\n"
                          "  - {name: a, get: /a, expect: {max_init_ms: 0}}\n")
    with pytest.raises(ConfigError, match=r"b.yaml:4: .*max_init_ms must be > 0"):
        load_suite(bad, {})


def test_check_overrides_and_event_defaults(write: Write) -> None:
    path = write(
        "s.yaml",
        "suite: s\nfunction: f\nevent: apigw-http\nchecks:\n"
        "  - {name: a, get: /a}\n"
        "  - {name: b, get: /b, function: g, event: alb}\n",
    )
    a, b = load_suite(path, {}).checks
    assert (a.function, a.event, b.function, b.event) == ("f", "apigw-http", "g", "alb")


# ----------------------------------------------------------------------------- errors


def test_wrong_types(write: Write) -> None:
    path = write("s.yaml", suite_text("name: a\nget: /a\nmutates: maybe\n"))
    error = config_error(load_suite, path, {})
    assert str(error).startswith(f"{path}:6: checks[0] ('a').mutates must be true or false")
    assert 'got the string "maybe"' in str(error)
    assert "> 6 |     mutates: maybe" in error.snippet


def test_top_level_must_be_a_mapping(write: Write) -> None:
    path = write("s.yaml", "- a\n- b\n")
    error = config_error(load_suite, path, {})
    assert str(error).startswith(f"{path}:1-2: the top level must be a mapping; got a list")


def test_missing_required_keys(write: Write) -> None:
    path = write("s.yaml", "suite: s\nchecks:\n  - get: /a\n")
    error = config_error(load_suite, path, {})
    assert str(error).startswith(f"{path}:3: `checks[0]` is missing the required key 'name'")
    path = write("t.yaml", "suite: s\nchecks: []\n")
    assert f"{path}:2: `checks` must not be an empty list" in str(config_error(load_suite, path))


@pytest.mark.parametrize(
    ("check", "line", "unknown", "suggestion"),
    [
        ("name: a\ngett: /a", 5, "gett", "get"),
        ("name: a\nget: /a\nexpect: {statuss: 200}", 6, "statuss", "status"),
        ("name: a\nget: /a\nauthorizer: {claim: {}}", 6, "claim", "claims"),
    ],
)
def test_unknown_keys_in_checks(
    write: Write, check: str, line: int, unknown: str, suggestion: str
) -> None:
    path = write("s.yaml", suite_text(check))
    error = config_error(load_suite, path, {})
    assert str(error).startswith(f"{path}:{line}: unknown key {unknown!r} in ")
    assert f"did you mean {suggestion!r}?" in error.hint
    assert "valid keys: " in error.hint
    assert f"> {line} |" in error.snippet


def test_unknown_top_level_key(write: Write) -> None:
    path = write("s.yaml", "suite: s\nfuncton: api\nchecks: [{name: a, get: /}]\n")
    error = config_error(load_suite, path, {})
    assert str(error).startswith(f"{path}:2: unknown key 'functon' in the top level")
    assert "valid keys: alb_multi_value, checks, event, function, routes, stage, suite, tags; did you mean 'function'?" in str(
        error
    )


@pytest.mark.parametrize("status", ['"2xy"', "99", "600", "[200, 2xy]", "true"])
def test_bad_status(write: Write, status: str) -> None:
    path = write("s.yaml", suite_text(f"name: a\nget: /a\nexpect:\n  status: {status}"))
    error = config_error(load_suite, path, {})
    assert f"{path}:7: checks[0] ('a').expect.status" in str(error)
    assert 'an HTTP status code (100-599), a class such as "2xx", or a list of those' in str(error)
    assert f"> 7 |       status: {status}" in error.snippet


def test_unknown_event_kind(write: Write) -> None:
    path = write("s.yaml", "suite: s\nfunction: f\nevent: apigw-rst\nchecks: [{name: a, get: /}]\n")
    error = config_error(load_suite, path, {})
    assert str(error).startswith(f'{path}:3: `event` has an unknown value "apigw-rst"')
    assert "valid values: apigw-rest, apigw-http, alb, function-url, raw" in error.hint
    assert "did you mean 'apigw-rest'?" in error.hint


def test_duplicate_check_names(write: Write) -> None:
    path = write(
        "s.yaml",
        "suite: s\nfunction: f\nchecks:\n  - {name: a, get: /a}\n"
        "  - {name: b, get: /b}\n  - name: a\n    get: /c\n",
    )
    error = config_error(load_suite, path, {})
    assert str(error).startswith(f"{path}:6: duplicate check name 'a' (the first is on line 4)")


def test_check_without_function(write: Write) -> None:
    path = write("s.yaml", "suite: s\nchecks:\n  - name: a\n    get: /a\n")
    error = config_error(load_suite, path, {})
    assert str(error).startswith(f"{path}:3-4: check 'a' names no function")


def test_invalid_json_schema(write: Write) -> None:
    path = write("s.yaml", suite_text("name: a\nget: /a\nexpect:\n  json_schema: {type: objekt}"))
    error = config_error(load_suite, path, {})
    assert str(error).startswith(f"{path}:7: expect.json_schema is not a valid JSON Schema")
    assert "> 7 |       json_schema: {type: objekt}" in error.snippet


@pytest.mark.parametrize(
    ("check", "line", "message"),
    [
        (
            "name: a\nevent: raw\nget: /a",
            6,
            "check 'a' is a raw invocation (event: raw) but has 'get'",
        ),
        (
            "name: a\nget: /a\npayload: {}",
            6,
            "check 'a' has `payload:` but its event is 'apigw-rest'",
        ),
        ("name: a\nget: /a\npost: /b", 6, "check 'a' gives more than one method: get, post"),
        ("name: a\nmethod: GET", 4, "check 'a' has no request path"),
        ("name: a\nexpect: {status: 200}", 4, "check 'a' has no request method"),
        ("name: a\nget: /a\npath: /b", 6, "check 'a' gives both `get:` and `path:`"),
        (
            "name: a\npost: /a\njson: {}\nbody: x",
            7,
            "check 'a' gives more than one body: json, body",
        ),
        ("name: a\npost: /a\nbody_base64: '!!'", 6, "check 'a': body_base64 is not valid base64"),
    ],
)
def test_request_shape_errors(write: Write, check: str, line: int, message: str) -> None:
    path = write("s.yaml", suite_text(check))
    error = config_error(load_suite, path, {})
    assert str(error.location).split(":")[1].split("-")[0] == str(line)
    assert error.message.startswith(message)


def test_interpolated_secrets_do_not_appear_in_errors(write: Write) -> None:
    path = write("s.yaml", suite_text("name: a\nget: /a\nmutates: ${FLAG}"))
    error = config_error(load_suite, path, {"FLAG": "hunter22"})
    assert "hunter22" not in str(error)
    assert "must be true or false" in str(error)


def test_later_problems_are_listed_in_the_hint(write: Write) -> None:
    path = write("s.yaml", suite_text("name: a\ngett: /a\nexpect: {status: 9}"))
    error = config_error(load_suite, path, {})
    assert error.location is not None and error.location.line == 5
    assert f"also {path}:6: checks[0] ('a').expect.status must be" in error.hint
