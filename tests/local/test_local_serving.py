"""``serve_forever`` errors and banner, redaction of the local logs, cold-start log lines."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from localrt_helpers import lambda_client, spec, write_files

from smoke.errors import HarnessError
from smoke.local import serve_forever, start_local_runtime
from smoke.logscan.rules import DEFAULT_RULES
from smoke.logscan.scan import scan_logs
from smoke.model import Environment


def _env(app_dir: Path, **fields: Any) -> Environment:
    return Environment(name="local", functions={"api": spec("api", app_dir, **fields)})


def test_a_port_in_use_is_one_clear_line_and_no_banner(
    app_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(HarnessError) as raised:
            serve_forever(_env(app_dir), base_dir=tmp_path, log_dir=tmp_path, host="127.0.0.1", port=port)
    assert str(raised.value) == (
        f"cannot listen on 127.0.0.1:{port}: address already in use; pass --port N"
    )
    assert capsys.readouterr().out == ""


def test_an_invalid_port_is_a_harness_error(app_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match=r"127.0.0.1:99999: a port is 0-65535; pass --port N"):
        start_local_runtime(_env(app_dir), base_dir=tmp_path, log_dir=tmp_path, port=99999)


def test_the_banner_is_printed_once_with_the_runtime(
    app_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = Environment(
        name="local",
        functions={
            "api": spec("api", app_dir),
            "new": spec("new", app_dir, runtime="python3.99"),
        },
    )
    import os
    import signal

    stopper = threading.Timer(2.0, os.kill, (os.getpid(), signal.SIGTERM))  # stops serving
    stopper.start()
    try:
        serve_forever(env, base_dir=tmp_path, log_dir=tmp_path, host="127.0.0.1", port=0)
    finally:
        stopper.cancel()
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert sum("http://" in line for line in lines) == 1
    assert lines[-1] == "smoke local runtime: stopped"
    assert "smoke local runtime for local: http://127.0.0.1:" in lines[0]
    assert any("api" in line and "[python (undeclared)]" in line for line in lines)
    assert any("new" in line and "[python3.99]" in line for line in lines)


def test_redact_masks_the_log_file_and_the_tail(app_dir: Path, tmp_path: Path) -> None:
    with start_local_runtime(
        _env(app_dir), base_dir=tmp_path, log_dir=tmp_path / "logs",
        redact=lambda text: text.replace("s3cret", "***"),
    ) as local:  # fmt: skip
        answer = lambda_client(local.endpoint_url).invoke(
            FunctionName="api", LogType="Tail",
            Payload=json.dumps({"print": ["got GET /private auth= Bearer s3cret"]}),
        )  # fmt: skip
    tail = base64.b64decode(answer["LogResult"]).decode()
    text = (tmp_path / "logs" / "api.log").read_text()
    assert "auth= Bearer ***" in tail and "s3cret" not in tail
    assert "auth= Bearer ***" in text and "s3cret" not in text


BROKEN_IMPORT = {"broken.py": "import not_shipped_anywhere\n\ndef handler(event, context):\n    return 1\n"}


def test_a_cold_start_import_error_is_attributed_to_its_request(tmp_path: Path) -> None:
    code = write_files(tmp_path / "app", BROKEN_IMPORT)
    env = Environment(name="local", functions={"api": spec("api", code, "broken.handler")})
    started_ms = int(time.time() * 1000)
    with start_local_runtime(env, base_dir=tmp_path, log_dir=tmp_path / "logs") as local:
        answer = lambda_client(local.endpoint_url).invoke(FunctionName="api", Payload=b"{}")
        request_id = answer["ResponseMetadata"]["RequestId"]
        ref = local.functions["api"]
        source = local.log_source()
    # timestamp, log stream, message
    lines = [line.split(" ", 2)[2] for line in (tmp_path / "logs" / "api.log").read_text().splitlines()]
    result = scan_logs(
        [ref], source, start_ms=started_ms, end_ms=int(time.time() * 1000) + 1000,
        rules=DEFAULT_RULES, request_ids={request_id: "api::broken"}, wait_s=0, clock_skew_ms=0,
    )  # fmt: skip
    assert result.findings
    import_lines = [f for f in result.findings if "ImportModuleError" in f.line]
    assert import_lines
    for finding in result.findings:
        assert finding.request_id == request_id, finding
        assert finding.check_id == "api::broken"
    assert lines[0].startswith("INIT_START Runtime Version: python:3.")
    assert "\tRuntime Version ARN: " in lines[0]
