"""Credentials and region reach local functions as with `sam local`; `credentials: none`
withholds them; the values never reach a log file, a tail or a report."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from localrt_helpers import lambda_client, make_runtime, spec, write_files

from smoke.errors import CredentialsError
from smoke.local import start_local_runtime
from smoke.model import Environment

KEY_ID = "AKIASMOKETESTKEY0001"
SECRET = "smokeTestSecretKey/0123456789abcdefABCDEF"
TOKEN = "smokeTestSessionToken+0123456789abcdefABCDEF=="

HANDLER = {
    "app.py": """
        import os

        NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL")

        def handler(event, context):
            if event.get("leak"):
                print("secret:", os.environ.get("AWS_SECRET_ACCESS_KEY"))
            return {name: os.environ.get(name) for name in NAMES}
    """,
}


@pytest.fixture
def profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    credentials = tmp_path / "aws-credentials"
    credentials.write_text(
        f"[smoke-test]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
        f"aws_session_token = {TOKEN}\n"
    )
    config = tmp_path / "aws-config"
    config.write_text("[profile smoke-test]\nregion = eu-west-3\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                 "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    return "smoke-test"


def _invoke(endpoint_url: str, payload: dict[str, Any]) -> tuple[dict[str, Any], str]:
    answer = lambda_client(endpoint_url).invoke(
        FunctionName="fn", Payload=json.dumps(payload).encode(), LogType="Tail"
    )
    return json.loads(answer["Payload"].read()), base64.b64decode(answer["LogResult"]).decode()


def test_the_profile_credentials_region_and_endpoint_reach_the_function(
    tmp_path: Path, profile: str
) -> None:
    code = write_files(tmp_path / "fn", HANDLER)
    with make_runtime(tmp_path, {"fn": spec("fn", code)}, profile=profile,
                      endpoint_url="http://127.0.0.1:4566") as local:  # fmt: skip
        seen, _ = _invoke(local.endpoint_url, {})
        _, tail = _invoke(local.endpoint_url, {"leak": True})
        warnings = local.runtime_info["fn"]["warnings"]
    # compared, never printed: a failing assert must not show the secret either
    same = (seen["AWS_ACCESS_KEY_ID"], seen["AWS_SECRET_ACCESS_KEY"], seen["AWS_SESSION_TOKEN"])
    assert same == (KEY_ID, SECRET, TOKEN), "the function did not get the profile's credentials"
    assert seen["AWS_REGION"] == seen["AWS_DEFAULT_REGION"] == "eu-west-3"  # the profile's
    assert seen["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert "secret: ***" in tail and SECRET not in tail
    log = (tmp_path / "logs" / "fn.log").read_text()
    assert "secret: ***" in log and SECRET not in log
    assert not any(SECRET in w or TOKEN in w for w in warnings)


def test_credentials_none_withholds_them_and_region_wins_over_the_profile(
    tmp_path: Path, profile: str
) -> None:
    code = write_files(tmp_path / "fn", HANDLER)
    with make_runtime(tmp_path, {"fn": spec("fn", code)}, profile=profile,
                      region="ap-south-1", credentials="none") as local:  # fmt: skip
        seen, _ = _invoke(local.endpoint_url, {})
    assert seen["AWS_ACCESS_KEY_ID"] is None and seen["AWS_SECRET_ACCESS_KEY"] is None
    assert seen["AWS_SESSION_TOKEN"] is None and seen["AWS_ENDPOINT_URL"] is None
    assert seen["AWS_REGION"] == "ap-south-1"


def test_an_unknown_profile_is_one_clear_error(tmp_path: Path, profile: str) -> None:
    env = Environment(name="local", profile="no-such-profile",
                      functions={"fn": spec("fn", write_files(tmp_path / "fn", HANDLER))})  # fmt: skip
    with pytest.raises(CredentialsError, match="no-such-profile"):
        start_local_runtime(env, base_dir=tmp_path, log_dir=tmp_path / "logs")


def test_a_run_report_never_holds_the_credentials(
    tmp_path: Path, profile: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from smoke.cli import main

    write_files(tmp_path, {
        **{f"fn/{k}": v for k, v in HANDLER.items()},
        "smoke.yaml": """
            environments:
              local:
                profile: smoke-test
                functions:
                  fn: {handler: app.handler, code: fn}
        """,
        "suites/creds.yaml": """
            suite: creds
            function: fn
            event: raw
            checks:
              - {name: env, payload: {leak: true}, mutates: false}
        """,
    })  # fmt: skip
    code = main(["run", "local", "--config", str(tmp_path / "smoke.yaml"), "--json",
                 str(tmp_path / "r.json"), "--junit", str(tmp_path / "r.xml"), "--log-wait", "2"])
    out = capsys.readouterr()
    assert code == 0
    report = (tmp_path / "r.json").read_text()
    assert json.loads(report)["checks"][0]["outcome"] == "passed"
    for text in (report, (tmp_path / "r.xml").read_text(), out.out, out.err):
        assert SECRET not in text and TOKEN not in text and KEY_ID not in text
    assert "***" in report  # the payload held them: masked
