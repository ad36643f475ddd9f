"""Property tests: every builder round-trips any request; decoding never raises."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import unquote

from hypothesis import given, settings
from hypothesis import strategies as st

from smoke.events import build_event, decode_response
from smoke.model import Check, Expect, Request, Response

PROPERTY = settings(max_examples=150, deadline=None, database=None)

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
SEGMENT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="/?#"), max_size=8)
PATHS = st.lists(SEGMENT, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
QUERIES = st.dictionaries(TEXT, st.lists(TEXT, min_size=1, max_size=3).map(tuple), max_size=4)
HEADER_NAMES = st.from_regex(r"\Ax-[a-z0-9-]{1,12}\Z").filter(lambda n: not n.endswith("-"))
HEADER_VALUES = st.from_regex(r"\A[ -~]{0,20}\Z").map(str.strip)
HEADERS = st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=4)
METHODS = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "post"])
BODIES = st.one_of(
    st.none().map(lambda _: (None, False)),
    TEXT.map(lambda t: (t.encode(), False)),
    st.binary(max_size=64).map(lambda b: (b, True)),
    st.binary(max_size=64).map(lambda b: (b, False)),  # not UTF-8: still sent as base64
)
KINDS = st.sampled_from(["apigw-rest", "apigw-http", "function-url", "alb", "alb-multi"])


def _check(kind: str, request: Request) -> Check:
    return Check("props", "generated", "api", kind, request, Expect())


def _query_of(raw: str) -> dict[str, list[str]]:
    query: dict[str, list[str]] = {}
    for pair in filter(None, raw.split("&")):
        name, _, value = pair.partition("=")
        query.setdefault(unquote(name), []).append(unquote(value))
    return query


def _seen(kind: str, event: dict[str, Any]) -> tuple[str, str, dict[str, list[str]], dict[str, str]]:
    """(method, path, query, headers) as the function would read them from ``event``."""
    if kind == "apigw-rest":
        query = event["multiValueQueryStringParameters"] or {}
        single = event["queryStringParameters"] or {}
        assert single == {name: values[-1] for name, values in query.items()}
        return event["httpMethod"], event["path"], query, event["headers"]
    if kind in ("apigw-http", "function-url"):
        http = event["requestContext"]["http"]
        query = _query_of(event["rawQueryString"])
        joined = event.get("queryStringParameters", {})
        assert joined == {name: ",".join(values) for name, values in query.items()}
        if "%" not in http["path"]:
            assert unquote(event["rawPath"]) == http["path"]
        return http["method"], http["path"], query, event["headers"]
    if "multiValueHeaders" in event:
        query = {unquote(n): [unquote(v) for v in vs]
                 for n, vs in event["multiValueQueryStringParameters"].items()}
        headers = {n: vs[0] for n, vs in event["multiValueHeaders"].items()}
    else:
        query = {unquote(n): [unquote(v)] for n, v in event["queryStringParameters"].items()}
        headers = event["headers"]
    return event["httpMethod"], unquote(event["path"]), query, headers


@PROPERTY
@given(kind=KINDS, method=METHODS, path=PATHS, query=QUERIES, headers=HEADERS, body=BODIES)
def test_every_builder_round_trips_the_request(
    kind: str, method: str, path: str, query: dict[str, tuple[str, ...]],
    headers: dict[str, str], body: tuple[bytes | None, bool],
) -> None:
    data, binary = body
    request = Request(method=method, path=path, query=query, headers=headers,
                      body=data, body_is_binary=binary)
    multi = kind == "alb-multi"
    kind = "alb" if multi else kind
    event = build_event(_check(kind, request), alb_multi_value=multi)
    event = json.loads(json.dumps(event))  # JSON-serializable, and what the function receives

    seen_method, seen_path, seen_query, seen_headers = _seen(kind, event)
    assert seen_method == method.upper()
    if kind == "alb" and "%" in path:
        assert event["path"]  # an ALB path is sent encoded; a literal % cannot round-trip
    else:
        assert seen_path == path
    if kind == "alb" and not multi:
        assert seen_query == {name: [values[-1]] for name, values in query.items()}
    else:
        assert seen_query == {name: list(values) for name, values in query.items()}
    for name, value in headers.items():
        assert seen_headers[name] == value

    sent = event.get("body")
    if data is None:
        assert sent in (None, "")
    elif event["isBase64Encoded"]:
        assert base64.b64decode(sent) == data
    else:
        assert not binary and sent.encode() == data


STATIC = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="/?#{}%"),
                 min_size=1, max_size=6)
VALUE = st.text(st.characters(exclude_categories=("Cs",)), max_size=8)
# a template's segments: a literal, or (placeholder name, its value)
TEMPLATES = st.lists(st.one_of(STATIC, st.tuples(st.from_regex(r"\Ap[0-9]\Z"), VALUE)),
                     min_size=1, max_size=4)


@PROPERTY
@given(kind=st.sampled_from(["apigw-rest", "apigw-http", "function-url", "alb"]), parts=TEMPLATES)
def test_path_templates_are_filled_segment_by_segment(kind: str, parts: list[Any]) -> None:
    values = {part[0]: part[1] for part in parts if isinstance(part, tuple)}
    template = "/" + "/".join(p if isinstance(p, str) else "{" + p[0] + "}" for p in parts)
    expected = [p if isinstance(p, str) else values[p[0]] for p in parts]
    request = Request(method="PUT", path=template, path_parameters=values)
    event = json.loads(json.dumps(build_event(_check(kind, request))))
    if kind != "apigw-http":  # an HTTP API sends the path decoded (below)
        key = "rawPath" if kind == "function-url" else "path"
        assert [unquote(s) for s in event[key].split("/")[1:]] == expected
    if kind == "apigw-rest":
        assert event["resource"] == event["requestContext"]["resourcePath"] == template
        assert event["requestContext"]["path"] == "/prod" + event["path"]
        assert event["pathParameters"] == (values or None)
    elif kind == "apigw-http":
        assert event["routeKey"] == (f"PUT {template}" if values else "$default")
        assert event["rawPath"] == event["requestContext"]["http"]["path"] == "/" + "/".join(expected)
        assert event.get("pathParameters") == (values or None)
    else:
        assert "pathParameters" not in event


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=10,
)
PROXY_LIKE = st.fixed_dictionaries(
    {"statusCode": st.one_of(st.integers(0, 700), TEXT, st.none(), st.booleans())},
    optional={
        "headers": st.dictionaries(TEXT, JSON, max_size=3) | JSON,
        "multiValueHeaders": st.dictionaries(TEXT, st.lists(JSON, max_size=2), max_size=2) | JSON,
        "body": TEXT | JSON,
        "isBase64Encoded": st.booleans() | JSON,
        "cookies": st.lists(TEXT, max_size=2) | JSON,
    },
)


@PROPERTY
@given(kind=st.sampled_from(["apigw-rest", "apigw-http", "function-url", "alb", "raw"]),
       payload=JSON | PROXY_LIKE)
def test_decode_response_never_raises(kind: str, payload: Any) -> None:
    response, notes = decode_response(_check(kind, Request()), payload)
    if kind == "raw":
        assert (response, notes) == (None, ())
        return
    assert isinstance(response, Response)
    assert 100 <= response.status <= 599
    assert all(name == name.lower() for name in response.headers)
    malformed = any(note.startswith("malformed Lambda proxy response") for note in notes)
    assert malformed == (response.status == 502 and bool(notes))
    if kind in ("apigw-rest", "alb") and not isinstance(payload, dict):
        assert malformed


@PROPERTY
@given(status=st.integers(100, 599), body=TEXT, headers=st.dictionaries(TEXT, TEXT, max_size=3),
       kind=st.sampled_from(["apigw-rest", "apigw-http", "function-url", "alb"]))
def test_valid_proxy_responses_come_back_unchanged(
    kind: str, status: int, body: str, headers: dict[str, str]
) -> None:
    payload = {"statusCode": status, "headers": headers, "body": body}
    response, notes = decode_response(_check(kind, Request()), payload)
    assert notes == () and response is not None
    assert (response.status, response.text()) == (status, body)
    for name, value in headers.items():
        assert value in response.multi_headers[name.lower()]
