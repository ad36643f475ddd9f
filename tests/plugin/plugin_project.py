"""The smoke projects the plugin tests write with pytester: config, suites, a tiny handler."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

SECRET = "tok-9f8e7d6c5b4a"  # SMOKE_TOKEN: must never appear in any output



@dataclass
class LoopbackApi:
    url: str
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)


HTTP_SUITE = """\
suite: backend-api
function: api
tags: [api]
checks:
  - name: health
    get: /health
    tags: [critical]
    expect: {status: 200, json_schema: {type: object, required: [status]}}
  - name: providers answers without auth
    get: /providers
    expect: {status: [401, 307]}
  - name: dashboard
    get: /dashboard
    headers: {Authorization: "Bearer ${SMOKE_TOKEN}"}
    expect: {status: 2xx}
"""


def write_project(root: Path, smoke_yaml: str, suites: dict[str, str]) -> None:
    (root / "smoke.yaml").write_text(textwrap.dedent(smoke_yaml))
    (root / "suites").mkdir(exist_ok=True)
    for name, text in suites.items():
        (root / "suites" / name).write_text(textwrap.dedent(text))
    (root / "pytest.ini").write_text("[pytest]\n")


HANDLER = '''\
import importlib
import json


def handler(event, context):
    path = event.get("path") or event.get("rawPath") or "/"
    if path == "/providers":  # the lazy router of incident 2: wrong package root
        importlib.import_module("src.api.v1.providers")
    print("handled", path)
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"status": "ok"})}
'''

LOCAL_SUITES = {
    "api.yaml": """\
        suite: backend-api
        function: api
        checks:
          - name: health
            get: /health
            expect: {status: 200}
          - name: health again
            get: /health
          - name: providers
            get: /providers
            expect: {status: [200, 401]}
        """,
    "worker.yaml": """\
        suite: worker
        function: worker
        event: raw
        checks:
          - name: ping
            payload: {path: /health}
            mutates: false
          - name: ping twice
            payload: {path: /health}
            mutates: false
        """,
}
