"""`routes:` over HTTP (via: http, protected): every GET operation of an OpenAPI file is
sent to base_url with its path parameters filled in; the writes are never sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import ProjectFactory, Server

from smoke.cli import main

OPENAPI = """\
openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /health: {get: {}}
  /api/v1/providers/{provider_id}:
    get:
      parameters: [{name: provider_id, in: path, required: true, example: "p 1"}]
    delete: {}
  /broken: {get: {}}
  /echo: {post: {}}
"""


def test_routes_over_http_in_a_protected_environment(
    project: ProjectFactory, server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project({"routes": """\
        suite: routes
        function: api
        routes:
          from: openapi
          file: ../docs/openapi.yaml
          headers: {X-Smoke: routes}
        """})
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "openapi.yaml").write_text(OPENAPI)
    report = tmp_path / "out" / "r.json"
    code = main(["run", "prod", "--config", str(config), "--json", str(report),
                 "--junit", str(tmp_path / "out" / "r.xml")])
    assert code == 1
    outcomes = {c["name"]: (c["outcome"], c["status"])
                for c in json.loads(report.read_text())["checks"]}
    assert outcomes == {"GET /health": ("passed", 200),
                        "GET /api/v1/providers/{provider_id}": ("passed", 401),
                        "GET /broken": ("failed", 500)}
    assert sorted(server.hits) == ["GET /api/v1/providers/p%201", "GET /broken", "GET /health"]
    err = capsys.readouterr().err
    assert "routes with method(s) DELETE, POST not checked" in err
