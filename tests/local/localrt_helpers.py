"""Helpers for the local runtime's tests (a uniquely named module, imported by tests)."""

from __future__ import annotations

import textwrap
import zipfile
from pathlib import Path
from typing import Any

from smoke.local import LocalRuntime, start_local_runtime
from smoke.model import Environment, FunctionSpec


def write_files(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def zip_dir(source: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(source.rglob("*")):
            archive.write(path, path.relative_to(source).as_posix())
    return target


def lambda_client(endpoint_url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "lambda",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, read_timeout=30),
    )


def spec(logical: str, code: Path, handler: str = "app.handler", **fields: Any) -> FunctionSpec:
    return FunctionSpec(logical=logical, handler=handler, code=str(code), **fields)


FUNCTIONS = {
    "app.py": """
        import json
        import os
        import sys
        import time

        COUNT = 0
        print("module loaded")

        def handler(event, context):
            global COUNT
            COUNT += 1
            if event.get("raise"):
                raise ValueError("bad input: " + str(event["raise"]))
            if event.get("sleep"):
                time.sleep(event["sleep"])
            if event.get("exit") is not None:
                os._exit(event["exit"])
            for line in event.get("print", []):
                print(line)
            if event.get("size"):
                return {"blob": "x" * event["size"]}
            return {
                "count": COUNT,
                "pid": os.getpid(),
                "request_id": context.aws_request_id,
                "remaining_ms": context.get_remaining_time_in_millis(),
                "env": {k: v for k, v in os.environ.items()},
                "sys_path": sys.path,
                "cwd": os.getcwd(),
            }
    """,
}


def make_runtime(tmp: Path, functions: dict[str, FunctionSpec], **env: Any) -> LocalRuntime:
    environment = Environment(name="local", functions=functions, **env)
    return start_local_runtime(environment, base_dir=tmp, log_dir=tmp / "logs")
