"""Support for the gate tests: a release to rehearse. One function with a layer, served by
the local runtime (its control plane: versions and aliases), and a project whose ``prod``
environment reaches it through ``endpoint_url`` with ``qualifier: live``, as it would AWS."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smoke.local import LocalRuntime

GOOD = """\
import json
import helperlib

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"status": "ok", "lib": helperlib.NAME})}
"""
# a module the layer lacks: every invocation is Runtime.ImportModuleError
BROKEN = "import defusedxml  # in the dev dependencies only\n" + GOOD
# healthy by version number, broken only when invoked through the alias
FAILS_THROUGH_ALIAS = """\
import json
import helperlib

def handler(event, context):
    if context.invoked_function_arn.endswith(":live"):
        raise RuntimeError("config for the live alias is missing")
    return {"statusCode": 200, "body": json.dumps({"status": "ok"})}
"""
SUITE = """\
suite: api
function: api
checks:
  - name: health
    get: /health
    expect: {status: 200, json_schema: {type: object, required: [status]}}
"""


@dataclass
class Release:
    root: Path  # the project: smoke.yaml, suites/, reports/
    code: Path
    runtime: LocalRuntime
    client: Any

    def write(self, source: str) -> None:
        (self.code / "app.py").write_text(source)

    def publish(self, source: str) -> str:
        self.write(source)
        return str(self.client.publish_version(FunctionName="Api")["Version"])

    def alias(self) -> dict[str, Any]:
        answer = self.client.get_alias(FunctionName="Api", Name="live")
        return {"version": answer["FunctionVersion"],
                "weights": (answer.get("RoutingConfig") or {}).get("AdditionalVersionWeights", {})}


def lambda_client(endpoint_url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "lambda", endpoint_url=endpoint_url, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, read_timeout=30),
    )  # fmt: skip


def smoke_env() -> dict[str, str]:
    """The environment of a `python -m smoke` subprocess run in the project."""
    return {**os.environ, "PYTHONUNBUFFERED": "1"}
