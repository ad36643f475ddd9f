"""`routes: {from: template}`: one check per Api/HttpApi event of the function."""

from __future__ import annotations

from pathlib import Path

import pytest
from routes_support import Write, by_name, plan_of

from smoke.errors import ConfigError
from smoke.guard import refused_checks

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  ItemsFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Events:
        ListItems:
          Type: HttpApi
          Properties:
            Path: /items
            Method: get
        GetItem:
          Type: HttpApi
          Properties: {Path: "/items/{item_id}", Method: GET}
        CreateItem:
          Type: HttpApi
          Properties: {Path: /items, Method: POST}
        Legacy:
          Type: Api
          Properties: {Path: "/v1/orders/{order_id}/lines/{line}", Method: get}
        LegacyAny:
          Type: Api
          Properties: {Path: /v1/status, Method: ANY}
        Everything:
          Type: Api
          Properties: {Path: "/{proxy+}", Method: ANY}
        Queue:
          Type: SQS
          Properties: {Queue: arn:aws:sqs:us-east-1:1:q}
  OtherFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: other.handler
      Events:
        Root:
          Type: HttpApi
"""

CONFIG = """\
environments:
  local:
    template: template.yaml
    functions:
      items: {resource: ItemsFunction}
      other: {resource: OtherFunction}
  prod:
    protected: true
    region: us-east-1
    functions:
      items: {name: items-prod}
"""


@pytest.fixture()
def project(write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # sources are shown relative to the working directory
    write("template.yaml", TEMPLATE)
    write("src/app.py", "def handler(event, context):\n    return {}\n")
    return write("smoke.yaml", CONFIG)


def test_every_safe_route_of_both_event_kinds_becomes_a_check(write: Write, project: Path) -> None:
    write("suites/items.yaml", """\
        suite: items
        function: items
        routes:
          from: template
        """)
    plan = plan_of(project)
    checks = by_name(plan.checks)
    assert sorted(checks) == [
        "GET /items", "GET /items/{item_id}", "GET /v1/orders/{order_id}/lines/{line}",
        "GET /v1/status",
    ]
    item = checks["GET /items/{item_id}"]
    assert item.event == "apigw-http"  # an HttpApi event: the v2 payload
    assert checks["GET /v1/status"].event == "apigw-rest"  # an Api event: REST v1
    assert item.request.path == "/items/{item_id}"  # the template; the event fills it in
    assert item.request.path_parameters == {"item_id": "smoke-test"}
    assert checks["GET /v1/orders/{order_id}/lines/{line}"].request.path_parameters == {
        "order_id": "smoke-test", "line": "smoke-test"}
    assert item.expect.status is None  # the default rule
    assert str(item.location).endswith("suites/items.yaml:3-4")
    assert item.source == "template.yaml:15 (HttpApi event GetItem)"
    assert checks["GET /items"].source == "template.yaml:10 (HttpApi event ListItems)"
    notes = plan.suites[0].notes
    assert any("POST" in n and "methods:" in n for n in notes)  # listed, never sent
    assert any("catch-all" in n and "ANY /{proxy+}" in n and "openapi" in n for n in notes)


def test_options_apply_to_every_generated_check(write: Write, project: Path) -> None:
    write("suites/items.yaml", """\
        suite: items
        function: items
        tags: [api]
        routes:
          from: template
          event: apigw-rest
          methods: [GET, POST]
          exclude: ["/v1/*", "GET /items"]
          path_parameters: {item_id: 42}
          headers: {X-Smoke: "yes"}
          tags: [routes]
          expect: {status: [200, 401]}
        checks:
          - name: one item, by hand
            get: /items/{item_id}
            path_parameters: {item_id: 7}
        """)
    plan = plan_of(project)
    checks = by_name(plan.checks)
    assert sorted(checks) == ["POST /items", "one item, by hand"]  # GET /items/{id}: by hand
    post = checks["POST /items"]
    assert post.event == "apigw-rest" and post.tags == ("api", "routes")
    assert post.request.headers == {"X-Smoke": "yes"}
    assert str(post.expect.status) == "200 or 401"
    assert any("hand-written" in n for n in plan.suites[0].notes)


def test_methods_star_as_a_string_means_every_method_as_in_a_list(
    write: Write, project: Path
) -> None:
    # the README says "*" means all methods: written bare, as well as in a list
    checks = {}
    for methods in ('"*"', '["*"]'):
        write("suites/items.yaml", f"""\
            suite: items
            function: items
            routes: {{from: template, methods: {methods}}}
            """)
        checks[methods] = sorted(by_name(plan_of(project).checks))
    assert checks['"*"'] == checks['["*"]']
    assert "POST /items" in checks['"*"'] and "GET /items" in checks['"*"']


def test_methods_as_another_string_is_one_clear_error(write: Write, project: Path) -> None:
    write("suites/items.yaml", """\
        suite: items
        function: items
        routes: {from: template, methods: GET}
        """)
    with pytest.raises(ConfigError) as caught:
        plan_of(project)
    assert "routes.methods" in caught.value.message
    assert '"*"' in str(caught.value.message) + str(caught.value.hint or "")


def test_path_parameters_by_name(write: Write, project: Path) -> None:
    write("suites/items.yaml", """\
        suite: items
        function: items
        routes: {from: template, path_parameters: {item_id: abc, line: 3}}
        """)
    checks = by_name(plan_of(project).checks)
    assert checks["GET /items/{item_id}"].request.path_parameters == {"item_id": "abc"}
    assert checks["GET /v1/orders/{order_id}/lines/{line}"].request.path_parameters == {
        "order_id": "smoke-test", "line": "3"}


def test_writes_go_through_the_mutation_guard(write: Write, project: Path) -> None:
    write("suites/items.yaml", """\
        suite: items
        function: items
        routes: {from: template, methods: [GET, POST]}
        """)
    plan = plan_of(project)
    post = by_name(plan.checks)["POST /items"]
    assert post.mutates is None
    protected = plan.environment.__class__(name="prod", protected=True)
    refused = refused_checks(plan.checks, protected, allow_mutations=True)
    assert [c.name for c, _ in refused] == ["POST /items"]


def test_only_a_catch_all_is_an_error_that_suggests_openapi(write: Write, project: Path) -> None:
    write("suites/other.yaml", "suite: other\nfunction: other\nroutes:\n  from: template\n")
    with pytest.raises(ConfigError) as caught:
        plan_of(project)
    text = str(caught.value)
    assert "suites/other.yaml:3-4: `routes: {from: template}` found no route" in text
    assert "only the catch-all ANY $default" in text and "from: openapi" in text


def test_everything_excluded_is_an_error_not_a_silent_pass(write: Write, project: Path) -> None:
    write("suites/items.yaml", """\
        suite: items
        function: items
        routes: {from: template, exclude: ["*"]}
        """)
    with pytest.raises(ConfigError, match="none is left to check"):
        plan_of(project)


def test_unknown_resource_and_non_template_environment(write: Write, project: Path) -> None:
    write("suites/items.yaml", "suite: items\nfunction: items\nroutes: {from: template}\n")
    with pytest.raises(ConfigError, match="needs a template for function 'items'") as caught:
        plan_of(project, "prod")
    assert "suites/items.yaml:3" in str(caught.value)
    write("smoke.yaml", CONFIG.replace("resource: ItemsFunction", "resource: ItemFunction"))
    with pytest.raises(ConfigError, match="Did you mean 'ItemsFunction'") as caught:
        plan_of(project)
    assert "smoke.yaml:" in str(caught.value) and "no function resource 'ItemFunction'" in str(
        caught.value)  # the mistake is smoke.yaml's, not the suite's


def test_function_must_be_defined_and_raw_is_refused(write: Write, project: Path) -> None:
    write("suites/items.yaml", "suite: items\nfunction: itms\nroutes: {from: template}\n")
    with pytest.raises(ConfigError, match="did you mean 'items'"):
        plan_of(project)
    write("suites/items.yaml", "suite: items\nfunction: items\nevent: raw\nroutes: {from: template}\n")
    with pytest.raises(ConfigError, match="the event is raw"):
        plan_of(project)
    write("suites/items.yaml", "suite: items\nfunction: items\n")
    with pytest.raises(ConfigError, match="neither `checks:` nor `routes:`"):
        plan_of(project)
    write("suites/items.yaml", "suite: items\nfunction: items\nroutes: {from: api}\n")
    with pytest.raises(ConfigError, match="environment 'local' is local and has none"):
        plan_of(project)
    write("suites/items.yaml", "suite: items\nfunction: items\nroutes: {from: template, path: /x}\n")
    with pytest.raises(ConfigError, match="takes no `path:`"):
        plan_of(project)


def test_api_resources_that_invoke_the_function(
    write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No SAM events: a Serverless::Api DefinitionBody, and ApiGateway::Method resources
    (parents by Ref, by GetAtt RootResourceId, or by logical id as a string, as in
    aws-sam-cli's own test templates)."""
    monkeypatch.chdir(tmp_path)
    write("src/app.py", "def handler(event, context):\n    return {}\n")
    write("template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Lambda::Function
            Properties: {Code: src, Handler: app.handler, Runtime: python3.12}
          Other:
            Type: AWS::Lambda::Function
            Properties: {Code: src, Handler: app.handler, Runtime: python3.12}
          Spec:
            Type: AWS::Serverless::Api
            Properties:
              StageName: prod
              DefinitionBody:
                swagger: "2.0"
                paths:
                  /books:
                    get:
                      x-amazon-apigateway-integration:
                        uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
                  /authors:
                    get:
                      x-amazon-apigateway-integration:
                        uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Other.Arn}/invocations
          Rest: {Type: AWS::ApiGateway::RestApi}
          V1: {Type: AWS::ApiGateway::Resource, Properties: {PathPart: v1, ParentId: !GetAtt Rest.RootResourceId}}
          Shelf: {Type: AWS::ApiGateway::Resource, Properties: {PathPart: "{shelf}", ParentId: !Ref V1}}
          Loose: {Type: AWS::ApiGateway::Resource, Properties: {PathPart: loose, ParentId: "V1"}}
          ShelfGet:
            Type: AWS::ApiGateway::Method
            Properties:
              HttpMethod: GET
              ResourceId: !Ref Shelf
              Integration: {Uri: !Sub "arn:aws:apigateway:r:lambda:path/functions/${Fn.Arn}/invocations"}
          LooseAny:
            Type: AWS::ApiGateway::Method
            Properties:
              HttpMethod: ANY
              ResourceId: Loose
              Integration: {Uri: !Sub "arn:aws:apigateway:r:lambda:path/functions/${Fn.Arn}/invocations"}
        """)
    config = write("smoke.yaml", "environments:\n  local:\n    template: template.yaml\n"
                   "    functions:\n      fn: {resource: Fn}\n")
    write("suites/fn.yaml", "suite: fn\nfunction: fn\nroutes: {from: template}\n")
    checks = by_name(plan_of(config).checks)
    assert sorted(checks) == ["GET /books", "GET /v1/loose", "GET /v1/{shelf}"]
    assert checks["GET /books"].source == "template.yaml:17 (Spec Body paths)"
    assert checks["GET /v1/{shelf}"].source == "template.yaml:28 (ShelfGet)"


def test_the_template_is_read_as_the_local_runtime_reads_it(
    write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parameters in a Path, a Method whose Condition is false, a nested stack's function
    (Child/LogicalId), and a template-only environment (functions by logical id)."""
    monkeypatch.chdir(tmp_path)
    write("src/app.py", "def handler(event, context):\n    return {}\n")
    write("template.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          Version: {Type: String, Default: v2}
          Legacy: {Type: String, Default: "no"}
        Conditions:
          WithLegacy: !Equals [!Ref Legacy, "yes"]
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src
              Handler: app.handler
              Runtime: python3.12
              Events:
                Items: {Type: Api, Properties: {Path: !Sub "/${Version}/items", Method: get}}
          Rest: {Type: AWS::ApiGateway::RestApi}
          Old: {Type: AWS::ApiGateway::Resource, Properties: {PathPart: old, ParentId: !GetAtt Rest.RootResourceId}}
          OldGet:
            Type: AWS::ApiGateway::Method
            Condition: WithLegacy
            Properties:
              HttpMethod: GET
              ResourceId: !Ref Old
              Integration: {Uri: !Sub "arn:aws:apigateway:r:lambda:path/functions/${Fn.Arn}/invocations"}
          Child:
            Type: AWS::Serverless::Application
            Properties: {Location: child.yaml}
        """)
    write("child.yaml", """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Inner:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src
              Handler: app.handler
              Runtime: python3.12
              Events:
                Ping: {Type: HttpApi, Properties: {Path: /ping, Method: get}}
        """)
    config = write("smoke.yaml", "environments:\n  local:\n    template: template.yaml\n")
    write("suites/fn.yaml", "suite: fn\nfunction: Fn\nroutes: {from: template}\n")
    write("suites/inner.yaml", "suite: inner\nfunction: Child/Inner\nroutes: {from: template}\n")
    assert sorted(c.id for c in plan_of(config).checks) == ["fn::GET /v2/items",
                                                            "inner::GET /ping"]
    write("smoke.yaml", "environments:\n  local:\n    template: template.yaml\n"
          "    parameters: {Version: v3, Legacy: 'yes'}\n")
    assert sorted(c.id for c in plan_of(config).checks) == [
        "fn::GET /old", "fn::GET /v3/items", "inner::GET /ping"]
    write("suites/fn.yaml", "suite: fn\nfunction: Fnn\nroutes: {from: template}\n")
    with pytest.raises(ConfigError, match="did you mean 'Fn'"):
        plan_of(config)
