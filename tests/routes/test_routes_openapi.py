"""`routes: {from: openapi, file: ...}`: one check per operation of an OpenAPI document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from routes_support import Write, by_name, plan_of

from smoke.errors import ConfigError

OPENAPI = """\
openapi: 3.0.3
info: {title: shop, version: "1"}
servers:
  - url: https://shop.example.com/api/v1
paths:
  /providers:
    get:
      summary: list providers
    post:
      summary: create a provider
  /providers/{provider_id}:
    parameters:
      - $ref: "#/components/parameters/ProviderId"
    get:
      summary: one provider
    delete:
      summary: remove it
  /providers/{provider_id}/invoices/{year}:
    get:
      parameters:
        - {name: provider_id, in: path, required: true, schema: {type: string}}
        - {name: year, in: path, required: true, schema: {type: integer}}
        - {name: page, in: query, schema: {type: integer}}
  /reports/{kind}:
    get:
      parameters:
        - {name: kind, in: path, required: true, schema: {type: string, enum: [daily, weekly]}}
  /health:
    head: {}
components:
  parameters:
    ProviderId: {name: provider_id, in: path, required: true, example: prov-1}
"""

CONFIG = """\
environments:
  local:
    functions:
      api: {handler: app.handler, code: src}
"""


@pytest.fixture()
def project(write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write("src/app.py", "def handler(event, context):\n    return {}\n")
    return write("smoke.yaml", CONFIG)


def test_operations_with_parameters_and_the_servers_prefix(write: Write, project: Path) -> None:
    write("suites/openapi/shop.yaml", OPENAPI)
    write("suites/shop.yaml", """\
        suite: shop
        function: api
        routes:
          from: openapi
          file: openapi/shop.yaml
        """)
    plan = plan_of(project)
    checks = by_name(plan.checks)
    assert sorted(checks) == [
        "GET /api/v1/providers", "GET /api/v1/providers/{provider_id}",
        "GET /api/v1/providers/{provider_id}/invoices/{year}", "GET /api/v1/reports/{kind}",
        "HEAD /api/v1/health",
    ]
    one = checks["GET /api/v1/providers/{provider_id}"]
    assert one.request.path_parameters == {"provider_id": "prov-1"}  # the $ref'd example
    invoices = checks["GET /api/v1/providers/{provider_id}/invoices/{year}"]
    assert invoices.request.path_parameters == {"provider_id": "smoke-test", "year": "1"}
    assert checks["GET /api/v1/reports/{kind}"].request.path_parameters == {"kind": "daily"}
    assert one.source == "suites/openapi/shop.yaml:14-15"  # the operation
    assert checks["GET /api/v1/providers"].source == "suites/openapi/shop.yaml:7-8"
    assert one.event == "apigw-rest"
    assert any("DELETE" in n and "POST" in n for n in plan.suites[0].notes)


def test_swagger_json_base_path_and_overrides(write: Write, project: Path) -> None:
    document = {
        "swagger": "2.0", "basePath": "/prod-api", "info": {"title": "x", "version": "1"},
        "paths": {
            "/orders/{id}": {"get": {"parameters": [
                {"name": "id", "in": "path", "type": "integer", "x-example": 12}]}},
            "/{proxy+}": {"x-amazon-apigateway-any-method": {}},
        },
    }
    write("docs/api.json", json.dumps(document, indent=2))
    write("suites/orders.yaml", """\
        suite: orders
        function: api
        event: apigw-http
        routes: {from: openapi, file: ../docs/api.json, path_parameters: {}}
        """)
    plan = plan_of(project)
    (check,) = plan.checks
    assert check.name == "GET /prod-api/orders/{id}" and check.event == "apigw-http"
    assert check.request.path_parameters == {"id": "12"}
    assert check.source == "docs/api.json:9"  # JSON: the path's line
    assert any("catch-all" in n for n in plan.suites[0].notes)
    write("suites/orders.yaml", "suite: orders\nfunction: api\n"
          "routes: {from: openapi, file: ../docs/api.json, base_path: ''}\n")
    assert [c.name for c in plan_of(project).checks] == ["GET /orders/{id}"]


def test_a_stage_in_an_api_gateway_server_url_is_not_a_prefix(write: Write, project: Path) -> None:
    write("docs/a.yaml", OPENAPI.replace(
        "https://shop.example.com/api/v1",
        "https://{api}.execute-api.us-east-1.amazonaws.com/{stage}\n    variables: "
        "{api: {default: abc}, stage: {default: prod}}"))
    write("suites/shop.yaml", "suite: shop\nfunction: api\nroutes: {from: openapi, file: ../docs/a.yaml}\n")
    assert "GET /providers" in by_name(plan_of(project).checks)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("{not json", "is not valid JSON"),
        ("openapi: 3.0.0\npaths: {}\n", "has no `paths`"),
        ("title: not an api\n", "is not an OpenAPI document"),
        ("openapi: 3.0.0\npaths:\n  /a: {get: {}\n", "invalid YAML"),
    ],
)
def test_an_unreadable_document_is_a_config_error_with_a_line(
    write: Write, project: Path, text: str, message: str
) -> None:
    write("docs/doc.yaml", text)
    write("suites/s.yaml", "suite: s\nfunction: api\nroutes:\n  from: openapi\n  file: ../docs/doc.yaml\n")
    with pytest.raises(ConfigError, match=message) as caught:
        plan_of(project)
    assert ".yaml:" in str(caught.value).splitlines()[0]


def test_a_missing_document(write: Write, project: Path) -> None:
    write("suites/s.yaml", "suite: s\nfunction: api\nroutes:\n  from: openapi\n  file: nope.yaml\n")
    with pytest.raises(ConfigError) as caught:
        plan_of(project)
    first = str(caught.value).splitlines()[0]
    assert "suites/s.yaml:5: cannot read the OpenAPI document" in first and "nope.yaml" in first
    write("suites/s.yaml", "suite: s\nfunction: api\nroutes: {from: openapi}\n")
    with pytest.raises(ConfigError, match="needs `file:` or `path:`"):
        plan_of(project)


def test_validate_reads_files_but_leaves_served_documents_to_the_run(
    write: Write, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from smoke.cli import main

    write("docs/openapi.yaml", OPENAPI)
    write("suites/shop.yaml", "suite: shop\nfunction: api\nroutes: {from: openapi, file: ../docs/openapi.yaml}\n")
    write("suites/served.yaml", "suite: served\nfunction: api\n"
          "routes: {from: openapi, path: /openapi.json}\n")
    assert main(["validate", "--config", str(project), "suites/shop.yaml", "suites/served.yaml"]) == 0
    out = capsys.readouterr().out
    assert "suites/shop.yaml (routes from openapi: 5 check(s) in local)" in out
    assert "suites/served.yaml (routes from openapi)" in out
    assert "GET /openapi.json are read when the suite runs in local" in out
