"""``Fn::ForEach`` of the ``AWS::LanguageExtensions`` transform, expanded in Resources.

``Fn::ForEach::Name: [Identifier, Collection, {OutputKey: OutputValue}]`` makes one
entry per item of the collection (a list, or ``!Ref`` to a list parameter): in the keys,
``${Identifier}`` is the item and ``&{Identifier}`` the item without its non-alphanumeric
characters; in the values, ``${Identifier}`` inside strings and ``!Ref Identifier`` are
the item. Loops nest. A collection that cannot be evaluated leaves its functions out,
with a note.
"""

from __future__ import annotations

import re
from typing import Any

from smoke.local.intrinsics import Evaluator, Unresolvable

PREFIX = "Fn::ForEach::"


def expand(resources: dict[str, Any], evaluator: Evaluator, notes: list[str]) -> dict[str, Any]:
    """``resources`` with every ``Fn::ForEach::`` entry replaced by what it makes."""
    if not any(str(key).startswith(PREFIX) for key in resources):
        return resources
    out: dict[str, Any] = {}
    for key, value in resources.items():
        if not str(key).startswith(PREFIX):
            out[key] = value
            continue
        if not (isinstance(value, list) and len(value) == 3 and isinstance(value[2], dict)):
            notes.append(f"{key} is not [identifier, collection, {{template}}]: skipped")
            continue
        identifier, collection, fragment = value
        try:
            items = evaluator.value(collection)
        except Unresolvable as exc:
            notes.append(f"{key}: its collection cannot be evaluated ({exc.message}): skipped")
            continue
        if not isinstance(items, list):
            notes.append(f"{key}: its collection is not a list: skipped")
            continue
        for item in items:
            made = {
                _key(str(k), str(identifier), str(item)): _value(v, str(identifier), str(item))
                for k, v in fragment.items()
            }
            out.update(expand(made, evaluator, notes))
    return out


def _key(key: str, identifier: str, item: str) -> str:
    plain = re.sub(r"[^A-Za-z0-9]", "", item)
    return key.replace("${" + identifier + "}", item).replace("&{" + identifier + "}", plain)


def _value(node: Any, identifier: str, item: str) -> Any:
    if isinstance(node, str):
        return node.replace("${" + identifier + "}", item)
    if isinstance(node, list):
        return [_value(v, identifier, item) for v in node]
    if isinstance(node, dict):
        if node == {"Ref": identifier}:
            return item
        return {_key(str(k), identifier, item): _value(v, identifier, item) for k, v in node.items()}
    return node
