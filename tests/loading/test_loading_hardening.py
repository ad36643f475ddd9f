"""Issue 12 (hardening, round two): the loaders' share of it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from smoke.errors import ConfigError
from smoke.loading.config import load_config


def config_error(func: Callable[..., Any], *args: Any) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        func(*args)
    return info.value


def test_item_20_unclosed_ipv6_base_url_is_file_line_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "smoke.yaml"
    config.write_text('environments:\n  prod:\n    via: http\n    base_url: "http://[::1"\n'
                      "    functions:\n      api: {name: a}\n")
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "a.yaml").write_text("suite: a\nfunction: api\nchecks:\n"
                                                "  - name: h\n    get: /h\n")
    error = config_error(load_config, config, {})
    assert str(error).startswith(f"{config}:4: base_url is not a valid URL")
    proc = subprocess.run([sys.executable, "-m", "smoke", "run", "prod", "--config", str(config)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert f"{config}:4: base_url is not a valid URL" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


@pytest.mark.parametrize("url", ["http://[::1", "http://host:99999", "http://host:port"])
def test_item_20_malformed_urls_are_config_errors(tmp_path: Path, url: str) -> None:
    config = tmp_path / "smoke.yaml"
    config.write_text(f'environments:\n  prod:\n    endpoint_url: "{url}"\n'
                      "    functions:\n      api: {name: a}\n")
    error = config_error(load_config, config, {})
    assert error.location is not None and error.location.line == 3


_SUITE = "suite: a\nfunction: api\nchecks:\n  - name: h\n    get: /h\n{extra}"


@pytest.mark.parametrize("extra, line, word", [
    ("    expect: {max_ms: .nan}\n", 6, "finite"),
    ("    expect: {max_ms: .inf}\n", 6, "finite"),
    ("    expect: {max_ms: -.inf}\n", 6, "finite"),
    ("    expect: {max_ms: -5}\n", 6, "> 0"),
    ("    expect: {max_ms: 1.0e+300}\n", 6, "<= 900000"),
    ("    timeout: .nan\n", 6, "finite"),
    ("    timeout: -5\n", 6, "> 0"),
    ("    timeout: 1.0e+300\n", 6, "<= 900"),
    ("    expect: {json_schema: {maximum: .inf}}\n", 6, "finite"),
])
def test_item_09_non_finite_negative_and_huge_numbers_are_rejected_in_suites(
    tmp_path: Path, extra: str, line: int, word: str
) -> None:
    from smoke.loading.suites import load_suite

    path = tmp_path / "a.yaml"
    path.write_text(_SUITE.format(extra=extra))
    error = config_error(load_suite, path, {})
    assert error.location is not None and error.location.line == line, str(error)
    assert word in error.message


@pytest.mark.parametrize("value, word", [(".nan", "finite"), ("-5", "> 0"), ("1.0e+300", "<= 900")])
def test_item_09_local_timeout_in_smoke_yaml(tmp_path: Path, value: str, word: str) -> None:
    path = tmp_path / "smoke.yaml"
    path.write_text("environments:\n  local:\n    functions:\n"
                    f"      api: {{handler: app.handler, code: src, timeout: {value}}}\n")
    error = config_error(load_config, path, {})
    assert error.location is not None and error.location.line == 4
    assert word in error.message


@pytest.mark.parametrize("prop, value", [("Timeout", "-5"), ("Timeout", "1.0e+300"),
                                         ("Timeout", ".nan"), ("Timeout", ".inf"),
                                         ("MemorySize", ".inf"), ("MemorySize", "-1")])
def test_item_09_template_numbers_out_of_lambda_limits(tmp_path: Path, prop: str,
                                                       value: str) -> None:
    from smoke.local.template import function_definition, read_template

    (tmp_path / "src").mkdir()
    path = tmp_path / "template.yaml"
    path.write_text("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                    f"      CodeUri: src\n      Handler: app.handler\n      {prop}: {value}\n")
    error = config_error(function_definition, read_template(path), "Fn", "us-east-1")
    assert error.location is not None and error.location.line == 7
    assert prop in error.message and "between" in error.message


def test_item_09_validate_and_run_exit_2_for_nan(tmp_path: Path) -> None:
    (tmp_path / "smoke.yaml").write_text("environments:\n  prod:\n    via: http\n"
                                         "    base_url: http://127.0.0.1:9\n"
                                         "    functions:\n      api: {name: a}\n")
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "a.yaml").write_text(
        _SUITE.format(extra="    expect: {max_ms: .nan}\n"))
    for args in (["validate"], ["run", "prod"]):
        proc = subprocess.run([sys.executable, "-m", "smoke", *args], capture_output=True,
                              text=True, cwd=tmp_path, timeout=60)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "suites/a.yaml:6:" in proc.stderr and "finite" in proc.stderr
