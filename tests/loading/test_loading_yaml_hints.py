"""YAML syntax errors keep file:line and the quoted lines, and add plain advice (usertest #14)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import config_error
from smoke.loading.suites import load_suite
from smoke.loading.yamlload import load_yaml

Write = Callable[..., Path]

CASES = [
    # (text, reported line, quoted line text, words the hint must contain)
    ("a:\n\tb: 1\n", 2, "\tb: 1", "YAML indents with spaces, not tabs: replace the tab on line 2"),
    (
        "suite: s\nchecks:\n  - name: a\n    get: /x\n   expect: {status: 200}\n",
        5,
        "   expect: {status: 200}",
        "Line 5 does not line up with the lines above it",
    ),
    ("a:\n  - 1\n - 2\n", 3, " - 2", "Check the indentation"),
    ("name: a: b\n", 1, "name: a: b", 'quote it (e.g. `name: "a: b"`)'),
    ("a:\n  b: 1\n    c: 2\n", 3, "    c: 2", "indented too far"),
    ("a: 1\nb\nc: 2\n", 2, "b", "Line 2 has no `: ` after its key"),
    (
        "checks:\n  - name: x\n    get /health\n    expect: 1\n",
        3,
        "    get /health",
        "Line 3 has no `: `",
    ),
    ("a: [1, 2\nb: 3\n", 2, "b: 3", "The `[` opened on line 1 is not closed"),
    ("a: {x: 1\nb: 3\n", 2, "b: 3", "The `{` opened on line 1 is not closed"),
    ('a: "abc\nb: 3\nc: 4\n', 1, 'a: "abc', "A quote opened on line 1 is never closed"),
    ("a: 'abc\nb: 3\n", 1, "a: 'abc", "A quote opened on line 1 is never closed"),
    ("a: @x\n", 1, "a: @x", "must be quoted"),
]


@pytest.mark.parametrize(("text", "line", "quoted", "hint"), CASES)
def test_syntax_errors_get_a_plain_hint(
    write: Write, text: str, line: int, quoted: str, hint: str
) -> None:
    path = write("bad.yaml", text.encode())
    error = config_error(load_yaml, path)
    assert error.location is not None and error.location.line == line, str(error)
    assert str(error).startswith(f"{path}:{line}: invalid YAML: ")
    assert f"> {line} | {quoted}".rstrip() in error.snippet
    assert hint in error.hint, error.hint
    assert hint in str(error)


def test_a_tab_inside_a_value_is_not_blamed(write: Write) -> None:
    path = write("bad.yaml", b'a: "x\ty"\nb: [1\n')
    error = config_error(load_yaml, path)
    assert "tab" not in error.hint
    assert "is not closed" in error.hint


def test_suite_loading_shows_the_hint(write: Write) -> None:
    path = write("s.yaml", b"suite: s\nchecks:\n\t- name: a\n")
    error = config_error(load_suite, path, {})
    assert str(error).startswith(f"{path}:3: invalid YAML")
    assert "replace the tab on line 3" in str(error)


@pytest.mark.parametrize("value", ["0x_", "0b_", "+0x_", "-0b_"])
def test_a_number_yaml_cannot_read_is_an_error_at_its_line(write: Write, value: str) -> None:
    """PyYAML's resolver takes ``0x_`` for an int its constructor cannot read (a ValueError
    from ``int()`` was a traceback out of ``smoke validate``)."""
    path = write("s.yaml", f"suite: s\nchecks:\n  - {{name: a, get: /, expect: {{status: {value}}}}}\n"
                 .encode())
    error = config_error(load_suite, path, {})
    assert str(error).startswith(f"{path}:3: invalid YAML")
    assert f"{value!r} looks like a number" in str(error)
    assert load_yaml(write("ok.yaml", b"a: 0x1F4\nb: 1_000\n")) == {"a": 500, "b": 1000}
