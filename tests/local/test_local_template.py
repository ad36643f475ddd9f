"""Functions from SAM/CloudFormation templates: Globals, !Ref layers, zips, mistakes."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from localrt_helpers import lambda_client, write_files, zip_dir

from smoke.errors import ConfigError
from smoke.local import start_local_runtime
from smoke.local.template import function_definition, read_template
from smoke.model import Environment, FunctionSpec

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: test
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Globals:
  Function:
    Runtime: python3.12
    Timeout: 7
    MemorySize: 256
    Layers:
      - !Ref SharedLayer
    Environment:
      Variables:
        STAGE: !Ref Stage
        TABLE: !Sub "table-${Stage}-${AWS::Region}"
Resources:
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layers/shared
  ZipLayer:
    Type: AWS::Lambda::LayerVersion
    Properties:
      Content: layers/zipped.zip
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.main.handler
      Layers:
        - !Ref ZipLayer
      Environment:
        Variables:
          OWN: "1"
          ROLE_ARN: !GetAtt ApiRole.Arn
          MODE: !If [IsProd, live, dry]
  ZippedFunction:
    Type: AWS::Lambda::Function
    Properties:
      Code: dist/function.zip
      Handler: index.handler
      Runtime: python3.12
  InlineFunction:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      Code:
        ZipFile: |
          def handler(event, context):
              return {"inline": True}
  ApiRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
Outputs:
  Url:
    Value: !Join ["", ["https://", !Ref ApiFunction, !Select [0, !GetAZs ""]]]
"""

FILES = {
    "template.yaml": TEMPLATE,
    "src/app/__init__.py": "",
    "src/app/main.py": """
        import os
        import shared_helper
        import zipped_helper

        def handler(event, context):
            return {
                "shared": shared_helper.NAME,
                "zipped": zipped_helper.NAME,
                "env": {k: os.environ[k] for k in ("STAGE", "TABLE", "OWN", "ROLE_ARN", "MODE")},
                "memory": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"],
                "remaining_ms": context.get_remaining_time_in_millis(),
            }
    """,
    "layers/shared/python/shared_helper.py": "NAME = 'shared from python/'\n",
    "zip-src/python/lib/python3.12/site-packages/zipped_helper.py": "NAME = 'zipped'\n",
    "package/index.py": """
        def handler(event, context):
            return {"zipped_package": True, "event": event}
    """,
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_files(tmp_path_factory.mktemp("sam"), FILES)
    (root / "dist").mkdir()
    zip_dir(root / "package", root / "dist" / "function.zip")
    zip_dir(root / "zip-src", root / "layers" / "zipped.zip")
    return root


def test_a_template_function_runs_with_globals_and_ref_layers(app: Path) -> None:
    env = Environment(
        name="local",
        template="template.yaml",
        functions={
            "api": FunctionSpec(logical="api", resource="ApiFunction"),
            "zipped": FunctionSpec(logical="zipped", resource="ZippedFunction"),
            "inline": FunctionSpec(logical="inline", resource="InlineFunction"),
        },
    )
    with start_local_runtime(env, base_dir=app, log_dir=app / "logs") as local:
        assert local.functions["api"].name == "ApiFunction"
        assert local.functions["api"].timeout_s == 7
        assert local.runtime_info["api"]["declared_runtime"] == "python3.12"
        client = lambda_client(local.endpoint_url)
        answer = client.invoke(FunctionName="ApiFunction", Payload=b"{}", LogType="Tail")
        body = json.loads(answer["Payload"].read())
        assert "FunctionError" not in answer, body
        assert body["shared"] == "shared from python/"
        assert body["zipped"] == "zipped"
        assert body["env"]["STAGE"] == "test"
        assert body["env"]["TABLE"] == "table-test-us-east-1"
        assert body["env"]["OWN"] == "1"
        # needs CloudFormation: a stated placeholder, warned about
        assert body["env"]["ROLE_ARN"] == "arn:aws:iam::123456789012:local-ApiRole"
        assert body["env"]["MODE"] == "dry"  # !If [IsProd, ...] with Stage's default
        assert body["memory"] == "256"
        assert 6000 < body["remaining_ms"] <= 7000
        assert "Memory Size: 256 MB" in base64.b64decode(answer["LogResult"]).decode()
        assert any(
            "!GetAtt ApiRole.Arn" in w and "parameters: {ApiRole.Arn: ...}" in w
            for w in local.runtime_info["api"]["warnings"]
        )
        zipped = json.loads(client.invoke(FunctionName="ZippedFunction", Payload=b'{"a": 1}')["Payload"].read())
        assert zipped == {"zipped_package": True, "event": {"a": 1}}
        inline = json.loads(client.invoke(FunctionName="InlineFunction")["Payload"].read())
        assert inline == {"inline": True}


def test_all_template_functions_are_served_when_none_are_listed(app: Path) -> None:
    env = Environment(name="local", template="template.yaml")
    with start_local_runtime(env, base_dir=app, log_dir=app / "logs2") as local:
        assert set(local.functions) == {"ApiFunction", "ZippedFunction", "InlineFunction"}


def _template(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(text)
    (tmp_path / "src").mkdir(exist_ok=True)
    return path


def test_an_unmapped_layer_arn_is_an_error_with_the_lines_to_add(tmp_path: Path) -> None:
    path = _template(
        tmp_path,
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      CodeUri: src\n"
        "      Handler: app.handler\n"
        "      Layers:\n"
        "        - arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV2:68\n",
    )
    with pytest.raises(ConfigError) as raised:
        function_definition(read_template(path), "Fn", "us-east-1")
    error = raised.value
    assert error.location is not None and error.location.line == 8
    assert error.location.file == str(path)
    assert "is not available locally" in str(error)
    assert (
        "environments:\n  local:\n    layers:\n"
        '      "arn:aws:lambda:*:017000801446:layer:AWSLambdaPowertoolsPythonV2:*": '
        "layers/powertools-requirements.txt\n"
        "and write layers/powertools-requirements.txt with the line: aws-lambda-powertools[all]>=2,<3"
    ) in error.hint


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = _template(tmp_path, "Resources:\n  Fn:\n    Type: [unclosed\n")
    with pytest.raises(ConfigError) as raised:
        read_template(path)
    assert raised.value.location is not None and raised.value.location.line >= 3


def test_a_missing_handler_property_quotes_the_resource(tmp_path: Path) -> None:
    path = _template(
        tmp_path,
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src\n",
    )
    with pytest.raises(ConfigError) as raised:
        function_definition(read_template(path), "Fn", "us-east-1")
    assert "Handler must be 'module.function'" in str(raised.value)
    assert "CodeUri: src" in raised.value.snippet


def test_an_unknown_resource_suggests_the_close_name(tmp_path: Path) -> None:
    path = _template(
        tmp_path,
        "Resources:\n  ApiFunction:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src, Handler: app.handler}\n",
    )
    with pytest.raises(ConfigError) as raised:
        function_definition(read_template(path), "apifunction", "us-east-1")
    assert "Did you mean 'ApiFunction'?" in str(raised.value)


def test_a_json_template_is_read(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Code": "src", "Handler": "app.handler", "Timeout": 9,
                               "Layers": [{"Ref": "Missing"}][:0]},
            }
        }
    }  # fmt: skip
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))
    (tmp_path / "src").mkdir()
    definition = function_definition(read_template(path), "Fn", "eu-west-1")
    assert (definition.handler, definition.timeout_s, definition.code) == (
        "app.handler", 9.0, (tmp_path / "src").resolve(),
    )  # fmt: skip


def test_a_template_without_resources_is_rejected(tmp_path: Path) -> None:
    path = _template(tmp_path, "Description: nothing\n")
    with pytest.raises(ConfigError, match="no Resources mapping"):
        read_template(path)
