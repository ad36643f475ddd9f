"""`smoke local start`: the local runtime's Invoke API in the foreground, for any client."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_local_start_serves_boto3_until_ctrl_c(tmp_path: Path) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text(
        "import os\n\ndef handler(event, context):\n"
        "    return {'statusCode': 200, 'body': os.environ['AWS_LAMBDA_FUNCTION_NAME']}\n"
    )
    (tmp_path / "smoke.yaml").write_text(textwrap.dedent("""\
        environments:
          prod:
            region: us-west-2
            functions:
              api: {name: not-local}
          local:
            functions:
              hello: {handler: app.handler, code: code}
        """))
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "smoke", "local", "start", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 20
        banner = ""
        while time.monotonic() < deadline and "hello" not in banner and proc.poll() is None:
            banner += proc.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner  # the first local environment, unasked
        client = boto3.client(
            "lambda", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-west-2",
            aws_access_key_id="any", aws_secret_access_key="any",
            config=Config(retries={"total_max_attempts": 1}),
        )
        answer = client.invoke(FunctionName="hello", Payload=json.dumps({"path": "/"}).encode(),
                               LogType="Tail")
        assert json.loads(answer["Payload"].read()) == {"statusCode": 200, "body": "hello"}
        assert "FunctionError" not in answer
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err  # interrupted by Ctrl-C (issue 12 item 26)
    assert "stopped" in out
    assert "Traceback" not in err
    assert "START RequestId" in (tmp_path / "reports" / "logs" / "hello.log").read_text()


TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: code
      Runtime: python3.11
      Environment:
        Variables:
          TABLE: !Sub "table-${AWS::Region}"
          X: !Refx Fn
"""


def test_validate_reads_local_templates_and_names_an_unknown_tag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from smoke.cli import main

    (tmp_path / "code").mkdir()
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "s.yaml").write_text(
        "suite: s\nfunction: api\nchecks:\n  - {name: a, get: /}\n")
    (tmp_path / "smoke.yaml").write_text(
        "environments:\n  local:\n    template: template.yaml\n    functions:\n"
        "      api: {resource: Fn}\n")
    assert main(["validate", "--config", str(tmp_path / "smoke.yaml")]) == 2
    err = capsys.readouterr().err
    assert "template.yaml:13: template is not valid YAML/JSON: unknown tag '!Refx'" in err
    assert "> 13 |           X: !Refx Fn" in err
    assert "did you mean '!Ref'?" in err
    assert "Traceback" not in err

    (tmp_path / "template.yaml").write_text(TEMPLATE.replace("!Refx", "!Ref"))
    assert main(["validate", "--config", str(tmp_path / "smoke.yaml")]) == 0
    assert "OK   environment local" in capsys.readouterr().out
