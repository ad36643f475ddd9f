"""The ``release`` fixture: see gate_support."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from gate_support import GOOD, SUITE, Release, lambda_client

from smoke.local import start_local_runtime
from smoke.model import Environment, FunctionSpec, LayerSpec


@pytest.fixture()
def release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Release]:
    app = tmp_path / "app"
    code, layer = app / "code", app / "layer" / "python"
    code.mkdir(parents=True)
    layer.mkdir(parents=True)
    (layer / "helperlib.py").write_text('NAME = "helperlib"\n')
    local = Environment(name="local", functions={"api": FunctionSpec(
        logical="api", name="Api", handler="app.handler", code=str(code),
        layers=(LayerSpec("layer", str(layer.parent)),))})
    project = tmp_path / "project"
    (project / "suites").mkdir(parents=True)
    (project / "suites" / "api.yaml").write_text(SUITE)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.chdir(project)
    (code / "app.py").write_text(GOOD)
    with start_local_runtime(local, base_dir=app, log_dir=project / "reports" / "logs") as runtime:
        (project / "smoke.yaml").write_text(textwrap.dedent(f"""\
            environments:
              prod:
                region: us-east-1
                protected: true
                endpoint_url: {runtime.endpoint_url}
                functions:
                  api: {{name: Api, qualifier: live}}
            """))
        yield Release(project, code, runtime, lambda_client(runtime.endpoint_url))


