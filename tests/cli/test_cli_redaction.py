from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import ProjectFactory

from smoke.cli import main

TOKEN = "tok-5ecret-abcdef123456"
OTHER = "other-5ecret-999"


def test_secrets_never_reach_any_output(project: ProjectFactory, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SMOKE_TOKEN", TOKEN)
    monkeypatch.setenv("SMOKE_OTHER", OTHER)
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    config = project({"echo": """\
        suite: echo
        function: api
        checks:
          - name: echo my token
            get: /echo
            headers:
              Authorization: "Bearer ${SMOKE_TOKEN}"
              X-Custom: "${SMOKE_OTHER}"
            expect:
              status: 201
              body_contains: [definitely-not-there]
        """})
    json_path, junit_path = tmp_path / "r.json", tmp_path / "r.xml"
    code = main(["run", "prod", "--config", str(config), "--json", str(json_path),
                 "--junit", str(junit_path)])
    assert code == 1
    captured = capsys.readouterr()
    outputs = {
        "json": json_path.read_text(),
        "junit": junit_path.read_text(),
        "step summary": summary.read_text(),
        "html": (tmp_path / "smoke-prod.html").read_text(),  # beside the JSON by default
        "stdout": captured.out,
        "stderr": captured.err,
    }
    report = json.loads(outputs["json"])
    check = report["checks"][0]
    # the server really echoed the headers back: the masked values are there, as ***
    assert check["outcome"] == "failed"
    assert '"authorization": "***"' in check["response_excerpt"]
    assert check["request"]["headers"]["Authorization"] == "***"
    assert check["request"]["headers"]["X-Custom"] == "***"
    assert "echo::echo my token" in outputs["step summary"]
    assert "&#34;authorization&#34;: &#34;***&#34;" in outputs["html"]  # echoed, masked
    assert "FAIL" in outputs["stdout"]
    for name, text in outputs.items():
        for secret in (TOKEN, OTHER, "cookie-from-server-42"):
            assert secret not in text, f"{secret!r} leaked into the {name}"
