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

import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from smoke.errors import ConfigError
from smoke.gcpolicy import paused_gc
from smoke.loading.pyyaml import CONTROL, yaml
from smoke.model import Location

MAX_BYTES = 1024 * 1024
MAX_ALIAS_VALUES = 100_000  # values that aliases may add beyond what is written out
MAX_NODES = MAX_ALIAS_VALUES  # the old name
_QUOTE_MAX_LINES = 8
# what YAML forbids, spelled as the small set it is (a negated class over all of
# Unicode takes ~10 ms to compile, at every start; smoke.loading.pyyaml)
_CONTROL = CONTROL
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL_NAMES = {0: "NUL", 0x1B: "ESC", 0x7F: "DEL", 0x08: "backspace", 0x0C: "form feed"}


class MarkedDict(dict[str, Any]):
    """A YAML mapping with its location and the location of each key's entry."""

    _file: str
    _span: tuple[int, int]
    _entries: dict[str, tuple[int, int]]  # key line .. end of its value
    _keys: dict[str, tuple[int, int]]  # the key alone

    @property
    def loc(self) -> Location:
        return Location(self._file, *self._span)


class MarkedList(list[Any]):
    """A YAML sequence with its location and the location of each item."""

    _file: str
    _span: tuple[int, int]
    _items: list[tuple[int, int]]

    @property
    def loc(self) -> Location:
        return Location(self._file, *self._span)


def node_location(container: Any, key: Any, file: str = "<unknown>") -> Location:
    """Where ``container[key]`` was written (for a mapping: from the key's line)."""
    if isinstance(container, MarkedDict) and key in container._entries:
        return Location(container._file, *container._entries[key])
    if (
        isinstance(container, MarkedList)
        and isinstance(key, int)
        and 0 <= key < len(container._items)
    ):
        return Location(container._file, *container._items[key])
    return location_of(container, file)


def key_location(container: Any, key: str, file: str = "<unknown>") -> Location:
    """Where the key ``key`` itself was written in a mapping."""
    if isinstance(container, MarkedDict) and key in container._keys:
        return Location(container._file, *container._keys[key])
    return location_of(container, file)


def location_of(value: Any, file: str = "<unknown>") -> Location:
    loc = getattr(value, "loc", None)
    return loc if isinstance(loc, Location) else Location(file)


def _end_line(node: Any) -> int:
    """1-based last line of a node, ignoring trailing comments and blank lines."""
    while isinstance(node, _COLLECTIONS) and node.value and not node.flow_style:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    mark = node.end_mark
    end = mark.line if mark.column == 0 else mark.line + 1
    return max(end, node.start_mark.line + 1)


def _scalar_end(node: yaml.Node) -> int:
    """``_end_line`` of a scalar node, in fewer steps."""
    mark = node.end_mark
    end: int = mark.line if mark.column == 0 else mark.line + 1
    start: int = node.start_mark.line + 1
    return end if end > start else start


def _span(node: yaml.Node, start: yaml.Node | None = None) -> tuple[int, int]:
    return (start or node).start_mark.line + 1, _end_line(node)


_COLLECTIONS = (yaml.MappingNode, yaml.SequenceNode)
_SCALAR_NODE, _MAPPING_NODE, _SEQUENCE_NODE = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode


class _Unusual(Exception):
    """The C loader met something the pure-Python loader must judge (aliases to
    themselves): the document is read again by the reference loader."""


Spans = dict[str, tuple[int, int]]


def _new_mapping(file: str, node: yaml.Node) -> tuple[MarkedDict, Spans, Spans]:
    """An empty marked mapping for ``node``, with its (entries, keys) line maps."""
    data = MarkedDict()
    data._file = file
    data._span = _span(node)
    entries: Spans = {}
    keys: Spans = {}
    data._entries, data._keys = entries, keys
    return data, entries, keys


def _new_sequence(file: str, node: yaml.Node) -> tuple[MarkedList, list[tuple[int, int]]]:
    """An empty marked list for ``node``, with its items' line spans."""
    items = MarkedList()
    items._file = file
    items._span = _span(node)
    spans: list[tuple[int, int]] = []
    items._items = spans
    return items, spans


def _alias_check(root: yaml.Node) -> tuple[int, int]:
    """(values once aliases are expanded, distinct nodes); ``_Unusual`` on a cycle."""
    memo: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        found = memo.get(key)
        if found is not None:
            return found
        if key in open_nodes:
            raise _Unusual("an alias refers to a collection that contains it")
        total = 1
        if isinstance(node, _COLLECTIONS):
            open_nodes.add(key)
            if isinstance(node, yaml.MappingNode):
                total += sum(size(k) + size(v) for k, v in node.value)
            else:
                total += sum(size(child) for child in node.value)
            open_nodes.discard(key)
        memo[key] = total
        return total

    return size(root), len(memo)


def check_aliases(root: yaml.Node, text: str) -> None:
    """A ConstructorError when aliases make the document much larger than written
    (an alias bomb: 643 bytes can stand for billions of values)."""
    if "&" not in text or "*" not in text:  # no anchor or no alias: nothing to expand
        return
    expanded, distinct = _alias_check(root)
    if expanded - distinct > MAX_ALIAS_VALUES:
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"aliases expand to {expanded} values, {expanded - distinct} more than "
            f"written (the limit is {MAX_ALIAS_VALUES})",
            root.start_mark,
        )


class _Slow(Exception):
    """The fast builder met something it leaves to PyYAML's constructor."""


_STR, _INT, _MAP, _SEQ, _MERGE = (
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "map", "seq", "merge")
)
_JSON_SCALARS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float"))
_FAST_DEPTH = 64  # deeper documents go the reference way (its RecursionError, its error)


class _MarkedConstructor(yaml.constructor.SafeConstructor):
    """Builds MarkedDict/MarkedList, rejects duplicate keys, unsupported tags, lone
    surrogates (``"\\ud800"``) and alias bombs. Shared by the C and Python loaders."""

    file: str
    text: str

    def construct_document(self, node: yaml.Node) -> Any:
        check_aliases(node, self.text)
        self._built: set[int] = set()
        try:
            return self._build(node, 0)
        except (_Slow, yaml.YAMLError, ConfigError, RecursionError):
            pass  # the reference constructor below decides, with its own errors
        finally:
            del self._built
        return super().construct_document(node)

    def _build(self, node: yaml.Node, depth: int) -> Any:
        """The document as ``construct_document`` builds it, for the common case: plain
        mappings, lists and scalars of the JSON types, not nested past ``_FAST_DEPTH``.

        A third of a suite's loading went to PyYAML's generic construction (a
        generator per collection, bookkeeping for shared nodes); this is one call per
        collection (a plain string in one is taken in its loop). Anything else (a tag, a timestamp, a merge key, a duplicate or complex
        key, a surrogate escape, a collection met twice through an alias) raises ``_Slow``: the reference builds the whole
        document again, so errors are its own, and data is the same (the loaders'
        tests compare both on the corpus and every YAML file of the repository).
        """
        kind = type(node)
        tag = node.tag
        if kind is _SCALAR_NODE:
            value = node.value
            if tag == _STR:
                if node.style == '"' and _SURROGATE.search(value):  # type: ignore[attr-defined]
                    raise _Slow
                return value
            if tag == _INT and value.isdigit() and value.isascii() and value[0] != "0":
                return int(value)  # what construct_yaml_int makes of it (no sign, base, _)
            if tag in _JSON_SCALARS:
                return self.yaml_constructors[tag](self, node)
            raise _Slow
        if depth > _FAST_DEPTH or id(node) in self._built:  # deep, or shared (an alias)
            raise _Slow
        self._built.add(id(node))
        build = self._build
        if kind is _MAPPING_NODE and tag == _MAP:
            data, entries, keys = _new_mapping(self.file, node)
            for key_node, value_node in node.value:
                if type(key_node) is not _SCALAR_NODE or key_node.tag == _MERGE or (
                    key_node.style == '"' and _SURROGATE.search(key_node.value)
                ):
                    raise _Slow
                key = str(key_node.value)
                if key in entries:
                    raise _Slow
                # a plain (not double-quoted) string value, the most common, is taken here
                # rather than in a call of its own; spans as _scalar_end computes them
                if type(value_node) is _SCALAR_NODE:
                    data[key] = value_node.value if (
                        value_node.tag == _STR and value_node.style != '"'
                    ) else build(value_node, depth + 1)
                    start = value_node.start_mark.line + 1
                    mark = value_node.end_mark
                    end = mark.line if mark.column == 0 else mark.line + 1
                    value_end = end if end > start else start
                else:
                    data[key] = build(value_node, depth + 1)
                    value_end = _end_line(value_node)
                line = key_node.start_mark.line + 1
                entries[key] = (line, value_end)
                mark = key_node.end_mark
                end = mark.line if mark.column == 0 else mark.line + 1
                keys[key] = (line, end if end > line else line)
            return data
        if kind is _SEQUENCE_NODE and tag == _SEQ:
            items, spans = _new_sequence(self.file, node)
            for child in node.value:
                if type(child) is _SCALAR_NODE:
                    items.append(child.value if child.tag == _STR and child.style != '"'
                                 else build(child, depth + 1))
                    start = child.start_mark.line + 1
                    mark = child.end_mark
                    end = mark.line if mark.column == 0 else mark.line + 1
                    spans.append((start, end if end > start else start))
                else:
                    items.append(build(child, depth + 1))
                    spans.append(_span(child))
            return items
        raise _Slow

    def construct_scalar(self, node: Any) -> Any:
        value = super().construct_scalar(node)
        if node.style == '"' and isinstance(value, str) and _SURROGATE.search(value):
            return _join_surrogates(value, node)
        return value

    def construct_marked_mapping(self, node: yaml.MappingNode) -> Iterator[MarkedDict]:
        data, entries, keys = _new_mapping(self.file, node)
        yield data
        seen: dict[str, int] = {}
        merge = False
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merge = True
                continue
            key = self._key(key_node)
            if key in seen:
                raise duplicate_key_error(self.file, self.text, key, seen[key], key_node)
            seen[key] = key_node.start_mark.line + 1
        if merge:
            self.flatten_mapping(node)
        construct = self.construct_object
        for key_node, value_node in node.value:
            key = self._key(key_node)
            data[key] = construct(value_node, deep=True)
            line = key_node.start_mark.line + 1
            entries[key] = (line, _end_line(value_node))
            keys[key] = (line, _end_line(key_node))

    def _key(self, node: yaml.Node) -> str:
        if isinstance(node, yaml.ScalarNode):
            if node.style == '"' and _SURROGATE.search(node.value):
                return _join_surrogates(node.value, node)
            return str(node.value)
        raise yaml.constructor.ConstructorError(
            None, None, "a key must be a plain string, not a list or mapping", node.start_mark
        )

    def construct_marked_sequence(self, node: yaml.SequenceNode) -> Iterator[MarkedList]:
        data, items = _new_sequence(self.file, node)
        yield data
        construct = self.construct_object
        for child in node.value:
            data.append(construct(child, deep=True))
            items.append(_span(child))

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


def _join_surrogates(value: str, node: yaml.Node) -> str:
    """``"\\ud83d\\ude00"`` (a pair, as JSON writes it) is one character; half a pair is
    not a character at all (the text could never be sent or written): an error."""
    joined = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if "\ufffd" in joined and joined.count("\ufffd") != value.count("\ufffd"):
        raise _surrogate_error(node)
    return joined


def _surrogate_error(node: yaml.Node) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(
        None,
        None,
        "the string has an escape for half of a UTF-16 surrogate pair (\\ud800-\\udfff), "
        "which is not a character; write the character itself, or \\U0001F600 for one "
        "beyond U+FFFF",
        node.start_mark,
    )


def _number_or_error(ctor: Any) -> Any:
    """PyYAML's int/float constructor, with a value its resolver took for a number but
    its constructor cannot read (``0x_``, ``0b_``: a ValueError from ``int()``) as an
    error at the value's line instead of a traceback."""

    def construct(self: Any, node: yaml.ScalarNode) -> Any:
        try:
            return ctor(self, node)
        except ValueError:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"{node.value!r} looks like a number but is not one YAML can read; "
                "write the number in full, or quote it if it is text",
                node.start_mark,
            ) from None

    return construct


_MarkedConstructor.yaml_constructors = {
    tag: _number_or_error(ctor) if tag.rsplit(":", 1)[-1] in {"int", "float"} else ctor
    for tag, ctor in yaml.SafeLoader.yaml_constructors.items()
    if tag is not None and tag.rsplit(":", 1)[-1] in {"null", "bool", "int", "float", "str"}
}
_MarkedConstructor.yaml_constructors.update({
    "tag:yaml.org,2002:map": _MarkedConstructor.construct_marked_mapping,
    "tag:yaml.org,2002:seq": _MarkedConstructor.construct_marked_sequence,
    # dates and a bare "=" stay text (JSON has neither)
    "tag:yaml.org,2002:timestamp": _MarkedConstructor.construct_as_text,
    "tag:yaml.org,2002:value": _MarkedConstructor.construct_as_text,
    None: _MarkedConstructor.construct_unsupported,
})


class SelfAliasComposer(yaml.composer.Composer):
    """The pure-Python composer, refusing an alias inside the collection it names."""

    _open_anchors: set[str]

    def compose_node(self, parent: Any, index: Any) -> Any:
        parser: Any = self
        if not hasattr(self, "_open_anchors"):
            self._open_anchors = set()
        if parser.check_event(yaml.events.AliasEvent):
            event = parser.peek_event()
            if event.anchor in self._open_anchors:
                raise yaml.composer.ComposerError(
                    None, None, f"the alias *{event.anchor} refers to itself", event.start_mark
                )
            return super().compose_node(parent, index)
        anchor = getattr(parser.peek_event(), "anchor", None)
        if anchor:
            self._open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._open_anchors.discard(anchor or "")


class _MarkedLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    SelfAliasComposer,
    _MarkedConstructor,
    yaml.resolver.Resolver,
):
    """The pure-Python loader: the reference for every error and line number."""

    def __init__(self, stream: str, file: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        SelfAliasComposer.__init__(self)
        _MarkedConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self.file, self.text = file, stream


_CParser: Any = getattr(importlib.import_module("yaml.cyaml"), "CParser", None)
_CMarkedLoader: Any = None
if _CParser is not None:

    class _CMarkedLoaderImpl(_CParser, _MarkedConstructor, yaml.resolver.Resolver):
        """libyaml's parser and composer (same nodes, same marks) + the same constructor."""

        def __init__(self, stream: str, file: str) -> None:
            _CParser.__init__(self, stream)
            _MarkedConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self.file, self.text = file, stream

    _CMarkedLoader = _CMarkedLoaderImpl


def parse_document(
    text: str, file: str, loader: Any = _MarkedLoader, c_loader: Any = _CMarkedLoader
) -> Any:
    """One YAML document read with ``c_loader`` (libyaml) when there is one.

    Anything unusual on the C path (a syntax error, a duplicate key, an alias to
    itself, nesting past libyaml's limit) reads the text again with the pure-Python
    ``loader``, the reference: both give the same errors, with the same lines.
    Raises what the pure-Python loader raises (``yaml.YAMLError``, ``ConfigError``,
    ``RecursionError``).
    """
    if c_loader is not None:
        c = c_loader(text, file)
        try:
            return c.get_single_data()
        except (yaml.YAMLError, ConfigError, RecursionError, _Unusual):
            pass
        finally:
            c.dispose()
    py = loader(text, file)
    try:
        return py.get_single_data()
    except _Unusual as exc:  # never expected here: the pure composer refuses cycles
        raise yaml.YAMLError(str(exc)) from None
    finally:
        py.dispose()


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


def read_text(path: str | Path, limit: int = MAX_BYTES, what: str = "") -> str:
    """The file's text, or a ConfigError with file (and line) for anything else.

    At most ``limit`` bytes are read, whatever ``stat()`` says (devices such as
    /dev/zero, /proc files); FIFOs, sockets and devices are refused without blocking.
    UTF-8 (with or without a BOM) and UTF-16 with a BOM are read; control characters
    that YAML forbids (NUL, ESC, DEL, C1...) are refused at their line.
    """
    file = str(path)
    raw = _read_bounded(path, file, limit, what)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ConfigError(
                "the file starts with a UTF-16 byte order mark but is not UTF-16 text",
                Location(file, 1),
                hint="Save the file as UTF-8.",
            ) from None
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            shown = _visible(raw.decode("utf-8", errors="replace"))
            raise ConfigError(
                f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
                Location(file, line),
                quote_lines(shown, line),
                hint="Save the file as UTF-8.",
            ) from None
    bad = _CONTROL.search(text)
    if bad is not None:
        raise _control_error(file, text, bad.start())
    return text


def _read_bounded(path: str | Path, file: str, limit: int, what: str) -> bytes:
    import errno
    import os
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        if os.path.islink(path):
            target = os.readlink(path)
            raise ConfigError(
                f"is a broken symbolic link (to {target})", Location(file)
            ) from None
        raise ConfigError("file not found", Location(file)) from None
    except IsADirectoryError:
        raise ConfigError("is a directory, not a YAML file", Location(file)) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ConfigError(
                "is a symbolic link loop (it never reaches a file)",
                Location(file),
                hint="Point the link at the real file (ls -l shows where it goes).",
            ) from None
        raise ConfigError(f"cannot read the file: {exc.strerror}", Location(file)) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise ConfigError("is a directory, not a YAML file", Location(file))
        if not stat.S_ISREG(mode):
            kind = "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else (
                "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"
            )
            raise ConfigError(
                f"is {kind}, not a regular file",
                Location(file),
                hint=f"smoke reads {what or 'suites and smoke.yaml'} from regular files; "
                "write the content to a file first.",
            )
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1024 * 1024, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror}", Location(file)) from None
    finally:
        os.close(fd)
    if size > limit:
        raise ConfigError(
            f"file is too large (more than {limit} bytes)",
            Location(file),
            hint=f"{what[:1].upper() + what[1:] if what else 'Suites and smoke.yaml'} are "
            "small YAML files; split it into several files.",
        )
    return b"".join(chunks)


def _visible(text: str) -> str:
    """``text`` with control characters spelled out (safe to quote on a terminal)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _control_error(file: str, text: str, index: int) -> ConfigError:
    code = ord(text[index])
    name = _CONTROL_NAMES.get(code, "a C1 control character" if 0x80 <= code <= 0x9F else "")
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    spelled = f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"
    hint = f'Remove it; to send it, write it as an escape in a double-quoted string: "{spelled}".'
    if code == 0 and text.count("\x00") * 3 > len(text):  # every other byte is NUL
        hint = "The file looks like UTF-16 without a byte order mark: save it as UTF-8."
    return ConfigError(
        f"the file contains the control character U+{code:04X}"
        f"{f' ({name})' if name else ''} at column {column}, which YAML does not allow",
        Location(file, line),
        quote_lines(_visible(text), line),
        hint=hint,
    )


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
    try:
        with paused_gc():
            data = parse_document(text, file, _MarkedLoader, _CMarkedLoader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file, text) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", Location(file, 1)) from None
    except RecursionError:
        raise nested_too_deeply(file, text) from None
    if data is None:
        raise ConfigError(
            "the file is empty",
            Location(file, 1),
            hint="A suite starts with `suite: NAME` and `checks:`; "
            "smoke.yaml starts with `environments:`.",
        )
    return data


def nested_too_deeply(file: str, text: str) -> ConfigError:
    """The error for a document deeper than Python's recursion allows, at its deepest line."""
    line = _deepest_line(text)
    return ConfigError(
        "the YAML is nested too deeply (hundreds of levels); the deepest point is "
        f"around line {line}",
        Location(file, line),
        quote_lines(_visible(text), line),
        hint="Suites, smoke.yaml and templates need a few levels of nesting, not hundreds.",
    )


def _deepest_line(text: str) -> int:
    """An estimate of the line where the document is nested deepest (1-based)."""
    best, best_line, flow = -1, 1, 0
    indents: list[int] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        while indents and indents[-1] >= indent:
            indents.pop()
        indents.append(indent)
        dashes = len(stripped) - len(stripped.lstrip("- "))
        opened = stripped.count("[") + stripped.count("{")
        depth = len(indents) + dashes + flow + opened
        flow = max(0, flow + opened - stripped.count("]") - stripped.count("}"))
        if depth > best:
            best, best_line = depth, number
    return best_line


def _syntax_error(exc: yaml.MarkedYAMLError, file: str, text: str) -> ConfigError:
    """The parser's error at its line, quoted, with a plain-language hint."""
    from smoke.loading.yamlhints import culprit_line, syntax_hint

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
