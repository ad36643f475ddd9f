"""interpolate() walks nothing when the YAML text cannot hold a ``${`` reference.

The claim (``interpolate._no_reference``): without ``${`` and without a backslash in the
text, no string value read from it contains ``${`` (line folding never joins ``$`` and
``{``; escapes need a backslash). Property: documents made of ``$``, ``{``, line breaks
and indentation in every scalar style; whenever the text passes the test, no value holds
``${``. And the skip changes nothing: the same secrets, placeholders and data."""

from __future__ import annotations

import os
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from smoke.errors import ConfigError
from smoke.loading.interpolate import _no_reference, _strings_in_file_order, interpolate
from smoke.loading.yamlload import parse_yaml_text

SETTINGS = settings(max_examples=int(os.environ.get("SMOKE_HYPOTHESIS_EXAMPLES", "150")),
                    deadline=None)

piece = st.sampled_from(["$", "{", "}", "$$", "x", " ", "\n", "\n  ", "\n\n  ", "\t", "#",
                         "'", "''", ":", "-", "\r\n  "])
body = st.lists(piece, min_size=1, max_size=10).map("".join)


@st.composite
def document(draw: st.DrawFn) -> str:
    text = draw(body)
    style = draw(st.sampled_from(["plain", "double", "single", "literal", "folded", "list"]))
    indented = text.replace("\n", "\n  ")
    if style == "double":
        return f'a: "{text.replace(chr(34), "")}"\n'
    if style == "single":
        return f"a: '{text}'\n"
    if style in ("literal", "folded"):
        return f"a: {'|' if style == 'literal' else '>'}\n  {indented}\n"
    if style == "list":
        return f"a:\n  - {indented}\n  - b\n"
    return f"a: {text}\n"


def _strings(data: Any) -> list[str]:
    return [container[key] for container, key in _strings_in_file_order(data)]


@SETTINGS
@given(document())
def test_no_value_holds_a_reference_the_text_does_not(text: str) -> None:
    try:
        data = parse_yaml_text(text, "t.yaml")
    except ConfigError:
        return  # not YAML: nothing to interpolate
    if _no_reference(text):
        assert not any("${" in s for s in _strings(data)), (text, data)


def test_the_same_result_with_and_without_the_walk() -> None:
    text = 'a: "x"\nb: [1, "$", "{"]\nc: {d: "plain $ {}"}\n'
    assert _no_reference(text)
    walked = parse_yaml_text(text, "t.yaml")
    before = repr(walked)
    assert interpolate(walked, {"X": "secret"}, "t.yaml", text) == set()
    assert repr(walked) == before
    # the walk is what a text with ${ or a backslash gets
    for other in ('a: "${X}"\n', 'a: "\\x24{X}"\n', 'a: "$\\\n  {X}"\n'):
        assert not _no_reference(other)
        data = parse_yaml_text(other, "t.yaml")
        assert interpolate(data, {"X": "secret"}, "t.yaml", other) == {"secret"}
        assert data["a"] == "secret"
