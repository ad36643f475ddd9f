"""The example apps under examples/, healthy and broken, run by the local runtime.

The layer is built from its requirements.txt by pip, offline: the tests point pip at
examples/wheelhouse (PIP_NO_INDEX/PIP_FIND_LINKS), and work on a copy of the examples.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from localrt_helpers import lambda_client

from smoke.local import LocalRuntime, start_local_runtime
from smoke.model import Environment, FunctionSpec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LAZY_PATHS = ("/api/v1/providers", "/api/v1/dashboard/overview", "/api/v1/feeds")


@pytest.fixture(scope="module")
def examples_copy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("examples")
    for app in ("api", "broken-layer", "broken-router"):
        shutil.copytree(
            EXAMPLES / app, root / app, symlinks=True,
            ignore=shutil.ignore_patterns("build", "reports", "__pycache__"),
        )  # fmt: skip
    saved = {k: os.environ.get(k) for k in ("PIP_NO_INDEX", "PIP_FIND_LINKS")}
    os.environ.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(EXAMPLES / "wheelhouse"))
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _start(root: Path, app: str) -> LocalRuntime:
    env = Environment(
        name="local",
        region="us-east-1",
        template="template.yaml",
        functions={
            "api": FunctionSpec(logical="api", resource="BackendApiFunction"),
            "cleanup": FunctionSpec(logical="cleanup", resource="CleanupFunction"),
        },
    )
    return start_local_runtime(env, base_dir=root / app, log_dir=root / app / "logs")


def rest_event(path: str, method: str = "GET", headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "resource": "/{proxy+}", "path": path, "httpMethod": method, "headers": headers or {},
        "queryStringParameters": None, "body": None, "isBase64Encoded": False,
        "requestContext": {"stage": "prod", "path": path, "httpMethod": method},
    }  # fmt: skip


def call(client: Any, function: str, event: Any) -> tuple[dict[str, Any], Any]:
    response = client.invoke(FunctionName=function, Payload=json.dumps(event).encode())
    return response, json.loads(response["Payload"].read())


def test_the_healthy_api_answers_health_and_its_lazy_endpoints(examples_copy: Path) -> None:
    with _start(examples_copy, "api") as local:
        assert local.runtime_info["api"]["declared_runtime"] == "python3.11"
        client = lambda_client(local.endpoint_url)
        _, health = call(client, "BackendApiFunction", rest_event("/health"))
        assert (health["statusCode"], json.loads(health["body"])) == (200, {"status": "ok"})
        statuses = [call(client, "BackendApiFunction", rest_event(p))[1]["statusCode"] for p in LAZY_PATHS]
        assert statuses == [401, 307, 401]
        feed = "<rss><channel><item><title>Hello</title></item></channel></rss>"
        event = rest_event("/api/v1/feeds", "POST", {"Authorization": "Bearer t"}) | {"body": feed}
        _, parsed = call(client, "BackendApiFunction", event)
        assert json.loads(parsed["body"]) == {"titles": ["Hello"]}  # defusedxml from the layer
        _, cleanup = call(client, "CleanupFunction", {"dry_run": True})
        assert cleanup["dry_run"] is True
        assert cleanup["orphan_percentage"] == 5.0
        assert len(cleanup["would_delete"]) == 2


def test_the_broken_layer_fails_every_request_at_init(examples_copy: Path) -> None:
    with _start(examples_copy, "broken-layer") as local:
        client = lambda_client(local.endpoint_url)
        for path in ("/health", "/api/v1/providers"):
            response, body = call(client, "BackendApiFunction", rest_event(path))
            assert response["FunctionError"] == "Unhandled"
            assert body["errorType"] == "Runtime.ImportModuleError"
            assert body["errorMessage"] == (
                "Unable to import module 'app.main': No module named 'defusedxml'"
            )
        lines = [
            event.message
            for event in local.log_source().events(
                "/aws/lambda/BackendApiFunction", 0, int(time.time() * 1000) + 1000
            )
        ]
        assert sum("Error Type: Runtime.ImportModuleError" in line for line in lines) >= 2


def test_the_broken_router_fails_lazy_endpoints_while_health_stays_green(examples_copy: Path) -> None:
    with _start(examples_copy, "broken-router") as local:
        client = lambda_client(local.endpoint_url)
        _, health = call(client, "BackendApiFunction", rest_event("/health"))
        assert health["statusCode"] == 200
        for path in LAZY_PATHS:
            response, body = call(client, "BackendApiFunction", rest_event(path))
            assert "FunctionError" not in response
            assert body["statusCode"] == 500
        log_text = (examples_copy / "broken-router" / "logs" / "BackendApiFunction.log").read_text()
        assert "ModuleNotFoundError: No module named 'src'" in log_text
