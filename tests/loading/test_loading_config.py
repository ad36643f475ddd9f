from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import DATA, config_error
from smoke.loading.config import load_config
from smoke.model import LayerSpec, Location, LogRule

Write = Callable[..., Path]
EXAMPLE = DATA / "project" / "smoke.yaml"


def env_text(env: str, name: str = "prod") -> str:
    """smoke.yaml with one environment whose body is ``env`` (YAML, unindented)."""
    body = "\n".join("    " + line for line in env.strip("\n").splitlines())
    return f"environments:\n  {name}:\n{body}\n"


def test_design_example_config() -> None:
    config = load_config(EXAMPLE, {})
    assert config.path == str(EXAMPLE)
    assert list(config.environments) == ["prod", "local"]
    prod, local = config.environments["prod"], config.environments["local"]
    assert (prod.region, prod.profile, prod.protected, prod.via) == (
        "us-west-2",
        "bmx-prod",
        True,
        "invoke",
    )
    assert prod.base_url == "https://api.example.com"
    assert prod.endpoint_url is None and prod.is_local is False
    api, cleanup, worker = (prod.functions[n] for n in ("api", "cleanup", "worker"))
    assert (api.stack, api.resource, api.qualifier) == (
        "credmate-lambda-prod",
        "BackendApiFunction",
        "live",
    )
    assert api.location == Location(str(EXAMPLE), 10, 10)
    assert cleanup.name == "bluemoxon-prod-cleanup"
    assert (worker.prefix, dict(worker.tags)) == ("bluemoxon-prod-worker", {"app": "bluemoxon"})
    assert local.template == str(EXAMPLE.parent.resolve() / "template.yaml")
    assert local.is_local and local.functions["api"].resource == "BackendApiFunction"
    assert prod.location.line == 2 and local.location.line == 13


def test_local_definitions_resolve_paths_against_the_config(write: Write) -> None:
    path = write(
        "proj/smoke.yaml",
        env_text(
            """
            functions:
              api:
                handler: app.main.handler
                code: src
                runtime: python3.12
                layers: [build/deps, ../shared/layer.zip]
                environment: {STAGE: local, DEBUG: true, N: 3}
                timeout: 10
                memory: 512
            log_rules:
              - {name: import errors, pattern: "No module named '\\\\w+'", filter: '"No module"'}
            secrets: [literal-secret]
            endpoint_url: ${ENDPOINT}
            """,
            name="dev",
        ),
    )
    config = load_config(path, {"ENDPOINT": "http://127.0.0.1:9001"})
    dev = config.environments["dev"]
    base = path.parent.resolve()
    api = dev.functions["api"]
    assert api.code == str(base / "src")
    assert api.layers == (
        LayerSpec("deps", str(base / "build" / "deps")),
        LayerSpec("layer", str(base.parent / "shared" / "layer.zip")),
    )
    assert api.environment == {"STAGE": "local", "DEBUG": "true", "N": "3"}
    assert (api.runtime, api.timeout_s, api.memory_mb) == ("python3.12", 10.0, 512)
    assert dev.log_rules == (LogRule("import errors", r"No module named '\w+'", '"No module"'),)
    assert dev.endpoint_url == "http://127.0.0.1:9001"
    assert config.secrets == frozenset({"http://127.0.0.1:9001"})
    assert dev.secrets == ("literal-secret", "http://127.0.0.1:9001")
    assert dev.is_local


def test_missing_config_says_where_it_looked_and_how_to_create_one(tmp_path: Path) -> None:
    error = config_error(load_config, tmp_path / "smoke.yaml", {})
    assert f"looked for {tmp_path.resolve() / 'smoke.yaml'}" in str(error)
    assert "environments:" in error.hint and "--config" in error.hint


@pytest.mark.parametrize(
    ("env", "line", "unknown", "suggestion"),
    [
        ("regoin: us-east-1", 3, "regoin", "region"),
        ("functions:\n  api: {nmae: x}", 4, "nmae", "name"),
        ("log_rules: [{name: a, pattern: b, filtr: c}]", 3, "filtr", "filter"),
    ],
)
def test_unknown_keys(write: Write, env: str, line: int, unknown: str, suggestion: str) -> None:
    path = write("smoke.yaml", env_text(env))
    error = config_error(load_config, path, {})
    assert str(error).startswith(f"{path}:{line}: unknown key {unknown!r} in ")
    assert f"did you mean {suggestion!r}?" in error.hint
    assert f"> {line} |" in error.snippet


def test_unknown_key_names_the_function_and_environment(write: Write) -> None:
    path = write("smoke.yaml", env_text("functions:\n  api: {name: x, qualifer: live}"))
    error = config_error(load_config, path, {})
    assert "unknown key 'qualifer' in `environments.prod.functions.api`" in str(error)
    assert "did you mean 'qualifier'?" in str(error)


def test_wrong_types_and_enums(write: Write) -> None:
    path = write("smoke.yaml", env_text("protected: yes please"))
    error = config_error(load_config, path, {})
    assert str(error).startswith(f"{path}:3: `environments.prod.protected` must be true or false")
    path = write("smoke.yaml", env_text("via: htp\nbase_url: http://x"))
    error = config_error(load_config, path, {})
    assert str(error).startswith(f"{path}:3: `environments.prod.via` has an unknown value")
    assert "valid values: invoke, http; did you mean 'http'?" in error.hint


def test_no_environments(write: Write) -> None:
    path = write("smoke.yaml", "environments: {}\n")
    assert "must have at least one entry" in str(config_error(load_config, path, {}))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("{name: a, prefix: b}", "gives 2 ways: name, prefix"),
        ("{name: a, stack: s, resource: r}", "gives 2 ways: name, stack"),
        ("{qualifier: live}", "gives no way to find it"),
        ("{stack: s}", "has `stack` but no `resource`"),
        ("{handler: app.handler}", "has `handler` but no `code`"),
        ("{code: src}", "has `code` but no `handler`"),
        ("{resource: Fn}", "gives `resource` alone, which needs a `template:`"),
        ("{name: a, tags: {x: y}}", "`tags` only narrows a `prefix` search"),
        ("{name: a, runtime: python3.12}", "runtime applies only to local functions"),
    ],
)
def test_function_spec_ways(write: Write, spec: str, message: str) -> None:
    path = write("smoke.yaml", env_text(f"functions:\n  api: {spec}"))
    error = config_error(load_config, path, {})
    assert str(error).startswith(f"{path}:4: function 'api' of environment 'prod'")
    assert message in error.message
    assert "> 4 |" in error.snippet


ARN = "arn:aws:lambda:us-east-1:123456789012:function:shop-api"


@pytest.mark.parametrize("name", [f"{ARN}:live", "shop-api:live", "123456789012:function:shop-api:live"])
def test_a_qualified_name_and_a_different_qualifier_is_an_error(write: Write, name: str) -> None:
    path = write("smoke.yaml", env_text(f"functions:\n  api:\n    name: '{name}'\n"
                                        "    qualifier: blue"))
    error = config_error(load_config, path, {})
    assert str(error).startswith(f"{path}:6: function 'api' of environment 'prod': {name} "
                                 "names the qualifier 'live', but `qualifier:` says 'blue'")
    assert "drop `:live` from the name, or drop `qualifier:`" in error.hint


def test_a_qualified_name_may_repeat_its_own_qualifier(write: Write) -> None:
    for name, qualifier in ((f"{ARN}:live", "live"), (ARN, "live"), ("shop-api", "7")):
        path = write("smoke.yaml", env_text(f"functions:\n  api: {{name: '{name}', "
                                            f"qualifier: '{qualifier}'}}"))
        assert load_config(path, {}).environments["prod"].functions["api"].qualifier == qualifier


def test_via_http_requires_base_url(write: Write) -> None:
    path = write("smoke.yaml", env_text("region: us-east-1\nvia: http"))
    error = config_error(load_config, path, {})
    assert str(error).startswith(f"{path}:4: environment 'prod' has `via: http` but no `base_url`")
    assert "> 4 |     via: http" in error.snippet


def test_bad_log_rule_pattern(write: Write) -> None:
    path = write("smoke.yaml", env_text("log_rules:\n  - name: r\n    pattern: 'a(b'"))
    error = config_error(load_config, path, {})
    assert str(error).startswith(f"{path}:5: log rule 'r': the pattern is not a valid regular")


def test_unset_variable_in_config(write: Write) -> None:
    path = write("smoke.yaml", env_text("region: us-east-1\nprofile: ${AWS_PROFILE_X}"))
    error = config_error(load_config, path, {})
    assert str(error).startswith(f"{path}:4: the environment variable AWS_PROFILE_X is not set")
