"""Path templates, REST stages, ALB multi-value mode, authorizers and Content-Length."""

from __future__ import annotations

import pytest

from smoke.events import build_event
from smoke.events.paths import fill_path
from smoke.model import Authorizer

ITEMS = dict(method="post", path="/users/{id}/items", path_parameters={"id": "42"})


def test_rest_event_fills_the_path_and_keeps_the_template_as_resource(check) -> None:
    event = build_event(check("apigw-rest", **ITEMS))
    assert event["path"] == "/users/42/items"
    assert event["resource"] == "/users/{id}/items"
    assert event["pathParameters"] == {"id": "42"}
    ctx = event["requestContext"]
    assert ctx["resourcePath"] == "/users/{id}/items"
    assert ctx["path"] == "/prod/users/42/items"
    assert ctx["httpMethod"] == event["httpMethod"] == "POST"


def test_http_event_fills_the_raw_path_and_names_the_route(check) -> None:
    event = build_event(check("apigw-http", **ITEMS))
    assert event["rawPath"] == "/users/42/items"
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "POST /users/{id}/items"
    assert event["requestContext"]["http"]["path"] == "/users/42/items"
    assert event["pathParameters"] == {"id": "42"}


@pytest.mark.parametrize("kind", ["alb", "function-url"])
def test_alb_and_function_url_get_the_filled_path_and_no_parameters(check, kind: str) -> None:
    event = build_event(check(kind, **ITEMS))
    path = event["rawPath"] if kind == "function-url" else event["path"]
    assert path == "/users/42/items"
    assert "pathParameters" not in event
    if kind == "function-url":
        assert event["routeKey"] == "$default"
        assert event["requestContext"]["http"]["path"] == "/users/42/items"


def test_values_are_percent_encoded_in_the_path_and_decoded_in_the_parameters(check) -> None:
    params = {"id": "a b/c%d", "name": "ä"}
    rest = build_event(check("apigw-rest", path="/u/{id}/{name}", path_parameters=params))
    assert rest["path"] == "/u/a%20b%2Fc%25d/%C3%A4"
    assert rest["pathParameters"] == params
    http = build_event(check("apigw-http", path="/u/{id}/{name}", path_parameters=params))
    # an HTTP API decodes the path before it reaches the function, rawPath included
    assert http["rawPath"] == http["requestContext"]["http"]["path"] == "/u/a b/c%d/ä"
    assert http["pathParameters"] == params
    url = build_event(check("function-url", path="/u/{id}/{name}", path_parameters=params))
    assert url["rawPath"] == "/u/a%20b%2Fc%25d/%C3%A4"  # a Function URL keeps the encoding


def test_greedy_parameter_keeps_its_slashes(check) -> None:
    request = dict(path="/files/{proxy+}", path_parameters={"proxy": "a/b c/d.txt"})
    rest = build_event(check("apigw-rest", **request))
    assert rest["path"] == "/files/a/b%20c/d.txt"
    assert rest["resource"] == "/files/{proxy+}"
    assert rest["pathParameters"] == {"proxy": "a/b c/d.txt"}
    http = build_event(check("apigw-http", **request))
    assert http["rawPath"] == "/files/a/b c/d.txt"  # decoded, as an HTTP API sends it
    assert http["routeKey"] == "GET /files/{proxy+}"
    # written with the "+" in the key, it still fills the placeholder; the event's key has none
    plus = build_event(check("apigw-rest", path="/files/{proxy+}", path_parameters={"proxy+": "x/y"}))
    assert (plus["path"], plus["pathParameters"]) == ("/files/x/y", {"proxy": "x/y"})


def test_placeholder_without_a_value_is_left_as_it_is(check) -> None:
    request = dict(path="/users/{id}/items/{item}", path_parameters={"id": "7"})
    rest = build_event(check("apigw-rest", **request))
    assert rest["path"] == "/users/7/items/{item}"
    assert rest["resource"] == "/users/{id}/items/{item}"
    http = build_event(check("apigw-http", **request))
    assert http["requestContext"]["http"]["path"] == "/users/7/items/{item}"
    assert http["routeKey"] == "GET /users/{id}/items/{item}"
    assert build_event(check("alb", path="/x/{id}"))["path"] == "/x/%7Bid%7D"


def test_a_concrete_path_keeps_its_resource_and_the_default_route(check) -> None:
    rest = build_event(check("apigw-rest", path="/users/42/items"))
    assert rest["resource"] == rest["path"] == "/users/42/items"
    http = build_event(check("apigw-http", path="/users/42/items", path_parameters={"id": "42"}))
    assert http["routeKey"] == "$default"
    assert http["pathParameters"] == {"id": "42"}


def test_fill_path_reports_template_and_values() -> None:
    filled = fill_path("/a/{x}/{rest+}", {"x": "1 2", "rest": "p/q"})
    assert (filled.sent, filled.decoded) == ("/a/1%202/p/q", "/a/1 2/p/q")
    assert filled.is_template and filled.parameters == {"x": "1 2", "rest": "p/q"}
    assert not fill_path("/plain", {}).is_template


def test_rest_stage_default_becomes_prod_and_an_explicit_stage_is_kept(check) -> None:
    default = build_event(check("apigw-rest", path="/items"))["requestContext"]
    assert (default["stage"], default["path"]) == ("prod", "/prod/items")
    explicit = build_event(check("apigw-rest", path="/items", stage="v1"))["requestContext"]
    assert (explicit["stage"], explicit["path"]) == ("v1", "/v1/items")
    http = build_event(check("apigw-http", path="/items"))["requestContext"]
    assert http["stage"] == "$default"  # an HTTP API's default stage


def test_rest_custom_domain_path_has_no_stage_prefix(check) -> None:
    event = build_event(check("apigw-rest", path="/items", headers={"Host": "api.example.com"}))
    assert event["requestContext"]["path"] == "/items"
    assert event["requestContext"]["domainName"] == "api.example.com"


def test_alb_multi_value_sends_only_the_multi_value_maps(check) -> None:
    request = dict(path="/q", query={"a": ("1", "2")}, headers={"X-One": "1"})
    multi = build_event(check("alb", **request), alb_multi_value=True)
    assert "headers" not in multi and "queryStringParameters" not in multi
    assert multi["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert multi["multiValueHeaders"]["x-one"] == ["1"]
    single = build_event(check("alb", **request))
    assert "multiValueHeaders" not in single and "multiValueQueryStringParameters" not in single
    assert single["queryStringParameters"] == {"a": "2"}


def test_lambda_authorizer_principal_id_is_v1_only(check) -> None:
    auth = Authorizer(context={"tenant": "t1"}, principal_id="user|1")
    rest = build_event(check("apigw-rest", authorizer=auth))["requestContext"]["authorizer"]
    assert rest == {"tenant": "t1", "principalId": "user|1"}
    http = build_event(check("apigw-http", authorizer=auth))["requestContext"]["authorizer"]
    assert http == {"lambda": {"tenant": "t1"}}


@pytest.mark.parametrize(
    ("kind", "header"),
    [("apigw-rest", "Content-Length"), ("apigw-http", "content-length"),
     ("function-url", "content-length"), ("alb", "content-length")],
)
def test_a_body_gets_a_content_length(check, kind: str, header: str) -> None:
    body = "héllo".encode()
    event = build_event(check(kind, method="POST", body=body))
    assert event["headers"][header] == "6"  # bytes, not characters
    assert "content-length" not in {name.lower() for name in build_event(check(kind))["headers"]}


def test_a_content_length_the_check_gave_is_kept(check) -> None:
    rest = build_event(check("apigw-rest", method="POST", body=b"abc",
                             headers={"content-length": "99"}))
    assert rest["headers"]["content-length"] == "99"
    assert "Content-Length" not in rest["headers"]
    http = build_event(check("apigw-http", method="POST", body=b"abc",
                             headers={"Content-Length": "99"}))
    assert http["headers"]["content-length"] == "99"
