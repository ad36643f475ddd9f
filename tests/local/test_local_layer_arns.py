"""Layers given by ARN: Powertools' public layer mapped by an ARN pattern in smoke.yaml to
a requirements file, built from PyPI (the real aws-lambda-powertools, cached in
~/.cache/smoke-tests/), and used by a handler with APIGatewayRestResolver and Logger."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
from localrt_helpers import lambda_client, write_files, zip_dir

from smoke.cli import main
from smoke.local import local_catalog, start_local_runtime
from smoke.local.layer_arns import LayerMap
from smoke.model import Environment

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


class _FakeLambdaLayers(BaseHTTPRequestHandler):
    """Stands in for AWS's GetLayerVersionByArn (and the S3 presigned URL it returns):
    AWS itself cannot be reached from the tests."""

    zip_bytes = b""
    hits: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.hits.append(self.path)
        query = parse_qs(urlsplit(self.path).query)
        if self.path.startswith("/layer.zip"):
            status, body, kind = 200, self.zip_bytes, "application/zip"
        elif query.get("Arn", [""])[0].endswith(":layer:shared-deps:3"):
            digest = base64.b64encode(hashlib.sha256(self.zip_bytes).digest()).decode()
            host = f"http://127.0.0.1:{self.server.server_address[1]}"
            status, kind = 200, "application/json"
            body = json.dumps({
                "Content": {"Location": f"{host}/layer.zip?X-Amz-Signature=secret",
                            "CodeSha256": digest, "CodeSize": len(self.zip_bytes)},
                "LayerArn": "arn:aws:lambda:us-east-1:123456789012:layer:shared-deps",
                "Version": 3,
            }).encode()  # fmt: skip
        else:
            status, kind = 404, "application/json"
            body = json.dumps({"Type": "User", "message": "Layer version does not exist"}).encode()
            self.send_response(status)
            self.send_header("x-amzn-ErrorType", "ResourceNotFoundException")
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_a_layer_mapped_to_download_is_fetched_once_by_arn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_files(tmp_path / "layer-src", {"python/shared_deps.py": "NAME = 'downloaded'\n"})
    _FakeLambdaLayers.zip_bytes = zip_dir(source, tmp_path / "layer.zip").read_bytes()
    _FakeLambdaLayers.hits.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeLambdaLayers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFAKELAYERTEST001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fakeLayerTestSecret0123456789abcdefghij")
    root = write_files(tmp_path / "app", {
        "template.yaml": """
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: app.handler
                  Layers:
                    - arn:aws:lambda:us-east-1:123456789012:layer:shared-deps:3
              Missing:
                Type: AWS::Serverless::Function
                Properties:
                  CodeUri: src/
                  Handler: app.handler
                  Layers:
                    - arn:aws:lambda:us-east-1:123456789012:layer:gone:1
        """,
        "src/app.py": """
            import shared_deps

            def handler(event, context):
                return {"deps": shared_deps.NAME}
        """,
    })  # fmt: skip
    env = Environment(
        name="local", template="template.yaml", credentials="none",
        endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
        layers={"arn:aws:lambda:*:123456789012:layer:*": "download"},
    )  # fmt: skip
    try:
        assert set(local_catalog(env, base_dir=root).definitions) == {"Fn", "Missing"}
        assert _FakeLambdaLayers.hits == []  # validate/list: no AWS call
        for _ in range(2):
            with start_local_runtime(env, base_dir=root, log_dir=root / "logs") as local:
                answer = lambda_client(local.endpoint_url).invoke(FunctionName="Fn")
                body = json.loads(answer["Payload"].read())
                refused = local.refused["Missing"]
            assert body == {"deps": "downloaded"}
    finally:
        server.shutdown()
    layer_calls = [h for h in _FakeLambdaLayers.hits if "find=LayerVersion" in h]
    downloads = [h for h in _FakeLambdaLayers.hits if h.startswith("/layer.zip")]
    assert len(downloads) == 1  # cached by ARN: the second start reads the cache
    assert len(layer_calls) == 3  # shared-deps once, gone once per start (never cached)
    assert "layer arn:aws:lambda:us-east-1:123456789012:layer:gone:1 could not be downloaded" in refused
    assert "Layer version does not exist" in refused and "X-Amz-Signature" not in refused
