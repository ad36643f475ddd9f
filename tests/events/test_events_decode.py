"""decode_response: what the gateway answers for what the function returned."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from smoke.events import decode_response

V1_KINDS = ["apigw-rest", "alb"]
V2_KINDS = ["apigw-http", "function-url"]


def test_raw_checks_have_no_http_response(check) -> None:
    assert decode_response(check("raw"), {"statusCode": 200}) == (None, ())


@pytest.mark.parametrize("kind", V1_KINDS + V2_KINDS)
def test_proxy_response_is_decoded(check, kind: str) -> None:
    payload = {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json", "X-Count": 3},
        "body": '{"id": 7}',
        "isBase64Encoded": False,
    }
    response, notes = decode_response(check(kind), payload)
    assert notes == ()
    assert response is not None
    assert response.status == 201
    assert response.headers == {"content-type": "application/json", "x-count": "3"}
    assert json.loads(response.body) == {"id": 7}


@pytest.mark.parametrize("kind", V1_KINDS + V2_KINDS)
def test_base64_body_is_decoded(check, kind: str) -> None:
    data = b"\x89PNG\r\n\x1a\n\x00\xff"
    payload = {"statusCode": 200, "body": base64.b64encode(data).decode(), "isBase64Encoded": True}
    response, _ = decode_response(check(kind), payload)
    assert response is not None and response.body == data


@pytest.mark.parametrize("kind", V1_KINDS)
def test_multi_value_headers_are_kept(check, kind: str) -> None:
    payload = {
        "statusCode": 200,
        "headers": {"X-One": "a", "Set-Cookie": "ignored=1"},
        "multiValueHeaders": {"Set-Cookie": ["s=1; Path=/", "t=2"], "Vary": ["Accept", "Origin"]},
    }
    response, notes = decode_response(check(kind), payload)
    assert notes == () and response is not None
    # a name in both maps: the multi-value one wins, as API Gateway does
    assert response.multi_headers["set-cookie"] == ("s=1; Path=/", "t=2")
    assert response.multi_headers["vary"] == ("Accept", "Origin")
    assert response.headers["vary"] == "Accept, Origin"
    assert response.headers["x-one"] == "a"
    assert response.body == b""


MALFORMED: list[tuple[Any, str]] = [
    (None, "got null"),
    ("Hello", "got a string"),
    ([1, 2], "got a list"),
    ({"body": "ok"}, "statusCode is missing"),
    ({"statusCode": "200"}, "statusCode must be an integer, got a string"),
    ({"statusCode": True}, "statusCode must be an integer, got a boolean"),
    ({"statusCode": 42}, "statusCode 42 is not an HTTP status"),
    ({"statusCode": 200, "body": {"a": 1}}, "body must be a string, got an object"),
    ({"statusCode": 200, "headers": ["a"]}, "headers must be an object"),
    ({"statusCode": 200, "headers": {"a": {"b": 1}}}, "header 'a' has an object value"),
    ({"statusCode": 200, "multiValueHeaders": {"a": "b"}}, "multiValueHeaders['a'] must be a list"),
    ({"statusCode": 200, "body": "!!", "isBase64Encoded": True}, "not base64"),
    ({"statusCode": 200, "isBase64Encoded": "yes"}, "isBase64Encoded must be a boolean"),
    (
        {"errorMessage": "boom", "errorType": "KeyError", "stackTrace": []},
        "statusCode is missing",
    ),
]


@pytest.mark.parametrize(("payload", "why"), MALFORMED)
def test_rest_malformed_proxy_response_is_502(check, payload: Any, why: str) -> None:
    response, notes = decode_response(check("apigw-rest"), payload)
    assert response is not None
    assert response.status == 502
    assert json.loads(response.body) == {"message": "Internal server error"}
    assert len(notes) == 1
    assert notes[0].startswith("malformed Lambda proxy response: ")
    assert why in notes[0]


def test_alb_malformed_proxy_response_is_502_bad_gateway(check) -> None:
    response, notes = decode_response(check("alb"), {"hello": "world"})
    assert response is not None and response.status == 502
    assert b"502 Bad Gateway" in response.body
    assert notes == ("malformed Lambda proxy response: statusCode is missing",)


@pytest.mark.parametrize("kind", V2_KINDS)
def test_v2_infers_200_for_an_object_without_status(check, kind: str) -> None:
    response, notes = decode_response(check(kind), {"status": "ok", "n": 1})
    assert response is not None
    assert response.status == 200
    assert response.headers == {"content-type": "application/json"}
    assert json.loads(response.body) == {"status": "ok", "n": 1}
    assert notes and "inferred" in notes[0]


@pytest.mark.parametrize(
    ("payload", "body"),
    [
        ("Hello from Lambda!", b"Hello from Lambda!"),  # a string is the body itself
        ([1, "two"], b'[1, "two"]'),
        (None, b"null"),
        (3.5, b"3.5"),
        ({"statusText": "no status code"}, b'{"statusText": "no status code"}'),
    ],
)
def test_v2_inference_for_other_values(check, payload: Any, body: bytes) -> None:
    response, _ = decode_response(check("apigw-http"), payload)
    assert response is not None
    assert (response.status, response.body) == (200, body)
    assert response.headers["content-type"] == "application/json"


def test_v2_cookies_become_set_cookie_headers(check) -> None:
    payload = {
        "statusCode": 302,
        "headers": {"Location": "/home"},
        "cookies": ["session=abc; HttpOnly", "theme=dark"],
    }
    response, notes = decode_response(check("function-url"), payload)
    assert notes == () and response is not None
    assert response.status == 302
    assert response.headers["location"] == "/home"
    assert response.multi_headers["set-cookie"] == ("session=abc; HttpOnly", "theme=dark")


@pytest.mark.parametrize(
    "payload",
    [
        {"statusCode": "200", "body": "x"},
        {"statusCode": 200, "body": {"nested": True}},
        {"statusCode": 200, "cookies": "a=1"},
    ],
)
def test_v2_with_status_code_must_be_a_valid_proxy_response(check, payload: Any) -> None:
    response, notes = decode_response(check("apigw-http"), payload)
    assert response is not None and response.status == 502
    assert notes[0].startswith("malformed Lambda proxy response: ")


def test_v1_does_not_infer_anything(check) -> None:
    response, notes = decode_response(check("apigw-rest"), {"status": "ok"})
    assert response is not None and response.status == 502
    assert notes == ("malformed Lambda proxy response: statusCode is missing",)
