"""API Gateway events: REST API proxy (payload 1.0), HTTP API (payload 2.0), Function URL.

Shapes follow AWS's published samples (see tests/events/fixtures/). Keys that
API Gateway sends as ``null`` when empty (query maps, path parameters, stage
variables, body) are ``None`` in payload 1.0 and left out in payload 2.0, as
API Gateway and Function URLs do.

A path with ``{name}`` placeholders is the resource (REST) or route (HTTP API)
template; the event's path has the check's ``path_parameters`` filled in (see
``smoke.events.paths``). A Function URL has no routes and no path parameters.
"""

from __future__ import annotations

from typing import Any

from smoke.events.common import (
    ACCOUNT_ID,
    API_ID,
    REGION,
    SOURCE_IP,
    Clock,
    authorizer_v1,
    authorizer_v2,
    encode_body,
    encode_path,
    encode_query,
    find_header,
    host_of,
    target_of,
    user_agent_of,
    with_gateway_headers,
)
from smoke.events.paths import fill_path
from smoke.model import Request

DEFAULT_REST_STAGE = "prod"  # REST stage names cannot contain "$": "$default" becomes this

_IDENTITY_NULLS = (
    "accessKey",
    "accountId",
    "caller",
    "cognitoAuthenticationProvider",
    "cognitoAuthenticationType",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "principalOrgId",
    "user",
    "userArn",
)


def rest_event(request: Request, clock: Clock) -> dict[str, Any]:
    """An API Gateway REST API Lambda proxy event (payload format 1.0)."""
    target = target_of(request)
    path = fill_path(target.path, request.path_parameters)
    domain = host_of(request, f"{API_ID}.execute-api.{REGION}.amazonaws.com")
    headers = with_gateway_headers(request, domain, lower=False)
    body, is_base64 = encode_body(request)
    stage = DEFAULT_REST_STAGE if request.stage == "$default" else request.stage
    # on the execute-api host the client's path starts with the stage; a custom domain's does not
    context_path = f"/{stage}{path.sent}" if ".execute-api." in domain else path.sent
    identity: dict[str, Any] = dict.fromkeys(_IDENTITY_NULLS)
    identity.update(sourceIp=SOURCE_IP, userAgent=user_agent_of(request))
    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": domain,
        "domainPrefix": domain.split(".")[0],
        "extendedRequestId": clock.request_id,
        "httpMethod": target.method,
        "identity": identity,
        "path": context_path,
        "protocol": "HTTP/1.1",
        "requestId": clock.request_id,
        "requestTime": clock.request_time,
        "requestTimeEpoch": clock.epoch_ms,
        "resourceId": None,
        "resourcePath": path.template,
        "stage": stage,
    }
    authorizer = authorizer_v1(request)
    if authorizer is not None:
        context["authorizer"] = authorizer
    query = target.query
    return {
        "version": "1.0",
        "resource": path.template,
        "path": path.sent,
        "httpMethod": target.method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        # API Gateway puts the last value of a repeated parameter in the single-value map
        "queryStringParameters": {n: v[-1] for n, v in query if v} or None,
        "multiValueQueryStringParameters": {n: list(v) for n, v in query if v} or None,
        "requestContext": context,
        "pathParameters": path.parameters or None,
        "stageVariables": None,
        "body": body,
        "isBase64Encoded": is_base64,
    }


def http_event(request: Request, clock: Clock, *, function_url: bool = False) -> dict[str, Any]:
    """An HTTP API event (payload format 2.0), or a Function URL event (same shape)."""
    target = target_of(request)
    path = fill_path(target.path, request.path_parameters)
    route = f"{target.method} {path.template}" if path.is_template and not function_url else "$default"
    if function_url:
        url_id = "smoke"
        domain = host_of(request, f"{url_id}.lambda-url.{REGION}.on.aws")
        account = "anonymous"
    else:
        domain = host_of(request, f"{API_ID}.execute-api.{REGION}.amazonaws.com")
        account = ACCOUNT_ID
    headers = with_gateway_headers(request, domain, lower=True)
    cookie_header = headers.pop("cookie", None)
    body, is_base64 = encode_body(request)
    context: dict[str, Any] = {
        "accountId": account,
        "apiId": domain.split(".")[0],
        "domainName": domain,
        "domainPrefix": domain.split(".")[0],
        "http": {
            "method": target.method,
            "path": path.decoded,
            "protocol": "HTTP/1.1",
            "sourceIp": SOURCE_IP,
            "userAgent": find_header(headers, "user-agent") or "",
        },
        "requestId": clock.request_id,
        "routeKey": route,
        "stage": "$default" if function_url else request.stage,
        "time": clock.request_time,
        "timeEpoch": clock.epoch_ms,
    }
    authorizer = None if function_url else authorizer_v2(request)
    if authorizer is not None:
        context["authorizer"] = authorizer
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": encode_path(path.sent),
        "rawQueryString": encode_query(target.query),
    }
    if cookie_header:
        event["cookies"] = [c.strip() for c in cookie_header.split(";") if c.strip()]
    event["headers"] = headers
    query = {name: ",".join(values) for name, values in target.query if values}
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = context
    if body is not None:
        event["body"] = body
    if path.parameters and not function_url:
        event["pathParameters"] = path.parameters
    event["isBase64Encoded"] = is_base64
    return event
