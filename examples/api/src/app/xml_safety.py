"""XML parsing that is safe against entity expansion: defusedxml, from the layer."""

from __future__ import annotations

import defusedxml.ElementTree as SafeElementTree


def parse_feed(text: str) -> list[str]:
    root = SafeElementTree.fromstring(text)
    return [item.findtext("title") or "" for item in root.iter("item")]
