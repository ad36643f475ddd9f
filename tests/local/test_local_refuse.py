"""Refuse narrowly: an Image function, a Node.js function and a function with an unmapped
layer ARN are errors for their own checks only; the Python function runs and passes.
Suites of a template-only environment address functions by logical id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from localrt_helpers import write_files

from smoke.cli import main

MIXED = {
    "template.yaml": """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          ImageFunction:
            Type: AWS::Serverless::Function
            Properties:
              PackageType: Image
              ImageUri: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest
          NodeFunction:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: node/
              Handler: index.handler
              Runtime: nodejs20.x
          LayeredFunction:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: py/
              Handler: app.handler
              Runtime: python3.12
              Layers:
                - !Sub arn:aws:lambda:${AWS::Region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7
          PythonFunction:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: py/
              Handler: app.handler
              Runtime: python3.12
    """,
    "node/index.js": "exports.handler = async () => ({statusCode: 200});\n",
    "py/app.py": """
        def handler(event, context):
            return {"ok": True}
    """,
    "smoke.yaml": """
        environments:
          local:
            template: template.yaml
    """,
    "suites/mixed.yaml": """
        suite: mixed
        event: raw
        checks:
          - {name: python, function: PythonFunction, payload: {}, expect: {json_schema: {required: [ok]}}}
          - {name: image, function: ImageFunction, payload: {}}
          - {name: node, function: NodeFunction, payload: {}}
          - {name: layered, function: LayeredFunction, payload: {}}
    """,
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_files(tmp_path, MIXED)


def test_only_the_checks_of_unsupported_functions_are_errors(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = project / "r.json"
    code = main(["run", "local", "--config", str(project / "smoke.yaml"),
                 "--json", str(report), "--junit", str(project / "r.xml"), "--log-wait", "2"])
    out = capsys.readouterr().out
    assert code == 1
    checks = {c["name"]: c for c in json.loads(report.read_text())["checks"]}
    assert checks["python"]["outcome"] == "passed"
    assert {checks[n]["outcome"] for n in ("image", "node", "layered")} == {"error"}
    assert "PackageType: Image functions are not supported by the local runtime" in (
        checks["image"]["error"]
    )
    assert "template.yaml:6" in checks["image"]["error"]
    assert "Runtime nodejs20.x: the local runtime runs Python 3 functions only" in (
        checks["node"]["error"]
    )
    layered = checks["layered"]["error"]
    assert "layer arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertools" in layered
    assert "AWSLambdaPowertoolsPythonV3-python312-x86_64:*" in layered  # the line to add
    assert "PackageType: Image" in out  # the console says why too


def test_list_and_validate_say_which_functions_do_not_run_locally(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(project / "smoke.yaml")
    assert main(["validate", "--config", config]) == 2  # the layer ARN needs a line
    captured = capsys.readouterr()
    assert "note: ImageFunction does not run locally" in captured.out
    assert "note: NodeFunction does not run locally" in captured.out
    assert "template.yaml:21: function LayeredFunction: layer arn:aws:" in captured.err
    assert "> 22 |" not in captured.err  # the quote stops at the list
    # `smoke list` shows the plan, and exits 2: the layer ARN is a mistake to fix
    assert main(["list", "local", "--config", config]) == 2
    captured = capsys.readouterr()
    assert "error: LayeredFunction does not run locally" in captured.out
    assert "template.yaml:21: function LayeredFunction: layer arn:aws:" in captured.err
    layer = project / "pt.txt"
    layer.write_text("")
    with (project / "smoke.yaml").open("a") as config_file:
        config_file.write('    layers: {"arn:aws:lambda:*:017000801446:layer:*": pt.txt}\n')
    assert main(["validate", "--config", config]) == 0
    assert "OK   environment local" in capsys.readouterr().out
    assert main(["list", "local", "--config", config]) == 0
    out = capsys.readouterr().out
    assert "error: ImageFunction does not run locally: function ImageFunction: PackageType" in out
    assert "error: PythonFunction" not in out


def test_a_template_only_environment_names_its_functions_in_the_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "suites" / "mixed.yaml").write_text(
        "suite: typo\nevent: raw\nchecks:\n  - {name: x, function: PythonFunctoin, payload: {}}\n"
    )
    assert main(["validate", "--config", str(project / "smoke.yaml")]) == 2
    err = capsys.readouterr().err
    assert "uses function 'PythonFunctoin'" in err
    assert "did you mean 'PythonFunction'" in err
