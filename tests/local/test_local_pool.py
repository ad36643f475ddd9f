"""Concurrency like Lambda: concurrent invocations run in separate sandboxes of a pool.

Each sandbox has its own cold start (Init Duration), warm sandboxes are reused, the pool
is capped by the local limit or ReservedConcurrentExecutions, and no invocation is ever
dropped (the Invoke API's listen backlog holds a whole run's connections).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from localrt_helpers import lambda_client, make_runtime, spec, write_files

from smoke.engine import run_checks
from smoke.local import LocalRuntime, start_local_runtime
from smoke.local.pool import Concurrency, SandboxPool, Throttled
from smoke.model import (
    Check,
    Environment,
    Expect,
    FunctionSpec,
    Outcome,
    Request,
    StatusExpectation,
)
from smoke.transports.invoke import InvokeTransport

SLEEPER = {
    "sleeper.py": """
        import json, os, time

        def handler(event, context):
            print("marker", event.get("marker"), flush=True)
            time.sleep(event.get("sleep", 0.1))
            return {"statusCode": 200, "body": json.dumps({"pid": os.getpid()})}
    """,
}


@pytest.fixture(scope="module")
def code(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(tmp_path_factory.mktemp("sleeper"), SLEEPER)


def _report_lines(log: Path) -> list[str]:
    return [line for line in log.read_text().splitlines() if "REPORT RequestId:" in line]


def test_64_checks_of_a_100ms_handler_at_concurrency_16_run_in_parallel_sandboxes(
    code: Path, tmp_path: Path
) -> None:
    functions = {"api": FunctionSpec(logical="api", handler="sleeper.handler", code=str(code))}
    env = Environment(name="local", functions=functions)
    checks = [
        Check("pool", f"check {i}", "api", "apigw-rest", Request(path=f"/item/{i}"),
              Expect(status=StatusExpectation(codes=frozenset({200}))))
        for i in range(64)
    ]  # fmt: skip
    with start_local_runtime(env, base_dir=tmp_path, log_dir=tmp_path / "logs", concurrency=16) as local:
        transport = InvokeTransport(env, endpoint_url=local.endpoint_url)
        try:
            started = time.perf_counter()
            results = run_checks(checks, transport, local.functions, [], concurrency=16)
            elapsed = time.perf_counter() - started
        finally:
            transport.close()
        pool = local._by_name["api"].pool
        started_sandboxes = pool.started
    assert [r.outcome for r in results] == [Outcome.PASSED] * 64, [r.error for r in results]
    assert all(r.exchange is not None and r.exchange.retries == 0 for r in results)
    # serialized, 64 x 100 ms is 6.4 s; sixteen sandboxes at once take a fraction of it
    assert elapsed < 3.2, f"64 checks took {elapsed:.2f}s"
    pids = {json.loads(r.exchange.payload["body"])["pid"] for r in results if r.exchange}
    assert 1 < len(pids) <= 16
    assert started_sandboxes == len(pids)
    # no invocation dropped or doubled: one START and one REPORT per check in the log
    log = tmp_path / "logs" / "api.log"
    reports = _report_lines(log)
    assert len(reports) == 64
    assert log.read_text().count("START RequestId:") == 64
    request_ids = {re.search(r"RequestId: (\S+)", line).group(1) for line in reports}  # type: ignore[union-attr]
    assert request_ids == {r.exchange.request_id for r in results if r.exchange}
    # each sandbox had its own cold start, reported on its first invocation only
    assert sum("Init Duration:" in line for line in reports) == len(pids)
    assert log.read_text().count("INIT_START") == len(pids)


@pytest.fixture
def runtime_of(tmp_path: Path) -> Iterator[Any]:
    opened: list[LocalRuntime] = []

    def make(functions: dict[str, FunctionSpec], **env: Any) -> LocalRuntime:
        local = make_runtime(tmp_path, functions, **env)
        opened.append(local)
        return local

    yield make
    for local in opened:
        local.close()


def _invoke_all(local: LocalRuntime, name: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    client = lambda_client(local.endpoint_url)
    barrier = threading.Barrier(len(events))

    def one(event: dict[str, Any]) -> dict[str, Any]:
        barrier.wait()
        answer = client.invoke(FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail")
        import base64

        return {
            "payload": json.loads(answer["Payload"].read()),
            "tail": base64.b64decode(answer["LogResult"]).decode(),
        }

    with ThreadPoolExecutor(len(events)) as pool:
        return list(pool.map(one, events))


def test_each_tail_holds_only_its_own_invocation_and_warm_sandboxes_are_reused(
    code: Path, runtime_of: Any
) -> None:
    local = runtime_of({"api": spec("api", code, "sleeper.handler")})
    first = _invoke_all(local, "api", [{"marker": f"m{i}", "sleep": 0.3} for i in range(4)])
    for i, answer in enumerate(first):
        markers = re.findall(r"marker (m\d+)", answer["tail"])
        assert markers == [f"m{i}"], answer["tail"]
        assert "Init Duration:" in answer["tail"]  # four at once: four cold starts
    pids = {json.loads(a["payload"]["body"])["pid"] for a in first}
    assert len(pids) == 4
    again = _invoke_all(local, "api", [{"marker": f"n{i}", "sleep": 0.3} for i in range(4)])
    assert {json.loads(a["payload"]["body"])["pid"] for a in again} == pids  # warm, reused
    assert not any("Init Duration:" in a["tail"] for a in again)
    assert local._by_name["api"].pool.started == 4  # type: ignore[attr-defined]


def test_the_local_limit_caps_the_sandboxes_and_the_rest_wait(code: Path, runtime_of: Any) -> None:
    local = runtime_of({"api": spec("api", code, "sleeper.handler")}, local_concurrency=2)
    answers = _invoke_all(local, "api", [{"marker": f"m{i}", "sleep": 0.3} for i in range(6)])
    assert all(a["payload"]["statusCode"] == 200 for a in answers)  # none dropped
    assert len({json.loads(a["payload"]["body"])["pid"] for a in answers}) == 2


TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Capped:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code/
      Handler: sleeper.handler
      Runtime: python3.12
      ReservedConcurrentExecutions: 2
  Disabled:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: code/
      Handler: sleeper.handler
      Runtime: python3.12
      ReservedConcurrentExecutions: 0
"""


def test_reserved_concurrency_of_the_template_caps_the_pool(code: Path, tmp_path: Path) -> None:
    import shutil

    shutil.copytree(code, tmp_path / "code")
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    env = Environment(name="local", template=str(tmp_path / "template.yaml"))
    with start_local_runtime(env, base_dir=tmp_path, log_dir=tmp_path / "logs") as local:
        answers = _invoke_all(local, "Capped", [{"sleep": 0.3} for _ in range(5)])
        assert len({json.loads(a["payload"]["body"])["pid"] for a in answers}) == 2
        client = lambda_client(local.endpoint_url)
        with pytest.raises(client.exceptions.TooManyRequestsException) as raised:
            client.invoke(FunctionName="Disabled", Payload=b"{}")
        error = raised.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert error["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert not (tmp_path / "logs" / "Disabled.log").exists() or "START" not in (
        tmp_path / "logs" / "Disabled.log"
    ).read_text()  # throttled: it never ran


class _FakeSandbox:
    def __init__(self) -> None:
        self.closed = False

    @property
    def alive(self) -> bool:
        return not self.closed

    def close(self) -> None:
        self.closed = True


def test_a_wait_past_its_limit_is_a_throttle_and_close_kills_busy_and_idle_sandboxes() -> None:
    made: list[_FakeSandbox] = []

    def start() -> _FakeSandbox:
        made.append(_FakeSandbox())
        return made[-1]

    pool = SandboxPool(start, Concurrency(1))
    busy = pool.acquire(None)
    began = time.monotonic()
    with pytest.raises(Throttled, match="ConcurrentInvocationLimitExceeded"):
        pool.acquire(0.2)
    assert 0.15 < time.monotonic() - began < 2
    pool.release(busy)
    assert pool.acquire(0.2) is busy  # the warm one, no second start
    assert len(made) == 1
    # a version of the same function: another pool sharing the function's cap
    version = SandboxPool(start, pool.concurrency)
    with pytest.raises(Throttled):
        version.acquire(0.05)
    pool.release(busy)
    other = version.acquire(0.05)
    pool.close()
    version.close()
    assert all(sandbox.closed for sandbox in made) and other in made
    assert pool.concurrency.in_flight == 0


def test_a_waiting_invocation_takes_the_sandbox_released_first() -> None:
    pool = SandboxPool(_FakeSandbox, Concurrency(1))
    first = pool.acquire(None)
    got: list[Any] = []
    waiter = threading.Thread(target=lambda: got.append(pool.acquire(5)))
    waiter.start()
    time.sleep(0.1)
    pool.release(first)
    waiter.join(5)
    assert got == [first]
    pool.close()



def test_connections_that_arrive_while_the_server_is_busy_are_all_held_and_answered() -> None:
    """The listen backlog: 64 clients connect before the server accepts any of them (as
    when its accept loop is starved of the GIL at the start of a run). With Python's
    default backlog of 5 most of them would not even connect."""
    import select
    import socket

    from smoke.local.invoke_api import listen

    server = listen(("127.0.0.1", 0), {}, "us-east-1")
    sockets = []
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    try:
        for _ in range(64):  # nothing accepts yet: the kernel's backlog holds them
            sock = socket.create_connection(server.server_address[:2], timeout=1)
            sockets.append(sock)
        serving.start()
        for sock in sockets:
            sock.sendall(b"GET /2015-03-31/functions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            sock.setblocking(False)
        received = {sock: b"" for sock in sockets}
        open_ = set(sockets)
        deadline = time.monotonic() + 5
        while open_ and time.monotonic() < deadline:
            readable, _, _ = select.select(list(open_), [], [], 0.1)
            for sock in readable:
                chunk = sock.recv(65536)
                received[sock] += chunk
                if not chunk:
                    open_.discard(sock)
        answers = [received[sock].split(b"\r\n", 1)[0] for sock in sockets]
        assert answers == [b"HTTP/1.1 200 OK"] * 64
    finally:
        for sock in sockets:
            sock.close()
        if serving.is_alive():
            server.shutdown()
        server.server_close()
