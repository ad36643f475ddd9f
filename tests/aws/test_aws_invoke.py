"""InvokeTransport against a loopback Lambda Invoke API that answers like Lambda."""

from __future__ import annotations

import json

import pytest
from aws_fakes import InvokeApi, Reply, service_error, throttled

from smoke.errors import CheckNotExecuted
from smoke.model import Check, Environment, Expect, FunctionRef, Request
from smoke.transports.invoke import InvokeTransport

REQ = "8f5a2b1c-1d2e-4f3a-9b8c-7d6e5f4a3b2c"
FN = FunctionRef(logical="api", name="orders-prod-Api-X1", timeout_s=3.0)
IMPORT_TAIL = (
    "INIT_START Runtime Version: python:3.12.v18\n"
    "[ERROR] Runtime.ImportModuleError: Unable to import module 'app.main': "
    "No module named 'defusedxml'\n"
    "Traceback (most recent call last):\n"
    "INIT_REPORT Init Duration: 250.41 ms\tPhase: init\tStatus: error\t"
    "Error Type: Runtime.ImportModuleError\n"
    f"START RequestId: {REQ} Version: $LATEST\n"
    f"END RequestId: {REQ}\n"
    f"REPORT RequestId: {REQ}\tDuration: 12.34 ms\tBilled Duration: 13 ms\t"
    "Memory Size: 128 MB\tMax Memory Used: 50 MB\tInit Duration: 200.01 ms\n"
)


def raw_check(payload: object = None, timeout_s: float | None = None) -> Check:
    return Check(
        suite="s",
        name="raw",
        function="api",
        event="raw",
        request=Request(),
        expect=Expect(),
        payload=payload,
        timeout_s=timeout_s,
    )


def proxy_check() -> Check:
    return Check(
        suite="s",
        name="health",
        function="api",
        event="apigw-rest",
        request=Request(method="GET", path="/health"),
        expect=Expect(),
    )


@pytest.fixture
def transport(invoke_env: Environment) -> InvokeTransport:
    made = InvokeTransport(invoke_env, base_delay_s=0.01)
    yield made  # type: ignore[misc]
    made.close()


def test_ok_raw_invoke_reads_payload_version_and_request_id(
    transport: InvokeTransport, invoke_api: InvokeApi
) -> None:
    invoke_api.program(
        FN.name,
        Reply(payload={"orphan_percentage": 3}, executed_version="7", request_id=REQ),
    )
    exchange = transport.send(raw_check({"dry_run": True}), FN)
    assert exchange.payload == {"orphan_percentage": 3}
    assert exchange.executed_version == "7"
    assert exchange.request_id == REQ
    assert exchange.function_error is None and exchange.retries == 0
    assert exchange.transport == "invoke" and exchange.target == FN.name
    seen = invoke_api.seen[0]
    assert json.loads(seen.body) == {"dry_run": True}
    assert seen.headers.get("X-Amz-Log-Type") == "Tail"
    assert seen.headers.get("X-Amz-Invocation-Type") == "RequestResponse"


def test_qualifier_is_sent(transport: InvokeTransport, invoke_api: InvokeApi) -> None:
    ref = FunctionRef(logical="api", name="fn", qualifier="live", timeout_s=3)
    exchange = transport.send(raw_check({}), ref)
    assert invoke_api.seen[0].query == "Qualifier=live"
    assert exchange.target == "fn:live"


def test_payload_that_is_not_json_is_kept_as_text(
    transport: InvokeTransport, invoke_api: InvokeApi
) -> None:
    invoke_api.program(FN.name, Reply(payload="plain words"))
    assert transport.send(raw_check(), FN).payload == "plain words"


def test_proxy_500_response_is_decoded(transport: InvokeTransport, invoke_api: InvokeApi) -> None:
    invoke_api.program(
        FN.name,
        Reply(
            payload={
                "statusCode": 500,
                "headers": {"Content-Type": "application/json"},
                "body": json.dumps({"detail": "No module named 'src'"}),
            }
        ),
    )
    exchange = transport.send(proxy_check(), FN)
    assert exchange.response is not None
    assert exchange.response.status == 500
    assert b"No module named 'src'" in exchange.response.body
    sent = json.loads(invoke_api.seen[0].body)
    assert sent["path"] == "/health" and sent["httpMethod"] == "GET"


def test_function_error_with_import_error_tail(
    transport: InvokeTransport, invoke_api: InvokeApi
) -> None:
    invoke_api.program(
        FN.name,
        Reply(
            payload={
                "errorMessage": "Unable to import module 'app.main': No module named 'defusedxml'",
                "errorType": "Runtime.ImportModuleError",
                "requestId": "",
                "stackTrace": [],
            },
            function_error="Unhandled",
            log_tail=IMPORT_TAIL,
            request_id=REQ,
        ),
    )
    exchange = transport.send(proxy_check(), FN)
    assert exchange.function_error == "Unhandled"
    assert exchange.error_type == "Runtime.ImportModuleError"
    assert exchange.error_message is not None and "defusedxml" in exchange.error_message
    assert exchange.response is None  # a function error is not decoded as a proxy answer
    assert "Runtime.ImportModuleError" in exchange.log_tail
    assert exchange.metrics is not None
    assert exchange.metrics.duration_ms == 12.34 and exchange.metrics.init_duration_ms == 200.01
    assert "init phase status: error" in exchange.notes


def test_read_timeout_is_not_retried(invoke_env: Environment, invoke_api: InvokeApi) -> None:
    transport = InvokeTransport(invoke_env, base_delay_s=0.01)
    invoke_api.program(FN.name, Reply(payload={"late": True}, delay_s=1.5))
    with pytest.raises(CheckNotExecuted) as caught:
        transport.send(raw_check(timeout_s=0.4), FN)
    assert caught.value.retryable is False
    assert "may have run" in caught.value.message
    assert invoke_api.calls(FN.name) == 1
    transport.close()


def test_read_timeout_follows_function_timeout(invoke_env: Environment) -> None:
    transport = InvokeTransport(invoke_env, timeout_margin_s=2)
    assert transport._read_timeout(raw_check(), FN) == 5.0
    unknown = FunctionRef(logical="api", name="fn")
    assert transport._read_timeout(raw_check(), unknown) >= 900


def test_throttling_then_success_is_retried(
    transport: InvokeTransport, invoke_api: InvokeApi
) -> None:
    invoke_api.program(FN.name, throttled(), throttled(), Reply(payload={"ok": 1}))
    exchange = transport.send(raw_check({}), FN)
    assert exchange.payload == {"ok": 1}
    assert exchange.retries == 2
    assert invoke_api.calls(FN.name) == 3


def test_throttling_past_max_attempts_gives_up(
    invoke_env: Environment, invoke_api: InvokeApi
) -> None:
    transport = InvokeTransport(invoke_env, max_attempts=3, base_delay_s=0.01)
    invoke_api.program(FN.name, *[throttled() for _ in range(5)])
    with pytest.raises(CheckNotExecuted) as caught:
        transport.send(raw_check({}), FN)
    assert caught.value.retryable is True
    assert "TooManyRequestsException" in caught.value.message
    assert invoke_api.calls(FN.name) == 3


def test_service_exception_is_not_retried(
    transport: InvokeTransport, invoke_api: InvokeApi
) -> None:
    invoke_api.program(FN.name, service_error(), Reply(payload={"ok": 1}))
    with pytest.raises(CheckNotExecuted) as caught:
        transport.send(raw_check({}), FN)
    assert caught.value.retryable is False
    assert "ServiceException" in caught.value.message and "not retried" in caught.value.message
    assert invoke_api.calls(FN.name) == 1


def test_missing_function_is_not_executed(
    transport: InvokeTransport, invoke_api: InvokeApi
) -> None:
    invoke_api.program(
        FN.name,
        Reply(
            payload={"Type": "User", "message": "Function not found: arn:aws:lambda:x"},
            status=404,
            error_type="ResourceNotFoundException",
        ),
    )
    with pytest.raises(CheckNotExecuted) as caught:
        transport.send(raw_check({}), FN)
    assert "ResourceNotFoundException" in caught.value.message
    assert not caught.value.fatal and invoke_api.calls(FN.name) == 1


def test_refused_credentials_are_fatal(transport: InvokeTransport, invoke_api: InvokeApi) -> None:
    invoke_api.program(
        FN.name,
        Reply(
            payload={"message": "The security token included in the request is expired"},
            status=403,
            error_type="ExpiredTokenException",
        ),
    )
    with pytest.raises(CheckNotExecuted) as caught:
        transport.send(raw_check({}), FN)
    assert caught.value.fatal is True
    assert "credentials" in caught.value.message


def test_connection_refused_is_retried_then_gives_up() -> None:
    from aws_fakes import free_port

    env = Environment(name="x", region="us-east-1", endpoint_url=f"http://127.0.0.1:{free_port()}")
    transport = InvokeTransport(env, max_attempts=2, base_delay_s=0.01)
    with pytest.raises(CheckNotExecuted) as caught:
        transport.send(raw_check({}), FN)
    assert caught.value.retryable is True and caught.value.fatal is True
    assert "2 attempts" in caught.value.message and "cannot connect" in caught.value.message


def test_missing_credentials_are_fatal(
    invoke_env: Environment, invoke_api: InvokeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smoke import aws

    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    aws.forget_sessions()
    try:
        # a loopback endpoint gets dummy credentials (test_aws_loopback_credentials):
        # any other one, never reached here, is where "no credentials" is fatal
        remote = Environment(name="remote", region="us-east-1", endpoint_url="http://192.0.2.1:9")
        transport = InvokeTransport(remote)
        with pytest.raises(CheckNotExecuted) as caught:
            transport.send(raw_check({}), FN)
    finally:
        aws.forget_sessions()
    assert caught.value.fatal is True
    assert "no AWS credentials found" in caught.value.message
    assert invoke_api.calls(FN.name) == 0


def test_max_init_ms_fails_a_slow_cold_start_and_passes_the_warm_invocation(
    transport: InvokeTransport, invoke_api: InvokeApi
) -> None:
    from dataclasses import replace

    from smoke.engine import execute_check
    from smoke.model import Outcome

    def tail(init: str) -> str:
        return (f"START RequestId: {REQ} Version: $LATEST\nEND RequestId: {REQ}\n"
                f"REPORT RequestId: {REQ}\tDuration: 3.10 ms\tBilled Duration: 4 ms\t"
                f"Memory Size: 128 MB\tMax Memory Used: 50 MB{init}\n")

    ok = {"statusCode": 200, "body": "{}"}
    invoke_api.program(FN.name, Reply(payload=ok, log_tail=tail("\tInit Duration: 812.44 ms")),
                       Reply(payload=ok, log_tail=tail("")))
    check = replace(proxy_check(), expect=Expect(max_init_ms=500))
    cold = execute_check(check, transport, {"api": FN})
    assert cold.outcome is Outcome.FAILED
    (failure,) = cold.failures
    assert failure.kind == "max_init_ms" and failure.actual == "812 ms"
    warm = execute_check(check, transport, {"api": FN})
    assert warm.outcome is Outcome.PASSED  # no Init Duration: not a cold start
