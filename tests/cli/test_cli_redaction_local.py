"""A function that logs the token it received: the token still reaches no output of smoke.

The handler runs for real in the local runtime. It prints its Authorization header
(so the token is in the log tail and in the log file the scan reads), answers 500
with the token in its body (so it is in the response excerpt and the failure), and
logs a line that a custom log rule turns into a finding (so it is in a scan excerpt).
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from smoke.cli import main

TOKEN = "tk-9f8e7d6c5b4a-local-secret"

HANDLER = '''
import json

def handler(event, context):
    auth = event["headers"].get("Authorization", "")
    print("received", auth)
    print("LEAKY-AUTH", auth)
    return {"statusCode": 500, "body": json.dumps({"you_sent": auth})}
'''


def test_a_token_logged_by_the_function_is_masked_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "app.py").write_text(HANDLER)
    (tmp_path / "suites").mkdir()
    (tmp_path / "smoke.yaml").write_text(textwrap.dedent("""\
        environments:
          local:
            functions:
              api: {handler: app.handler, code: code, timeout: 10}
            log_rules:
              - {name: leaky-auth, pattern: "LEAKY-AUTH"}
        """))
    (tmp_path / "suites" / "echo.yaml").write_text(textwrap.dedent("""\
        suite: echo
        function: api
        checks:
          - name: echo the token
            get: /echo
            headers: {Authorization: "Bearer ${SMOKE_TOKEN}"}
        """))
    monkeypatch.setenv("SMOKE_TOKEN", TOKEN)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.chdir(tmp_path)

    code = main(["run", "local", "--log-wait", "2"])

    assert code == 1
    captured = capsys.readouterr()
    json_text = (tmp_path / "reports" / "smoke-local.json").read_text()
    outputs = {
        "json": json_text,
        "junit": (tmp_path / "reports" / "smoke-local.xml").read_text(),
        "step summary": summary.read_text(),
        "stdout": captured.out,
        "stderr": captured.err,
    }
    # the token really went through the function, which printed it: the lines are in its
    # log file and in the reports, masked (the log file is uploaded with the reports)
    outputs["log file"] = (tmp_path / "reports" / "logs" / "api.log").read_text()
    assert re.search(r"received (Bearer )?\*\*\*", outputs["log file"])
    assert re.search(r"received (Bearer )?\*\*\*", json_text)
    assert "leaky-auth" in json_text
    for name, text in outputs.items():
        assert TOKEN not in text, f"the token leaked into the {name}"
        assert TOKEN[3:15] not in text, f"part of the token leaked into the {name}"
