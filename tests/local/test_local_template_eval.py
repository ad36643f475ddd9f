"""Templates evaluated as CloudFormation would: parameters (Default, samconfig.toml,
smoke.yaml), Conditions, Mappings, pseudo parameters, Sub/Join/Select/Split, placeholders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from localrt_helpers import lambda_client, write_files

from smoke.errors import ConfigError
from smoke.local import local_catalog, start_local_runtime
from smoke.local.parameters import parse_overrides
from smoke.local.template import NotSupportedLocally
from smoke.model import Environment

TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  LogLevel: {Type: String, Default: INFO, AllowedValues: [DEBUG, INFO, WARN, ERROR]}
  MemoryParam: {Type: Number, Default: 256}
  Subnets: {Type: CommaDelimitedList, Default: "subnet-a, subnet-b"}
  DbPassword: {Type: String, NoEcho: true}
  Unset: {Type: String}
Mappings:
  StageConfig:
    dev: {Timeout: 5, Table: dev-table}
    prod: {Timeout: 30, Table: prod-table}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsNotProd: !Not [!Condition IsProd]
  VerboseDev: !And [!Condition IsNotProd, !Equals [!Ref LogLevel, DEBUG]]
  Either: !Or [!Condition IsProd, !Condition VerboseDev]
Globals:
  Function:
    Runtime: python3.12
    Timeout: !FindInMap [StageConfig, !Ref Stage, Timeout]
    Environment:
      Variables:
        STAGE: !Ref Stage
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  ProdOnlyFunction:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties: {CodeUri: src, Handler: app.handler}
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: !If [IsProd, src-prod, src]
      Handler: !Join [".", [app, handler]]
      MemorySize: !Ref MemoryParam
      Environment:
        Variables:
          LOG_LEVEL: !Ref LogLevel
          VERBOSE: !If [VerboseDev, "yes", !Ref AWS::NoValue]
          QUIET: !If [IsProd, "yes", !Ref AWS::NoValue]
          EITHER: !If [Either, "yes", "no"]
          TABLE_NAME: !Ref Table
          MAPPED: !FindInMap [StageConfig, !Ref Stage, Table]
          PSEUDO: !Sub "${AWS::Region} ${AWS::URLSuffix} ${AWS::AccountId} ${AWS::Partition} ${AWS::StackName}"
          SUBNET: !Select [1, !Ref Subnets]
          JOINED: !Join [":", !Split [",", "x,y,z"]]
          SUB_LIST: !Sub ["${Name}/${Stage}", {Name: !Select [0, !Ref Subnets]}]
          ESCAPED: !Sub "${!Literal}-${Stage}"
          PASSWORD: !Ref DbPassword
          MISSING: !Ref Unset
"""

SAMCONFIG = """
version = 0.1
[default.global.parameters]
parameter_overrides = "LogLevel=WARN"
[default.deploy.parameters]
stack_name = "app"
parameter_overrides = "LogLevel=DEBUG DbPassword=\\"s3cret-Pa55\\""
[prod.deploy.parameters]
parameter_overrides = ["Stage=prod", "LogLevel=ERROR"]
"""

HANDLER = """
import os

def handler(event, context):
    print("password is", os.environ["PASSWORD"])
    return {"code": os.path.basename(os.path.dirname(__file__)), "env": dict(os.environ)}
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(
        tmp_path_factory.mktemp("eval"),
        {"template.yaml": TEMPLATE, "samconfig.toml": SAMCONFIG, "src/app.py": HANDLER,
         "src-prod/app.py": HANDLER},
    )  # fmt: skip


def _env(**fields: object) -> Environment:
    return Environment(name="local", template="template.yaml", **fields)  # type: ignore[arg-type]


def test_defaults_samconfig_and_smoke_yaml_parameters_reach_the_function(app: Path) -> None:
    env = _env(parameters={"MemoryParam": "512"})
    with start_local_runtime(env, base_dir=app, log_dir=app / "logs") as local:
        assert set(local.functions) == {"ApiFunction"}  # ProdOnlyFunction: Condition false
        assert local.functions["ApiFunction"].memory_mb == 512  # smoke.yaml over Default
        assert local.functions["ApiFunction"].timeout_s == 5  # FindInMap with Stage=dev
        answer = lambda_client(local.endpoint_url).invoke(FunctionName="ApiFunction")
        body = json.loads(answer["Payload"].read())
        warnings = local.runtime_info["ApiFunction"]["warnings"]
        refused = local.refused["ProdOnlyFunction"]
    variables = body["env"]
    assert body["code"] == "src"
    assert variables["STAGE"] == "dev"
    assert variables["LOG_LEVEL"] == "DEBUG"  # samconfig deploy over global over Default
    assert variables["VERBOSE"] == "yes"  # And(Not(IsProd), LogLevel == DEBUG)
    assert "QUIET" not in variables  # AWS::NoValue removes the variable
    assert variables["EITHER"] == "yes"
    assert variables["MAPPED"] == "dev-table"
    assert variables["PSEUDO"] == "us-east-1 amazonaws.com 123456789012 aws local"
    assert variables["SUBNET"] == "subnet-b"
    assert variables["JOINED"] == "x:y:z"
    assert variables["SUB_LIST"] == "subnet-a/dev"
    assert variables["ESCAPED"] == "${Literal}-dev"
    assert variables["PASSWORD"] == "s3cret-Pa55"  # shlex-quoted in parameter_overrides
    # a resource's physical id: a stated placeholder and a note, never the bare logical id
    assert variables["TABLE_NAME"] == "local-Table"
    assert any("!Ref Table" in w and "parameters: {Table: ...}" in w for w in warnings)
    # a parameter with no value: a placeholder naming the key, never a silent ''
    assert variables["MISSING"] == "UNRESOLVED-Unset"
    assert any("MISSING" in w and "parameters: {Unset: ...}" in w for w in warnings)
    assert "its Condition IsProd is false" in refused
    # a NoEcho parameter is a secret: the function printed it, the log file masks it
    log = (app / "logs" / "ApiFunction.log").read_text()
    assert "password is ***" in log and "s3cret-Pa55" not in log


def test_smoke_yaml_parameters_flip_conditions_and_the_samconfig_env_is_chosen(
    app: Path,
) -> None:
    found = local_catalog(_env(samconfig_env="prod", parameters={"Table": "real-table"}),
                          base_dir=app)  # fmt: skip
    api = found.definitions["ApiFunction"]
    assert set(found.definitions) == {"ApiFunction", "ProdOnlyFunction"}
    assert api.code == (app / "src-prod").resolve()  # !If [IsProd, src-prod, src]
    assert api.timeout_s == 30
    assert api.environment["LOG_LEVEL"] == "ERROR"
    assert api.environment["QUIET"] == "yes" and "VERBOSE" not in api.environment
    assert api.environment["TABLE_NAME"] == "real-table"  # given for the resource's Ref
    assert not any("!Ref Table" in w for w in api.warnings)


def test_a_value_outside_allowed_values_is_a_note(app: Path) -> None:
    # (Stage=qa would be an error instead: !FindInMap [StageConfig, qa, ...] has no entry)
    assert "no entry 'qa' in Mappings" in str(
        local_catalog(_env(parameters={"Stage": "qa"}), base_dir=app).refused["ApiFunction"]
    )
    found = local_catalog(_env(parameters={"LogLevel": "TRACE"}), base_dir=app)
    assert any(
        "parameter LogLevel = 'TRACE' (smoke.yaml) is not one of its AllowedValues" in w
        for w in found.definitions["ApiFunction"].warnings
    )


def test_an_unresolvable_handler_refuses_the_function_and_names_the_key(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "template.yaml": """
            Parameters:
              HandlerName: {Type: String}
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties: {CodeUri: ., Handler: !Ref HandlerName, Runtime: python3.12}
        """,
    })  # fmt: skip
    found = local_catalog(_env(), base_dir=tmp_path)
    error = found.refused["Fn"]
    assert not isinstance(error, NotSupportedLocally)
    assert "Handler cannot be resolved locally: parameter HandlerName has no Default" in str(error)
    assert "environments: local: parameters: {HandlerName: VALUE}" in error.hint
    assert error.location is not None and error.location.line == 6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('A=1 B="x y" C=', {"A": "1", "B": "x y", "C": ""}),
        (["A=1", "B=a=b"], {"A": "1", "B": "a=b"}),
        ("ParameterKey=A,ParameterValue=1 ParameterKey=B,ParameterValue=two", {"A": "1", "B": "two"}),
    ],
)
def test_parameter_overrides_forms(text: object, expected: dict[str, str]) -> None:
    assert parse_overrides(text, "samconfig.toml") == expected


def test_a_malformed_override_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="is not KEY=VALUE"):
        parse_overrides("Stage", "samconfig.toml")


def test_smoke_yaml_gives_parameters_layers_credentials_and_the_samconfig_env(
    tmp_path: Path,
) -> None:
    from smoke.loading.config import load_config

    path = tmp_path / "smoke.yaml"
    path.write_text(
        "environments:\n"
        "  local:\n"
        "    template: template.yaml\n"
        "    samconfig_env: prod\n"
        "    credentials: none\n"
        "    parameters: {MemoryParam: 1024, Debug: true, Subnets: [a, b], AWS::StackName: app}\n"
        "    layers:\n"
        '      "arn:aws:lambda:*:017000801446:layer:*": layers/pt.txt\n'
        '      "arn:aws:lambda:*:123456789012:layer:x:*": download\n'
    )
    env = load_config(path).environments["local"]
    assert env.parameters == {"MemoryParam": "1024", "Debug": "true", "Subnets": ["a", "b"],
                              "AWS::StackName": "app"}  # fmt: skip
    assert env.layers == {
        "arn:aws:lambda:*:017000801446:layer:*": str(tmp_path / "layers" / "pt.txt"),
        "arn:aws:lambda:*:123456789012:layer:x:*": "download",
    }
    assert (env.credentials, env.samconfig_env) == ("none", "prod")


def test_an_unknown_credentials_value_is_a_config_error_at_its_line(tmp_path: Path) -> None:
    from smoke.loading.config import load_config

    path = tmp_path / "smoke.yaml"
    path.write_text("environments:\n  local:\n    template: t.yaml\n    credentials: nope\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.location is not None and raised.value.location.line == 4
    assert "environment" in str(raised.value) and "none" in str(raised.value)


def test_fn_foreach_of_language_extensions_makes_one_function_per_item(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "template.yaml": """
            Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
            Parameters:
              Workers: {Type: CommaDelimitedList, Default: "orders,billing-v2"}
            Resources:
              Fn::ForEach::Workers:
                - Name
                - !Ref Workers
                - "&{Name}Worker":
                    Type: AWS::Serverless::Function
                    Properties:
                      CodeUri: .
                      Handler: app.handler
                      Environment:
                        Variables:
                          QUEUE: !Sub "${Name}-queue"
                          NAME: !Ref Name
              Fn::ForEach::Broken:
                - Name
                - !Ref NoSuchList
                - "${Name}Fn": {Type: AWS::Serverless::Function}
        """,
    })  # fmt: skip
    found = local_catalog(_env(), base_dir=tmp_path)
    assert set(found.definitions) == {"ordersWorker", "billingv2Worker"}
    billing = found.definitions["billingv2Worker"]
    assert billing.environment == {"QUEUE": "billing-v2-queue", "NAME": "billing-v2"}
    assert any("Fn::ForEach::Broken: its collection cannot be evaluated" in w
               for w in billing.warnings)  # fmt: skip
