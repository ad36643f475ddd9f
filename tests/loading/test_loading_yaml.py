from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import config_error
from smoke.loading.interpolate import interpolate
from smoke.loading.yamlload import (
    MAX_BYTES,
    MarkedDict,
    MarkedList,
    key_location,
    load_yaml,
    node_location,
    quote_lines,
)
from smoke.model import Location

Write = Callable[..., Path]


def test_mappings_lists_and_scalars_know_their_lines(write: Write) -> None:
    path = write(
        "a.yaml",
        """
        # a comment
        suite: s
        checks:
          - name: one
            get: /x
            expect:
              status: [200, 2xx]

          # trailing comment
          - name: two
            post: /y
        """,
    )
    data = load_yaml(path)
    file = str(path)
    assert isinstance(data, MarkedDict)
    assert isinstance(data["checks"], MarkedList)
    assert node_location(data, "suite") == Location(file, 2, 2)
    assert node_location(data, "checks") == Location(file, 3, 11)
    assert node_location(data["checks"], 0) == Location(file, 4, 7)  # not the comment lines
    assert node_location(data["checks"], 1) == Location(file, 10, 11)
    assert node_location(data["checks"][0]["expect"], "status") == Location(file, 7, 7)
    assert key_location(data["checks"][0], "expect") == Location(file, 6, 6)
    assert data["checks"][0]["expect"]["status"] == [200, "2xx"]


def test_keys_are_strings_and_timestamps_stay_text(write: Write) -> None:
    data = load_yaml(write("a.yaml", "1: one\non: two\nwhen: 2024-01-01\neq: =\n"))
    assert data == {"1": "one", "on": "two", "when": "2024-01-01", "eq": "="}


def test_merge_keys_work(write: Write) -> None:
    data = load_yaml(write("a.yaml", "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n"))
    assert data["other"] == {"x": 1, "y": 3}


def test_malformed_yaml_names_the_line_and_quotes_it(write: Write) -> None:
    path = write("bad.yaml", "suite: s\nchecks: [one\nother: 2\n")
    error = config_error(load_yaml, path)
    text = str(error)
    assert text.startswith(f"{path}:3: invalid YAML")
    assert "> 3 | other: 2" in text
    assert error.location == Location(str(path), 3)


def test_bad_indentation_is_reported_at_its_line(write: Write) -> None:
    path = write("bad.yaml", "checks:\n  - name: a\n     get: /x\n")
    error = config_error(load_yaml, path)
    assert error.location is not None and error.location.line == 3
    assert "| " in error.snippet and "get: /x" in error.snippet


def test_non_utf8_file(write: Write) -> None:
    path = write("latin1.yaml", "suite: s\nname: caf\xe9\n".encode("latin-1"))
    error = config_error(load_yaml, path)
    assert str(error).startswith(f"{path}:2: the file is not UTF-8")
    assert "Save the file as UTF-8" in str(error)
    assert "> 2 | name: caf" in error.snippet


def test_huge_file(write: Write) -> None:
    path = write("huge.yaml", b"# x\n" * (MAX_BYTES // 4 + 1))
    error = config_error(load_yaml, path)
    assert str(error).startswith(f"{path}: file is too large")


def test_empty_file(write: Write) -> None:
    for name, text in (("empty.yaml", ""), ("comments.yaml", "# only\n\n# comments\n")):
        path = write(name, text)
        error = config_error(load_yaml, path)
        assert str(error).startswith(f"{path}:1: the file is empty")


def test_missing_file(tmp_path: Path) -> None:
    error = config_error(load_yaml, tmp_path / "nope.yaml")
    assert "file not found" in str(error)


def test_duplicate_keys(write: Write) -> None:
    path = write("dup.yaml", "suite: a\nchecks:\n  - name: x\n    get: /a\n    get: /b\n")
    error = config_error(load_yaml, path)
    assert str(error).startswith(f"{path}:5: duplicate key 'get' (first written on line 4)")
    assert "> 5 |     get: /b" in error.snippet


def test_nonstandard_tags_are_refused(write: Write) -> None:
    for text in ("a: !Ref Thing\n", "a: !!python/object:os.system x\n", "a: !!binary aGk=\n"):
        path = write("tag.yaml", text)
        error = config_error(load_yaml, path)
        assert f"{path}:1:" in str(error)
        assert "is not supported" in str(error)


def test_recursive_alias_and_alias_bombs(write: Write) -> None:
    error = config_error(load_yaml, write("rec.yaml", "a: &x [1, *x]\n"))
    assert "refers to itself" in str(error)
    lines = ["l0: &l0 [x, x]"] + [f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]" for i in range(1, 30)]
    error = config_error(load_yaml, write("bomb.yaml", "\n".join(lines) + "\n"))
    assert "aliases expand to" in str(error)


def test_complex_keys_are_refused(write: Write) -> None:
    path = write("key.yaml", "? [a, b]\n: 1\n")
    error = config_error(load_yaml, path)
    assert f"{path}:1:" in str(error) and "plain string" in str(error)


def test_quote_lines_marks_the_range_with_context() -> None:
    text = "".join(f"line {i}\n" for i in range(1, 21))
    quoted = quote_lines(text, 5, 6).splitlines()
    assert quoted == ["  4 | line 4", "> 5 | line 5", "> 6 | line 6", "  7 | line 7"]
    long = quote_lines(text, 2, 19).splitlines()
    assert long[-1].endswith("...") and len(long) == 10
    assert quote_lines(text, 99) == ""


def test_quote_lines_reads_a_path(write: Write) -> None:
    path = write("q.yaml", "a: 1\nb: 2\n")
    assert quote_lines(path, 2) == "  1 | a: 1\n> 2 | b: 2"
    assert quote_lines(str(path), 1) == "> 1 | a: 1\n  2 | b: 2"


def test_interpolation_reads_env_defaults_and_escapes(write: Write) -> None:
    path = write(
        "i.yaml",
        """
        token: "Bearer ${TOKEN}"
        region: ${REGION:-us-east-1}
        nested: [{x: "${A}-${B:-b}"}]
        literal: "$${NOT_A_VAR}"
        count: 3
        """,
    )
    data = load_yaml(path)
    secrets = interpolate(data, {"TOKEN": "tok123", "A": "aaa"}, str(path))
    assert data["token"] == "Bearer tok123"
    assert data["region"] == "us-east-1"
    assert data["nested"] == [{"x": "aaa-b"}]
    assert data["literal"] == "${NOT_A_VAR}"
    assert secrets == {"tok123", "aaa"}


def test_unset_variable_names_file_and_line(write: Write) -> None:
    path = write("i.yaml", "a: 1\nheaders:\n  X: ${MISSING_VAR}\n")
    data = load_yaml(path)
    error = config_error(interpolate, data, {}, str(path), path.read_text())
    assert str(error).startswith(f"{path}:3: the environment variable MISSING_VAR is not set")
    assert "> 3 |   X: ${MISSING_VAR}" in str(error)
    assert "${MISSING_VAR:-value}" in error.hint


def test_invalid_reference(write: Write) -> None:
    path = write("i.yaml", "a: ${not valid}\n")
    error = config_error(interpolate, load_yaml(path), {}, str(path))
    assert str(error).startswith(f"{path}:1: invalid variable reference")
