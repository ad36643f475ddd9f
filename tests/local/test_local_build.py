"""Builds like `sam build`: function and layer requirements, cached, skipped when bundled,
a failed build is an error of that function's checks only; an interpreter mismatch is
labelled as such. Offline: the requirements name local wheels (``--no-index``)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import pytest
from localrt_helpers import lambda_client, write_files

from smoke.local import start_local_runtime
from smoke.local.build import Target, build_key, installed_requirements, platform_tags
from smoke.model import Environment

HERE = f"python{sys.version_info.major}.{sys.version_info.minor}"
REPO = Path(__file__).resolve().parents[2]


def wheel(directory: Path, name: str, source: str = "VALUE = 42\n") -> Path:
    """A minimal pure-Python wheel, so pip builds without the network."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}.py", source)
        info = f"{name}-1.0.dist-info"
        archive.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        archive.writestr(
            f"{info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        archive.writestr(f"{info}/RECORD", "")
    return path


def offline(*wheels: Path, extra: str = "") -> str:
    return "--no-index\n" + "".join(f"{w}\n" for w in wheels) + extra


def invoke(client: Any, name: str, event: dict[str, Any] | None = None) -> tuple[dict[str, Any], Any]:
    answer = client.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode())
    return answer, json.loads(answer["Payload"].read() or b"null")


def template(runtime: str = HERE, extra: str = "") -> str:
    return textwrap.dedent(f"""
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            Runtime: {runtime}
            Handler: app.handler
        Resources:
          DepsLayer:
            Type: AWS::Serverless::LayerVersion
            Properties: {{ContentUri: layer/}}
            Metadata: {{BuildMethod: {runtime}}}
          Api:
            Type: AWS::Serverless::Function
            Properties: {{CodeUri: api/, Layers: [!Ref DepsLayer]}}
          Broken:
            Type: AWS::Serverless::Function
            Properties: {{CodeUri: broken/}}
    """) + textwrap.dedent(extra)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("built-app")
    wheels = root / "wheels"
    tiny, layerdep = wheel(wheels, "tinydep"), wheel(wheels, "layerdep", "WHERE = 'layer dep'\n")
    return write_files(root, {
        "template.yaml": template(),
        "api/requirements.txt": offline(tiny),
        "api/app.py": """
            import layerdep, layermod, tinydep

            def handler(event, context):
                return {"tiny": tinydep.VALUE, "mod": layermod.NAME, "dep": layerdep.WHERE,
                        "files": [tinydep.__file__, layermod.__file__]}
        """,
        "layer/requirements.txt": offline(layerdep),
        "layer/layermod.py": "NAME = 'the layer own module'\n",
        "broken/requirements.txt": offline(tiny),
        "broken/app.py": """
            import tinydep
            import missingdep  # in nobody's requirements: a broken artifact

            def handler(event, context):
                return "unreachable"
        """,
    })  # fmt: skip


def _runtime(root: Path) -> Any:
    env = Environment(name="local", template="template.yaml")
    return start_local_runtime(env, base_dir=root, log_dir=root / "logs")


def test_function_and_layer_requirements_are_installed_and_a_missing_module_still_fails(
    app: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with _runtime(app) as local:
        client = lambda_client(local.endpoint_url)
        answer, body = invoke(client, "Api")
        assert "FunctionError" not in answer, body
        assert body["tiny"] == 42 and body["dep"] == "layer dep"
        assert body["mod"] == "the layer own module"  # the layer keeps its own modules
        assert body["files"][1] == str(app / "layer" / "layermod.py")
        answer, body = invoke(client, "Broken")
        assert answer["FunctionError"] == "Unhandled"
        assert body["errorType"] == "Runtime.ImportModuleError"
        assert "No module named 'missingdep'" in body["errorMessage"]
        builds = local.runtime_info["Api"]["builds"]
        assert {b["what"] for b in builds} == {"function Api", "Api's layer from layer/"}
        assert all(b["for"].startswith(HERE) for b in builds)
    err = capfd.readouterr().err
    assert "smoke: built function Api: requirements.txt for" in err  # one line per build (CI)
    assert "smoke: built Api's layer from layer/: requirements.txt for" in err  # not "layer layer"
    with _runtime(app):  # the second start takes every build from the cache
        pass
    assert "smoke: built" not in capfd.readouterr().err


def test_builds_are_cached_by_requirements_runtime_and_architecture(tmp_path: Path) -> None:
    tiny = tmp_path / "tinydep-1.0-py3-none-any.whl"
    (tmp_path / "extra.txt").write_text("# nothing\n")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(offline(tiny, extra="-r extra.txt\n"))
    target = Target(HERE.removeprefix("python"), "x86_64", sys.executable)
    key = build_key(requirements, target)  # (a build and its cache hit: the test above)
    assert build_key(requirements, target) == key
    assert build_key(requirements, Target(target.version, "arm64", sys.executable)) != key
    assert build_key(requirements, Target("3.99", "x86_64", sys.executable)) != key
    assert build_key(requirements, Target(target.version, "x86_64")) != key  # smoke's pip
    (tmp_path / "extra.txt").write_text("# an included file changed\n")
    assert build_key(requirements, target) != key


def test_a_comment_only_requirements_file_builds_nothing(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# nothing yet\n--no-index\n")
    built = installed_requirements(requirements, Target("3.12", "x86_64"), "layer L")
    assert [p.name for p in built.iterdir()] == [".smoke-build"]


def test_wheels_are_for_the_declared_python_and_architecture() -> None:
    assert platform_tags("3.11", "arm64")[0] == "manylinux_2_26_aarch64"  # Amazon Linux 2
    assert platform_tags("3.12", "x86_64")[0] == "manylinux_2_34_x86_64"  # Amazon Linux 2023
    assert "manylinux2014_x86_64" in platform_tags("3.12", "x86_64")


def _cdk_function(asset: str, bundled: bool, layer: str | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "Code": {"S3Bucket": "cdk-hnb659fds-assets", "S3Key": f"{asset}.zip"},
        "Handler": "app.handler", "Runtime": HERE,
    }  # fmt: skip
    if layer:
        properties["Layers"] = [{"Ref": layer}]
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": properties,
        "Metadata": {"aws:asset:path": f"asset.{asset}", "aws:asset:is-bundled": bundled,
                     "aws:asset:property": "Code"},
    }  # fmt: skip


def test_bundled_code_is_not_built_again(tmp_path: Path) -> None:
    """CDK assets are deployed as they are (CDK runs pip only when it bundles) and a `sam
    build` output template holds built code: pip must not run (it would fail here)."""
    unbuildable = "--no-index\nno-such-package-smoke==1.0\n"
    handler = "def handler(event, context):\n    return 'bundled'\n"
    write_files(tmp_path, {
        "cdk/template.json": json.dumps({"Resources": {
            "Fn": _cdk_function("abc", bundled=True, layer="Deps"),
            "Plain": _cdk_function("def", bundled=False),
            "Deps": {
                "Type": "AWS::Lambda::LayerVersion",
                "Properties": {"Content": {"S3Bucket": "b", "S3Key": "layer.zip"}},
                "Metadata": {"aws:asset:path": "asset.layer", "aws:asset:property": "Content"},
            },
        }}),
        "cdk/asset.abc/app.py": handler,
        "cdk/asset.abc/requirements.txt": unbuildable,
        "cdk/asset.def/app.py": "import tinydep\n" + handler,  # deployed without its deps
        "cdk/asset.def/requirements.txt": "tinydep\n",
        "cdk/asset.layer/requirements.txt": unbuildable,  # CDK zips the directory as it is
        ".aws-sam/build/template.yaml": f"""
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties: {{CodeUri: Fn, Handler: app.handler, Runtime: {HERE}}}
        """,
        ".aws-sam/build/Fn/app.py": handler,
        ".aws-sam/build/Fn/requirements.txt": unbuildable,
    })  # fmt: skip
    for where in ("cdk/template.json", ".aws-sam/build/template.yaml"):
        env = Environment(name="local", template=where)
        with start_local_runtime(env, base_dir=tmp_path, log_dir=tmp_path / "logs") as local:
            assert local.runtime_info["Fn"]["builds"] == []
            client = lambda_client(local.endpoint_url)
            _, body = invoke(client, "Fn")
            assert body == "bundled"
            if where.startswith("cdk"):  # not bundled: in Lambda it lacks tinydep too
                answer, body = invoke(client, "Plain")
                assert answer.get("FunctionError") and "No module named 'tinydep'" in str(body)


# ------------------------------------------------------------------ through `smoke run`


def _smoke_run(root: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], str]:
    done = subprocess.run(
        [sys.executable, "-m", "smoke", "run", "local", "--config", str(root / "smoke.yaml"),
         "--json", str(root / "out") + "/", "--junit", str(root / "out") + "/", "--log-wait", "2"],
        capture_output=True, text=True, timeout=180, cwd=root,
    )  # fmt: skip
    report = json.loads((root / "out" / "smoke-local.json").read_text())
    junit = (root / "out" / "smoke-local.xml").read_text()
    return done, report, junit


def _outcomes(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["function"]: (c["outcome"], c.get("error") or "") for c in report["checks"]}


SUITE = """
    suite: s
    event: raw
    checks:
      - {name: api, function: api, payload: {}, mutates: false}
      - {name: other, function: other, payload: {}, mutates: false}
"""


def test_a_failed_build_is_an_error_of_that_functions_checks_only(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "smoke.yaml": """
            environments:
              local:
                template: template.yaml
                functions: {api: {resource: Api}, other: {resource: Other}}
        """,
        "suites/s.yaml": SUITE,
        "template.yaml": f"""
            Resources:
              Api:
                Type: AWS::Serverless::Function
                Properties: {{CodeUri: api/, Handler: app.handler, Runtime: {HERE}}}
              Other:
                Type: AWS::Serverless::Function
                Properties: {{CodeUri: other/, Handler: app.handler, Runtime: {HERE}}}
        """,
        "api/app.py": "def handler(event, context):\n    return {}\n",
        "api/requirements.txt": "--no-index\nno-such-package-smoke==1.0\n",
        "other/app.py": "def handler(event, context):\n    return {}\n",
    })  # fmt: skip
    done, report, _ = _smoke_run(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    outcomes = _outcomes(report)
    assert outcomes["other"] == ("passed", "")
    outcome, error = outcomes["api"]
    assert outcome == "error"
    assert "function Api: pip could not install" in error and f"for {HERE} x86_64" in error
    assert "no-such-package-smoke" in error.split("pip's last lines:")[1]
    assert "smoke: FAILED to build function Api" in done.stderr
    assert report["log_scan"]["findings"] == []  # never blamed on the app


def test_an_interpreter_mismatch_is_labelled_not_a_broken_artifact(tmp_path: Path) -> None:
    """python3.99 is installed nowhere: the function runs on smoke's Python, its compiled
    module (tagged cpython-399) cannot import there, and that is said as such; a module
    that is genuinely missing is still a broken artifact."""
    write_files(tmp_path, {
        "smoke.yaml": """
            environments:
              local:
                template: template.yaml
                functions: {api: {resource: Api}, other: {resource: Other}}
        """,
        "suites/s.yaml": SUITE,
        "template.yaml": """
            Globals: {Function: {Runtime: python3.99, Handler: app.handler}}
            Resources:
              Api: {Type: AWS::Serverless::Function, Properties: {CodeUri: api/}}
              Other: {Type: AWS::Serverless::Function, Properties: {CodeUri: other/}}
        """,
        "api/app.py": "from fastlib import _speedups\n\ndef handler(event, context):\n    return {}\n",
        "api/fastlib/__init__.py": "",
        "other/app.py": "import missingdep\n\ndef handler(event, context):\n    return {}\n",
    })  # fmt: skip
    (tmp_path / "api/fastlib/_speedups.cpython-399-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    done, report, junit = _smoke_run(tmp_path)
    outcomes = _outcomes(report)
    outcome, error = outcomes["api"]
    assert outcome == "error", outcomes
    assert "interpreter mismatch, not a broken artifact" in error
    assert "_speedups.cpython-399-x86_64-linux-gnu.so" in error
    assert outcomes["other"][0] == "failed"  # missingdep is missing under any Python
    scan = report["log_scan"]
    assert {f["function"] for f in scan["findings"]} == {"other"}
    assert any("not counted against the app: interpreter mismatch" in n for n in scan["notes"])
    loud = "NO PYTHON 3.99 FOUND: Api declares python3.99 but runs on smoke's own Python"
    assert loud in done.stdout  # the console
    assert loud in report["functions"]["api"]["local_runtime"]["warnings"][0]  # the JSON report
    assert loud in junit  # and the JUnit report


def test_sigterm_during_a_build_stops_pip_and_leaves_nothing_half_built(tmp_path: Path) -> None:
    """pip waits on a package index that never answers; SIGTERM ends the run at once."""
    import os
    import signal
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # connections complete in the backlog; nothing ever answers
    index = f"http://127.0.0.1:{silent.getsockname()[1]}/simple"
    write_files(tmp_path, {
        "smoke.yaml": "environments:\n  local:\n    template: template.yaml\n"
                      "    functions: {api: {resource: Api}, other: {resource: Api}}\n",
        "suites/s.yaml": SUITE,
        "template.yaml": f"""
            Resources:
              Api:
                Type: AWS::Serverless::Function
                Properties: {{CodeUri: api/, Handler: app.handler, Runtime: {HERE}}}
        """,
        "api/app.py": "def handler(event, context):\n    return {}\n",
        "api/requirements.txt": f"--index-url {index}\nsome-package==1.0\n",
    })  # fmt: skip
    cache = tmp_path / "cache"
    proc = subprocess.Popen(
        [sys.executable, "-m", "smoke", "run", "local", "--json", "out/", "--junit", "out/"],
        cwd=tmp_path, env={**os.environ, "SMOKE_CACHE_DIR": str(cache), "PIP_NO_INDEX": ""},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not list((cache / "builds").glob(".*-*")) and time.monotonic() < deadline:
            time.sleep(0.1)  # the build directory exists: pip is running
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        _, err = proc.communicate(timeout=30)
        took = time.monotonic() - stopped
    finally:
        proc.kill()
        silent.close()
    assert proc.returncode == 143, err
    assert took < 10, took
    report = json.loads((tmp_path / "out" / "smoke-local.json").read_text())
    assert {c["outcome"] for c in report["checks"]} == {"not_run"}
    assert [p.name for p in (cache / "builds").iterdir() if not p.name.endswith(".lock")] == []


def test_a_terminal_sees_a_live_line_while_building() -> None:
    import io
    import time

    from smoke.local.build import _Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    with _Progress(stream, "function Api", "requirements.txt for python3.12 x86_64"):
        # until the ticker has redrawn the line once (every 0.5 s; a loaded machine may
        # schedule its thread late): the redraw is what is asserted, not its timing
        waited = time.monotonic() + 30
        while "\r" not in stream.getvalue() and time.monotonic() < waited:
            time.sleep(0.05)
    text = stream.getvalue()
    assert text.startswith("smoke: building function Api: requirements.txt for python3.12")
    assert "\rsmoke: building function Api" in text  # redrawn in place with the time
    assert text.endswith("\n") and "smoke: built function Api" in text.splitlines()[-1]


@pytest.mark.slow
def test_a_pure_python_sdist_is_built_into_a_wheel_and_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docopt 0.6.2 is published only as an sdist: no wheel for any platform exists, as
    with many small packages; aws-lambda-builders builds it, and so does smoke (PyPI,
    cached in ~/.cache/smoke-tests/)."""
    monkeypatch.setenv("SMOKE_CACHE_DIR", str(Path.home() / ".cache" / "smoke-tests" / "local-build"))
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("docopt==0.6.2\n")
    target = Target("3.12", "x86_64")  # smoke's pip, --python-version 3.12
    built = installed_requirements(requirements, target, "function Cli")
    assert (built / "docopt.py").is_file()
    assert list(built.glob("docopt-0.6.2.dist-info"))
