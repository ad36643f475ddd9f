"""Routes of deployed functions: the stack's template, or the API Gateway itself.

- ``stack_template_routes``: ``GetTemplate`` (``TemplateStage=Processed``) of the stack
  (or nested stack) holding the function, read like the local template.
- ``api_routes``: HTTP APIs through ``apigatewayv2`` ``GetRoutes`` + ``GetIntegrations``,
  REST APIs through ``apigateway`` ``GetResources`` (methods embedded). The APIs are the
  ones named by ``api:`` in smoke.yaml, else the API resources of the function's stack;
  only routes whose integration invokes the function count.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from smoke.aws import client, error_code, translate
from smoke.discovery import LAMBDA_TYPE, stack_resources
from smoke.errors import ConfigError, DiscoveryError
from smoke.loading.routes.generate import ANY, Found, Route
from smoke.loading.routes.template import event_routes
from smoke.model import Environment, FunctionRef, FunctionSpec

REST_API = "AWS::ApiGateway::RestApi"
HTTP_API = "AWS::ApiGatewayV2::Api"
_NOT_FOUND = frozenset({"NotFoundException", "NotFound", "ResourceNotFoundException"})


def stack_template_routes(env: Environment, spec: FunctionSpec) -> Found:
    assert spec.stack and spec.resource
    holders = [
        stack for stack, r in stack_resources(env, spec.stack)
        if r.get("LogicalResourceId") == spec.resource and r.get("ResourceType") == LAMBDA_TYPE
    ]  # fmt: skip
    if not holders:
        raise DiscoveryError(
            f"function '{spec.logical}': stack {spec.stack} (and its nested stacks) has no "
            f"Lambda function with logical id {spec.resource}"
        )
    stack = holders[0]
    try:
        body = client(env, "cloudformation").get_template(
            StackName=stack, TemplateStage="Processed"
        )["TemplateBody"]
    except Exception as exc:
        raise translate(exc, f"read the template of stack {stack}") from exc
    data = _template_data(body)
    resources = data.get("Resources") if isinstance(data, dict) else None
    what = f"the deployed template of stack {stack} (function {spec.resource})"
    if not isinstance(resources, dict):
        raise DiscoveryError(f"{what} has no Resources")

    def where(node: Any, key: str | None) -> str:
        line = getattr(node, "key_lines", {}).get(key) if key else getattr(node, "line", 0)
        return f"stack {stack} template" + (f" line {line}" if line else "")

    return Found(tuple(event_routes(resources, spec.resource, where)), what)


def _template_data(body: Any) -> Any:
    if not isinstance(body, str):  # botocore decodes a JSON template body itself
        return body
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        import yaml

        from smoke.local.template import TemplateLoader

        return yaml.load(body, Loader=TemplateLoader)


def api_routes(env: Environment, spec: FunctionSpec, find: Callable[[], FunctionRef]) -> Found:
    """The routes of the function's APIs; ``find`` discovers the function (once its APIs are
    known: a function nobody can name an API for is a configuration error first)."""
    rest, http = _apis(env, spec)
    ref = find()
    routes: list[Route] = []
    for api_id in http:
        routes.extend(_http_api_routes(env, api_id, ref))
    for api_id in rest:
        routes.extend(_rest_api_routes(env, api_id, ref))
    names = [f"HTTP API {a}" for a in http] + [f"REST API {a}" for a in rest]
    what = f"{', '.join(names) or 'no API'} (routes that invoke {ref.name})"
    return Found(tuple(routes), what)


def _apis(env: Environment, spec: FunctionSpec) -> tuple[list[str], list[str]]:
    """(REST API ids, HTTP API ids) for the function."""
    if spec.api:
        return _named_api(env, spec.api)
    if spec.stack:
        rest = [r["PhysicalResourceId"] for _, r in stack_resources(env, spec.stack)
                if r.get("ResourceType") == REST_API and r.get("PhysicalResourceId")]
        http = [r["PhysicalResourceId"] for _, r in stack_resources(env, spec.stack)
                if r.get("ResourceType") == HTTP_API and r.get("PhysicalResourceId")]
        if not rest and not http:
            raise DiscoveryError(
                f"function '{spec.logical}': stack {spec.stack} (and its nested stacks) has no "
                "API Gateway API (AWS::ApiGateway::RestApi or AWS::ApiGatewayV2::Api); name it "
                f"with `api: ID_OR_NAME` under the function in smoke.yaml"
            )
        return rest, http
    raise ConfigError(
        f"`routes: {{from: api}}` cannot tell which API Gateway API invokes function "
        f"{spec.logical!r}",
        spec.location,
        hint="Add `api: ID_OR_NAME` to the function in smoke.yaml, or find the function with "
        "`stack:` + `resource:` (its stack's APIs are used).",
    )


def _named_api(env: Environment, name: str) -> tuple[list[str], list[str]]:
    v2, v1 = client(env, "apigatewayv2"), client(env, "apigateway")
    try:
        http = [a["ApiId"] for a in _pages(v2.get_apis, "Items", "NextToken", "NextToken")
                if name in (a.get("ApiId"), a.get("Name")) and a.get("ProtocolType") == "HTTP"]
        rest = [a["id"] for a in _pages(v1.get_rest_apis, "items", "position", "position")
                if name in (a.get("id"), a.get("name"))]
    except Exception as exc:
        raise translate(exc, f"list the API Gateway APIs to find {name!r}") from exc
    if not http and not rest:
        raise DiscoveryError(f"no HTTP or REST API with id or name {name!r} in region "
                             f"{v2.meta.region_name}")
    return rest, http


def _pages(call: Any, items: str, token_in: str, token_out: str, **kw: Any) -> Iterator[Any]:
    token = None
    while True:
        page = call(**kw, **({token_in: token} if token else {}))
        yield from page.get(items) or []
        token = page.get(token_out)
        if not token:
            return


def _invokes(uri: Any, ref: FunctionRef) -> bool:
    """Whether an integration URI invokes the function (by ARN, or by name in an ARN)."""
    text = str(uri or "")
    return f":function:{ref.name}" in text or (bool(ref.arn) and str(ref.arn) in text)


def _http_api_routes(env: Environment, api_id: str, ref: FunctionRef) -> Iterator[Route]:
    v2 = client(env, "apigatewayv2")
    try:
        integrations = {
            i["IntegrationId"]: i for i in _pages(v2.get_integrations, "Items", "NextToken",
                                                  "NextToken", ApiId=api_id)
        }
        routes = list(_pages(v2.get_routes, "Items", "NextToken", "NextToken", ApiId=api_id))
    except Exception as exc:
        raise translate(exc, f"read the routes of HTTP API {api_id}") from exc
    for route in routes:
        target = str(route.get("Target") or "").removeprefix("integrations/")
        integration = integrations.get(target) or {}
        if not _invokes(integration.get("IntegrationUri"), ref):
            continue
        version = str(integration.get("PayloadFormatVersion") or "2.0")
        event = "apigw-rest" if version.startswith("1") else "apigw-http"
        key = str(route.get("RouteKey") or "")
        method, _, path = key.partition(" ")
        where = f"HTTP API {api_id} route {key}"
        yield Route(ANY if method in ("ANY", "$default") else method.upper(),
                    path or "$default", where, event)


def _rest_api_routes(env: Environment, api_id: str, ref: FunctionRef) -> Iterator[Route]:
    v1 = client(env, "apigateway")
    try:
        resources = list(_pages(v1.get_resources, "items", "position", "position",
                                restApiId=api_id, embed=["methods"]))
    except Exception as exc:
        raise translate(exc, f"read the resources of REST API {api_id}") from exc
    for resource in resources:
        for method, body in (resource.get("resourceMethods") or {}).items():
            uri = ((body or {}).get("methodIntegration") or {}).get("uri")
            if uri is None:
                uri = _integration_uri(v1, api_id, resource["id"], method)
            if _invokes(uri, ref):
                path = str(resource.get("path") or "/")
                where = f"REST API {api_id} resource {path} {method}"
                yield Route(ANY if method == "ANY" else method.upper(), path, where, "apigw-rest")


def _integration_uri(v1: Any, api_id: str, resource_id: str, method: str) -> str | None:
    try:
        found = v1.get_integration(restApiId=api_id, resourceId=resource_id, httpMethod=method)
    except Exception as exc:
        if error_code(exc) in _NOT_FOUND:
            return None
        raise translate(exc, f"read the integration of {method} on REST API {api_id}") from exc
    return found.get("uri")
