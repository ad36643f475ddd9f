"""Findings of a first-time-user trial of the gate rehearsal: no AWS credentials needed on
the local runtime, a configuration mistake is one message (exit 2, no report), a local
environment is pointed at the rehearsal, and only the gate's verdict has an exit code."""

from __future__ import annotations

import os
import textwrap

import pytest
from gate_support import GOOD, Release

from smoke import aws
from smoke.cli import main


def _no_credentials(monkeypatch: pytest.MonkeyPatch, release: Release) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("HOME", str(release.root))
    aws.forget_sessions()


def test_the_rehearsal_runs_without_aws_credentials_and_prints_one_exit_code(
    release: Release, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    assert release.publish(GOOD) == "1"
    release.client.create_alias(FunctionName="Api", Name="live", FunctionVersion="1")
    assert release.publish(GOOD + "# v2\n") == "2"
    _no_credentials(monkeypatch, release)
    try:
        assert main(["gate", "prod", "--log-wait", "1"]) == 0
    finally:
        aws.forget_sessions()
    assert release.alias() == {"version": "2", "weights": {}}
    captured = capsys.readouterr()
    assert "using dummy ones for the loopback endpoint" in captured.err
    lines = captured.out.splitlines()
    assert "== pre-check" in captured.out and "== post-check" in captured.out
    assert [x for x in lines if "exit code" in x] == ["gate exit code 0"]


def test_a_suite_mistake_is_one_message_exit_2_and_no_report(
    release: Release, capsys
) -> None:
    reports = release.root / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "smoke-gate-prod.json").write_text("{}")  # an earlier, green gate
    (release.root / "suites" / "routes.yaml").write_text(
        "suite: routes\nfunction: api\nevent: apigw-rest\nroutes: {from: template}\n")
    for argv in (["gate", "prod", "--dry-run"], ["gate", "prod"]):
        assert main(argv) == 2
        captured = capsys.readouterr()
        assert captured.err.count("needs a template for function 'api'") == 1
        assert "Gate prod" not in captured.out
    assert not (reports / "smoke-gate-prod.json").exists()
    assert not (reports / "smoke-gate-prod.xml").exists()


def test_a_local_environment_is_sent_to_the_rehearsal(release: Release, capsys) -> None:
    (release.root / "smoke.yaml").write_text(textwrap.dedent(f"""\
        environments:
          local:
            functions:
              api: {{handler: app.handler, code: {release.code}}}
        """))
    assert main(["gate", "local"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("environment 'local' is local") == 1
    assert "smoke local start local" in captured.err and "endpoint_url" in captured.err
    assert "qualifier: live}." not in captured.err or "e.g. functions" not in captured.err
    assert captured.out == ""
    assert not (release.root / "reports" / "smoke-gate-local.json").exists()
