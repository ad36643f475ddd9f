"""Application Load Balancer events, single-value or multi-value headers mode.

An ALB passes header names lower-cased and query parameters exactly as the
client sent them, still percent-encoded ("the load balancer does not decode
them"), so the builder encodes them as a client would. An empty body is ``""``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from smoke.events.common import (
    REGION,
    Clock,
    encode_body,
    encode_path,
    target_of,
    with_gateway_headers,
)
from smoke.events.paths import fill_path
from smoke.model import Request

TARGET_GROUP_ARN = (
    f"arn:aws:elasticloadbalancing:{REGION}:123456789012:targetgroup/smoke/0123456789abcdef"
)
ALB_HOST = f"smoke-alb-123456789.{REGION}.elb.amazonaws.com"


def alb_event(request: Request, clock: Clock, *, multi_value: bool = False) -> dict[str, Any]:
    """The event an ALB target group sends to a Lambda target.

    An ALB has no path parameters: the path arrives with the values filled in.
    With ``multi_value`` (a target group with ``lambda.multi_value_headers.enabled``)
    only the multi-value header and query maps are sent.
    """
    target = target_of(request)
    path = fill_path(target.path, request.path_parameters).sent
    headers = with_gateway_headers(request, ALB_HOST, lower=True, port="80", proto="http")
    trace = clock.request_id.replace("-", "")[:24]
    headers.setdefault("x-amzn-trace-id", f"Root=1-{clock.epoch_ms // 1000:08x}-{trace}")
    body, is_base64 = encode_body(request)
    query = [
        (quote(name, safe=""), [quote(value, safe="") for value in values])
        for name, values in target.query
        if values
    ]
    event: dict[str, Any] = {
        "requestContext": {"elb": {"targetGroupArn": TARGET_GROUP_ARN}},
        "httpMethod": target.method,
        # the path, too, arrives as the client sent it
        "path": encode_path(path),
    }
    if multi_value:
        event["multiValueQueryStringParameters"] = {name: values for name, values in query}
        event["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    else:
        event["queryStringParameters"] = {name: values[-1] for name, values in query}
        event["headers"] = headers
    event["body"] = "" if body is None else body
    event["isBase64Encoded"] = is_base64
    return event
