"""CDK cloud assemblies (cdk.out, aws:asset:path) and nested applications/stacks with a
local location: real handlers run, addressed by logical id, construct path or Child/Id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from localrt_helpers import lambda_client, write_files

from smoke.cli import main
from smoke.errors import ConfigError
from smoke.local import local_catalog, start_local_runtime
from smoke.model import Environment, FunctionSpec

ASSET_BUCKET = {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}


def _cdk_stack(name: str) -> dict[str, object]:
    """A template shaped like `cdk synth` writes it (what cdk-lib 2.x emits for a
    PythonFunction-less lambda.Function with a LayerVersion)."""
    return {
        "Parameters": {
            "BootstrapVersion": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/cdk-bootstrap/hnb659fds/version",
            }
        },
        "Resources": {
            "HandlerServiceRoleFCDC14AE": {"Type": "AWS::IAM::Role", "Properties": {}},
            "Table8235A42E": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
            "DepsLayerA1B2C3D4": {
                "Type": "AWS::Lambda::LayerVersion",
                "Properties": {"Content": {"S3Bucket": ASSET_BUCKET, "S3Key": "bbbb.zip"}},
                "Metadata": {"aws:cdk:path": f"{name}/DepsLayer/Resource",
                             "aws:asset:path": "asset.bbbb", "aws:asset:is-bundled": False,
                             "aws:asset:property": "Content"},
            },
            "Handler886CB40B": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Code": {"S3Bucket": ASSET_BUCKET, "S3Key": "aaaa.zip"},
                    "Role": {"Fn::GetAtt": ["HandlerServiceRoleFCDC14AE", "Arn"]},
                    "Handler": "index.handler",
                    "Runtime": "python3.12",
                    "Layers": [{"Ref": "DepsLayerA1B2C3D4"}],
                    "Environment": {"Variables": {"TABLE": {"Ref": "Table8235A42E"}}},
                },
                "DependsOn": ["HandlerServiceRoleFCDC14AE"],
                "Metadata": {"aws:cdk:path": f"{name}/Handler/Resource",
                             "aws:asset:path": "asset.aaaa", "aws:asset:is-bundled": False,
                             "aws:asset:property": "Code"},
            },
        },
        "Rules": {"CheckBootstrapVersion": {"Assertions": []}},
    }  # fmt: skip


def _cdk_out(root: Path, stacks: tuple[str, ...] = ("AppStack",)) -> Path:
    out = root / "cdk.out"
    artifacts: dict[str, object] = {"Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}
    for name in stacks:
        (out / f"{name}.template.json").parent.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.template.json").write_text(json.dumps(_cdk_stack(name), indent=1))
        artifacts[name] = {"type": "aws:cloudformation:stack",
                           "environment": "aws://unknown-account/unknown-region",
                           "properties": {"templateFile": f"{name}.template.json"}}  # fmt: skip
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": artifacts}))
    write_files(out, {
        "asset.aaaa/index.py": """
            import os
            import deps

            def handler(event, context):
                return {"deps": deps.NAME, "table": os.environ["TABLE"]}
        """,
        "asset.bbbb/python/deps.py": "NAME = 'from the CDK layer asset'\n",
    })  # fmt: skip
    return out


def test_a_cdk_assembly_runs_its_asset_code_and_layer(tmp_path: Path) -> None:
    _cdk_out(tmp_path)
    env = Environment(name="local", template="cdk.out", functions={
        "api": FunctionSpec(logical="api", resource="Handler"),  # the construct path
    })  # fmt: skip
    with start_local_runtime(env, base_dir=tmp_path, log_dir=tmp_path / "logs") as local:
        assert local.functions["api"].name == "Handler886CB40B"
        answer = lambda_client(local.endpoint_url).invoke(FunctionName="Handler886CB40B")
        body = json.loads(answer["Payload"].read())
        warnings = local.runtime_info["api"]["warnings"]
    assert "FunctionError" not in answer, body
    assert body == {"deps": "from the CDK layer asset", "table": "local-Table8235A42E"}
    assert any("!Ref Table8235A42E" in w for w in warnings)


def test_a_cdk_template_file_is_read_by_logical_id_and_construct_path(tmp_path: Path) -> None:
    _cdk_out(tmp_path, ("AppStack", "OtherStack"))
    for resource in ("Handler886CB40B", "OtherStack/Handler"):
        env = Environment(name="local", template="cdk.out/OtherStack.template.json",
                          functions={"api": FunctionSpec(logical="api", resource=resource)})
        found = local_catalog(env, base_dir=tmp_path).definitions["api"]
        assert found.code == (tmp_path / "cdk.out" / "asset.aaaa").resolve()
        assert found.layers == ((tmp_path / "cdk.out" / "asset.bbbb").resolve(),)


def test_an_assembly_with_several_stacks_says_which_lines_to_write(tmp_path: Path) -> None:
    _cdk_out(tmp_path, ("AppStack", "OtherStack"))
    with pytest.raises(ConfigError) as raised:
        local_catalog(Environment(name="local", template=str(tmp_path / "cdk.out")),
                      base_dir=tmp_path)  # fmt: skip
    assert "holds 2 stacks" in raised.value.message
    assert f"template: {tmp_path / 'cdk.out' / 'OtherStack.template.json'}" in raised.value.hint


NESTED = {
    "template.yaml": """
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          Greeting: {Type: String, Default: hello}
        Resources:
          RootFunction:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: root/, Handler: app.handler, Runtime: python3.12}
          ChildApp:
            Type: AWS::Serverless::Application
            Properties:
              Location: child/template.yaml
              Parameters:
                Greeting: !Sub "${Greeting} from the parent"
          LegacyStack:
            Type: AWS::CloudFormation::Stack
            Properties:
              TemplateURL: legacy
          RemoteApp:
            Type: AWS::Serverless::Application
            Properties:
              Location: {ApplicationId: "arn:aws:serverlessrepo:us-east-1:123456789012:applications/x", SemanticVersion: 1.0.0}
    """,
    "root/app.py": "def handler(event, context):\n    return {'root': True}\n",
    "child/template.yaml": """
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          Greeting: {Type: String}
        Resources:
          HelloFunction:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.handler
              Runtime: python3.12
              Environment:
                Variables:
                  GREETING: !Ref Greeting
                  STACK: !Ref AWS::StackName
    """,
    "child/src/app.py": """
        import os

        def handler(event, context):
            return {"greeting": os.environ["GREETING"], "stack": os.environ["STACK"]}
    """,
    "legacy/template.yaml": """
        Resources:
          OldFunction:
            Type: AWS::Lambda::Function
            Properties: {Code: code/, Handler: app.handler, Runtime: python3.12}
    """,
    "legacy/code/app.py": "def handler(event, context):\n    return {'legacy': True}\n",
    "smoke.yaml": """
        environments:
          local:
            template: template.yaml
    """,
    "suites/nested.yaml": """
        suite: nested
        event: raw
        checks:
          - name: child
            function: ChildApp/HelloFunction
            payload: {}
            expect:
              json_schema:
                properties:
                  greeting: {const: hello from the parent}
                  stack: {const: local-ChildApp}
          - name: legacy
            function: LegacyStack/OldFunction
            payload: {}
            expect: {json_schema: {required: [legacy]}}
          - {name: root, function: RootFunction, payload: {}, expect: {json_schema: {required: [root]}}}
    """,
}


def test_nested_application_and_stack_functions_run_addressed_by_child_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_files(tmp_path, NESTED)
    code = main(["run", "local", "--config", str(root / "smoke.yaml"), "--json",
                 str(root / "r.json"), "--junit", str(root / "r.xml"), "--log-wait", "2"])
    out = capsys.readouterr()
    checks = {c["name"]: c for c in json.loads((root / "r.json").read_text())["checks"]}
    assert code == 0, out.out + out.err
    assert {c["outcome"] for c in checks.values()} == {"passed"}
    assert (root / "logs" / "ChildApp-HelloFunction.log").is_file()  # beside --json
    env = Environment(name="local", template=str(root / "template.yaml"))
    assert set(local_catalog(env, base_dir=root).definitions) == {
        "RootFunction", "ChildApp/HelloFunction", "LegacyStack/OldFunction",
    }  # the SAR application has no local location: nothing of it is listed


def test_a_nested_location_that_does_not_exist_is_at_its_line(tmp_path: Path) -> None:
    root = write_files(tmp_path, {**NESTED, "template.yaml": NESTED["template.yaml"].replace(
        "child/template.yaml", "kid/template.yaml")})  # fmt: skip
    with pytest.raises(ConfigError) as raised:
        local_catalog(Environment(name="local", template="template.yaml"), base_dir=root)
    assert "Location 'kid/template.yaml' does not exist" in raised.value.message
    assert raised.value.location is not None and raised.value.location.line == 11


def test_a_parameter_the_parent_does_not_pass_is_named_as_such(tmp_path: Path) -> None:
    text = NESTED["template.yaml"].replace(
        '              Parameters:\n                Greeting: !Sub "${Greeting} from the parent"\n', ""
    )
    root = write_files(tmp_path, {**NESTED, "template.yaml": text, "samconfig.toml":
                                  'version = 0.1\n[default.deploy.parameters]\n'
                                  'parameter_overrides = "Greeting=from-samconfig"\n'})
    found = local_catalog(Environment(name="local", template="template.yaml"), base_dir=root)
    child = found.definitions["ChildApp/HelloFunction"]
    assert child.environment["GREETING"] == "UNRESOLVED-GREETING"  # samconfig: the root only
    assert any("the parent stack passes no value" in w and "parameters: {" not in w
               for w in child.warnings)  # fmt: skip
