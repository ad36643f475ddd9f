"""Layers given by ARN: Powertools' public layer mapped by an ARN pattern in smoke.yaml to
a requirements file, built from PyPI (the real aws-lambda-powertools, cached in
~/.cache/smoke-tests/), and used by a handler with APIGatewayRestResolver and Logger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from localrt_helpers import write_files

from smoke.cli import main
from smoke.local.layer_arns import LayerMap

CACHE = Path.home() / ".cache" / "smoke-tests" / "layer-arns"
POWERTOOLS_ARN = (
    "arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7"
)
APP = {
    "template.yaml": """
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            Runtime: python3.12
            Layers:
              - !Sub arn:aws:lambda:${AWS::Region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7
            Environment:
              Variables:
                POWERTOOLS_SERVICE_NAME: !Sub "${AWS::StackName}-api"
        Resources:
          ApiFunction:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: src/, Handler: app.handler}
    """,
    "src/app.py": """
        import aws_lambda_powertools
        from aws_lambda_powertools import Logger
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver

        logger = Logger()
        app = APIGatewayRestResolver()

        @app.get("/hello/<name>")
        def hello(name):
            logger.info("greeting", extra={"who": name})
            return {"hello": name, "service": logger.service,
                    "powertools": aws_lambda_powertools.__file__}

        @logger.inject_lambda_context
        def handler(event, context):
            return app.resolve(event, context)
    """,
    "layers/powertools.txt": "aws-lambda-powertools==3.2.0\n",
    "smoke.yaml": """
        environments:
          local:
            region: eu-central-1
            template: template.yaml
            layers:
              "arn:aws:lambda:*:017000801446:layer:AWSLambdaPowertoolsPythonV3-*": layers/powertools.txt
    """,
    "suites/api.yaml": """
        suite: api
        function: ApiFunction
        checks:
          - name: hello
            get: /hello/smoke
            expect:
              status: 200
              json_schema:
                type: object
                required: [hello, service, powertools]
                properties:
                  hello: {const: smoke}
                  service: {const: local-api}
                  # imported from the layer built into the cache, not the code or smoke's env
                  powertools: {pattern: "^CACHE/builds/py3\\\\.12-"}
          - name: unknown route is a 404 from the resolver
            get: /nope
            expect: {status: 404}
    """,
}


@pytest.mark.slow
def test_the_powertools_layer_arn_maps_to_a_local_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMOKE_CACHE_DIR", str(CACHE))  # PyPI builds kept between runs
    root = write_files(tmp_path, APP)
    suite = root / "suites" / "api.yaml"
    suite.write_text(suite.read_text().replace("CACHE", str(CACHE)))
    report = root / "r.json"
    code = main(["run", "local", "--config", str(root / "smoke.yaml"), "--json", str(report),
                 "--junit", str(root / "r.xml"), "--log-wait", "2"])
    out = capsys.readouterr()
    checks = {c["name"]: c for c in json.loads(report.read_text())["checks"]}
    assert code == 0, out.out + out.err
    assert checks["hello"]["outcome"] == "passed"
    assert checks["unknown route is a 404 from the resolver"]["outcome"] == "passed"
    tail = checks["hello"]["log_tail"].replace(" ", "")
    assert '"message":"greeting"' in tail and '"who":"smoke"' in tail  # Logger's JSON line


def test_an_exact_arn_wins_over_a_pattern_and_patterns_go_in_order() -> None:
    arn = POWERTOOLS_ARN.format(region="us-east-1")
    layers = LayerMap({
        "arn:aws:lambda:*:017000801446:layer:*": "/any",
        "arn:aws:lambda:*:017000801446:layer:AWSLambdaPowertoolsPythonV3-*": "/powertools",
        arn: "/exact",
    })  # fmt: skip
    assert layers.find(arn) == Path("/exact")
    assert layers.find(arn.replace("us-east-1", "eu-west-1")) == Path("/any")
    assert layers.find("arn:aws:lambda:us-east-1:999999999999:layer:Other:1") is None


def test_the_missing_lines_for_any_layer_name_a_directory() -> None:
    message, hint = LayerMap(env_name="dev").missing(
        "arn:aws:lambda:us-east-1:123456789012:layer:shared-deps:3"
    )
    assert message == "layer arn:aws:lambda:us-east-1:123456789012:layer:shared-deps:3 is not available locally"
    assert hint.endswith(
        'environments:\n  dev:\n    layers:\n'
        '      "arn:aws:lambda:*:123456789012:layer:shared-deps:*": layers/NAME'
    )
