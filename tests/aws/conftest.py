"""Fixtures for the AWS side: a moto server, and a loopback Lambda Invoke API.

Each xdist worker gets its own moto server (session scope is per process); state is
reset before every test that asks for ``moto_env``. moto's own Invoke needs Docker,
so invocations go to ``invoke_api``: an http.server answering
``POST /2015-03-31/functions/<name>/invocations`` with replies each test programs.
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator

import pytest
from aws_fakes import InvokeApi, free_port, start_invoke_api

from smoke.model import Environment

FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


@pytest.fixture(scope="session", autouse=True)
def fake_aws_credentials() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in FAKE_AWS.items():
            mp.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA"):
            mp.delenv(name, raising=False)
        yield


@pytest.fixture(scope="session")
def moto_url(fake_aws_credentials: None) -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def moto_env(moto_url: str) -> Environment:
    """A fresh moto (state reset) and an environment pointing at it."""
    request = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass
    return Environment(name="moto", region="us-east-1", endpoint_url=moto_url)


# ----------------------------------------------------------------- Invoke API


@pytest.fixture
def invoke_api() -> Iterator[InvokeApi]:
    api, server = start_invoke_api()
    yield api
    server.shutdown()
    server.server_close()


@pytest.fixture
def invoke_env(invoke_api: InvokeApi) -> Environment:
    return Environment(name="loopback", region="us-east-1", endpoint_url=invoke_api.url)
