"""The events against what real frameworks do with them, on the local runtime.

Powertools' APIGatewayHttpResolver with a named stage (it strips ``/STAGE`` from rawPath:
with the old encoded, stage-less rawPath every route 404ed) and with a path parameter
holding a space; Mangum with a Starlette app and a REST event (an event with a
``version`` key is taken for an HTTP API's). The packages come from PyPI once, into a
layer cached under ~/.cache/smoke-tests/ (second run fast).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from localrt_helpers import write_files
from pypi_cache import installed

from smoke.cli import main

PINS = ["aws-lambda-powertools==3.2.0", "mangum==0.19.0", "starlette==0.41.3"]

APP = {
    "src/powertools_app.py": """
        from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

        app = APIGatewayHttpResolver()

        @app.get("/hello/<name>")
        def hello(name):
            return {"hello": name, "raw_path": app.current_event.raw_path}

        def handler(event, context):
            return app.resolve(event, context)
    """,
    "src/starlette_app.py": """
        from mangum import Mangum
        from starlette.applications import Starlette
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        async def item(request):
            return JSONResponse({
                "id": request.path_params["id"],
                "q": request.query_params.getlist("q"),
                "host": request.headers["host"],
                "tags": request.headers.getlist("x-tag"),
            })

        asgi = Mangum(Starlette(routes=[Route("/items/{id}", item)]), lifespan="off")

        def handler(event, context):
            answer = asgi(event, context)
            answer.setdefault("headers", {})["x-mangum-handler"] = type(
                asgi.infer(event, context)).__name__
            return answer
    """,
    "suites/frameworks.yaml": """
        suite: frameworks
        checks:
          - name: powertools http resolver on a named stage
            function: powertools
            event: apigw-http
            get: /hello/{name}
            path_parameters: {name: smoke}
            expect:
              status: 200
              json_schema:
                properties: {hello: {const: smoke}, raw_path: {const: /live/hello/smoke}}
          - name: powertools http resolver with a space in a path parameter
            function: powertools
            event: apigw-http
            get: /hello/{name}
            path_parameters: {name: a b}
            expect:
              status: 200
              json_schema: {properties: {hello: {const: a b}}}
          - name: powertools on the default stage
            function: powertools
            event: apigw-http
            stage: $default
            get: /hello/x
            expect:
              status: 200
              json_schema: {properties: {raw_path: {const: /hello/x}}}
          - name: mangum takes a REST event for a REST event
            function: starlette
            event: apigw-rest
            get: /items/7?q=a&q=b
            headers: {Host: shop.example.com, X-Tag: [one, two]}
            expect:
              status: 200
              headers: {x-mangum-handler: APIGateway}
              json_schema:
                properties:
                  id: {const: "7"}
                  q: {const: [a, b]}
                  host: {const: shop.example.com}
                  tags: {const: ["one, two"]}  # Mangum joins multiValueHeaders with ", "
    """,
}


@pytest.mark.slow
def test_powertools_and_mangum_route_the_events_as_on_aws(tmp_path: Path) -> None:
    try:
        layer = installed("frameworks", PINS, into="python")
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"the frameworks could not be installed from PyPI: {exc}")
    write_files(tmp_path, APP)
    (tmp_path / "smoke.yaml").write_text(json.dumps({"environments": {"local": {
        "stage": "live",
        "functions": {
            "powertools": {"handler": "powertools_app.handler", "code": "src",
                           "layers": [str(layer)]},
            "starlette": {"handler": "starlette_app.handler", "code": "src",
                          "layers": [str(layer)]},
        },
    }}}))  # fmt: skip
    report = tmp_path / "r.json"
    code = main(["run", "local", "--config", str(tmp_path / "smoke.yaml"), "--json", str(report),
                 "--log-wait", "1"])  # fmt: skip
    checks = {c["name"]: c for c in json.loads(report.read_text())["checks"]}
    failures = {n: (c.get("failures"), c.get("error")) for n, c in checks.items()
                if c["outcome"] != "passed"}  # fmt: skip
    assert failures == {} and code == 0
