"""smoke's own InvokeTransport against the local runtime: one code path for AWS and local.

The same transport that calls AWS Lambda in production calls the local runtime here
through ``endpoint_url``, running real handlers: a 200, a 500, a function error with its
log tail, and a timeout that is reported as such and never invoked twice.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from smoke.local import LocalRuntime, start_local_runtime
from smoke.model import Check, Environment, Exchange, Expect, Failure, FunctionSpec, Request
from smoke.transports.invoke import InvokeTransport
from smoke.verdicts import evaluate

HANDLERS = '''
import json, os, time

def ok(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({"path": event["path"]})}

def broken(event, context):
    return {"statusCode": 500, "body": "boom"}

def raises(event, context):
    print("about to fail")
    raise KeyError("settings")

def slow(event, context):
    with open(os.environ["CALLS_FILE"], "a") as fh:
        fh.write("called\\n")
    time.sleep(5)
'''


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalRuntime, Path]]:
    root = tmp_path_factory.mktemp("transport")
    (root / "code").mkdir()
    (root / "code" / "app.py").write_text(textwrap.dedent(HANDLERS))
    calls = root / "calls.txt"
    functions = {
        name: FunctionSpec(logical=name, handler=f"app.{name}", code=str(root / "code"),
                           timeout_s=1.0 if name == "slow" else 10.0,
                           environment={"CALLS_FILE": str(calls)})
        for name in ("ok", "broken", "raises", "slow")
    }
    env = Environment(name="local", functions=functions)
    with start_local_runtime(env, base_dir=root, log_dir=root / "logs") as runtime:
        yield runtime, calls


def send(
    local: tuple[LocalRuntime, Path], function: str, path: str = "/x"
) -> tuple[Exchange, tuple[Failure, ...]]:
    runtime, _ = local
    env = Environment(name="local", functions={  # a local environment: local credentials
        function: FunctionSpec(logical=function, handler="app.x", code="code")})
    check = Check("s", function, function, "apigw-rest", Request(path=path), Expect())
    transport = InvokeTransport(env, endpoint_url=runtime.endpoint_url)
    try:
        exchange = transport.send(check, runtime.functions[function])
    finally:
        transport.close()
    return exchange, evaluate(check, exchange)


def test_a_200_proxy_answer(local: tuple[LocalRuntime, Path]) -> None:
    exchange, failures = send(local, "ok", "/health")
    assert failures == ()
    assert exchange.response is not None
    assert exchange.response.status == 200 and b'"/health"' in exchange.response.body
    assert exchange.request_id and exchange.executed_version == "$LATEST"
    assert exchange.metrics is not None and exchange.metrics.duration_ms is not None


def test_a_500_proxy_answer_fails_the_default_rule(local: tuple[LocalRuntime, Path]) -> None:
    exchange, failures = send(local, "broken")
    assert exchange.response is not None and exchange.response.status == 500
    assert [f.kind for f in failures] == ["status"]


def test_a_function_error_carries_its_type_and_log_tail(local: tuple[LocalRuntime, Path]) -> None:
    exchange, failures = send(local, "raises")
    assert exchange.function_error == "Unhandled"
    assert exchange.error_type == "KeyError"
    assert "about to fail" in exchange.log_tail and "[ERROR] KeyError" in exchange.log_tail
    assert [f.kind for f in failures] == ["function_error"]


def test_a_timeout_is_reported_and_never_invoked_twice(local: tuple[LocalRuntime, Path]) -> None:
    exchange, failures = send(local, "slow")
    _, calls = local
    assert exchange.function_error == "Unhandled"
    assert "Task timed out after 1.00 seconds" in (exchange.error_message or "")
    assert "Task timed out after 1.00 seconds" in exchange.log_tail
    assert exchange.retries == 0
    assert calls.read_text().count("called") == 1
    assert [f.kind for f in failures] == ["function_error"]
