"""A loopback endpoint (the local runtime, moto) without AWS credentials: dummy ones, said
once; any other endpoint still gets "no AWS credentials found"."""

from __future__ import annotations

import os

import pytest
from aws_fakes import InvokeApi

from smoke import aws
from smoke.errors import CredentialsError
from smoke.model import Environment


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN",
                 "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("HOME", str(tmp_path))
    aws.forget_sessions()
    yield
    aws.forget_sessions()


@pytest.mark.parametrize("url, loopback", [
    ("http://127.0.0.1:3001", True), ("http://127.8.0.2", True), ("http://[::1]:80", True),
    ("http://localhost:3001", True), ("https://lambda.us-east-1.amazonaws.com", False),
    ("http://10.0.0.5:3001", False), ("http://localhost.example.com", False), ("nonsense", False),
])
def test_is_loopback(url: str, loopback: bool) -> None:
    assert aws.is_loopback(url) is loopback


def test_loopback_endpoint_without_credentials_uses_dummy_ones(
    no_credentials: None, invoke_api: InvokeApi, capsys
) -> None:
    env = Environment(name="rehearsal", region="us-east-1", endpoint_url=invoke_api.url)
    lam = aws.client(env, "lambda")
    assert lam.invoke(FunctionName="Api")["Payload"].read() == b'{"ok": true}'
    aws.client(env, "logs")
    err = capsys.readouterr().err
    assert err.count("no AWS credentials found; using dummy ones") == 1
    assert invoke_api.url in err
    assert f"Credential={aws.LOCAL_KEY}/" in invoke_api.seen[-1].headers["Authorization"]


def test_other_endpoints_without_credentials_still_fail(no_credentials: None) -> None:
    env = Environment(name="prod", region="us-east-1", endpoint_url="http://10.255.255.1:9")
    lam = aws.client(env, "lambda", connect_timeout_s=0.2)
    with pytest.raises(Exception) as caught:
        lam.invoke(FunctionName="Api")
    assert isinstance(aws.translate(caught.value, "invoke"), CredentialsError)


def test_real_credentials_are_used_on_loopback_when_present(
    invoke_api: InvokeApi, capsys
) -> None:
    aws.forget_sessions()
    env = Environment(name="rehearsal", region="us-east-1", endpoint_url=invoke_api.url)
    aws.client(env, "lambda").invoke(FunctionName="Api")
    assert "Credential=testing/" in invoke_api.seen[-1].headers["Authorization"]
    assert "dummy" not in capsys.readouterr().err
