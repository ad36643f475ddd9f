"""Template and smoke.yaml mistakes of local functions: ConfigErrors at validate time,
each naming the file and the line, quoting it, with a hint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smoke.errors import ConfigError
from smoke.local import local_catalog, local_functions
from smoke.local.template import NotSupportedLocally
from smoke.model import Environment, FunctionSpec, LayerSpec, Location


def _template_env(tmp_path: Path, text: str, **spec: Any) -> Environment:
    (tmp_path / "template.yaml").write_text(text)
    (tmp_path / "src").mkdir(exist_ok=True)
    functions = {"api": FunctionSpec(logical="api", **spec)} if spec else {}
    return Environment(name="local", template="template.yaml", functions=functions)


def _error(env: Environment, base_dir: Path) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        local_functions(env, base_dir=base_dir)
    return raised.value


def test_mis_indented_properties_point_at_the_misplaced_key(tmp_path: Path) -> None:
    env = _template_env(
        tmp_path,
        "Resources:\n"
        "  Api:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "    Handler: app.handler\n"
        "    CodeUri: src\n",
    )
    error = _error(env, tmp_path)
    assert error.location == Location(str(tmp_path / "template.yaml"), 5, 5)
    assert "Handler is beside Properties, not inside it" in error.message
    assert "5 |     Handler: app.handler" in error.snippet
    assert "Indent" in error.hint


def test_a_missing_handler_names_the_resource_line(tmp_path: Path) -> None:
    env = _template_env(
        tmp_path, "Resources:\n  Api:\n    Type: AWS::Serverless::Function\n    Properties:\n"
    )
    error = _error(env, tmp_path)
    assert error.location is not None and error.location.line == 3
    assert "Handler must be 'module.function', it is not set" in error.message
    assert error.hint


def test_a_handler_without_a_module_is_at_its_line(tmp_path: Path) -> None:
    env = _template_env(
        tmp_path,
        "Resources:\n  Api:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: src\n      Handler: handler\n",
    )
    error = _error(env, tmp_path)
    assert error.location is not None and error.location.line == 6
    assert "got 'handler'" in error.message and "6 |       Handler: handler" in error.snippet


RUNTIME_TEMPLATE = """Parameters:
  Rt: {{Type: String{default}}}
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      CodeUri: src
      Runtime: {runtime}
"""


def test_runtime_ref_resolves_the_parameter_default(tmp_path: Path) -> None:
    env = _template_env(tmp_path, RUNTIME_TEMPLATE.format(default=", Default: python3.12", runtime="!Ref Rt"))
    assert local_functions(env, base_dir=tmp_path)["Api"].runtime == "python3.12"


def test_an_unresolvable_runtime_is_at_its_line_and_names_the_key(tmp_path: Path) -> None:
    env = _template_env(tmp_path, RUNTIME_TEMPLATE.format(default="", runtime="!Ref Rt"))
    error = _error(env, tmp_path)
    assert "Runtime cannot be resolved locally: parameter Rt has no Default" in error.message
    assert error.location is not None and error.location.line == 9
    assert "9 |       Runtime: !Ref Rt" in error.snippet
    assert "parameters: {Rt: VALUE}" in error.hint


@pytest.mark.parametrize("runtime", ["nodejs20.x", "python2.7"])
def test_another_language_is_refused_alone_at_its_line(tmp_path: Path, runtime: str) -> None:
    env = _template_env(tmp_path, RUNTIME_TEMPLATE.format(default="", runtime=runtime))
    assert local_functions(env, base_dir=tmp_path) == {}  # not a mistake: not listed
    error = local_catalog(env, base_dir=tmp_path).refused["Api"]
    assert isinstance(error, NotSupportedLocally)
    assert f"Runtime {runtime}: the local runtime runs Python 3 functions only" in error.message
    assert error.location is not None and error.location.line == 9
    assert f"9 |       Runtime: {runtime}" in error.snippet


def test_a_missing_code_uri_is_at_its_line(tmp_path: Path) -> None:
    env = _template_env(
        tmp_path,
        "Resources:\n  Api:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      Handler: app.handler\n      CodeUri: srcx\n",
    )
    error = _error(env, tmp_path)
    assert "CodeUri 'srcx' does not exist" in error.message
    assert error.location is not None and error.location.line == 6


def test_an_unknown_resource_suggests_and_names_the_smoke_yaml_line(tmp_path: Path) -> None:
    smoke_yaml = tmp_path / "smoke.yaml"
    smoke_yaml.write_text("environments:\n  local:\n    functions:\n      api: {resource: BackendApiFunctoin}\n")
    env = _template_env(
        tmp_path,
        "Resources:\n  BackendApiFunction:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {Handler: app.handler, CodeUri: src}\n",
        resource="BackendApiFunctoin",
        location=Location(str(smoke_yaml), 4, 4),
    )
    error = _error(env, tmp_path)
    assert error.location == Location(str(smoke_yaml), 4, 4)
    assert "BackendApiFunctoin" in error.message
    assert "Did you mean 'BackendApiFunction'?" in error.hint
    assert "4 |       api: {resource: BackendApiFunctoin}" in error.snippet


SMOKE_YAML = "environments:\n  local:\n    functions:\n      api: {handler: h, code: src}\n"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "srcx"}, "code 'srcx' does not exist"),
        ({"layers": (LayerSpec(name="deps", path="layers/missing"),)}, "layer 'deps' 'layers/missing' does not exist"),
        ({"handler": "handler"}, "handler 'handler' has no module: it must be 'module.function'"),
        ({"runtime": "python2.7"}, "the local runtime runs Python 3 functions; runtime is 'python2.7'"),
        ({"runtime": "nodejs20.x"}, "the local runtime runs Python 3 functions"),
    ],
)
def test_explicit_local_function_mistakes_are_at_the_smoke_yaml_line(
    tmp_path: Path, fields: dict[str, object], message: str
) -> None:
    (tmp_path / "src").mkdir()
    smoke_yaml = tmp_path / "smoke.yaml"
    smoke_yaml.write_text(SMOKE_YAML)
    values: dict[str, object] = {"handler": "app.handler", "code": "src", **fields}
    spec = FunctionSpec(logical="api", location=Location(str(smoke_yaml), 4, 4), **values)  # type: ignore[arg-type]
    error = _error(Environment(name="local", functions={"api": spec}), tmp_path)
    assert message in error.message
    assert error.location == Location(str(smoke_yaml), 4, 4)
    assert "> 4 |" in error.snippet or "4 |" in error.snippet
    assert error.hint
