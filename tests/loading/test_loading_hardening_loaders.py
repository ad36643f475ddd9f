"""Issue 12 (hardening, round two): the loaders' share of it (items 17, 18, 19, 22).

Each test is named after its item and failed before the fix.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import config_error
from smoke.cli import main
from smoke.loading.config import load_config
from smoke.loading.suites import load_suite
from smoke.loading.yamlload import MAX_BYTES, load_yaml

Write = Callable[..., Path]

CONFIG = """\
environments:
  web:
    via: http
    base_url: http://127.0.0.1:9
    functions:
      api: {name: my-api}
"""
SUITE = "suite: s\nfunction: api\nchecks:\n  - name: health\n    get: /health\n"


def validate(cwd: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``smoke validate`` in a subprocess (a hang or a crash must not take pytest with it)."""
    return subprocess.run([sys.executable, "-m", "smoke", "validate", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def project(root: Path, config: str | bytes = CONFIG, suite: str | bytes = SUITE) -> Path:
    (root / "suites").mkdir(parents=True, exist_ok=True)
    for path, text in ((root / "smoke.yaml", config), (root / "suites" / "a.yaml", suite)):
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return root


# ------------------------------------------------------------ item 17: bounded reads


def test_item_17_config_from_dev_zero_is_refused_without_reading_it(tmp_path: Path) -> None:
    project(tmp_path)
    done = validate(tmp_path, "--config", "/dev/zero", timeout=30)
    assert done.returncode == 2, done.stderr
    assert "smoke: /dev/zero: is a device, not a regular file" in done.stderr
    assert "Traceback" not in done.stderr


def test_item_17_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    project(tmp_path)
    os.unlink(tmp_path / "smoke.yaml")
    os.mkfifo(tmp_path / "smoke.yaml")  # nobody ever writes to it
    done = validate(tmp_path, timeout=30)
    assert done.returncode == 2, done.stderr
    assert "smoke.yaml: is a FIFO (named pipe), not a regular file" in done.stderr


def test_item_17_the_size_limit_does_not_trust_stat(write: Write) -> None:
    # /proc files say st_size 0; the read itself is bounded
    error = config_error(load_yaml, Path("/proc/self/environ")) if Path("/proc").is_dir() else None
    if error is not None:  # not YAML, or too large; never a hang or a traceback
        assert "/proc/self/environ" in str(error)
    path = write("huge.yaml", b"# x\n" * (MAX_BYTES // 4 + 1))
    assert "more than 1048576 bytes" in str(config_error(load_yaml, path))


# --------------------------------------------------- item 18: alias limits, no false alarm


def test_item_18_twenty_thousand_checks_without_aliases_are_not_an_alias_bomb(
    write: Write,
) -> None:
    lines = ["suite: big", "function: api", "checks:"]
    lines += [f"  - {{name: c{i}, get: /}}" for i in range(20_000)]
    data = load_yaml(write("big.yaml", "\n".join(lines) + "\n"))
    assert len(data["checks"]) == 20_000


def test_item_18_aliases_are_limited_by_what_they_add(write: Write) -> None:
    lines = ["l0: &l0 [x, x]"] + [f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]" for i in range(1, 30)]
    error = config_error(load_yaml, write("bomb.yaml", "\n".join(lines) + "\n"))
    assert "aliases expand to" in str(error) and "more than written" in str(error)
    assert error.location is not None and error.location.line == 1


# ------------------------------------------------------- item 19: control characters


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x9b", "\x08"])
@pytest.mark.parametrize("where", ["suite", "config"])
def test_item_19_control_characters_are_file_line_errors(
    tmp_path: Path, char: str, where: str
) -> None:
    config = CONFIG.replace("my-api", f"my{char}api") if where == "config" else CONFIG
    suite = SUITE.replace("health\n", f"hea{char}lth\n", 1) if where == "suite" else SUITE
    project(tmp_path, config, suite)
    done = validate(tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "ReaderError" not in done.stderr
    file, line = ("smoke.yaml", 6) if where == "config" else ("suites/a.yaml", 4)
    assert f"smoke: {file}:{line}: the file contains the control character U+{ord(char):04X}" \
        in done.stderr
    assert "\x1b" not in done.stderr  # the quoted line spells it out, the terminal is safe


def test_item_19_control_characters_in_a_suite_are_a_clean_pytest_error(
    pytester: pytest.Pytester,
) -> None:
    project(pytester.path, suite=SUITE.replace("health\n", "hea\x1blth\n", 1))
    result = pytester.runpytest("suites", "-p", "no:cacheprovider")
    out = result.stdout.str()
    assert "suites/a.yaml:4: the file contains the control character U+001B (ESC)" in out
    assert "ReaderError" not in out and "Traceback" not in out


def test_item_19_utf16_with_a_bom_is_read(write: Write) -> None:
    path = write("u16.yaml", "suite: s\nname: caf\u00e9\n".encode("utf-16"))
    assert load_yaml(path)["name"] == "caf\u00e9"


# ------------------------------------------------- item 22: what run would crash on


def test_item_22_smoke_yaml_as_a_symlink_loop(tmp_path: Path) -> None:
    project(tmp_path)
    os.unlink(tmp_path / "smoke.yaml")
    os.symlink("smoke.yaml", tmp_path / "smoke.yaml")
    done = validate(tmp_path)
    assert done.returncode == 2, done.stderr
    assert "smoke: smoke.yaml: is a symbolic link loop" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "a\\ud83d"])
def test_item_22_a_lone_surrogate_escape_is_refused_by_validate(
    tmp_path: Path, escape: str
) -> None:
    project(tmp_path, suite=SUITE.replace("name: health", f'name: "x{escape}"'))
    done = validate(tmp_path)
    assert done.returncode == 2, done.stderr
    assert "smoke: suites/a.yaml:4: " in done.stderr and "surrogate" in done.stderr
    error = config_error(load_suite, tmp_path / "suites" / "a.yaml")
    assert error.location is not None and error.location.line == 4
    # a real character beyond U+FFFF, as a pair of escapes or one, is fine
    (tmp_path / "suites" / "a.yaml").write_text(
        SUITE.replace("name: health", 'name: "\\ud83d\\ude00 \\U0001F600"'))
    assert load_suite(tmp_path / "suites" / "a.yaml").checks[0].name == "\U0001F600 \U0001F600"


def test_item_22_a_surrogate_escape_in_a_key_or_in_smoke_yaml(tmp_path: Path) -> None:
    project(tmp_path, config=CONFIG.replace("my-api", '"my\\ud800api"'))
    error = config_error(load_config, tmp_path / "smoke.yaml")
    assert error.location is not None and error.location.line == 6
    project(tmp_path, config=CONFIG, suite=SUITE + '    headers: {"X-\\udc00": v}\n')
    error = config_error(load_suite, tmp_path / "suites" / "a.yaml")
    assert error.location is not None and error.location.line == 6


@pytest.mark.parametrize("command", ["run", "gate"])
def test_item_22_log_wait_too_large_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    project(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main([command, "web", "--config", str(tmp_path / "smoke.yaml"), "--log-wait", "99999999999"])
    assert exit_info.value.code == 2
    assert "--log-wait: '99999999999' is too long: at most 1h" in capsys.readouterr().err


def test_item_22_log_wait_in_pytest_is_bounded_too(pytester: pytest.Pytester) -> None:
    project(pytester.path)
    result = pytester.runpytest("suites", "--smoke-env", "web", "--smoke-log-wait", "1e11")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "expected 0 to 3600 seconds" in result.stderr.str()


def test_item_22_error_quotes_never_carry_raw_control_characters(write: Write) -> None:
    path = write("bad.yaml", textwrap.dedent("""\
        suite: s
        checks: [one
        """).encode() + b"\x1b[2J\n")
    error = config_error(load_yaml, path)
    assert "\x1b" not in str(error)


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS file names are always UTF-8")
def test_item_22_a_suite_file_name_that_is_not_utf8_reaches_every_report(tmp_path: Path) -> None:
    import json
    import xml.etree.ElementTree as ET

    project(tmp_path)
    os.rename(tmp_path / "suites" / "a.yaml", os.path.join(bytes(tmp_path / "suites"), b"caf\xe9.yaml"))
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "LC_ALL": "C.UTF-8"}
    done = subprocess.run(
        [sys.executable, "-m", "smoke", "run", "web", "--json", "r.json", "--junit", "r.xml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 3  # nothing listens on port 9: the harness could not run it
    assert "at suites/caf?.yaml:4-5" in done.stdout
    case = ET.parse(tmp_path / "r.xml").getroot().find(".//testcase")
    assert case is not None and case.get("file") == "suites/caf?.yaml"
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["checks"][0]["location"] == "suites/caf\udce9.yaml:4-5"  # JSON's own escape
