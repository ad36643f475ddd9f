"""Discovery against moto's Lambda, CloudFormation and S3 (for nested stack templates)."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import boto3
import pytest

from smoke.discovery import _Finder, discover, qualifier_of_arn, to_ref
from smoke.errors import ConfigError, DiscoveryError
from smoke.model import Environment, FunctionSpec


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("app.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def _client(env: Environment, service: str) -> Any:
    return boto3.client(service, region_name=env.region, endpoint_url=env.endpoint_url)


def _role(env: Environment) -> str:
    iam = _client(env, "iam")
    return str(iam.create_role(RoleName="smoke-test", AssumeRolePolicyDocument="{}")["Role"]["Arn"])


def make_function(env: Environment, name: str, role: str, **extra: Any) -> dict[str, Any]:
    return dict(
        _client(env, "lambda").create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": _zip()},
            **extra,
        )
    )


def lambda_resource(role: str, timeout: int = 3) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.12",
            "Handler": "app.handler",
            "Role": role,
            "Timeout": timeout,
            "MemorySize": 256,
            "Code": {"ZipFile": "def handler(event, context):\n    return {}\n"},
        },
    }


def with_functions(env: Environment, **specs: dict[str, Any]) -> Environment:
    functions = {k: FunctionSpec(logical=k, **v) for k, v in specs.items()}
    return Environment(
        name=env.name, region=env.region, endpoint_url=env.endpoint_url, functions=functions
    )


def test_by_name_and_by_arn(moto_env: Environment) -> None:
    role = _role(moto_env)
    made = make_function(
        moto_env,
        "orders-prod-cleanup",
        role,
        Timeout=42,
        MemorySize=512,
    )
    other = make_function(moto_env, "orders-prod-api", role)
    env = with_functions(
        moto_env,
        cleanup={"name": "orders-prod-cleanup", "qualifier": "$LATEST"},
        api={"name": other["FunctionArn"]},
    )
    found = discover(env)
    cleanup, api = found["cleanup"], found["api"]
    assert cleanup.name == "orders-prod-cleanup"
    assert cleanup.arn is not None and cleanup.arn.startswith(made["FunctionArn"])
    assert cleanup.timeout_s == 42 and cleanup.memory_mb == 512
    assert cleanup.runtime == "python3.12" and cleanup.last_modified
    assert cleanup.qualifier == "$LATEST"
    assert cleanup.log_group == "/aws/lambda/orders-prod-cleanup"
    assert api.name == "orders-prod-api" and api.log_group == "/aws/lambda/orders-prod-api"
    assert api.qualifier is None


def test_custom_log_group_from_logging_config() -> None:
    # moto does not keep LoggingConfig: the mapping is checked on the API's answer shape.
    config = {
        "FunctionName": "fn",
        "FunctionArn": "arn:aws:lambda:us-east-1:1:function:fn",
        "Timeout": 5,
        "LoggingConfig": {"LogFormat": "JSON", "LogGroup": "/custom/group"},
    }
    assert to_ref("api", config, "live").log_group == "/custom/group"
    assert to_ref("api", {"FunctionName": "fn"}, None).log_group == "/aws/lambda/fn"
    assert qualifier_of_arn("arn:aws:lambda:us-east-1:1:function:fn:live") == "live"
    assert qualifier_of_arn("arn:aws:lambda:us-east-1:1:function:fn") is None


def test_only_the_names_asked_for(moto_env: Environment) -> None:
    make_function(moto_env, "one", _role(moto_env))
    env = with_functions(moto_env, one={"name": "one"}, missing={"name": "not-there"})
    assert list(discover(env, ["one"])) == ["one"]
    with pytest.raises(ConfigError, match="does not define function"):
        discover(env, ["nope"])


def test_missing_names_are_reported_together_with_similar_names(moto_env: Environment) -> None:
    make_function(moto_env, "orders-prod-api", _role(moto_env))
    env = with_functions(
        moto_env, api={"name": "orders-prod-apl"}, worker={"name": "orders-worker"}
    )
    with pytest.raises(DiscoveryError) as caught:
        discover(env)
    message = caught.value.message
    assert "'api': orders-prod-apl does not exist" in message
    assert "similar functions: orders-prod-api" in message
    assert "'worker': orders-worker does not exist" in message


def test_stack_resource_with_many_resources(moto_env: Environment) -> None:
    role = _role(moto_env)
    resources: dict[str, Any] = {f"Topic{i:03d}": {"Type": "AWS::SNS::Topic"} for i in range(110)}
    resources["ZBackendApiFunction"] = lambda_resource(role, timeout=29)
    cfn = _client(moto_env, "cloudformation")
    cfn.create_stack(StackName="credmate-prod", TemplateBody=json.dumps({"Resources": resources}))
    listed = cfn.list_stack_resources(StackName="credmate-prod")["StackResourceSummaries"]
    assert len(listed) == 111
    env = with_functions(
        moto_env, api={"stack": "credmate-prod", "resource": "ZBackendApiFunction"}
    )
    ref = discover(env)["api"]
    assert ref.name.startswith("credmate-prod-ZBackendApiFunction")
    assert ref.timeout_s == 29 and ref.memory_mb == 256
    assert ref.log_group == f"/aws/lambda/{ref.name}"


def test_stack_resource_in_a_nested_stack(moto_env: Environment) -> None:
    role = _role(moto_env)
    s3 = _client(moto_env, "s3")
    s3.create_bucket(Bucket="templates")
    child = {"Resources": {"WorkerFunction": lambda_resource(role)}}
    s3.put_object(Bucket="templates", Key="child.json", Body=json.dumps(child).encode())
    parent = {
        "Resources": {
            "ApiFunction": lambda_resource(role),
            "Workers": {
                "Type": "AWS::CloudFormation::Stack",
                "Properties": {"TemplateURL": "https://s3.amazonaws.com/templates/child.json"},
            },
        }
    }
    cfn = _client(moto_env, "cloudformation")
    cfn.create_stack(StackName="app", TemplateBody=json.dumps(parent))
    env = with_functions(
        moto_env,
        api={"stack": "app", "resource": "ApiFunction"},
        worker={"stack": "app", "resource": "WorkerFunction"},
        nope={"stack": "app", "resource": "NoSuchFunction"},
    )
    found = discover(env, ["api", "worker"])
    assert "ApiFunction" in found["api"].name
    assert "WorkerFunction" in found["worker"].name
    with pytest.raises(DiscoveryError) as caught:
        discover(env, ["nope"])
    assert "no Lambda function with logical id NoSuchFunction" in caught.value.message
    assert "app/ApiFunction" in caught.value.message
    assert "/WorkerFunction" in caught.value.message


def test_missing_stack(moto_env: Environment) -> None:
    env = with_functions(moto_env, api={"stack": "ghost", "resource": "Api"},
                         worker={"stack": "ghost", "resource": "Worker"})
    with pytest.raises(DiscoveryError) as caught:
        discover(env)
    # each function it was looking for is named, with its resource
    assert caught.value.message.splitlines() == [
        "function 'api' (resource Api of stack ghost): stack ghost does not exist in region "
        "us-east-1",
        "function 'worker' (resource Worker of stack ghost): stack ghost does not exist in "
        "region us-east-1",
    ]


def test_list_stack_resources_follows_next_token(moto_env: Environment) -> None:
    """moto answers ListStackResources in one page; AWS pages at 100: follow NextToken."""
    from botocore.stub import Stubber

    env = with_functions(moto_env, api={"stack": "big", "resource": "Api"})
    finder = _Finder(env)
    cfn = _client(moto_env, "cloudformation")
    page = {"LastUpdatedTimestamp": "2024-01-01T00:00:00Z", "ResourceStatus": "CREATE_COMPLETE"}
    first = [
        {
            "LogicalResourceId": f"T{i}",
            "PhysicalResourceId": f"t{i}",
            "ResourceType": "AWS::SNS::Topic",
            **page,
        }
        for i in range(100)
    ]
    second = [
        {
            "LogicalResourceId": "Api",
            "PhysicalResourceId": "big-Api-1",
            "ResourceType": "AWS::Lambda::Function",
            **page,
        }
    ]
    with Stubber(cfn) as stub:
        stub.add_response(
            "list_stack_resources",
            {"StackResourceSummaries": first, "NextToken": "p2"},
            {"StackName": "big"},
        )
        stub.add_response(
            "list_stack_resources",
            {"StackResourceSummaries": second},
            {"StackName": "big", "NextToken": "p2"},
        )
        finder._cfn = cfn
        matches, _ = finder.search_stack("big", "Api", set())
        stub.assert_no_pending_responses()
    assert matches == ["big-Api-1"]


def test_prefix_and_tags(moto_env: Environment) -> None:
    role = _role(moto_env)
    make_function(moto_env, "shop-prod-worker-a1", role, Tags={"app": "shop", "tier": "w"})
    make_function(moto_env, "shop-prod-worker-b2", role, Tags={"app": "other"})
    make_function(moto_env, "shop-prod-api", role)
    env = with_functions(
        moto_env,
        worker={"prefix": "shop-prod-worker", "tags": {"app": "shop"}},
        api={"prefix": "shop-prod-api"},
        both={"prefix": "shop-prod-worker"},
        none={"prefix": "shop-prod-worker", "tags": {"app": "gone"}},
    )
    found = discover(env, ["worker", "api"])
    assert found["worker"].name == "shop-prod-worker-a1"
    assert found["api"].name == "shop-prod-api"
    with pytest.raises(DiscoveryError) as caught:
        discover(env, ["both", "none"])
    message = caught.value.message
    assert "matches 2 functions: shop-prod-worker-a1, shop-prod-worker-b2" in message
    assert "no function with prefix shop-prod-worker and tags {'app': 'gone'}" in message
    assert "shop-prod-worker-b2 {'app': 'other'}" in message


def test_spec_without_a_way_to_find_it(moto_env: Environment) -> None:
    env = with_functions(moto_env, local={"handler": "app.handler"})
    with pytest.raises(ConfigError, match="neither name"):
        discover(env)


def test_an_arn_in_another_region_is_refused_not_resolved_by_name(moto_env: Environment) -> None:
    make_function(moto_env, "plain-fn", _role(moto_env))
    spec = FunctionSpec(logical="api",
                        name="arn:aws:lambda:eu-west-1:123456789012:function:plain-fn")
    env = Environment(name="moto", region=moto_env.region, endpoint_url=moto_env.endpoint_url,
                      functions={"api": spec})
    with pytest.raises(DiscoveryError) as info:
        discover(env)
    assert "is in region eu-west-1, but environment 'moto' is in us-east-1" in str(info.value)


def test_a_missing_alias_is_not_a_missing_function(moto_env: Environment) -> None:
    make_function(moto_env, "plain-fn", _role(moto_env))
    env = Environment(name="moto", region=moto_env.region, endpoint_url=moto_env.endpoint_url,
                      functions={"api": FunctionSpec(logical="api", name="plain-fn",
                                                     qualifier="live")})
    with pytest.raises(DiscoveryError) as info:
        discover(env)
    assert "the function exists, but has no alias or version 'live'" in str(info.value)


def test_the_invoke_target_is_the_unqualified_arn_discovery_read() -> None:
    from smoke.model import FunctionRef
    from smoke.transports.invoke import function_id

    ref = FunctionRef("api", "plain-fn", arn="arn:aws:lambda:us-east-1:210987654321:function:"
                      "plain-fn:live", qualifier="live")
    assert function_id(ref) == "arn:aws:lambda:us-east-1:210987654321:function:plain-fn"
    assert function_id(FunctionRef("api", "plain-fn")) == "plain-fn"
