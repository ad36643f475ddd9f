"""The event builders against AWS's published sample events (tests/events/fixtures)."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from smoke.events import build_event
from smoke.model import Authorizer

NOW = 1583349317.135  # 04/Mar/2020:19:15:17 +0000, as in the REST sample

REST_REQUEST: dict[str, Any] = dict(
    method="get",
    path="/my/path",
    query={"parameter1": ("value1", "value2"), "parameter2": ("value",)},
    headers={"header1": "value1", "header2": "value2", "Origin": "https://aws.amazon.com"},
    body=b"Hello from Lambda!",
)
HTTP_REQUEST: dict[str, Any] = dict(
    method="POST",
    path="/my/path",
    query={"parameter1": ("value1", "value2"), "parameter2": ("value",)},
    headers={"Header1": "value1", "Cookie": "cookie1; cookie2"},
    path_parameters={"parameter1": "value1"},
    body=b'{"message": "hello world", "username": "tom"}',
)


def test_rest_event_has_the_shape_of_the_aws_sample(check, canonical, same_shape) -> None:
    sample = canonical("apiGatewayProxyEvent.json")
    # Powertools' sample carries the `version: "1.0"` of an HTTP API's payload 1.0; a REST
    # API sends no version (the developer guide's REST sample, live captures), and Mangum
    # takes an event with one for an HTTP API's
    del sample["version"]
    event = build_event(check("apigw-rest", **REST_REQUEST), request_id="req-1", now=NOW)
    assert "version" not in event
    same_shape(
        event,
        sample,
        data_maps=frozenset({"headers", "multiValueHeaders", "queryStringParameters",
                             "multiValueQueryStringParameters"}),
        optional=frozenset({"requestContext.authorizer", "requestContext.identity.clientCert"}),
    )
    assert set(event) == set(sample)
    assert event["httpMethod"] == event["requestContext"]["httpMethod"] == "GET"
    assert event["path"] == event["resource"] == "/my/path"
    assert event["multiValueQueryStringParameters"] == sample["multiValueQueryStringParameters"]
    # API Gateway puts the *last* value of a repeated parameter in the single-value map
    assert event["queryStringParameters"] == {"parameter1": "value2", "parameter2": "value"}
    for name in ("header1", "header2", "Origin"):
        assert event["headers"][name] == REST_REQUEST["headers"][name]
        assert event["multiValueHeaders"][name] == [REST_REQUEST["headers"][name]]
    assert event["body"] == sample["body"] and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["requestId"] == "req-1"
    assert ctx["requestTime"] == sample["requestContext"]["requestTime"]
    assert ctx["requestTimeEpoch"] == 1583349317135
    assert ctx["resourcePath"] == "/my/path"
    assert (ctx["stage"], ctx["path"]) == ("prod", "/prod/my/path")  # "$default" is not a REST stage
    assert "authorizer" not in ctx
    json.dumps(event)


def test_rest_event_without_query_or_body_sends_nulls(check) -> None:
    event = build_event(check("apigw-rest", path="/health"))
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["body"] is None
    uuid.UUID(event["requestContext"]["requestId"])  # a uuid4 when not given
    assert event["headers"]["Host"] == event["requestContext"]["domainName"]


def test_rest_event_stage_prefixes_the_context_path(check) -> None:
    event = build_event(check("apigw-rest", path="/items", stage="prod"))
    assert event["requestContext"]["path"] == "/prod/items"
    assert event["requestContext"]["stage"] == "prod"
    assert event["path"] == "/items"


def test_rest_event_authorizer_context(check) -> None:
    auth = Authorizer(claims={"sub": "u-1", "email": "a@b.c"}, context={"tenant": "t1"},
                      principal_id="user|1")
    event = build_event(check("apigw-rest", authorizer=auth))
    assert event["requestContext"]["authorizer"] == {
        "claims": {"sub": "u-1", "email": "a@b.c"},
        "principalId": "user|1",
        "tenant": "t1",
    }


def test_http_event_has_the_shape_of_the_aws_sample(check, canonical, same_shape) -> None:
    sample = canonical("apiGatewayProxyV2Event.json")
    event = build_event(check("apigw-http", **HTTP_REQUEST), request_id="id", now=NOW)
    same_shape(
        event,
        sample,
        data_maps=frozenset({"headers", "queryStringParameters", "pathParameters"}),
        optional=frozenset({"stageVariables", "requestContext.authentication",
                            "requestContext.authorizer"}),
    )
    assert set(event) <= set(sample)
    for key in ("version", "routeKey", "rawPath", "rawQueryString", "cookies",
                "queryStringParameters", "body", "isBase64Encoded", "pathParameters"):
        assert event[key] == sample[key], key
    http = event["requestContext"]["http"]
    assert (http["method"], http["path"]) == ("POST", "/my/path")
    assert event["headers"]["header1"] == "value1"
    assert all(name == name.lower() for name in event["headers"])
    assert "cookie" not in event["headers"]  # split out into "cookies"
    assert http["userAgent"] == event["headers"]["user-agent"]
    assert event["requestContext"]["timeEpoch"] == 1583349317135


def test_http_event_authorizers(check, canonical) -> None:
    sample = canonical("apiGatewayProxyV2Event.json")["requestContext"]["authorizer"]
    claims = Authorizer(claims={"claim1": "value1", "claim2": "value2", "scope": "scope1 scope2"})
    jwt = build_event(check("apigw-http", authorizer=claims))["requestContext"]["authorizer"]
    assert set(jwt) == set(sample) == {"jwt"}
    assert jwt["jwt"]["scopes"] == sample["jwt"]["scopes"]
    assert jwt["jwt"]["claims"]["claim1"] == "value1"
    lam = build_event(check("apigw-http", authorizer=Authorizer(context={"tenant": "t1"})))
    assert lam["requestContext"]["authorizer"] == {"lambda": {"tenant": "t1"}}


def test_function_url_event_has_the_shape_of_the_aws_sample(check, canonical, same_shape) -> None:
    sample = canonical("lambdaFunctionUrlEvent.json")
    event = build_event(check("function-url", path="/"), now=NOW)
    same_shape(event, sample, data_maps=frozenset({"headers"}))
    assert set(event) == set(sample)  # no body, cookies or query keys when there are none
    ctx = event["requestContext"]
    assert ctx["domainName"].endswith(".lambda-url.us-east-1.on.aws")
    assert ctx["domainName"] == event["headers"]["host"]
    assert ctx["routeKey"] == event["routeKey"] == "$default"
    assert ctx["accountId"] == "anonymous"
    assert (ctx["http"]["method"], event["rawPath"], event["rawQueryString"]) == ("GET", "/", "")


def test_function_url_domain_follows_the_host_header(check) -> None:
    host = "abc123.lambda-url.eu-west-1.on.aws"
    event = build_event(check("function-url", headers={"Host": host}))
    assert event["requestContext"]["domainName"] == host
    assert event["requestContext"]["domainPrefix"] == "abc123"


def test_alb_event_has_the_shape_of_the_aws_sample(check, canonical, same_shape) -> None:
    sample = canonical("albEvent.json")
    request = dict(path="/lambda", query={"query": ("1234ABCD",)}, headers={"Accept": "text/html"})
    event = build_event(check("alb", **request))
    same_shape(event, sample, data_maps=frozenset({"headers", "queryStringParameters"}))
    assert set(event) == set(sample)
    assert event["queryStringParameters"] == sample["queryStringParameters"]
    assert event["headers"]["accept"] == "text/html"
    assert event["body"] == "" and event["isBase64Encoded"] is False
    assert event["requestContext"]["elb"]["targetGroupArn"].startswith(
        "arn:aws:elasticloadbalancing:"
    )


def test_alb_multi_value_event_has_the_shape_of_the_aws_sample(check, canonical, same_shape) -> None:
    sample = canonical("albMultiValueEvent.json")
    request = dict(path="/todos", query={"parameter1": ("value1", "value2"), "parameter2": ("value",)})
    event = build_event(check("alb", **request), alb_multi_value=True)
    same_shape(event, sample, data_maps=frozenset({"multiValueHeaders",
                                                   "multiValueQueryStringParameters"}))
    assert set(event) == set(sample)
    assert event["multiValueQueryStringParameters"] == sample["multiValueQueryStringParameters"]
    assert event["multiValueHeaders"]["x-forwarded-proto"] == ["http"]


def test_alb_leaves_query_percent_encoded_like_the_real_load_balancer(check) -> None:
    event = build_event(check("alb", query={"q": ("a b&c",)}))
    assert event["queryStringParameters"] == {"q": "a%20b%26c"}


@pytest.mark.parametrize("kind", ["apigw-rest", "apigw-http", "function-url", "alb"])
def test_binary_body_is_base64(check, kind: str) -> None:
    data = bytes(range(256))
    event = build_event(check(kind, method="POST", body=data, body_is_binary=True))
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == data


@pytest.mark.parametrize("kind", ["apigw-rest", "apigw-http", "alb"])
def test_query_in_the_path_is_merged(check, kind: str) -> None:
    event = build_event(check(kind, path="/search?q=x", query={"page": ("2",)}))
    path = event.get("path") or event["rawPath"]
    assert path == "/search"
    if kind == "apigw-http":
        assert event["rawQueryString"] == "q=x&page=2"
    else:
        assert event["queryStringParameters"] == {"q": "x", "page": "2"}


def test_raw_event_is_the_payload_as_is(check) -> None:
    payload = {"dry_run": True, "limit": [1, 2]}
    assert build_event(check("raw", payload=payload)) is payload


def test_unknown_event_kind_is_refused(check) -> None:
    with pytest.raises(ValueError, match="unknown event kind 'sqs'"):
        build_event(check("sqs"))
