"""Issue 12 items 4 and 26: `smoke local start` as a separate process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HANDLER = """\
import json

def handler(event, context):
    print("event received:", json.dumps(event))
    return {"statusCode": 200, "body": "{}"}
"""

AWS = {"AWS_ACCESS_KEY_ID": "any", "AWS_SECRET_ACCESS_KEY": "any", "AWS_DEFAULT_REGION": "us-east-1"}


class LocalStart:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "smoke", "local", "start", "local", "--port", "0"],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **AWS},
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        assert found, line + self.proc.stderr.read() if self.proc.stderr else line
        self.url = found.group(1)

    def stop(self, sig: int = signal.SIGINT, timeout: float = 20) -> tuple[int, str, str]:
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err


@pytest.fixture()
def local_start(tmp_path: Path) -> Iterator[LocalStart]:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text(HANDLER)
    (tmp_path / "smoke.yaml").write_text(textwrap.dedent("""\
        environments:
          local:
            functions:
              api: {handler: app.handler, code: code}
        """))
    server = LocalStart(tmp_path)
    try:
        yield server
    finally:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.communicate()


def test_item_04_local_start_masks_secret_headers_of_events_it_receives(
    local_start: LocalStart, tmp_path: Path
) -> None:
    token = "tok-sent-by-another-run-9z"
    project = tmp_path / "caller"
    (project / "suites").mkdir(parents=True)
    (project / "smoke.yaml").write_text(textwrap.dedent(f"""\
        environments:
          staging:
            region: us-east-1
            endpoint_url: {local_start.url}
            functions:
              api: {{name: api}}
        """))
    (project / "suites" / "api.yaml").write_text(textwrap.dedent("""\
        suite: api
        function: api
        checks:
          - name: dashboard
            get: /dashboard
            headers: {Authorization: "Bearer ${SMOKE_TOKEN}", Cookie: "sid=${SMOKE_TOKEN}"}
        """))
    proc = subprocess.run([sys.executable, "-m", "smoke", "run", "staging", "--log-wait", "3"],
                          cwd=project, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **AWS, "SMOKE_TOKEN": token})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    _code, out, err = local_start.stop()
    log = (tmp_path / "reports" / "logs" / "api.log").read_text()
    assert "event received:" in log and '"Authorization": "***"' in log
    assert token not in log + out + err


def test_item_26_local_start_exits_130_on_sigint_and_143_on_sigterm(
    local_start: LocalStart,
) -> None:
    code, out, err = local_start.stop(signal.SIGINT)
    assert code == 130, out + err
    assert "Traceback" not in err
    again = LocalStart(local_start.root)
    try:
        code, out, err = again.stop(signal.SIGTERM)
    finally:
        if again.proc.poll() is None:
            again.proc.kill()
    assert code == 143, out + err


GRANDCHILD_HANDLER = """\
import subprocess
import sys

def handler(event, context):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"],
                             start_new_session=True)
    return {"statusCode": 200, "body": str(child.pid)}
"""


def test_item_26_a_grandchild_in_its_own_session_dies_with_the_function(tmp_path: Path) -> None:
    import json

    from localrt_helpers import lambda_client

    from smoke.local import start_local_runtime
    from smoke.model import Environment, FunctionSpec

    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text(GRANDCHILD_HANDLER)
    env = Environment(name="local", functions={
        "api": FunctionSpec(logical="api", handler="app.handler", code=str(tmp_path / "code"))})
    with start_local_runtime(env, base_dir=tmp_path, log_dir=tmp_path / "logs") as local:
        answer = lambda_client(local.endpoint_url).invoke(FunctionName="api", Payload=b"{}")
        pid = int(json.loads(answer["Payload"].read())["body"])
        os.kill(pid, 0)  # running, in a session of its own
        assert os.getsid(pid) == pid
    deadline = time.monotonic() + 15  # a loaded 2-core machine may take a while to reap it
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    assert not _alive(pid), f"grandchild {pid} survived the function"


def test_item_26_the_tree_is_found_before_the_sandbox_is_told_to_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The flake of the test above, made certain: when the runtime API's long poll was
    released before the tree was collected, the runtime exited at once and the grandchild
    was re-parented away before ``/proc`` was read. A slow collector shows it every time."""
    from smoke.local import process

    original = process.kill_process_tree

    def slow(proc: subprocess.Popen[bytes]) -> None:
        time.sleep(1.0)  # a loaded machine: the sandbox has all the time it needs to exit
        original(proc)

    monkeypatch.setattr(process, "kill_process_tree", slow)
    test_item_26_a_grandchild_in_its_own_session_dies_with_the_function(tmp_path)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"  # a zombie is dead
    except OSError:
        return False


STUCK = """\
import time

def fast(event, context):
    return {"statusCode": 200, "body": "ok"}

def stuck(event, context):
    time.sleep(30)
    return {"statusCode": 200, "body": "late"}
"""


def test_item_23_interrupting_smoke_run_local_prints_no_closed_tracebacks(tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text(STUCK)
    (tmp_path / "suites").mkdir()
    stuck = "".join(f"  - {{name: stuck{i}, function: stuck, get: /}}\n" for i in range(4))
    (tmp_path / "suites" / "s.yaml").write_text(
        "suite: s\nchecks:\n  - {name: fast, function: fast, get: /}\n" + stuck)
    (tmp_path / "smoke.yaml").write_text(textwrap.dedent("""\
        environments:
          local:
            functions:
              fast: {handler: app.fast, code: code}
              stuck: {handler: app.stuck, code: code, timeout: 60}
        """))
    proc = subprocess.Popen([sys.executable, "-m", "smoke", "run", "local", "--log-wait", "0"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "PASS" not in proc.stdout.readline():
        pass
    time.sleep(0.5)  # the stuck checks are in flight, some waiting for their function
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    assert "Traceback" not in err and "is closed" not in err, err
    assert "exit code 130" in out


SLOW_HEALTHY = """\
import time

def handler(event, context):
    print("serving", event.get("path"))
    time.sleep(1.5)
    return {"statusCode": 200, "body": "{}"}
"""


def test_item_13_another_runs_lines_in_the_shared_log_are_not_this_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    import threading

    from smoke.cli import main
    from smoke.local.logs import iso_timestamp

    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text(SLOW_HEALTHY)
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "s.yaml").write_text(
        "suite: s\nfunction: api\nchecks:\n  - {name: health, get: /health}\n")
    (tmp_path / "smoke.yaml").write_text(textwrap.dedent("""\
        environments:
          local:
            functions:
              api: {handler: app.handler, code: code}
        """))
    log = tmp_path / "reports" / "logs" / "api.log"

    def another_run() -> None:  # a second `smoke run local` appending to the same file
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            text = log.read_text() if log.exists() else ""
            if "START RequestId" in text:
                break
            time.sleep(0.02)
        with log.open("a") as fh:
            for line in ("START RequestId: 0ther-run-1 Version: $LATEST",
                         "[ERROR] Runtime.ImportModuleError: Unable to import module 'app': "
                         "No module named 'defusedxml'",
                         "REPORT RequestId: 0ther-run-1\tDuration: 1.00 ms"):
                fh.write(f"{iso_timestamp(time.time())} {line}\n")

    writer = threading.Thread(target=another_run, daemon=True)
    writer.start()
    code = main(["run", "local", "--config", str(tmp_path / "smoke.yaml"),
                 "--json", str(tmp_path / "reports" / "r.json"), "--log-wait", "2"])
    writer.join(5)
    out = capsys.readouterr().out
    assert "No module named 'defusedxml'" in log.read_text()  # the other run's line is there
    assert code == 0, out
    report = json.loads((tmp_path / "reports" / "r.json").read_text())
    assert report["log_scan"]["findings"] == []
