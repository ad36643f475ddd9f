"""YAML with line marks: every mapping and sequence knows where it was written.

``load_yaml(path)`` reads a suite or smoke.yaml with a private ``yaml.SafeLoader``
subclass (PyYAML itself is not patched). Mappings come back as ``MarkedDict`` and
sequences as ``MarkedList``; both carry ``.loc`` (their own line range) and know the
location of each of their values, scalars included: ``node_location(container, key)``.

Every problem with the file itself (too large, not UTF-8, empty, malformed,
duplicate keys, unsupported tags) is a ``ConfigError`` with ``file:line`` and the
quoted lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent

from smoke.errors import ConfigError
from smoke.model import Location

MAX_BYTES = 1024 * 1024
MAX_NODES = 100_000
_QUOTE_MAX_LINES = 8


class MarkedDict(dict[str, Any]):
    """A YAML mapping with its location and the location of each key's entry."""

    loc: Location
    entry_locs: dict[str, Location]  # key line .. end of its value
    key_locs: dict[str, Location]  # the key alone


class MarkedList(list[Any]):
    """A YAML sequence with its location and the location of each item."""

    loc: Location
    item_locs: list[Location]


def node_location(container: Any, key: Any, file: str = "<unknown>") -> Location:
    """Where ``container[key]`` was written (for a mapping: from the key's line)."""
    if isinstance(container, MarkedDict) and key in container.entry_locs:
        return container.entry_locs[key]
    if (
        isinstance(container, MarkedList)
        and isinstance(key, int)
        and 0 <= key < len(container.item_locs)
    ):
        return container.item_locs[key]
    return location_of(container, file)


def key_location(container: Any, key: str, file: str = "<unknown>") -> Location:
    """Where the key ``key`` itself was written in a mapping."""
    if isinstance(container, MarkedDict) and key in container.key_locs:
        return container.key_locs[key]
    return location_of(container, file)


def location_of(value: Any, file: str = "<unknown>") -> Location:
    loc = getattr(value, "loc", None)
    return loc if isinstance(loc, Location) else Location(file)


def _end_line(node: yaml.Node) -> int:
    """1-based last line of a node, ignoring trailing comments and blank lines."""
    if isinstance(node, yaml.MappingNode) and node.value and not node.flow_style:
        return _end_line(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and node.value and not node.flow_style:
        return _end_line(node.value[-1])
    mark = node.end_mark
    end = mark.line if mark.column == 0 else mark.line + 1
    return max(end, node.start_mark.line + 1)


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """How many values the node stands for once aliases are expanded."""
    if id(node) in memo:
        return memo[id(node)]
    size = 1
    if isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, memo) for child in node.value)
    memo[id(node)] = size
    return size


class _MarkedLoader(yaml.SafeLoader):
    """SafeLoader that builds MarkedDict/MarkedList and rejects duplicate keys."""

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        self.text = stream
        self._open_anchors: set[str] = set()

    def _loc(self, node: yaml.Node, start: yaml.Node | None = None) -> Location:
        first = (start or node).start_mark.line + 1
        return Location(self.file, first, _end_line(node))

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            if event.anchor in self._open_anchors:
                raise yaml.composer.ComposerError(
                    None, None, f"the alias *{event.anchor} refers to itself", event.start_mark
                )
            return super().compose_node(parent, index)
        anchor = getattr(self.peek_event(), "anchor", None)
        if anchor:
            self._open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._open_anchors.discard(anchor or "")

    def construct_document(self, node: yaml.Node) -> Any:
        size = _expanded_size(node, {})
        if size > MAX_NODES:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"aliases expand to {size} values (the limit is {MAX_NODES})",
                node.start_mark,
            )
        return super().construct_document(node)

    def construct_marked_mapping(self, node: yaml.MappingNode) -> Iterator[MarkedDict]:
        data = MarkedDict()
        data.loc = self._loc(node)
        data.entry_locs, data.key_locs = {}, {}
        yield data
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self._key(key_node)
            if key in seen:
                raise duplicate_key_error(self.file, self.text, key, seen[key], key_node)
            seen[key] = key_node.start_mark.line + 1
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self._key(key_node)
            data[key] = self.construct_object(value_node, deep=True)
            data.entry_locs[key] = self._loc(value_node, start=key_node)
            data.key_locs[key] = self._loc(key_node)

    def _key(self, node: yaml.Node) -> str:
        if isinstance(node, yaml.ScalarNode):
            return str(node.value)
        raise yaml.constructor.ConstructorError(
            None, None, "a key must be a plain string, not a list or mapping", node.start_mark
        )

    def construct_marked_sequence(self, node: yaml.SequenceNode) -> Iterator[MarkedList]:
        data = MarkedList()
        data.loc = self._loc(node)
        data.item_locs = []
        yield data
        for child in node.value:
            data.append(self.construct_object(child, deep=True))
            data.item_locs.append(self._loc(child))

    def construct_as_text(self, node: yaml.ScalarNode) -> str:
        return str(self.construct_scalar(node))

    def construct_unsupported(self, node: yaml.Node) -> Any:
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"the YAML tag {node.tag!r} is not supported here; "
            "use plain mappings, lists, strings, numbers, booleans and null",
            node.start_mark,
        )


_MarkedLoader.yaml_constructors = {
    tag: ctor
    for tag, ctor in yaml.SafeLoader.yaml_constructors.items()
    if tag is not None and tag.rsplit(":", 1)[-1] in {"null", "bool", "int", "float", "str"}
}
_MarkedLoader.add_constructor("tag:yaml.org,2002:map", _MarkedLoader.construct_marked_mapping)
_MarkedLoader.add_constructor("tag:yaml.org,2002:seq", _MarkedLoader.construct_marked_sequence)
for _tag in ("timestamp", "value"):  # dates and a bare "=" stay text (JSON has neither)
    _MarkedLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _MarkedLoader.construct_as_text)
_MarkedLoader.add_constructor(None, _MarkedLoader.construct_unsupported)


def duplicate_key_error(
    file: str, text: str, key: str, first_line: int, node: yaml.Node
) -> ConfigError:
    line = node.start_mark.line + 1
    return ConfigError(
        f"duplicate key {key!r} (first written on line {first_line})",
        Location(file, line),
        quote_lines(text, line),
        hint="A key may appear once per mapping; remove or merge one of them.",
    )


def quote_lines(path_or_text: str | Path, start: int, end: int | None = None) -> str:
    """The lines ``start``..``end`` (1-based), numbered, each marked with ``>``.

    ``path_or_text`` is a ``Path``, the name of an existing file, or the text itself.
    One line of context is shown on each side; long ranges are cut short.
    """
    text = _text_of(path_or_text)
    if text is None or start < 1:
        return ""
    lines = text.splitlines()
    end = max(start, end or start)
    if start > len(lines):
        return ""
    first, last = max(1, start - 1), min(len(lines), end + 1)
    width = len(str(last))
    out: list[str] = []
    for number in range(first, last + 1):
        marked = start <= number <= end
        if marked and number - start >= _QUOTE_MAX_LINES:
            out.append(f"  {'':>{width}} | ...")
            break
        mark = ">" if marked else " "
        out.append(f"{mark} {number:>{width}} | {lines[number - 1]}".rstrip())
    return "\n".join(out)


def _text_of(path_or_text: str | Path) -> str | None:
    try:
        if isinstance(path_or_text, Path):
            return path_or_text.read_text(encoding="utf-8", errors="replace")
        if "\n" not in path_or_text and len(path_or_text) < 4096 and Path(path_or_text).is_file():
            return Path(path_or_text).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return path_or_text


def read_text(path: str | Path) -> str:
    """The file's text, or a ConfigError for a missing, huge or non-UTF-8 file."""
    file = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_BYTES:
            raise ConfigError(
                f"file is too large ({size} bytes; the limit is {MAX_BYTES} bytes)",
                Location(file),
                hint="Suites and smoke.yaml are small YAML files; split it into several suites.",
            )
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError("file not found", Location(file)) from None
    except IsADirectoryError:
        raise ConfigError("is a directory, not a YAML file", Location(file)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror}", Location(file)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        shown = raw.decode("utf-8", errors="replace")
        raise ConfigError(
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            Location(file, line),
            quote_lines(shown, line),
            hint="Save the file as UTF-8.",
        ) from None


def load_yaml(path: str | Path) -> Any:
    """Parse one YAML document into MarkedDict/MarkedList/scalars."""
    return load_yaml_text(path)[0]


def load_yaml_text(path: str | Path) -> tuple[Any, str]:
    """``load_yaml`` and the file's text (for quoting lines in later errors)."""
    file = str(path)
    text = read_text(path)
    return parse_yaml_text(text, file), text


def parse_yaml_text(text: str, file: str) -> Any:
    """Parse YAML ``text`` (read from ``file``) as ``load_yaml`` does, with the same errors."""
    loader = _MarkedLoader(text, file)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file, text) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", Location(file)) from None
    except ConfigError:
        raise
    except RecursionError:
        raise ConfigError("the YAML is nested too deeply", Location(file)) from None
    finally:
        loader.dispose()
    if data is None:
        raise ConfigError(
            "the file is empty",
            Location(file, 1),
            hint="A suite starts with `suite: NAME` and `checks:`; "
            "smoke.yaml starts with `environments:`.",
        )
    return data


def _syntax_error(exc: yaml.MarkedYAMLError, file: str, text: str) -> ConfigError:
    """The parser's error at its line, quoted, with a plain-language hint."""
    from smoke.yamlhints import culprit_line, syntax_hint

    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 0
    context_line = exc.context_mark.line + 1 if exc.context_mark else 0
    problem = exc.problem or "invalid YAML"
    if exc.context and context_line and mark and context_line != line:
        problem = f"{problem} ({exc.context} on line {context_line})"
    elif exc.context:
        problem = f"{problem} ({exc.context})"
    line = culprit_line(exc.problem or "", exc.context or "", line, context_line)
    hint = syntax_hint(exc.problem or "", exc.context or "", text, line, context_line)
    return ConfigError(
        f"invalid YAML: {problem}", Location(file, line), quote_lines(text, line), hint
    )


def to_plain(value: Any) -> Any:
    """The same data as plain dicts and lists (for the model and for JSON)."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value
