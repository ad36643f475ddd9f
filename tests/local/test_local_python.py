"""Each function runs on its declared Python: a python3.12 function with a compiled
dependency (pydantic_core, from PyPI) runs green on a Python 3.12 found in pyenv, and
without one the failure is labelled an interpreter mismatch, not a broken artifact.

The builds come from PyPI once and are cached in ~/.cache/smoke-tests/ (second run fast).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from localrt_helpers import lambda_client, write_files

from smoke.errors import ConfigError
from smoke.local import interpreters, start_local_runtime
from smoke.model import Environment

CACHE = Path.home() / ".cache" / "smoke-tests" / "local-python"
APP = {
    "template.yaml": """
        Resources:
          Models:
            Type: AWS::Serverless::Function
            Properties: {CodeUri: app/, Handler: app.handler, Runtime: python3.12}
    """,
    "app/requirements.txt": "pydantic==2.9.2\n",
    "app/app.py": """
        import sys

        import pydantic
        import pydantic_core

        class Order(pydantic.BaseModel):
            quantity: int

        def handler(event, context):
            return {"python": sys.version.split()[0], "quantity": Order(quantity="3").quantity,
                    "core": pydantic_core.__file__}
    """,
}


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMOKE_CACHE_DIR", str(CACHE))  # PyPI builds kept between runs
    return write_files(tmp_path, APP)


def _start(root: Path, **env: Any) -> Any:
    environment = Environment(name="local", template="template.yaml", **env)
    return start_local_runtime(environment, base_dir=root, log_dir=root / "logs")


def _python312() -> interpreters.Interpreter:
    found = interpreters.find("3.12")
    if found is None:
        pytest.skip("no Python 3.12 installed (PATH, pyenv, uv)")
    return found


@pytest.mark.slow
def test_a_python312_function_runs_on_python312_with_its_compiled_dependency(app: Path) -> None:
    python = _python312()
    with _start(app) as local:
        info = local.runtime_info["Models"]
        assert info["python"].startswith("3.12.")
        assert info["python_executable"] == python.executable
        assert not any("NO PYTHON" in w for w in info["warnings"])
        answer = lambda_client(local.endpoint_url).invoke(FunctionName="Models", Payload=b"{}")
        body = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, body
    assert body["python"].startswith("3.12.") and body["quantity"] == 3
    core = Path(body["core"]).parent
    assert list(core.glob("_pydantic_core.cpython-312-*-linux-gnu.so"))  # a manylinux cp312 wheel


@pytest.mark.slow
def test_the_python_map_of_smoke_yaml_names_the_interpreter(app: Path) -> None:
    python = _python312()
    with _start(app, python={"3.12": python.executable}) as local:
        assert local.runtime_info["Models"]["interpreter"] == "smoke.yaml python:"
    with pytest.raises(ConfigError, match=r"gives .* for python3.12, but it is Python 3\.11"):
        _start(app, python={"3.12": sys.executable if sys.version_info[:2] == (3, 11) else "x"})


@pytest.mark.slow
def test_without_python312_the_compiled_dependency_is_an_interpreter_mismatch(
    app: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if sys.version_info[:2] == (3, 12):
        pytest.skip("smoke itself runs on 3.12")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no pyenv shims
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(tmp_path / "no-uv"))
    import botocore.exceptions

    with _start(app) as local:
        info = local.runtime_info["Models"]
        assert info["python_executable"] == sys.executable
        assert info["warnings"][0].startswith("NO PYTHON 3.12 FOUND: Models declares python3.12")
        client = lambda_client(local.endpoint_url)
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            client.invoke(FunctionName="Models", Payload=b"{}")
        error = caught.value.response["Error"]
        assert error["Code"] == "InterpreterMismatchException"
        assert "interpreter mismatch, not a broken artifact" in error["Message"]
        assert "_pydantic_core.cpython-312" in error["Message"]
        assert "pyenv install 3.12" in error["Message"]
        assert list(local.excluded_request_ids().values()) == [error["Message"]]


def _any_other_python() -> interpreters.Interpreter:
    """A real CPython of another minor version than smoke's, wherever it is installed."""
    for minor in range(9, 15):
        version = f"3.{minor}"
        if version == f"{sys.version_info.major}.{sys.version_info.minor}":
            continue
        found = interpreters.find(version)
        if found is not None:
            return found
    pytest.skip("no second Python installed")


def test_pythons_are_found_in_pyenv_and_uv_layouts_and_a_broken_shim_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = _any_other_python()
    v = real.version
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / f"python{v}").write_text("#!/bin/sh\necho 'pyenv: version not selected' >&2\nexit 127\n")
    (shims / f"python{v}").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shims}:/usr/bin:/bin")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.setenv("UV_PYTHON_INSTALL_DIR", str(tmp_path / "uv"))
    assert interpreters.find(v) is None  # the shim does not run: not taken

    import platform

    uv_bin = tmp_path / "uv" / f"cpython-{real.full_version}-linux-{platform.machine()}-gnu" / "bin"
    uv_bin.mkdir(parents=True)
    (uv_bin / f"python{v}").symlink_to(real.executable)
    found = interpreters.find(v)
    assert found is not None and found.source == "uv" and found.full_version == real.full_version

    for patch in ("0", real.full_version.split(".")[2]):  # the newest patch release wins
        pyenv_bin = tmp_path / "pyenv" / "versions" / f"{v}.{patch}" / "bin"
        pyenv_bin.mkdir(parents=True, exist_ok=True)
        if not (pyenv_bin / f"python{v}").exists():
            (pyenv_bin / f"python{v}").symlink_to(real.executable)
    found = interpreters.find(v)
    assert found is not None and found.source == "pyenv"
    assert f"{v}.{real.full_version.split('.')[2]}" in found.executable


def test_a_python_entry_of_another_version_is_a_config_error_with_its_file(tmp_path: Path) -> None:
    import subprocess

    write_files(tmp_path, {
        **APP,
        "smoke.yaml": f"""
            environments:
              local:
                template: template.yaml
                python:
                  "3.12": {sys.executable if sys.version_info[:2] != (3, 12) else '/bin/true'}
        """,
        "suites/s.yaml": "suite: s\nfunction: Models\nevent: raw\nchecks:\n  - {name: a, payload: {}, mutates: false}\n",
    })  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "smoke", "run", "local"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    err = done.stdout + done.stderr
    assert "smoke.yaml:2" in err and "for python3.12, but it" in err
    assert "Traceback" not in err
