"""The local runtime as a control plane, through boto3: PublishVersion snapshots the code
as it is on disk, aliases route (with weights), a qualified Invoke runs that version and
says so, and each version logs to its own ``[N]`` streams."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from localrt_helpers import lambda_client, write_files

from smoke.local import LocalRuntime, start_local_runtime
from smoke.model import Environment, FunctionSpec

HANDLER = """
    import os
    MARK = "{mark}"

    def handler(event, context):
        return {{
            "mark": MARK,
            "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
            "invoked": context.invoked_function_arn,
            "stream": os.environ["AWS_LAMBDA_LOG_STREAM_NAME"],
        }}
"""


def _code(root: Path, mark: str) -> None:
    write_files(root, {"app.py": HANDLER.format(mark=mark)})


@pytest.fixture()
def runtime(tmp_path: Path) -> Iterator[tuple[LocalRuntime, Path]]:
    code = tmp_path / "code"
    _code(code, "one")
    env = Environment(
        name="local",
        functions={"api": FunctionSpec(logical="api", name="Api", handler="app.handler", code=str(code))},
    )
    with start_local_runtime(env, base_dir=tmp_path, log_dir=tmp_path / "logs") as local:
        yield local, code


def _invoke(client: Any, **params: Any) -> tuple[dict[str, Any], str]:
    answer = client.invoke(FunctionName="Api", Payload=b"{}", **params)
    assert "FunctionError" not in answer, answer["Payload"].read()
    return json.loads(answer["Payload"].read()), answer["ExecutedVersion"]


def test_publish_snapshots_the_code_and_qualified_invokes_run_it(runtime: tuple[LocalRuntime, Path]) -> None:
    local, code = runtime
    client = lambda_client(local.endpoint_url)
    v1 = client.publish_version(FunctionName="Api", Description="first")
    assert (v1["Version"], v1["Description"]) == ("1", "first")
    assert v1["FunctionArn"].endswith(":function:Api:1") and v1["CodeSha256"]
    assert client.publish_version(FunctionName="Api")["Version"] == "1"  # nothing changed
    _code(code, "two")
    v2 = client.publish_version(FunctionName="Api")
    assert v2["Version"] == "2" and v2["CodeSha256"] != v1["CodeSha256"]
    _code(code, "three")  # on disk after the publish: only $LATEST sees it

    body, executed = _invoke(client, Qualifier="1")
    assert (body["mark"], body["version"], executed) == ("one", "1", "1")
    assert body["invoked"].endswith(":function:Api:1") and "/[1]" in body["stream"]
    body, executed = _invoke(client, Qualifier="2")
    assert (body["mark"], executed) == ("two", "2")
    body, executed = _invoke(client)
    assert (body["mark"], executed) == ("three", "$LATEST")

    versions = client.list_versions_by_function(FunctionName="Api")["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]
    config = client.get_function_configuration(FunctionName="Api", Qualifier="2")
    assert (config["Version"], config["CodeSha256"]) == ("2", v2["CodeSha256"])
    assert client.get_function(FunctionName="Api:1")["Configuration"]["Version"] == "1"
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="Api", Qualifier="9", Payload=b"{}")


def test_aliases_route_with_weights_and_log_streams_carry_the_version(
    runtime: tuple[LocalRuntime, Path],
) -> None:
    local, code = runtime
    client = lambda_client(local.endpoint_url)
    client.publish_version(FunctionName="Api")
    _code(code, "two")
    client.publish_version(FunctionName="Api")
    created = client.create_alias(FunctionName="Api", Name="live", FunctionVersion="1")
    assert created["AliasArn"].endswith(":function:Api:live")
    with pytest.raises(client.exceptions.ResourceConflictException):
        client.create_alias(FunctionName="Api", Name="live", FunctionVersion="1")
    body, executed = _invoke(client, Qualifier="live")
    assert (body["mark"], executed) == ("one", "1")
    assert body["invoked"].endswith(":function:Api:live")  # what the handler was invoked by
    config = client.get_function_configuration(FunctionName="Api", Qualifier="live")
    assert config["Version"] == "1" and config["FunctionArn"].endswith(":Api:live")

    updated = client.update_alias(
        FunctionName="Api", Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}}
    )
    assert updated["FunctionVersion"] == "1"
    assert client.get_alias(FunctionName="Api", Name="live")["RoutingConfig"] == {
        "AdditionalVersionWeights": {"2": 0.5}
    }
    ran = {_invoke(client, Qualifier="live")[1] for _ in range(40)}
    assert ran == {"1", "2"}  # both versions take traffic (chance of not: 2 * 0.5**40)

    with pytest.raises(client.exceptions.PreconditionFailedException):
        client.update_alias(FunctionName="Api", Name="live", FunctionVersion="2", RevisionId="stale")
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.update_alias(FunctionName="Api", Name="live",
                            RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})
    client.update_alias(FunctionName="Api", Name="live", FunctionVersion="2", RoutingConfig={})
    alias = client.get_alias(FunctionName="Api", Name="live")
    assert alias["FunctionVersion"] == "2" and "RoutingConfig" not in alias
    assert _invoke(client, Qualifier="live")[1] == "2"
    assert [a["Name"] for a in client.list_aliases(FunctionName="Api")["Aliases"]] == ["live"]
    assert client.list_aliases(FunctionName="Api", FunctionVersion="1")["Aliases"] == []

    logs = _logs(local.endpoint_url)
    now = int(time.time() * 1000)
    events = logs.filter_log_events(logGroupName="/aws/lambda/Api", startTime=now - 60_000,
                                    endTime=now + 1000, filterPattern='"START RequestId"')["events"]
    streams = {e["logStreamName"].split("/")[-1] for e in events}
    # each sandbox's own stream, named after the version it runs: [1]3f2a..., [2]...
    assert {s[: s.index("]") + 1] for s in streams} == {"[1]", "[2]"}
    assert all(e["message"].endswith(f"Version: {e['logStreamName'].split('[')[1][0]}")
               for e in events)
    only_v2 = logs.filter_log_events(
        logGroupName="/aws/lambda/Api", startTime=now - 60_000, endTime=now + 1000,
        logStreamNamePrefix=events[0]["logStreamName"].split("[")[0] + "[2]",
    )["events"]
    assert only_v2 and all("[2]" in e["logStreamName"] for e in only_v2)
    client.delete_alias(FunctionName="Api", Name="live")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_alias(FunctionName="Api", Name="live")


def _logs(endpoint_url: str) -> Any:
    import boto3

    return boto3.client(
        "logs", endpoint_url=endpoint_url, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
