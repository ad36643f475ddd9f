"""Faults outside smoke's control: one clear line on stderr, exit 3, reports still written.

Each run is a real `python -m smoke` subprocess with a controlled environment (no
credentials, made-up regions, an endpoint nothing listens on), so nothing here can
reach AWS.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cli_support import REPO

SUITE = """\
    suite: a
    function: api
    checks:
      - name: health
        get: /health
    """


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def smoke(tmp_path: Path, env_yaml: str, *, credentials: bool) -> subprocess.CompletedProcess[str]:
    (tmp_path / "suites").mkdir(exist_ok=True)
    (tmp_path / "suites" / "a.yaml").write_text(textwrap.dedent(SUITE))
    (tmp_path / "smoke.yaml").write_text(
        "environments:\n  prod:\n" + textwrap.indent(textwrap.dedent(env_yaml), "    ")
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               AWS_EC2_METADATA_DISABLED="true", PYTHONPATH=str(REPO))
    if credentials:
        env.update(AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI")
    return subprocess.run(
        [sys.executable, "-m", "smoke", "run", "prod", "--log-wait", "0"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )


def assert_one_clear_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize(
    ("env_yaml", "credentials", "words"),
    [
        ("region: us-east-1\nfunctions: {api: {name: my-api}}\n", False, ["no AWS credentials"]),
        ("region: us-wset-2\nfunctions: {api: {name: my-api}}\n", True,
         ["unknown AWS region 'us-wset-2'", "did you mean 'us-west-2'"]),
        (f"region: us-east-1\nendpoint_url: http://127.0.0.1:{closed_port()}\n"
         "functions: {api: {name: my-api}}\n", True, ["cannot connect", "127.0.0.1"]),
        ("region: us-east-1\nendpoint_url: http://smoke-no-such-host.invalid:4566\n"
         "functions: {api: {name: my-api}}\n", True, ["smoke-no-such-host.invalid"]),
        (f"via: http\nbase_url: http://127.0.0.1:{closed_port()}\nfunctions: {{api: {{name: x}}}}\n",
         False, ["127.0.0.1"]),
    ],
    ids=["no-credentials", "unknown-region", "connection-refused", "dns-failure", "http-refused"],
)
def test_a_fault_is_one_line_and_exit_3_with_reports(
    tmp_path: Path, env_yaml: str, credentials: bool, words: list[str]
) -> None:
    done = smoke(tmp_path, env_yaml, credentials=credentials)
    assert_one_clear_line(done, *words)
    report = json.loads((tmp_path / "reports" / "smoke-prod.json").read_text())
    assert report["run"]["exit_code"] == 3
    assert [c["outcome"] for c in report["checks"]] in (["not_run"], ["error"])
    assert (tmp_path / "reports" / "smoke-prod.xml").read_text().startswith("<?xml")
