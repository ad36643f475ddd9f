"""CloudFormation intrinsic functions, evaluated the way CloudFormation would, locally.

``Evaluator.value(node)`` resolves ``Ref`` (parameters, pseudo parameters, resources),
``Fn::Sub`` (both forms), ``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::If`` with
``Conditions`` (``Fn::Equals``/``Not``/``And``/``Or``, ``Condition``), ``Fn::FindInMap``
with ``Mappings``, ``Fn::GetAtt``, ``Fn::GetAZs``, ``Fn::Base64``, ``Fn::Length`` and
``Fn::ToJsonString``. ``AWS::NoValue`` removes the entry it stands in (``NO_VALUE``).

Only CloudFormation knows a resource's physical id: ``!Ref Table`` becomes a stated
placeholder (``STACK-Table``, CloudFormation's naming without the random suffix) and a
note in ``notes`` says how to give the real value (``parameters: {Table: ...}`` in
smoke.yaml). What cannot be evaluated at all (a parameter without a value,
``Fn::ImportValue``) raises ``Unresolvable`` naming the key to set.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NO_VALUE: Any = type("NoValue", (), {"__repr__": lambda self: "AWS::NoValue"})()
_SUB = re.compile(r"\$\{([^}]*)\}")


class Unresolvable(Exception):
    """A value CloudFormation would know and smoke cannot: ``key`` is the smoke.yaml
    ``parameters:`` entry that would give it."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.key = key

    def hint(self, env: str = "local") -> str:
        if self.key is None:
            return ""
        return (
            f"Give the value in smoke.yaml: environments: {env}: parameters: "
            f"{{{self.key}: VALUE}}"
        )


@dataclass
class Stack:
    """What the intrinsics of one template may refer to."""

    parameters: Mapping[str, Any]  # name -> resolved value (str or list of str)
    missing: Mapping[str, str]  # parameter name -> why it has no value
    resources: Mapping[str, Any]
    conditions: Mapping[str, Any] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)
    pseudo: Mapping[str, str] = field(default_factory=dict)
    given: Mapping[str, Any] = field(default_factory=dict)  # smoke.yaml `parameters:`
    nested: bool = False  # a nested stack: its parameters come from the parent only


def pseudo_parameters(region: str, stack_name: str, account_id: str) -> dict[str, str]:
    partition = "aws-cn" if region.startswith("cn-") else (
        "aws-us-gov" if region.startswith("us-gov-") else "aws"
    )
    return {
        "AWS::Region": region,
        "AWS::AccountId": account_id,
        "AWS::StackName": stack_name,
        "AWS::StackId": f"arn:{partition}:cloudformation:{region}:{account_id}:stack/"
        f"{stack_name}/00000000-0000-0000-0000-000000000000",
        "AWS::Partition": partition,
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
        "AWS::NotificationARNs": "",
    }


class Evaluator:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.notes: list[str] = []
        self._conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # ---------------------------------------------------------------- values

    def value(self, node: Any) -> Any:
        """``node`` with every intrinsic evaluated; ``NO_VALUE`` entries dropped."""
        if isinstance(node, dict):
            if len(node) == 1:
                (key, argument), = node.items()
                if key == "Ref" or key == "Condition" or (
                    isinstance(key, str) and key.startswith("Fn::")
                ):
                    return self._intrinsic(key, argument)
            result = {}
            for key, item in node.items():
                evaluated = self.value(item)
                if evaluated is not NO_VALUE:
                    result[key] = evaluated
            return result
        if isinstance(node, list):
            items = [self.value(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        return node

    def text(self, node: Any) -> str:
        value = self.value(node)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (dict, list)):
            raise Unresolvable(f"{_show(node)} is not a single value")
        return str(value)

    def _intrinsic(self, name: str, argument: Any) -> Any:
        handler = _HANDLERS.get(name)
        if handler is None:
            raise Unresolvable(f"{name} cannot be evaluated locally")
        return handler(self, argument)

    def ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise Unresolvable(f"Ref {name!r} is not a name")
        if name == "AWS::NoValue":
            return NO_VALUE
        given = self.stack.given
        if name in given:
            return given[name]
        if name in self.stack.pseudo:
            return self.stack.pseudo[name]
        if name in self.stack.parameters:
            return self.stack.parameters[name]
        if name in self.stack.missing:
            key = None if self.stack.nested else name  # smoke.yaml gives the root's only
            raise Unresolvable(f"parameter {name} {self.stack.missing[name]}", key)
        resource = self.stack.resources.get(name)
        if isinstance(resource, dict):
            placeholder = f"{self.stack.pseudo.get('AWS::StackName', 'local')}-{name}"
            self.note(
                f"!Ref {name} is the physical id CloudFormation gives the "
                f"{resource.get('Type', 'resource')}; locally it is the placeholder "
                f"{placeholder!r} (give the real one with parameters: {{{name}: ...}})"
            )
            return placeholder
        raise Unresolvable(f"!Ref {name}: no parameter or resource of that name", name)

    def get_att(self, argument: Any) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        if not isinstance(argument, list) or len(argument) != 2:
            raise Unresolvable(f"Fn::GetAtt {argument!r} is not [resource, attribute]")
        resource_id, attribute = argument[0], self.value(argument[1])
        key = f"{resource_id}.{attribute}"
        if key in self.stack.given:
            return self.stack.given[key]
        resource = self.stack.resources.get(resource_id)
        if not isinstance(resource, dict):
            raise Unresolvable(f"!GetAtt {key}: no resource {resource_id!r}", key)
        pseudo = self.stack.pseudo
        base = f"{pseudo.get('AWS::StackName', 'local')}-{resource_id}"
        if str(attribute).endswith("Arn"):
            kind = str(resource.get("Type", "")).split("::")
            service = kind[1].lower() if len(kind) > 1 else "unknown"
            region = "" if service in ("iam", "cloudfront", "route53") else pseudo.get(
                "AWS::Region", ""
            )
            placeholder = (
                f"arn:{pseudo.get('AWS::Partition', 'aws')}:{service}:"
                f"{region}:{pseudo.get('AWS::AccountId', '')}:{base}"
            )
        else:
            placeholder = f"{base}-{attribute}"
        self.note(
            f"!GetAtt {key} is known only to CloudFormation; locally it is the placeholder "
            f"{placeholder!r} (give the real one with parameters: {{{key}: ...}})"
        )
        return placeholder

    # ------------------------------------------------------------ conditions

    def condition(self, name: Any) -> bool:
        if not isinstance(name, str) or name not in self.stack.conditions:
            raise Unresolvable(f"no condition {name!r} in Conditions")
        if name in self._conditions:
            return self._conditions[name]
        if name in self._evaluating:
            raise Unresolvable(f"condition {name} refers to itself")
        self._evaluating.add(name)
        try:
            result = self._truth(self.stack.conditions[name])
        finally:
            self._evaluating.discard(name)
        self._conditions[name] = result
        return result

    def _truth(self, node: Any) -> bool:
        value = self.value(node)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise Unresolvable(f"{_show(node)} is not a condition")


def _show(node: Any) -> str:
    return json.dumps(node, default=str)[:120]


def _sub(ev: Evaluator, argument: Any) -> str:
    if isinstance(argument, list) and len(argument) == 2:
        template, variables = argument
        values = {str(k): ev.value(v) for k, v in (variables or {}).items()}
    else:
        template, values = argument, {}
    if not isinstance(template, str):
        raise Unresolvable(f"Fn::Sub {_show(argument)} has no template string")

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner.startswith("!"):
            return "${" + inner[1:] + "}"
        name = inner.strip()
        if name in values:
            found = values[name]
        elif "." in name and not name.startswith("AWS::"):
            found = ev.get_att(name.split(".", 1))
        else:
            found = ev.ref(name)
        if isinstance(found, list):
            raise Unresolvable(f"${{{name}}} in Fn::Sub is a list, not a string")
        return "" if found is NO_VALUE else str(found)

    return _SUB.sub(replace, template)


def _join(ev: Evaluator, argument: Any) -> str:
    if not isinstance(argument, list) or len(argument) != 2:
        raise Unresolvable(f"Fn::Join {_show(argument)} is not [separator, list]")
    separator, items = argument[0], ev.value(argument[1])
    if not isinstance(items, list):
        raise Unresolvable(f"Fn::Join {_show(argument)}: the second item is not a list")
    return str(separator).join(ev.text(item) for item in items)


def _select(ev: Evaluator, argument: Any) -> Any:
    if not isinstance(argument, list) or len(argument) != 2:
        raise Unresolvable(f"Fn::Select {_show(argument)} is not [index, list]")
    index, items = ev.value(argument[0]), ev.value(argument[1])
    try:
        return items[int(index)]
    except (TypeError, ValueError, IndexError, KeyError):
        raise Unresolvable(f"Fn::Select: no item {index!r} in {items!r}") from None


def _split(ev: Evaluator, argument: Any) -> list[str]:
    if not isinstance(argument, list) or len(argument) != 2:
        raise Unresolvable(f"Fn::Split {_show(argument)} is not [separator, string]")
    return ev.text(argument[1]).split(str(argument[0]))


def _if(ev: Evaluator, argument: Any) -> Any:
    if not isinstance(argument, list) or len(argument) != 3:
        raise Unresolvable(f"Fn::If {_show(argument)} is not [condition, then, else]")
    return ev.value(argument[1] if ev.condition(argument[0]) else argument[2])


def _equals(ev: Evaluator, argument: Any) -> bool:
    if not isinstance(argument, list) or len(argument) != 2:
        raise Unresolvable(f"Fn::Equals {_show(argument)} is not [a, b]")
    left, right = (ev.value(item) for item in argument)
    return bool(_comparable(left) == _comparable(right))


def _comparable(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _find_in_map(ev: Evaluator, argument: Any) -> Any:
    if not isinstance(argument, list) or len(argument) not in (3, 4):
        raise Unresolvable(f"Fn::FindInMap {_show(argument)} is not [map, key, key]")
    names = [ev.value(item) for item in argument[:3]]
    found: Any = ev.stack.mappings
    for name in names:
        if not isinstance(found, dict) or str(name) not in found:
            if len(argument) == 4 and isinstance(argument[3], dict):
                return ev.value(argument[3].get("DefaultValue"))
            raise Unresolvable(
                f"Fn::FindInMap {names!r}: no entry {name!r} in Mappings"
            )
        found = found[str(name)]
    return ev.value(found)


def _import_value(ev: Evaluator, argument: Any) -> Any:
    name = ev.text(argument)
    if name in ev.stack.given:
        return ev.stack.given[name]
    raise Unresolvable(f"Fn::ImportValue {name} is another stack's export", name)


def _logical(ev: Evaluator, argument: Any) -> list[bool]:
    if not isinstance(argument, list):
        raise Unresolvable(f"{_show(argument)} is not a list of conditions")
    return [ev._truth(item) for item in argument]


_HANDLERS: dict[str, Any] = {
    "Ref": Evaluator.ref,
    "Condition": Evaluator.condition,
    "Fn::GetAtt": Evaluator.get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::Not": lambda ev, a: not _logical(ev, a if isinstance(a, list) else [a])[0],
    "Fn::And": lambda ev, a: all(_logical(ev, a)),
    "Fn::Or": lambda ev, a: any(_logical(ev, a)),
    "Fn::FindInMap": _find_in_map,
    "Fn::ImportValue": _import_value,
    "Fn::Base64": lambda ev, a: base64.b64encode(ev.text(a).encode()).decode(),
    "Fn::GetAZs": lambda ev, a: [
        f"{ev.text(a) or ev.stack.pseudo.get('AWS::Region', '')}{z}" for z in "abc"
    ],
    "Fn::Length": lambda ev, a: len(ev.value(a)),
    "Fn::ToJsonString": lambda ev, a: json.dumps(ev.value(a), separators=(",", ":")),
}
