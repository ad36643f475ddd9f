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
    EventSettings,
    authorizer_v1,
    authorizer_v2,
    encode_body,
    encode_path,
    encode_query,
    find_header,
    gateway_header_lists,
    host_of,
    lower_joined,
    target_of,
    user_agent_of,
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


def rest_event(
    request: Request, clock: Clock, settings: EventSettings | None = None
) -> dict[str, Any]:
    """An API Gateway REST API Lambda proxy event (payload format 1.0).

    A REST API sends no ``version`` key (an HTTP API's payload 1.0 does: adapters such
    as Mangum tell the two apart by it). A header sent more than once is in
    ``multiValueHeaders`` with every value, and in ``headers`` with the last."""
    settings = settings or EventSettings()
    target = target_of(request)
    path = fill_path(target.path, request.path_parameters)
    domain = host_of(request, f"{API_ID}.execute-api.{REGION}.amazonaws.com", settings)
    lines = gateway_header_lists(request, domain, clock)
    headers = {name: values[-1] for name, values in lines.items()}
    body, is_base64 = encode_body(request)
    stage = settings.stage_of(request)
    stage = DEFAULT_REST_STAGE if stage == "$default" else stage
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
        "resource": path.template,
        "path": path.sent,
        "httpMethod": target.method,
        "headers": headers,
        "multiValueHeaders": lines,
        # API Gateway puts the last value of a repeated parameter in the single-value map
        "queryStringParameters": {n: v[-1] for n, v in query if v} or None,
        "multiValueQueryStringParameters": {n: list(v) for n, v in query if v} or None,
        "requestContext": context,
        "pathParameters": path.parameters or None,
        "stageVariables": None,
        "body": body,
        "isBase64Encoded": is_base64,
    }


def http_event(
    request: Request,
    clock: Clock,
    *,
    function_url: bool = False,
    settings: EventSettings | None = None,
) -> dict[str, Any]:
    """An HTTP API event (payload format 2.0), or a Function URL event (same shape).

    An HTTP API sends ``rawPath`` (and ``requestContext.http.path``) decoded, starting
    with ``/STAGE`` when a named stage is invoked on its execute-api host, as AWS does; a
    Function URL sends the path as the client did (percent-encoded) and has no stage.
    Repeated headers are comma-joined."""
    settings = settings or EventSettings()
    target = target_of(request)
    path = fill_path(target.path, request.path_parameters)
    route = f"{target.method} {path.template}" if path.is_template and not function_url else "$default"
    stage = "$default" if function_url else settings.stage_of(request)
    if function_url:
        url_id = "smoke"
        domain = host_of(request, f"{url_id}.lambda-url.{REGION}.on.aws", settings)
        account = "anonymous"
        raw_path = encode_path(path.sent)
    else:
        domain = host_of(request, f"{API_ID}.execute-api.{REGION}.amazonaws.com", settings)
        account = ACCOUNT_ID
        # the client's URL has the stage on the execute-api host; a custom domain's does not
        named = stage != "$default" and ".execute-api." in domain
        raw_path = f"/{stage}{path.decoded}" if named else path.decoded
    headers = lower_joined(gateway_header_lists(request, domain, clock))
    cookie_header = headers.pop("cookie", None)
    body, is_base64 = encode_body(request)
    context: dict[str, Any] = {
        "accountId": account,
        "apiId": domain.split(".")[0],
        "domainName": domain,
        "domainPrefix": domain.split(".")[0],
        "http": {
            "method": target.method,
            "path": path.decoded if function_url else raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": SOURCE_IP,
            "userAgent": find_header(headers, "user-agent") or "",
        },
        "requestId": clock.request_id,
        "routeKey": route,
        "stage": stage,
        "time": clock.request_time,
        "timeEpoch": clock.epoch_ms,
    }
    authorizer = None if function_url else authorizer_v2(request)
    if authorizer is not None:
        context["authorizer"] = authorizer
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": raw_path,
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
