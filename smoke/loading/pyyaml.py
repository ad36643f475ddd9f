"""PyYAML, imported without the one regex smoke never needs at start (issue 14).

Importing ``yaml`` compiles ``yaml.reader.Reader.NON_PRINTABLE``, a negated class over all
of Unicode: ~5 ms at every start, a third of PyYAML's import. Only the pure-Python
loader uses it (smoke reads with libyaml's, and falls back to the pure-Python one to
report a mistake), and smoke refuses those characters itself before YAML sees the text
(``yamlload.read_text``).

The same set of characters, written as the small set it is (``CONTROL``), compiles in
~0.1 ms. It is put in ``re``'s cache under PyYAML's pattern text just before ``yaml`` is
imported, so the Reader's ``re.compile`` returns it: it finds exactly the same characters
at the same positions (``tests/loading/test_loading_pyyaml.py`` compares both patterns over
every code point, and that the Reader got it). If ``yaml`` was imported before, if ``re``
keeps no such cache, or if a PyYAML spells its pattern differently, PyYAML compiles its
own pattern, as it always did. Every module of smoke imports PyYAML through this one.
"""

from __future__ import annotations

import re
import sys

# what YAML forbids in a stream: the complement of PyYAML's NON_PRINTABLE below
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# yaml/reader.py's pattern text (PyYAML 5.1 to 6.0.x)
NON_PRINTABLE_TEXT = "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]"


def _offer_control() -> None:
    if "yaml.reader" in sys.modules:
        return
    cache = getattr(re, "_cache", None)  # re.compile's own cache (3.10-3.13: a dict)
    if isinstance(cache, dict):
        cache.setdefault((str, NON_PRINTABLE_TEXT, 0), CONTROL)


_offer_control()

import yaml  # noqa: E402  (after the offer: the Reader compiles at import)

__all__ = ["CONTROL", "NON_PRINTABLE_TEXT", "yaml"]
