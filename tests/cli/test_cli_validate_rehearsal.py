"""`smoke validate` knows, without running anything, that a `routes: {from: template}` suite
has no template in an `endpoint_url` environment that names its functions (the gate
rehearsal): a note naming the environment, not an OK that `smoke gate` then refuses."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from smoke.cli import main

TEMPLATE = """\
    Transform: AWS::Serverless-2016-10-31
    Resources:
      ApiFunction:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: python3.12
          Handler: app.handler
          CodeUri: src/
          Events:
            Health: {Type: Api, Properties: {Path: /health, Method: get}}
    """
ROUTES = "suite: routes\nfunction: api\nevent: apigw-rest\nroutes: {from: template}\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_routes_from_template_in_the_rehearsal_environment_is_a_note_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "template.yaml", TEMPLATE)
    write(tmp_path / "src" / "app.py", "def handler(event, context):\n    return {}\n")
    write(tmp_path / "smoke.yaml", """\
        environments:
          local:
            template: template.yaml
            functions: {api: {resource: ApiFunction}}
          rehearsal:
            region: us-east-1
            endpoint_url: http://127.0.0.1:3001
            functions: {api: {name: ApiFunction, qualifier: live}}
        """)
    write(tmp_path / "suites" / "routes.yaml", ROUTES)
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "OK   suites/routes.yaml (routes from template: 1 check(s) in local) in local\n" in out
    assert ("suites/routes.yaml:4: `routes: {from: template}` has no template for function "
            "'api' in environment 'rehearsal': `smoke run rehearsal` and `smoke gate "
            "rehearsal` refuse this suite") in out
    assert "read when the suite runs in rehearsal" not in out

    write(tmp_path / "smoke.yaml", """\
        environments:
          rehearsal:
            region: us-east-1
            endpoint_url: http://127.0.0.1:3001
            functions: {api: {name: ApiFunction, qualifier: live}}
        """)
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "in environment 'rehearsal': `smoke run rehearsal`" in out
    assert "no environment defines all of its functions" not in out
