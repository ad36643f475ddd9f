"""Routes from a CloudFormation/SAM template: a function's ``Api`` and ``HttpApi`` events.

The same reader serves the local template (``smoke.local.template.read_template``, with
line marks) and a deployed stack's template (``GetTemplate``, processed). A processed
template no longer has SAM events: there the routes are the API resources whose
integration invokes the function: ``AWS::ApiGateway::RestApi``/``AWS::ApiGatewayV2::Api``
``Body`` paths (what SAM writes), ``AWS::ApiGateway::Method`` and
``AWS::ApiGatewayV2::Route`` resources (plain CloudFormation, CDK).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from smoke.loading.routes.generate import ANY, Route

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
API_TYPES = ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api")  # with an OpenAPI Body
SAM_APIS = ("AWS::Serverless::Api", "AWS::Serverless::HttpApi")  # with a DefinitionBody
Where = Callable[[Any, "str | None"], str]  # (node, key) -> "file:line" or a description


def event_routes(
    resources: Mapping[str, Any], logical_id: str, where: Where, *,
    evaluate: Callable[[Any], Any] | None = None, skip: Callable[[Any], bool] | None = None,
) -> list[Route]:
    """Every route of ``logical_id``: SAM events, and API resources that invoke it.

    ``evaluate`` resolves an intrinsic in an event's ``Path``/``Method`` (None: it cannot);
    ``skip`` says which API resources the stack does not create (a false ``Condition``)."""
    resource = resources.get(logical_id)
    properties = resource.get("Properties") if isinstance(resource, dict) else None
    events = properties.get("Events") if isinstance(properties, dict) else None
    routes = list(_sam_events(events, where, evaluate)) if isinstance(events, dict) else []
    for name, other in resources.items():
        if isinstance(other, dict) and name != logical_id and not (skip and skip(other)):
            routes.extend(_api_resource_routes(resources, name, other, logical_id, where))
    return routes


def _sam_events(
    events: Mapping[str, Any], where: Where, evaluate: Callable[[Any], Any] | None
) -> Iterator[Route]:
    for name, event in events.items():
        if not isinstance(event, dict) or event.get("Type") not in ("Api", "HttpApi"):
            continue
        kind = event["Type"]
        props = event.get("Properties") or {}
        at = f"{where(events, name)} ({kind} event {name})"
        if kind == "HttpApi":
            version = str(props.get("PayloadFormatVersion", "2.0"))
            event_kind = "apigw-rest" if version.startswith("1") else "apigw-http"
            if "Path" not in props:  # no path: the API's $default route
                yield Route(ANY, "$default", at, event_kind)
                continue
        else:
            event_kind = "apigw-rest"
        path, method = props.get("Path"), props.get("Method", ANY)
        if evaluate is not None:  # e.g. Path: !Sub "/${Version}/items"
            path = path if isinstance(path, str) else evaluate(path)
            method = method if isinstance(method, str) else evaluate(method)
        if not isinstance(path, str) or not isinstance(method, str):
            continue  # an intrinsic function: not a route we can name
        yield Route(_method(method), path, at, event_kind)


def _method(method: str) -> str:
    upper = method.strip().upper()
    return ANY if upper in ("ANY", "*", "X-AMAZON-APIGATEWAY-ANY-METHOD") else upper


def mentions(value: Any, logical_id: str) -> bool:
    """Whether an intrinsic value refers to ``logical_id`` (Ref, GetAtt, Sub ``${Id.Arn}``)."""
    if isinstance(value, str):
        return re.search(r"\$\{" + re.escape(logical_id) + r"(\.[A-Za-z]+)?\}", value) is not None
    if isinstance(value, dict):
        if value.get("Ref") == logical_id:
            return True
        got = value.get("Fn::GetAtt")
        if isinstance(got, list) and got and got[0] == logical_id:
            return True
        return any(mentions(v, logical_id) for v in value.values())
    if isinstance(value, list):
        return any(mentions(v, logical_id) for v in value)
    return False


def _api_resource_routes(
    resources: Mapping[str, Any], name: str, resource: Mapping[str, Any], function: str,
    where: Where,
) -> Iterator[Route]:
    kind = resource.get("Type")
    props = resource.get("Properties") or {}
    if not isinstance(props, dict):
        return
    body = props.get("DefinitionBody" if kind in SAM_APIS else "Body")
    if kind in (*SAM_APIS, *API_TYPES) and isinstance(body, dict):
        rest = kind in ("AWS::ApiGateway::RestApi", "AWS::Serverless::Api")
        event = "apigw-rest" if rest else "apigw-http"
        paths = body.get("paths") or {}
        for path, item in paths.items() if isinstance(paths, dict) else ():
            for method, operation in (item or {}).items():
                integration = operation.get("x-amazon-apigateway-integration") if isinstance(
                    operation, dict) else None
                if integration is not None and mentions(integration.get("uri"), function):
                    at = f"{where(item, method)} ({name} Body paths)"
                    yield Route(_method(method), str(path), at, event)
    elif kind == "AWS::ApiGateway::Method" and mentions(
        (props.get("Integration") or {}).get("Uri"), function
    ):
        path = _rest_path(resources, props.get("ResourceId"))
        if path is not None and isinstance(props.get("HttpMethod"), str):
            at = f"{where(resources, name)} ({name})"
            yield Route(_method(props["HttpMethod"]), path, at, "apigw-rest")
    elif kind == "AWS::ApiGatewayV2::Route" and isinstance(props.get("RouteKey"), str):
        target = _referenced(props.get("Target"), resources, "AWS::ApiGatewayV2::Integration")
        integration = (resources.get(target) or {}).get("Properties") or {} if target else {}
        if mentions(integration.get("IntegrationUri"), function):
            method, _, path = props["RouteKey"].partition(" ")
            at = f"{where(resources, name)} ({name})"
            yield Route(_method(method), path or "$default", at, "apigw-http")


def _referenced(value: Any, resources: Mapping[str, Any], kind: str) -> str | None:
    """The logical id of a resource of type ``kind`` that ``value`` refers to."""
    for name, resource in resources.items():
        if isinstance(resource, dict) and resource.get("Type") == kind and mentions(value, name):
            return name
    return None


def _rest_path(resources: Mapping[str, Any], resource_id: Any, depth: int = 0) -> str | None:
    """``/a/b``: the PathParts of ``AWS::ApiGateway::Resource``s up to the API's root.

    A parent is a ``Ref`` (or, as SAM's local tools accept, the logical id as a string);
    ``!GetAtt Api.RootResourceId``, the API itself or no parent at all is the root.
    """
    if resource_id is None or (isinstance(resource_id, dict) and "Fn::GetAtt" in resource_id):
        return "/"
    name = resource_id.get("Ref") if isinstance(resource_id, dict) else resource_id
    node = resources.get(name) if isinstance(name, str) else None
    if isinstance(node, dict) and node.get("Type") == "AWS::ApiGateway::RestApi":
        return "/"
    if depth > 30 or not isinstance(node, dict) or node.get("Type") != "AWS::ApiGateway::Resource":
        return None
    props = node.get("Properties") or {}
    parent = _rest_path(resources, props.get("ParentId"), depth + 1)
    part = props.get("PathPart")
    if parent is None or not isinstance(part, str):
        return None
    return parent.rstrip("/") + "/" + part
