"""Function processes live in their own process group, die promptly on close, and never
outlive smoke (Ctrl-C in a terminal, SIGTERM, SIGKILL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from localrt_helpers import lambda_client, make_runtime, spec, write_files

SPAWNER = {
    "spawner.py": """
        import subprocess
        import time

        def handler(event, context):
            child = subprocess.Popen(["sleep", "60"])
            print("grandchild", child.pid, flush=True)
            time.sleep(event.get("sleep", 30))
            return {"slept": True}
    """,
}


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")  # a zombie waiting for init to reap it is dead


def _wait_for(predicate: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def _grandchild_pids(log: Path) -> list[int]:
    if not log.exists():
        return []
    return [
        int(line.rsplit(" ", 1)[1]) for line in log.read_text().splitlines() if " grandchild " in line
    ]


def _grandchild_pid(log: Path) -> int | None:
    pids = _grandchild_pids(log)
    return pids[0] if pids else None


def test_close_during_invocations_kills_every_sandbox_at_once(tmp_path: Path) -> None:
    code = write_files(tmp_path / "app", SPAWNER)
    local = make_runtime(tmp_path, {"slow": spec("slow", code, "spawner.handler", timeout_s=60)})
    client = lambda_client(local.endpoint_url)
    answers: list[Any] = []

    def invoke() -> None:
        try:
            answers.append(client.invoke(FunctionName="slow", Payload=b'{"sleep": 30}'))
        except Exception as exc:  # the connection may drop as the runtime closes
            answers.append(exc)

    callers = [threading.Thread(target=invoke, daemon=True) for _ in range(2)]
    for caller in callers:
        caller.start()
    # two invocations at once: two sandboxes, each with its own process group
    grandchildren = _wait_for(lambda: len(_grandchild_pids(tmp_path / "logs" / "slow.log")) == 2)
    grandchildren = _grandchild_pids(tmp_path / "logs" / "slow.log")
    children = [sandbox.process.pid for sandbox in local._by_name["slow"].pool.sandboxes()]  # type: ignore[attr-defined]
    assert len(set(children)) == 2
    for child in children:
        assert os.getpgid(child) == child != os.getpgid(0)  # its own process group
    assert sorted(os.getpgid(g) for g in grandchildren) == sorted(children)
    started = time.monotonic()
    local.close()
    assert time.monotonic() - started < 2.5
    for pid in [*children, *grandchildren]:
        _wait_for(lambda pid=pid: _gone(pid), 2.0)
    for caller in callers:
        caller.join(5)
        assert not caller.is_alive()


_DRIVER = """
import json, sys, threading, time
from pathlib import Path
sys.path.insert(0, {helpers!r})
from localrt_helpers import lambda_client, make_runtime, spec

tmp = Path({tmp!r})
local = make_runtime(tmp, {{"slow": spec("slow", tmp / "app", "spawner.handler", timeout_s=60)}})
result = {{}}

def invoke():
    answer = lambda_client(local.endpoint_url).invoke(FunctionName="slow", Payload=sys.argv[1])
    result["error"] = answer.get("FunctionError")
    result["payload"] = answer["Payload"].read().decode()
    done.set()

done = threading.Event()

caller = threading.Thread(target=invoke)
caller.start()
try:
    while not done.wait(0.05):
        pass
except KeyboardInterrupt:
    print("interrupted", flush=True)
    while not done.wait(0.05):
        pass
print("result", json.dumps(result), flush=True)
local.close()
"""


def _driver(tmp_path: Path, payload: dict[str, Any]) -> subprocess.Popen[str]:
    write_files(tmp_path / "app", SPAWNER)
    script = tmp_path / "driver.py"
    script.write_text(
        textwrap.dedent(_DRIVER).format(helpers=str(Path(__file__).parent), tmp=str(tmp_path))
    )
    return subprocess.Popen(
        [sys.executable, str(script), json.dumps(payload)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True, env=dict(os.environ),
    )  # fmt: skip


def test_ctrl_c_to_the_process_group_does_not_reach_the_function(tmp_path: Path) -> None:
    driver = _driver(tmp_path, {"sleep": 1.5})
    try:
        _wait_for(lambda: _grandchild_pid(tmp_path / "logs" / "slow.log"), 20)
        os.killpg(driver.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        out, _ = driver.communicate(timeout=20)
    finally:
        if driver.poll() is None:
            driver.kill()
    assert "interrupted" in out, out
    result = json.loads(out.split("result ", 1)[1].splitlines()[0])
    assert result, out
    assert result["error"] is None, result  # not Runtime.ExitError "signal: int"
    assert json.loads(result["payload"]) == {"slept": True}


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_function_processes_never_outlive_smoke(tmp_path: Path, how: signal.Signals) -> None:
    driver = _driver(tmp_path, {"sleep": 30})
    try:
        grandchild = _wait_for(lambda: _grandchild_pid(tmp_path / "logs" / "slow.log"), 20)
        child = os.getpgid(grandchild)
        assert child != driver.pid
        driver.send_signal(how)
        driver.wait(10)
        _wait_for(lambda: _gone(child) and _gone(grandchild), 3.0)
    finally:
        if driver.poll() is None:
            driver.kill()
