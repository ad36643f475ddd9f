"""The fast paths of loading say exactly what the reference paths say (issue 14).

- libyaml (``CParser``) and the pure-Python loader give identical data, marks and
  errors for every YAML file of the repository and the loading corpus below;
- hypothesis: arbitrary text, control characters included, through all three loaders
  (suite, smoke.yaml, template) is a ConfigError with file and line, or loads.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smoke.errors import ConfigError
from smoke.loading.yamlload import (
    MarkedDict,
    MarkedList,
    _CMarkedLoader,
    _MarkedConstructor,
    _MarkedLoader,
    parse_yaml_text,
)

REPO = Path(__file__).resolve().parents[2]

CORPUS = [
    "suite: s\nchecks:\n  - name: one\n    get: /x\n    expect:\n      status: [200, 2xx]\n\n"
    "  # trailing comment\n  - name: two\n    post: /y\n",
    "1: one\non: two\nwhen: 2024-01-01\neq: =\n",
    "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n",
    "suite: s\nchecks: [one\nother: 2\n",
    "checks:\n  - name: a\n     get: /x\n",
    "suite: a\nchecks:\n  - name: x\n    get: /a\n    get: /b\n",
    "a: !Ref Thing\n", "a: !!python/object:os.system x\n", "a: !!binary aGk=\n",
    "a: &x [1, *x]\n",
    "\n".join(["l0: &l0 [x, x]"] + [f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]" for i in range(1, 30)]),
    "? [a, b]\n: 1\n",
    "a: 'unclosed\nb: 2\n", 'a: "unclosed\n', "a: [1, 2\n", "a: {b: 1\n", "\ta: 1\n",
    "a: b: c\n", "- a\nb: 1\n", "a:\n  - 1\n - 2\n", "@x: 1\n", "a: |\n  text\n  more\nb: >\n  x\n",
    "a: [" * 50 + "]" * 50 + "\n", "a: " + "[" * 1500 + "]" * 1500 + "\n",
    "key: *undefined\n", "a: &a 1\nb: &a 2\n", "%YAML 1.1\n---\na: 1\n", "a: 1\n---\nb: 2\n",
    '"\\ud83d\\ude00": "\\ud83d\\ude00"\n', 'a: "\\ud800"\n', "a: .inf\nb: -.Inf\nc: .nan\n",
    "a: 0x1F\nb: 0o17\nc: 1_000\nd: 1e3\ne: 1.5e3\nf: ~\ng: yes\n",
    "# only a comment\n", "", "---\n", "a:\n", "- [1, {a: [2, {b: 3}]}]\n",
]


def _repository_yaml() -> list[Path]:
    found: list[Path] = []
    for pattern in ("suites/*.yaml", "smoke.yaml", "examples/**/*.yaml", "examples/**/*.yml",
                    "tests/**/data/**/*.yaml"):
        found += [p for p in REPO.glob(pattern) if p.is_file() and "build" not in p.parts]
    return sorted(set(found))


def _load(text: str, c: bool, fast: bool = True) -> tuple[str, Any]:
    """("ok", data with every mark) or ("error", the ConfigError's text) for one loader:
    libyaml's (``c``) or the pure-Python one, each with the fast builder or only
    PyYAML's constructor (``fast=False``: with ``c=False``, the reference)."""
    from smoke.loading import yamlload

    def slow(self: Any, node: Any, depth: int) -> Any:
        raise yamlload._Slow

    saved, saved_build = yamlload._CMarkedLoader, _MarkedConstructor._build
    yamlload._CMarkedLoader = _CMarkedLoader if c else None
    if not fast:
        _MarkedConstructor._build = slow  # type: ignore[method-assign]
    try:
        return "ok", _marked(parse_yaml_text(text, "corpus.yaml"))
    except ConfigError as exc:
        return "error", str(exc)
    finally:
        yamlload._CMarkedLoader = saved
        _MarkedConstructor._build = saved_build  # type: ignore[method-assign]


def _agree(text: str) -> None:
    """Every loader says what the reference says (pure Python, PyYAML's constructor)."""
    reference = _load(text, c=False, fast=False)
    assert _load(text, c=False) == reference
    if _CMarkedLoader is not None:
        assert _load(text, c=True) == reference
        assert _load(text, c=True, fast=False) == reference


def _marked(value: Any) -> Any:
    if isinstance(value, MarkedDict):
        return ("map", value._span, dict(value._entries), dict(value._keys),
                {k: _marked(v) for k, v in value.items()})
    if isinstance(value, MarkedList):
        return ("seq", value._span, list(value._items), [_marked(v) for v in value])
    return (type(value).__name__, value)


def test_libyaml_is_used_when_pyyaml_has_it() -> None:
    if not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML without libyaml: the pure-Python loader is the only one")
    assert _CMarkedLoader is not None


@pytest.mark.parametrize("text", CORPUS, ids=range(len(CORPUS)))
def test_c_and_pure_python_loaders_agree_on_the_corpus(text: str) -> None:
    _agree(text)


@pytest.mark.parametrize("path", _repository_yaml(), ids=lambda p: str(p.relative_to(REPO)))
def test_c_and_pure_python_loaders_agree_on_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if "!" in text and "Resources" in text:
        pytest.skip("a CloudFormation template (short-form tags): the template loader's")
    _agree(text)


def test_the_loaders_tests_compare_different_loaders() -> None:
    """The comparison is not vacuous: each mode really takes its own path."""
    if _CMarkedLoader is None:
        pytest.skip("PyYAML without libyaml")
    calls: list[str] = []
    build, compose = _MarkedConstructor._build, _MarkedLoader.compose_node

    def spy_build(self: Any, node: Any, depth: int) -> Any:
        calls.append("fast")
        return build(self, node, depth)

    def spy_compose(self: Any, parent: Any, index: Any) -> Any:
        calls.append("python")
        return compose(self, parent, index)

    _MarkedConstructor._build = spy_build  # type: ignore[method-assign]
    _MarkedLoader.compose_node = spy_compose  # type: ignore[method-assign]
    try:
        for c, fast in ((True, True), (False, True), (True, False), (False, False)):
            calls.clear()
            _load("a: [1, {b: c}]\n", c=c, fast=fast)
            assert ("fast" in calls) == fast and ("python" in calls) == (not c), (c, fast)
    finally:
        _MarkedConstructor._build = build  # type: ignore[method-assign]
        _MarkedLoader.compose_node = compose  # type: ignore[method-assign]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=_JSON, flow=st.sampled_from([None, True, False]), indent=st.integers(2, 5),
       width=st.sampled_from([20, 80]))
def test_the_loaders_agree_on_any_data_in_any_style(
    data: Any, flow: bool | None, indent: int, width: int
) -> None:
    text = yaml.safe_dump({"root": data}, default_flow_style=flow, indent=indent, width=width,
                          allow_unicode=True)
    _agree(text)
    _agree(text.replace("root:", "root: &r", 1) + "other: *r\n")  # anchors: the other way


def test_the_c_loader_composes_without_the_python_composer() -> None:
    if _CMarkedLoader is None:
        pytest.skip("PyYAML without libyaml")
    calls = []
    original = _MarkedLoader.compose_node

    def spy(self: Any, parent: Any, index: Any) -> Any:
        calls.append(index)
        return original(self, parent, index)

    _MarkedLoader.compose_node = spy  # type: ignore[method-assign]
    try:
        parse_yaml_text("suite: s\nchecks: [{name: a, get: /}]\n", "f.yaml")
        assert calls == []  # a valid document never reaches the reference loader
        with pytest.raises(ConfigError):
            parse_yaml_text("a: [1\n", "f.yaml")
        assert calls  # an error is worded by it
    finally:
        _MarkedLoader.compose_node = original  # type: ignore[method-assign]


# ------------------------------------- hypothesis: every loader, any text, never a crash

_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from([*string.printable, ":", "-", "&", "*", "!", "[", "{", "\t"]),
        st.characters(min_codepoint=0, max_codepoint=0x9F),  # C0, DEL, C1
        st.characters(),
    ),
    max_size=200,
)
_PREFIXES = {
    "suite": "suite: s\nfunction: api\nchecks:\n  - name: h\n    get: /\n",
    "config": "environments:\n  local:\n    template: template.yaml\n    functions:\n"
              "      api: {resource: Fn}\n",
    "template": "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
                "      Handler: app.handler\n      CodeUri: src\n",
}


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(which=st.sampled_from(sorted(_PREFIXES)), tail=_TEXT, cut=st.integers(0, 120),
       raw=st.booleans())
def test_any_text_in_any_loader_is_file_line_exit_2_or_loads(
    tmp_path_factory: pytest.TempPathFactory, which: str, tail: str, cut: int, raw: bool
) -> None:
    from smoke.cli import main

    root = tmp_path_factory.mktemp("fuzz")
    (root / "suites").mkdir()
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    files = {"suite": root / "suites" / "a.yaml", "config": root / "smoke.yaml",
             "template": root / "template.yaml"}
    for kind, path in files.items():
        path.write_text(_PREFIXES[kind], encoding="utf-8")
    text = _PREFIXES[which][:cut] + tail
    data = text.encode("utf-8", "surrogatepass") if raw else text.encode("utf-8", "replace")
    files[which].write_bytes(data)
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["validate", "--config", str(files["config"])])  # a crash fails the test
    message = err.getvalue()
    assert code in (0, 2), message
    if code == 2:
        first = message.splitlines()[0] if message else ""
        assert first.startswith(f"smoke: {root}"), message  # names the file (or one it names)
        for path in files.values():  # an error in one of them says where: file:line
            if first.startswith(f"smoke: {path}: ") and "file" not in first:
                raise AssertionError(f"no line: {message}")
        assert "Traceback" not in message
