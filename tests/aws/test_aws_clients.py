"""smoke.aws: client configuration, endpoint resolution and error translation."""

from __future__ import annotations

import subprocess
import sys

import pytest
from aws_fakes import InvokeApi, free_port, throttled
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
)

from smoke import aws
from smoke.errors import CredentialsError, HarnessError
from smoke.model import Environment


def test_client_has_retries_off_and_timeouts(
    invoke_env: Environment, invoke_api: InvokeApi
) -> None:
    made = aws.client(invoke_env, "lambda", read_timeout_s=123, connect_timeout_s=4, max_pool=7)
    config = made.meta.config
    assert config.read_timeout == 123 and config.connect_timeout == 4
    assert config.max_pool_connections == 7
    assert config.retries["total_max_attempts"] == 1
    invoke_api.program("fn", throttled())
    with pytest.raises(ClientError):
        made.invoke(FunctionName="fn", Payload=b"{}")
    assert invoke_api.calls("fn") == 1  # botocore itself did not retry the 429


def test_endpoint_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    env = Environment(name="e", region="us-east-1", endpoint_url="http://127.0.0.1:1111")
    assert aws.client(env, "logs").meta.endpoint_url == "http://127.0.0.1:1111"
    argument = aws.client(env, "logs", endpoint_url="http://127.0.0.1:2222")
    assert argument.meta.endpoint_url == "http://127.0.0.1:2222"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:3333")
    aws.forget_sessions()
    plain = Environment(name="p", region="us-east-1")
    assert aws.client(plain, "lambda").meta.endpoint_url == "http://127.0.0.1:3333"
    aws.forget_sessions()


def test_translate_credentials_problems() -> None:
    missing = aws.translate(NoCredentialsError(), "invoke fn")
    assert isinstance(missing, CredentialsError) and "no AWS credentials" in missing.message
    profile = aws.translate(ProfileNotFound(profile="bmx-prod"), "open the session")
    assert isinstance(profile, CredentialsError) and "bmx-prod" in profile.message
    expired = aws.translate(
        ClientError({"Error": {"Code": "ExpiredTokenException", "Message": "expired"}}, "Invoke"),
        "invoke fn",
    )
    assert isinstance(expired, CredentialsError) and "\n" not in expired.message


def test_translate_harness_problems() -> None:
    denied = aws.translate(
        ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListFunctions"),
        "list functions",
    )
    assert type(denied) is HarnessError and "ListFunctions" in denied.message
    down = aws.translate(
        EndpointConnectionError(endpoint_url="https://lambda.xx.amazonaws.com"), "x"
    )
    assert type(down) is HarnessError and "https://lambda.xx.amazonaws.com" in down.message
    region = aws.translate(NoRegionError(), "x")
    assert "region" in region.message


def test_unknown_profile_is_a_credentials_error() -> None:
    env = Environment(name="e", region="us-east-1", profile="no-such-profile-here")
    with pytest.raises(CredentialsError, match="no-such-profile-here"):
        aws.client(env, "lambda")


def test_unreachable_endpoint_names_it() -> None:
    from smoke.discovery import discover
    from smoke.model import FunctionSpec

    url = f"http://127.0.0.1:{free_port()}"
    env = Environment(
        name="e",
        region="us-east-1",
        endpoint_url=url,
        functions={"api": FunctionSpec(logical="api", name="fn")},
    )
    with pytest.raises(HarnessError, match=f"cannot connect to {url}"):
        discover(env)


def test_importing_smoke_modules_does_not_import_boto3() -> None:
    code = (
        "import sys\n"
        "import smoke.aws, smoke.discovery, smoke.logtail, smoke.transports.invoke\n"
        "import smoke.logscan.scan, smoke.logscan.cloudwatch, smoke.logscan.rules\n"
        "print('boto3' in sys.modules, 'botocore' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_unknown_region_is_one_line_with_a_guess() -> None:
    env = Environment(name="e", region="eu-wset-1")
    with pytest.raises(HarnessError) as raised:
        aws.client(env, "lambda")
    assert raised.value.message == (
        "unknown AWS region 'eu-wset-1' in environment 'e': did you mean 'eu-west-1'?"
    )
    aws.forget_sessions()


def test_known_region_makes_clients_for_each_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    env = Environment(name="e", region="eu-central-1")
    lam, logs = aws.client(env, "lambda"), aws.client(env, "logs")
    assert lam.meta.region_name == logs.meta.region_name == "eu-central-1"
    assert logs.meta.endpoint_url == "https://logs.eu-central-1.amazonaws.com"
    assert aws.client(env, "lambda", read_timeout_s=7).meta.config.read_timeout == 7
    aws.forget_sessions()


def test_no_region_anywhere_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    aws.forget_sessions()
    with pytest.raises(HarnessError, match=r"has no AWS region: set 'region:' in smoke\.yaml"):
        aws.client(Environment(name="e"), "lambda")
    aws.forget_sessions()


def test_clients_are_botocore_s_own_without_boto3() -> None:
    """A Lambda and a Logs client, and an Invoke: boto3 and s3transfer are never imported
    (a boto3 session makes the same botocore clients, and costs their import)."""
    code = (
        "import sys\n"
        "from smoke import aws\n"
        "from smoke.model import Environment\n"
        "env = Environment(name='e', region='us-east-1', endpoint_url='http://127.0.0.1:9')\n"
        "aws.client(env, 'lambda'); aws.client(env, 'logs')\n"
        "print(sorted(m for m in ('boto3', 's3transfer', 'botocore') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['botocore']"
