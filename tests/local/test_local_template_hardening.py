"""Issue 12 (hardening, round two): templates read like suites (items 18, 19, 21, 27).

Each test is named after its item and failed before the fix: every bad template is one
ConfigError with file and line (exit 2), never a traceback, a hang or gigabytes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from smoke.errors import ConfigError
from smoke.local.template import read_template

FUNCTION = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src
"""


def error_of(tmp_path: Path, content: str | bytes) -> ConfigError:
    path = tmp_path / "template.yaml"
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    with pytest.raises(ConfigError) as info:
        read_template(path)
    assert info.value.location is not None and info.value.location.file == str(path)
    return info.value


def line_of(error: ConfigError) -> int:
    assert error.location is not None
    return error.location.line


def test_item_18_a_template_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
    text = "\n".join(lines) + "\n" + FUNCTION
    assert len(text.encode()) < 1000  # 643 bytes in the issue: billions of values
    error = error_of(tmp_path, text)
    assert "aliases expand to" in str(error) and line_of(error) == 1


def test_item_18_template_aliases_within_the_limit_still_work(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(FUNCTION + "      Environment: &env\n        Variables: {A: '1'}\n"
                    "  Other:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                    "      Handler: b.handler\n      CodeUri: src\n      Environment: *env\n")
    template = read_template(path)
    assert template.resources["Other"]["Properties"]["Environment"] == {"Variables": {"A": "1"}}


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x85\x9b"])
def test_item_19_control_characters_in_a_template(tmp_path: Path, char: str) -> None:
    error = error_of(tmp_path, FUNCTION.replace("app.handler", f"app.{char}handler"))
    assert line_of(error) == 6 and "control character" in str(error)


@pytest.mark.parametrize(
    ("name", "content", "line", "words"),
    [
        ("deep nesting", FUNCTION + "      Description: " + "[" * 3000 + "]" * 3000 + "\n", 9,
         "nested too deeply"),
        ("not UTF-8", FUNCTION.encode() + b"      Description: caf\xe9\n", 9, "not UTF-8"),
        ("UTF-16 without BOM", FUNCTION.encode("utf-16-le"), 1, "UTF-16 without a byte order"),
        ("Globals.Function as a list", "Globals:\n  Function: [1]\n" + FUNCTION, 2,
         "Globals.Function must be a mapping"),
        ("Layers: 5", FUNCTION + "      Layers: 5\n", 9, "Layers must be a list"),
        ("Variables: [1, 2]", FUNCTION + "      Environment:\n        Variables: [1, 2]\n", 10,
         "Environment.Variables must be a mapping"),
        ("Parameters: [1]", "Parameters: [1]\n" + FUNCTION, 1, "Parameters must be a mapping"),
        ("Properties: [1]", FUNCTION.replace("    Properties:\n", "    Properties: [1]\n    X:\n"),
         5, "Properties must be a mapping"),
        ("a resource that is a string", FUNCTION + "  Other: text\n", 9, "must be a mapping"),
        ("a list as a key", FUNCTION + "  ? [a, b]\n  : 1\n", 9, "a key must be a plain string"),
    ],
)
def test_item_21_template_shapes_that_crashed_are_file_line_errors(
    tmp_path: Path, name: str, content: str | bytes, line: int, words: str
) -> None:
    error = error_of(tmp_path, content)
    assert words in str(error), name
    assert line_of(error) == line, str(error)


def test_item_21_utf16_with_a_bom_and_an_integer_logical_id_are_read(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_bytes((FUNCTION + "  123:\n    Type: AWS::SNS::Topic\n").encode("utf-16"))
    template = read_template(path)
    assert set(template.resources) == {"Fn", "123"}


def test_item_21_validate_never_shows_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "suites").mkdir()
    (tmp_path / "smoke.yaml").write_text(
        "environments:\n  local:\n    template: template.yaml\n"
        "    functions:\n      api: {resource: Fn}\n")
    (tmp_path / "suites" / "a.yaml").write_text(
        "suite: s\nfunction: api\nevent: raw\nchecks:\n  - name: h\n    payload: {}\n")
    (tmp_path / "template.yaml").write_text(FUNCTION + "      Layers: 5\n")
    done = subprocess.run([sys.executable, "-m", "smoke", "validate"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "template.yaml:9: function Fn: Layers must be a list" in done.stderr


def test_item_27_duplicate_keys_in_a_template_are_an_error(tmp_path: Path) -> None:
    error = error_of(tmp_path, FUNCTION + "      Handler: other.handler\n")
    assert "duplicate key 'Handler' (first written on line 6)" in str(error)
    assert line_of(error) == 9
    error = error_of(tmp_path, FUNCTION + "  Fn:\n    Type: AWS::SNS::Topic\n")
    assert "duplicate key 'Fn'" in str(error) and line_of(error) == 9


def test_item_27_a_merge_key_may_still_be_overridden(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text("Defaults: &d {Timeout: 3, MemorySize: 128}\n" + FUNCTION
                    + "      <<: *d\n      Timeout: 10\n")
    properties = read_template(path).resources["Fn"]["Properties"]
    assert properties["Timeout"] == 10 and properties["MemorySize"] == 128


def test_item_21_language_extensions_foreach_is_not_a_shape_error(tmp_path: Path) -> None:
    # as in aws-sam-cli's tests/integration/testdata/buildcmd/language-extensions.yaml
    path = tmp_path / "template.yaml"
    path.write_text(FUNCTION.replace("Transform: AWS::Serverless-2016-10-31",
                                     "Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]")
                    + "  Fn::ForEach::Functions:\n    - Name\n    - [Alpha, Beta]\n"
                    "    - ${Name}Function:\n        Type: AWS::Serverless::Function\n"
                    "        Properties: {Handler: app.handler, CodeUri: src}\n")
    assert "Fn::ForEach::Functions" in read_template(path).resources
