"""Invoking real handler code through boto3 against the local runtime's Invoke API."""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from localrt_helpers import lambda_client, make_runtime, spec, write_files

from smoke.local import LocalRuntime

BROKEN = {
    "needs_yaml.py": """
        import yaml  # installed beside smoke, never in the function's package

        def handler(event, context):
            return yaml.safe_dump(event)
    """,
    "syntax.py": """
        def handler(event, context)
            return 1
    """,
    "nohandler.py": """
        def other(event, context):
            return 1
    """,
}


@pytest.fixture(scope="module")
def runtime(app_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRuntime]:
    broken = write_files(tmp_path_factory.mktemp("broken"), BROKEN)
    tmp = tmp_path_factory.mktemp("runtime")
    functions = {
        "warm": spec("warm", app_dir),
        "cold": spec("cold", app_dir),
        "raises": spec("raises", app_dir),
        "prints": spec("prints", app_dir),
        "big": spec("big", app_dir, memory_mb=256),
        "slow": spec("slow", app_dir, timeout_s=1),
        "crash": spec("crash", app_dir),
        "env": spec("env", app_dir, environment={"STAGE": "test"}),
        "yaml": spec("yaml", broken, handler="needs_yaml.handler"),
        "syntax": spec("syntax", broken, handler="syntax.handler"),
        "nohandler": spec("nohandler", broken, handler="nohandler.handler"),
    }
    os.environ["SMOKE_TEST_CALLER_ONLY"] = "leak"
    try:
        with make_runtime(tmp, functions, credentials="none") as local:
            yield local
    finally:
        os.environ.pop("SMOKE_TEST_CALLER_ONLY", None)


@pytest.fixture(scope="module")
def client(runtime: LocalRuntime) -> Any:
    return lambda_client(runtime.endpoint_url)


def invoke(client: Any, name: str, event: Any = None, **kwargs: Any) -> dict[str, Any]:
    response = client.invoke(
        FunctionName=name, Payload=json.dumps(event or {}).encode(), LogType="Tail", **kwargs
    )
    response["body"] = json.loads(response["Payload"].read() or b"null")
    response["tail"] = base64.b64decode(response.get("LogResult", "")).decode()
    return response


def test_a_package_beside_smoke_is_not_importable_by_the_function(
    client: Any, runtime: LocalRuntime
) -> None:
    start_ms = int(time.time() * 1000) - 1000
    response = invoke(client, "yaml")
    assert response["FunctionError"] == "Unhandled"
    assert response["body"]["errorType"] == "Runtime.ImportModuleError"
    assert response["body"]["errorMessage"] == (
        "Unable to import module 'needs_yaml': No module named 'yaml'"
    )
    assert "INIT_REPORT Init Duration:" in response["tail"]
    assert "Error Type: Runtime.ImportModuleError" in response["tail"]
    source = runtime.log_source()
    messages = [
        event.message
        for event in source.events("/aws/lambda/yaml", start_ms, int(time.time() * 1000) + 1000)
    ]
    assert any("No module named 'yaml'" in message for message in messages)


def test_the_process_stays_warm_between_invocations(client: Any) -> None:
    first = invoke(client, "warm")["body"]
    second = invoke(client, "warm")["body"]
    assert second["pid"] == first["pid"]
    assert second["count"] == first["count"] + 1


def test_init_duration_is_reported_on_the_first_invocation_only(client: Any) -> None:
    first, second = invoke(client, "cold"), invoke(client, "cold")
    assert "Init Duration:" in first["tail"]
    assert "module loaded" in first["tail"]
    assert "Init Duration:" not in second["tail"]
    assert "REPORT RequestId: " in second["tail"]


def test_an_exception_is_a_function_error_with_its_stack_trace(client: Any) -> None:
    response = invoke(client, "raises", {"raise": "nope"})
    assert response["FunctionError"] == "Unhandled"
    body = response["body"]
    assert body["errorType"] == "ValueError"
    assert body["errorMessage"] == "bad input: nope"
    assert any("app.py" in frame for frame in body["stackTrace"])
    assert "[ERROR] ValueError: bad input: nope" in response["tail"]
    assert invoke(client, "raises")["body"]["count"] == 2  # still warm after a handled error


def test_a_syntax_error_is_an_init_error_retried_on_a_fresh_process(client: Any) -> None:
    for _ in range(2):
        response = invoke(client, "syntax")
        assert response["FunctionError"] == "Unhandled"
        assert response["body"]["errorType"] == "Runtime.UserCodeSyntaxError"
        assert "Syntax error in module 'syntax'" in response["body"]["errorMessage"]
        assert "Phase: init\tStatus: error\tError Type: Runtime.UserCodeSyntaxError" in response["tail"]


def test_a_missing_handler_is_reported(client: Any) -> None:
    response = invoke(client, "nohandler")
    assert response["body"]["errorType"] == "Runtime.HandlerNotFound"
    assert response["body"]["errorMessage"] == "Handler 'handler' missing on module 'nohandler'"


def test_a_timeout_kills_the_process_and_the_next_invocation_works(client: Any) -> None:
    before = invoke(client, "slow")["body"]["pid"]
    started = time.perf_counter()
    response = invoke(client, "slow", {"sleep": 5})
    assert time.perf_counter() - started < 3
    assert response["FunctionError"] == "Unhandled"
    assert response["body"]["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in response["body"]["errorMessage"]
    assert f"{response['ResponseMetadata']['RequestId']} Task timed out after 1.00 seconds" in (
        response["tail"]
    )
    assert "Status: timeout" in response["tail"]
    after = invoke(client, "slow")
    assert "FunctionError" not in after
    assert after["body"]["pid"] != before
    assert "Init Duration:" in after["tail"]


def test_a_crashed_process_is_a_runtime_exit_error(client: Any) -> None:
    response = invoke(client, "crash", {"exit": 3})
    assert response["body"]["errorType"] == "Runtime.ExitError"
    assert "Runtime exited with error: exit status 3" in response["body"]["errorMessage"]
    assert "FunctionError" not in invoke(client, "crash")


def test_printed_lines_reach_the_tail_and_the_log_file(client: Any, runtime: LocalRuntime) -> None:
    response = invoke(client, "prints", {"print": ["first line", "second line"]})
    request_id = response["ResponseMetadata"]["RequestId"]
    tail = response["tail"].splitlines()
    start = tail.index(f"START RequestId: {request_id} Version: $LATEST")
    assert tail[start + 1 : start + 3] == ["first line", "second line"]
    assert tail[start + 3] == f"END RequestId: {request_id}"
    log_text = (runtime.log_dir / "prints.log").read_text()
    stream = r"Z \d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32} "  # timestamp, the sandbox's stream
    assert re.search(stream + "first line\n", log_text)
    assert re.search(stream + f"END RequestId: {request_id}\n", log_text)


def test_a_large_response_comes_back_whole(client: Any) -> None:
    response = invoke(client, "big", {"size": 1024 * 1024})
    assert len(response["body"]["blob"]) == 1024 * 1024
    assert "Memory Size: 256 MB" in response["tail"]


def test_the_function_sees_lambdas_environment_not_the_callers(
    client: Any, app_dir: Path, runtime: LocalRuntime
) -> None:
    body = invoke(client, "env")["body"]
    env = body["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "env"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/env"
    assert env["LAMBDA_TASK_ROOT"] == str(app_dir)
    assert env["_HANDLER"] == "app.handler"
    assert env["TZ"] == ":UTC"
    assert env["STAGE"] == "test"
    assert env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")
    assert "SMOKE_TEST_CALLER_ONLY" not in env
    assert "AWS_ACCESS_KEY_ID" not in env  # credentials: none (else the caller's, as sam local)
    assert body["cwd"] == str(app_dir)
    assert body["sys_path"][0] == str(app_dir)
    assert not any("site-packages" in path and ".venv" in path for path in body["sys_path"])
    assert 0 < body["remaining_ms"] <= 3000
    assert runtime.runtime_info["env"]["python"]


def test_an_unknown_function_is_resource_not_found(client: Any) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException) as raised:
        client.invoke(FunctionName="no-such-function", Payload=b"{}")
    assert "Function not found" in str(raised.value)


def test_arn_qualifier_and_dry_run(client: Any, runtime: LocalRuntime) -> None:
    arn = runtime.functions["warm"].arn
    assert invoke(client, f"{arn}:$LATEST")["ExecutedVersion"] == "$LATEST"
    with pytest.raises(client.exceptions.ResourceNotFoundException):  # no such alias yet
        client.invoke(FunctionName="warm", Qualifier="live")
    dry = client.invoke(FunctionName="warm", InvocationType="DryRun")
    assert dry["StatusCode"] == 204


def test_function_refs_name_the_local_functions(runtime: LocalRuntime) -> None:
    ref = runtime.functions["slow"]
    assert (ref.name, ref.log_group, ref.timeout_s, ref.qualifier) == (
        "slow", "/aws/lambda/slow", 1, None,
    )  # fmt: skip


def test_init_output_is_logged_before_start_even_when_the_reader_lags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Output printed during init belongs before START (as Lambda logs it), even when the
    thread that reads the function's output has not been scheduled yet (a loaded machine)."""
    from smoke.local import process

    original = process.Sandbox._read_output

    def lagging(self: Any) -> None:
        time.sleep(3)
        original(self)

    monkeypatch.setattr(process.Sandbox, "_read_output", lagging)
    code = write_files(tmp_path / "code", {"loud.py": """
        print("init says hello")

        def handler(event, context):
            return 1
    """})
    with make_runtime(tmp_path / "rt", {"loud": spec("loud", code, handler="loud.handler")},
                      credentials="none") as local:
        response = invoke(lambda_client(local.endpoint_url), "loud")
    tail = response["tail"].splitlines()
    start = next(n for n, line in enumerate(tail) if line.startswith("START RequestId"))
    assert "init says hello" in tail[:start]
