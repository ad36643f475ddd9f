"""``endpoint_url`` at the local runtime works for an ordinary environment: Lambda's
control-plane reads and CloudWatch Logs' FilterLogEvents, with boto3 and with smoke's
own discovery and log source."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from localrt_helpers import lambda_client

from smoke.local import LocalRuntime, start_local_runtime
from smoke.model import Environment, FunctionSpec

TEMPLATE = """
Parameters:
  Rt:
    Type: String
    Default: python3.11
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: src
      Runtime: !Ref Rt
      Timeout: 7
      MemorySize: 256
      Tags: {team: core, app: demo}
  Worker:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.handler, CodeUri: src}
  Cron:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.handler, CodeUri: src}
"""


@pytest.fixture(scope="module")
def local(app_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRuntime]:
    root = tmp_path_factory.mktemp("control")
    (root / "template.yaml").write_text(TEMPLATE)
    (root / "src").symlink_to(app_dir)
    env = Environment(name="local", template="template.yaml")
    with start_local_runtime(env, base_dir=root, log_dir=root / "logs") as runtime:
        answer = lambda_client(runtime.endpoint_url).invoke(
            FunctionName="Api", Payload=json.dumps({"print": ["hello from api", "ERROR boom"]})
        )
        assert "FunctionError" not in answer
        yield runtime


def _logs(endpoint_url: str) -> Any:
    import boto3

    return boto3.client(
        "logs", endpoint_url=endpoint_url, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip


def test_get_function_configuration_and_get_function(local: LocalRuntime) -> None:
    client = lambda_client(local.endpoint_url)
    config = client.get_function_configuration(FunctionName="Api")
    assert config["FunctionName"] == "Api"
    assert config["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:Api"
    assert config["Runtime"] == "python3.11"  # !Ref Rt: the parameter's Default
    assert (config["Handler"], config["Timeout"], config["MemorySize"]) == ("app.handler", 7, 256)
    assert config["Version"] == "$LATEST"
    assert config["LoggingConfig"]["LogGroup"] == "/aws/lambda/Api"
    assert config["LastModified"]
    whole = client.get_function(FunctionName=config["FunctionArn"])
    assert whole["Configuration"]["FunctionName"] == "Api"
    assert whole["Tags"] == {"team": "core", "app": "demo"}
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function_configuration(FunctionName="Nope")


def test_list_functions_pages_and_list_tags(local: LocalRuntime) -> None:
    client = lambda_client(local.endpoint_url)
    first = client.list_functions(MaxItems=2)
    assert [f["FunctionName"] for f in first["Functions"]] == ["Api", "Cron"]
    second = client.list_functions(MaxItems=2, Marker=first["NextMarker"])
    assert [f["FunctionName"] for f in second["Functions"]] == ["Worker"]
    assert "NextMarker" not in second
    pages = client.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 1})
    assert sorted(f["FunctionName"] for p in pages for f in p["Functions"]) == ["Api", "Cron", "Worker"]
    arn = first["Functions"][0]["FunctionArn"]
    assert client.list_tags(Resource=arn)["Tags"] == {"team": "core", "app": "demo"}
    assert client.list_tags(Resource=first["Functions"][1]["FunctionArn"])["Tags"] == {}


def test_filter_log_events_reads_the_local_logs(local: LocalRuntime) -> None:
    logs = _logs(local.endpoint_url)
    now = int(time.time() * 1000)
    answer = logs.filter_log_events(logGroupName="/aws/lambda/Api", startTime=now - 60_000, endTime=now + 1000)
    messages = [e["message"] for e in answer["events"]]
    assert "hello from api" in messages
    assert any(m.startswith("REPORT RequestId: ") for m in messages)
    event = answer["events"][0]
    assert set(event) >= {"logStreamName", "timestamp", "message", "ingestionTime", "eventId"}
    filtered = logs.filter_log_events(
        logGroupName="/aws/lambda/Api", startTime=now - 60_000, endTime=now + 1000,
        filterPattern='?"ERROR" ?"REPORT"',
    )  # fmt: skip
    assert {e["message"].split()[0] for e in filtered["events"]} == {"ERROR", "REPORT"}
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName="/aws/lambda/Api", startTime=now - 60_000, endTime=now + 1000,
        PaginationConfig={"PageSize": 2},
    )  # fmt: skip
    paged = [e["message"] for page in pages for e in page["events"]]
    assert paged == messages
    with pytest.raises(logs.exceptions.ResourceNotFoundException):
        logs.filter_log_events(logGroupName="/aws/lambda/Nope", startTime=0, endTime=now)


def test_smoke_discovery_and_cloudwatch_source_against_the_local_runtime(local: LocalRuntime) -> None:
    from smoke.discovery import discover
    from smoke.logscan.cloudwatch import CloudWatchSource

    env = Environment(
        name="remote-ish",
        region="us-east-1",
        endpoint_url=local.endpoint_url,
        functions={
            "api": FunctionSpec(logical="api", name="Api"),
            "worker": FunctionSpec(logical="worker", prefix="Work"),
            "tagged": FunctionSpec(logical="tagged", prefix="A", tags={"team": "core"}),
        },
    )
    import os

    keys = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(keys)
    try:
        found = discover(env)
        assert found["api"].name == "Api" and found["api"].runtime == "python3.11"
        assert found["api"].log_group == "/aws/lambda/Api"
        assert found["worker"].name == "Worker"
        assert found["tagged"].name == "Api"
        now = int(time.time() * 1000)
        source = CloudWatchSource(env)
        events = list(source.events("/aws/lambda/Api", now - 60_000, now + 1000))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert "hello from api" in [e.message for e in events]


def test_an_unknown_logs_operation_is_an_aws_style_error(local: LocalRuntime) -> None:
    import urllib.request

    request = urllib.request.Request(
        local.endpoint_url + "/", data=b"{}", method="POST",
        headers={"X-Amz-Target": "Logs_20140328.DeleteLogGroup", "Content-Type": "application/x-amz-json-1.1"},
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)
    assert raised.value.code == 400
    assert json.loads(raised.value.read())["__type"] == "UnknownOperationException"

