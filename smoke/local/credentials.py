"""Credentials and region for local functions, as ``sam local`` gives them.

A local function gets the environment's AWS credentials (its ``profile:``, else the
default chain: environment variables, ``~/.aws``, SSO, a container or instance role),
resolved once through a boto3 session and passed as ``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY`` and ``AWS_SESSION_TOKEN``; ``AWS_REGION`` and
``AWS_DEFAULT_REGION`` (the environment's ``region:``, else the session's, else
us-east-1); and ``AWS_ENDPOINT_URL`` when the environment sets ``endpoint_url``
(LocalStack, moto). ``credentials: none`` withholds the credentials.

The values are secrets: they are never printed, and the local runtime masks them in
the function logs and the reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from smoke.model import Environment

DEFAULT_REGION = "us-east-1"
_MIN_SECRET_LEN = 8  # real keys are 16-40+ characters; "any"/"testing" stay readable


@dataclass(frozen=True)
class FunctionAws:
    region: str
    variables: Mapping[str, str] = field(default_factory=dict)  # put into every function
    secrets: tuple[str, ...] = ()
    note: str | None = None  # said once per function (no credentials found ...)


def function_aws_environment(env: Environment) -> FunctionAws:
    import boto3
    import botocore.exceptions

    from smoke.aws import translate

    try:
        session = boto3.Session(profile_name=env.profile)
    except botocore.exceptions.BotoCoreError as exc:  # an unknown profile
        raise translate(exc, f"read the AWS profile of environment '{env.name}'") from exc
    region = env.region or session.region_name or DEFAULT_REGION
    variables = {"AWS_REGION": region, "AWS_DEFAULT_REGION": region}
    if env.endpoint_url:
        variables["AWS_ENDPOINT_URL"] = env.endpoint_url
    if env.credentials == "none":
        return FunctionAws(region, variables)
    try:
        found = session.get_credentials()
        frozen = found.get_frozen_credentials() if found is not None else None
    except botocore.exceptions.BotoCoreError as exc:  # SSO expired, a failing process ...
        raise translate(exc, f"read the AWS credentials of environment '{env.name}'") from exc
    if frozen is None or not frozen.access_key:  # as sam local: the function runs without
        note: str | None = None
        if env.profile:
            note = f"profile {env.profile!r} has no AWS credentials: the function runs without"
        return FunctionAws(region, variables, note=note)
    variables["AWS_ACCESS_KEY_ID"] = frozen.access_key
    variables["AWS_SECRET_ACCESS_KEY"] = str(frozen.secret_key or "")
    if frozen.token:
        variables["AWS_SESSION_TOKEN"] = frozen.token
    secrets = tuple(
        value for value in (frozen.access_key, frozen.secret_key, frozen.token)
        if value and len(value) >= _MIN_SECRET_LEN
    )  # fmt: skip
    return FunctionAws(region, variables, secrets)
