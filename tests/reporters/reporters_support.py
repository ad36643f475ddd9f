"""Shared builders for the reporter tests (the fixture lives in conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from smoke.model import (
    Check,
    Exchange,
    Expect,
    FunctionRef,
    Location,
    Request,
    Response,
)

REPORT_SCHEMA = Path(__file__).resolve().parents[2] / "smoke" / "schema" / "report.schema.json"
SECRET = "sekrit-value-777"


def check(suite: str, name: str, line: int, **kw: Any) -> Check:
    return Check(suite=suite, name=name, function="api", event=kw.pop("event", "apigw-rest"),
                 request=kw.pop("request", Request(path="/x", headers={"Authorization": f"Bearer {SECRET}"})),
                 expect=Expect(), location=Location(f"suites/{suite}.yaml", line, line + 2), **kw)


API = FunctionRef("api", "prod-BackendApiFunction-zeRfK8", arn="arn:aws:lambda:us-west-2:1:function:x",
                  qualifier="live", log_group="/aws/lambda/prod-BackendApiFunction-zeRfK8")


def exchange(c: Check, status: int | None = 200, **kw: Any) -> Exchange:
    return Exchange(c.id, "invoke", API.name, {"headers": dict(c.request.headers)}, 1_700_000_000.0,
                    42.5, response=Response(status) if status is not None else None, **kw)


def schema() -> dict[str, Any]:
    return dict(json.loads(REPORT_SCHEMA.read_text()))
