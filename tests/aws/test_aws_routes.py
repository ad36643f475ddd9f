"""`routes:` from deployed things, against moto's server: the stack's template
(GetTemplate), a REST API found from the function's stack (GetResources) and an HTTP API
named in smoke.yaml (GetRoutes + GetIntegrations)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import boto3
import pytest

from smoke.errors import ConfigError
from smoke.model import Environment
from smoke.runner import RunOptions, load_plan

# the stack's AWS::ApiGatewayV2::Api is there for GetTemplate; moto's CloudFormation skips it
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS..ApiGatewayV2..Api")


def _client(env: Environment, service: str) -> Any:
    return boto3.client(service, region_name=env.region, endpoint_url=env.endpoint_url)


def _function(role: str) -> dict[str, Any]:
    return {"Type": "AWS::Lambda::Function", "Properties": {
        "Runtime": "python3.12", "Handler": "app.handler", "Role": role,
        "Code": {"ZipFile": "def handler(event, context):\n    return {}\n"}}}


def _method(verb: str, resource: str, function: str) -> dict[str, Any]:
    uri = {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                      f"${{{function}.Arn}}/invocations"}
    return {"Type": "AWS::ApiGateway::Method", "Properties": {
        "HttpMethod": verb, "ResourceId": {"Ref": resource}, "RestApiId": {"Ref": "ShopApi"},
        "AuthorizationType": "NONE",
        "Integration": {"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST", "Uri": uri}}}


def _resource(parent: Any, part: str) -> dict[str, Any]:
    return {"Type": "AWS::ApiGateway::Resource", "Properties": {
        "RestApiId": {"Ref": "ShopApi"}, "ParentId": parent, "PathPart": part}}


@pytest.fixture()
def stack(moto_env: Environment) -> str:
    """A stack with two functions and a REST API whose methods invoke them."""
    iam = _client(moto_env, "iam")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    root = {"Fn::GetAtt": ["ShopApi", "RootResourceId"]}
    template = {"Resources": {
        "ApiFunction": _function(role),
        "AdminFunction": _function(role),
        "ShopApi": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "shop"}},
        "Items": _resource(root, "items"),
        "Item": _resource({"Ref": "Items"}, "{item_id}"),
        "Admin": _resource(root, "admin"),
        "ItemsGet": _method("GET", "Items", "ApiFunction"),
        "ItemsPost": _method("POST", "Items", "ApiFunction"),
        "ItemGet": _method("GET", "Item", "ApiFunction"),
        "AdminGet": _method("GET", "Admin", "AdminFunction"),
        # what SAM's transform leaves of an HttpApi: an API with an OpenAPI Body
        # (moto does not create it, but GetTemplate returns it)
        "BooksApi": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Body": {
            "openapi": "3.0.1", "paths": {"/books/{isbn}": {"get": {
                "x-amazon-apigateway-integration": {
                    "type": "aws_proxy", "payloadFormatVersion": "2.0",
                    "uri": {"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/"
                                       "2015-03-31/functions/${ApiFunction.Arn}/invocations"},
                }}}}}}},
    }}
    _client(moto_env, "cloudformation").create_stack(
        StackName="shop", TemplateBody=json.dumps(template, indent=1))
    return "shop"


def project(tmp_path: Path, env: Environment, function: str, routes: str) -> Path:
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "api.yaml").write_text(
        f"suite: api\nfunction: api\nroutes: {routes}\n")
    config = tmp_path / "smoke.yaml"
    config.write_text(textwrap.dedent(f"""\
        environments:
          prod:
            region: {env.region}
            endpoint_url: {env.endpoint_url}
            protected: true
            functions:
              api: {function}
        """))
    return config


def checks_of(config: Path) -> dict[str, Any]:
    _, plan = load_plan(RunOptions("prod", config_path=str(config)))
    return {c.name: c for c in plan.checks}


def test_rest_api_found_from_the_stack(moto_env: Environment, stack: str, tmp_path: Path) -> None:
    config = project(tmp_path, moto_env, "{stack: shop, resource: ApiFunction}",
                     "{from: api, methods: [GET, POST]}")
    _, plan = load_plan(RunOptions("prod", config_path=str(config)))
    checks = {c.name: c for c in plan.checks}
    assert sorted(checks) == ["GET /items", "GET /items/{item_id}", "POST /items"]
    item = checks["GET /items/{item_id}"]
    assert item.event == "apigw-rest" and item.request.path_parameters == {"item_id": "smoke-test"}
    assert item.source.startswith("REST API ") and item.source.endswith("/items/{item_id} GET")
    # POST was asked for, so it is planned; a protected environment refuses it
    from smoke.guard import refused_checks

    assert [c.name for c, _ in refused_checks(plan.checks, plan.environment, False)] == [
        "POST /items"]


def test_the_deployed_stacks_template(moto_env: Environment, stack: str, tmp_path: Path) -> None:
    config = project(tmp_path, moto_env, "{stack: shop, resource: ApiFunction}",
                     "{from: template}")
    checks = checks_of(config)
    assert sorted(checks) == ["GET /books/{isbn}", "GET /items", "GET /items/{item_id}"]
    assert checks["GET /books/{isbn}"].event == "apigw-http"  # an HTTP API's Body
    assert checks["GET /items"].source == "stack shop template (ItemsGet)"  # JSON: no lines


def test_http_api_named_in_the_environment(moto_env: Environment, tmp_path: Path) -> None:
    iam = _client(moto_env, "iam")
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    made = _client(moto_env, "lambda").create_function(
        FunctionName="books-prod", Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})
    v2 = _client(moto_env, "apigatewayv2")
    api = v2.create_api(Name="books-http", ProtocolType="HTTP")["ApiId"]
    other = v2.create_api(Name="unrelated", ProtocolType="HTTP")["ApiId"]
    mine = v2.create_integration(ApiId=api, IntegrationType="AWS_PROXY",
                                 IntegrationUri=made["FunctionArn"],
                                 PayloadFormatVersion="2.0")["IntegrationId"]
    theirs = v2.create_integration(ApiId=api, IntegrationType="AWS_PROXY",
                                   IntegrationUri="arn:aws:lambda:us-east-1:123456789012:"
                                   "function:someone-else", PayloadFormatVersion="2.0")
    for key in ("GET /books", "GET /books/{isbn}", "DELETE /books/{isbn}", "$default"):
        v2.create_route(ApiId=api, RouteKey=key, Target=f"integrations/{mine}")
    v2.create_route(ApiId=api, RouteKey="GET /authors",
                    Target=f"integrations/{theirs['IntegrationId']}")
    v2.create_route(ApiId=other, RouteKey="GET /elsewhere", Target="integrations/x")
    config = project(tmp_path, moto_env, "{name: books-prod, api: books-http}",
                     "{from: api, path_parameters: {isbn: 978-0}}")
    _, plan = load_plan(RunOptions("prod", config_path=str(config)))
    checks = {c.name: c for c in plan.checks}
    assert sorted(checks) == ["GET /books", "GET /books/{isbn}"]
    assert checks["GET /books/{isbn}"].event == "apigw-http"
    assert checks["GET /books/{isbn}"].request.path_parameters == {"isbn": "978-0"}
    assert checks["GET /books"].source == f"HTTP API {api} route GET /books"
    notes = " ".join(plan.suites[0].notes)
    assert "ANY $default" in notes and "DELETE" in notes


def test_no_api_to_be_found(moto_env: Environment, tmp_path: Path) -> None:
    config = project(tmp_path, moto_env, "{name: nothing-here}", "{from: api}")
    with pytest.raises(ConfigError, match="cannot tell which API Gateway API"):
        checks_of(config)
