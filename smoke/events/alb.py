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
    gateway_header_lists,
    target_of,
)
from smoke.events.paths import fill_path
from smoke.model import Request

TARGET_GROUP_ARN = (
    f"arn:aws:elasticloadbalancing:{REGION}:123456789012:targetgroup/smoke/0123456789abcdef"
)
ALB_HOST = f"smoke-alb-123456789.{REGION}.elb.amazonaws.com"


def alb_event(
    request: Request, clock: Clock, *, multi_value: bool = False, host: str | None = None
) -> dict[str, Any]:
    """The event an ALB target group sends to a Lambda target.

    An ALB has no path parameters: the path arrives with the values filled in.
    With ``multi_value`` (a target group with ``lambda.multi_value_headers.enabled``)
    only the multi-value header and query maps are sent, with every value of a repeated
    header; without it, the last value.
    """
    target = target_of(request)
    path = fill_path(target.path, request.path_parameters).sent
    lines: dict[str, list[str]] = {}
    for name, values in gateway_header_lists(
        request, host or ALB_HOST, clock, port="80", proto="http"
    ).items():
        lines.setdefault(name.lower(), []).extend(values)
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
        event["multiValueHeaders"] = lines
    else:  # "the load balancer uses the last value that the client sends"
        event["queryStringParameters"] = {name: values[-1] for name, values in query}
        event["headers"] = {name: values[-1] for name, values in lines.items()}
    event["body"] = "" if body is None else body
    event["isBase64Encoded"] = is_base64
    return event
