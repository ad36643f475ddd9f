"""`smoke init`: starter smoke.yaml and suites that pass `smoke validate` as written.

The example app's template goes through the whole first-time path as subprocesses:
init, validate, run local (the layer is built offline from examples/wheelhouse).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cli_support import REPO

from smoke.cli import main

EXAMPLES = REPO / "examples"


def smoke(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PIP_NO_INDEX": "1",
           "PIP_FIND_LINKS": str(EXAMPLES / "wheelhouse")}
    return subprocess.run([sys.executable, "-m", "smoke", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_init_on_the_example_app_validates_and_runs_locally(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    for name in ("src", "layers"):
        shutil.copytree(EXAMPLES / "api" / name, app / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(EXAMPLES / "api" / "template.yaml", app / "template.yaml")
    done = smoke(app, "init")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        ("wrote smoke.yaml: environment local; prod (commented) for after a deploy: put your "
         "stack's name in it"),  # no samconfig: no stack name is claimed
        "wrote suites/backend-api.yaml: one check of / (a catch-all route: see inside)",
        "wrote suites/cleanup.yaml: a raw-payload stub: put a real event in it",
        "next: smoke validate && smoke run local",
    ]
    api_suite = (app / "suites" / "backend-api.yaml").read_text()
    assert "routes: {from: openapi, path: /openapi.json}" in api_suite  # the suggestion
    validated = smoke(app, "validate")
    assert validated.returncode == 0, validated.stdout + validated.stderr
    ran = smoke(app, "run", "local", "--log-wait", "2")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "2 check(s): 2 passed" in ran.stdout
    again = smoke(app, "init")  # never overwrites
    assert again.returncode == 2 and "already exists" in again.stderr
    assert (app / "suites" / "backend-api.yaml").read_text() == api_suite


def test_init_with_per_route_events_and_a_samconfig(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = tmp_path / "app"
    shutil.copytree(EXAMPLES / "lazy-router", app,
                    ignore=shutil.ignore_patterns("reports", "suites", "smoke.yaml"))
    (app / "samconfig.toml").write_text(textwrap.dedent("""\
        version = 0.1
        [default.deploy.parameters]
        stack_name = "lazy-router-prod"
        region = "eu-west-1"
        """))
    (app / "suites").mkdir()
    (app / "suites" / "api.yaml").write_text("suite: mine\nfunction: api\nroutes: {from: template}\n")
    monkeypatch.chdir(app)
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    assert "wrote suites/api.yaml" not in out and "kept  suites/api.yaml" in out
    assert (app / "suites" / "api.yaml").read_text().startswith("suite: mine")
    config = (app / "smoke.yaml").read_text()
    assert "api: {resource: ApiFunction}" in config
    assert "#   region: eu-west-1" in config
    assert "#     api: {stack: lazy-router-prod, resource: ApiFunction}" in config
    assert main(["validate"]) == 0
    assert "suites/api.yaml (routes from template: 13 check(s) in local)" in capsys.readouterr().out


def test_init_from_routes_of_the_template_and_functions_it_cannot_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "stack.yaml").write_text(textwrap.dedent("""\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          OrdersFunction:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: ../src
              Handler: app.handler
              Runtime: python3.12
              Events:
                List: {Type: HttpApi, Properties: {Path: /orders, Method: GET}}
                Create: {Type: HttpApi, Properties: {Path: /orders, Method: POST}}
          QueueWorker:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: ../src
              Handler: app.handler
              Runtime: python3.12
              Events:
                Jobs: {Type: SQS, Properties: {Queue: arn:aws:sqs:us-east-1:1:q}}
          UploadFunction:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: ../src
              Handler: app.handler
              Runtime: python3.12
              Events:
                Upload: {Type: Api, Properties: {Path: /uploads, Method: POST}}
          NodeFunction:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: ../src, Handler: index.handler, Runtime: nodejs20.x}
          UrlFunction:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: ../src
              Handler: app.handler
              Runtime: python3.12
              FunctionUrlConfig: {AuthType: NONE}
          HookFunction:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: ../src, Handler: app.handler, Runtime: python3.12}
          HookUrl:
            Type: AWS::Lambda::Url
            Properties: {AuthType: AWS_IAM, TargetFunctionArn: !GetAtt HookFunction.Arn}
        """))
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--template", "infra/stack.yaml"]) == 0
    out = capsys.readouterr().out
    assert "wrote suites/orders.yaml: routes from the template: 1 check(s)" in out
    assert "wrote suites/queue-worker.yaml" in out and "suites/node" not in out
    assert "not run locally (see inside): NodeFunction" in out
    assert "no suite for UploadFunction: its routes are all writes" in out
    assert not (tmp_path / "suites" / "upload.yaml").exists()
    config = (tmp_path / "smoke.yaml").read_text()
    assert "template: infra/stack.yaml" in config
    node = next(line for line in config.splitlines() if "NodeFunction" in line)
    assert node.startswith("      # node:") and "not run locally" in node and "nodejs20.x" in node
    assert 'payload: {"Records": []}' in (tmp_path / "suites" / "queue-worker.yaml").read_text()
    for name in ("url", "hook"):  # a function URL: its event and a GET of /, not a raw stub
        assert f"wrote suites/{name}.yaml: one check of / through its function URL" in out
        suite = (tmp_path / "suites" / f"{name}.yaml").read_text()
        assert "event: function-url\n" in suite and "    get: /\n" in suite
        assert "payload" not in suite
    assert main(["validate"]) == 0
    assert main(["run", "local", "--log-wait", "1", "--json", str(tmp_path / "r/")]) == 0


def test_init_from_an_openapi_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "openapi.yaml").write_text(
        "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /health: {get: {}}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SMOKE_BASE_URL", raising=False)
    assert main(["init", "--openapi", "openapi.yaml"]) == 0
    assert "file: ../openapi.yaml" in (tmp_path / "suites" / "api.yaml").read_text()
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "routes from openapi: 1 check(s) in prod" in out
    assert "note: SMOKE_BASE_URL is not set" in out


def test_init_without_a_template_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 2
    assert "no template.yaml" in capsys.readouterr().err
    assert main(["init", "--template", "t.yaml"]) == 2
    assert "no template at t.yaml" in capsys.readouterr().err
    assert not (tmp_path / "smoke.yaml").exists()


POWERTOOLS_TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Layers:
      - !Sub arn:aws:lambda:${AWS::Region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Events:
        Hello: {Type: Api, Properties: {Path: /hello, Method: get}}
"""
POWERTOOLS_APP = """\
import aws_lambda_powertools
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

app = APIGatewayRestResolver()


@app.get("/hello")
def hello():
    return {"powertools": aws_lambda_powertools.__file__}


def handler(event, context):
    return app.resolve(event, context)
"""


def _powertools_project(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text(POWERTOOLS_APP)
    (root / "template.yaml").write_text(POWERTOOLS_TEMPLATE)
    return root


def test_init_maps_the_powertools_layer_arn_as_the_runtime_suggests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from smoke.local.layer_arns import LayerMap

    app = _powertools_project(tmp_path / "app")
    monkeypatch.chdir(app)
    assert main(["init"]) == 0  # was: refused, "no function ... can run", nothing written
    out = capsys.readouterr().out
    assert "wrote layers/powertools-requirements.txt" in out
    assert "wrote suites/hello.yaml: routes from the template: 1 check(s)" in out
    arn = ("arn:aws:lambda:us-east-1:017000801446:layer:"
           "AWSLambdaPowertoolsPythonV3-python312-x86_64:7")
    _, hint = LayerMap().missing(arn)  # what `smoke run` says to add, written for the user
    config = (app / "smoke.yaml").read_text()
    assert "\n".join(hint.splitlines()[3:4]) in config  # the `layers:` entry itself
    assert "      hello: {resource: HelloFunction}" in config  # run locally, not commented
    requirement = hint.rsplit("with the line: ", 1)[1]
    assert (app / "layers" / "powertools-requirements.txt").read_text() == requirement + "\n"
    assert main(["validate"]) == 0


def test_init_still_refuses_a_layer_arn_it_cannot_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _powertools_project(tmp_path / "app")
    (app / "template.yaml").write_text(POWERTOOLS_TEMPLATE.replace(
        "017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64", "123456789012:layer:deps"
    ))
    monkeypatch.chdir(app)
    assert main(["init"]) == 2
    assert "layer arn:aws:lambda:us-east-1:123456789012:layer:deps:7 is not available" in (
        capsys.readouterr().err)
    assert sorted(p.name for p in app.iterdir()) == ["src", "template.yaml"]  # nothing written


@pytest.mark.slow
def test_init_on_a_powertools_layer_project_runs_locally(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the real aws-lambda-powertools from PyPI, built once into the tests' cache
    monkeypatch.setenv("SMOKE_CACHE_DIR", str(Path.home() / ".cache" / "smoke-tests" / "layer-arns"))
    app = _powertools_project(tmp_path / "app")
    monkeypatch.chdir(app)
    assert main(["init"]) == 0
    report = tmp_path / "r.json"
    code = main(["run", "local", "--log-wait", "1", "--json", str(report)])
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    assert "1 check(s): 1 passed" in out.out
