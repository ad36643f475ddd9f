"""Issue 12 (hardening, round two): the loaders' share of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import config_error
from smoke.config import load_config


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
