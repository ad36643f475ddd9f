"""Routes from an OpenAPI document (3.x, or Swagger 2.0), a file or served by the function.

Each operation under ``paths`` is a route, prefixed with the document's base path
(``servers[0]``'s path in 3.x, ``basePath`` in 2.0; not an API Gateway stage, and, for a
document the function serves itself, only when the document's own path carries it).
Path parameters take the document's ``example``/``default``/first ``enum`` value.
YAML documents are read with line marks, so a generated check names the operation's line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from smoke.errors import ConfigError
from smoke.loading.routes.generate import ANY, Route
from smoke.loading.yamlload import node_location, parse_yaml_text
from smoke.model import Location

OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ANY_METHOD = "x-amazon-apigateway-any-method"
_JSON_PATH_KEY = re.compile(r'("\\?/(?:[^"\\]|\\.)*")\s*:')


class Document:
    """A parsed OpenAPI document and where its parts were written (when known)."""

    def __init__(self, data: Any, label: str, text: str, *, marked: bool, file: bool) -> None:
        self.data, self.label, self.text, self.marked = data, label, text, marked
        self.file = file  # lines mean something only in a file someone reads
        self._json_lines: dict[str, int] | None = None

    def where(self, item: Any, path: str, method: str) -> str:
        if not self.file:
            return f"{self.label} ({method.upper()} {path})"
        if self.marked:
            return str(node_location(item, method, self.label))
        line = self.json_lines().get(path)  # JSON: the path's line
        return f"{self.label}:{line}" if line else self.label

    def json_lines(self) -> dict[str, int]:
        """The line of each ``"/path":`` key of a JSON text (the first one), in one pass."""
        if self._json_lines is None:
            found: dict[str, int] = {}
            line, position = 1, 0
            for match in _JSON_PATH_KEY.finditer(self.text):
                line += self.text.count("\n", position, match.start())
                position = match.start()
                try:
                    found.setdefault(json.loads(match.group(1)), line)
                except json.JSONDecodeError:
                    continue
            self._json_lines = found
        return self._json_lines


def parse_document(text: str, label: str, error_at: Location, *, file: bool = True) -> Document:
    """JSON or YAML text -> ``Document``; anything else is a ConfigError at ``error_at``.

    ``file``: the text is a file (``label`` its path), not a document the function served."""
    if not text.strip():
        raise _error(f"the OpenAPI document {label} is empty", error_at)
    data: Any
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _error(
                f"{label} is not valid JSON: {exc.msg} (line {exc.lineno})", error_at
            ) from None
        marked = False
    else:
        data = parse_yaml_text(text, label)
        marked = True
    if not isinstance(data, dict) or not ("openapi" in data or "swagger" in data):
        raise _error(
            f"{label} is not an OpenAPI document (no top-level `openapi:` or `swagger:`)",
            error_at,
            "Point `file:`/`path:` at an OpenAPI 3 or Swagger 2 document, e.g. FastAPI's "
            "/openapi.json.",
        )
    if not isinstance(data.get("paths"), dict) or not data["paths"]:
        raise _error(f"the OpenAPI document {label} has no `paths`", error_at)
    return Document(data, label, text, marked=marked, file=file)


def base_path(data: Mapping[str, Any], served_at: str | None = None) -> str:
    """The prefix of every path: servers[0] (3.x) or basePath (2.0), never a stage."""
    prefix = ""
    if "swagger" in data:
        prefix = str(data.get("basePath") or "")
    else:
        servers = data.get("servers") or []
        first = servers[0] if isinstance(servers, list) and servers else {}
        url = str(first.get("url", "")) if isinstance(first, dict) else ""
        for name, variable in (first.get("variables") or {}).items():
            if isinstance(variable, dict):
                url = url.replace("{" + str(name) + "}", str(variable.get("default", "")))
        parts = urlsplit(url)
        prefix = "" if "execute-api" in (parts.hostname or "") else parts.path
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    if served_at is not None and not served_at.startswith(prefix + "/"):
        return ""  # the function serves its document without the prefix: paths are its own
    return prefix


def document_routes(document: Document, prefix: str) -> list[Route]:
    return list(_routes(document, prefix))


def _routes(document: Document, prefix: str) -> Iterator[Route]:
    for path, item in document.data["paths"].items():
        if not isinstance(item, dict) or not str(path).startswith("/"):
            continue
        shared = _parameters(document.data, item.get("parameters"))
        for key, operation in item.items():
            method = ANY if key == ANY_METHOD else key.upper() if key in OPERATIONS else None
            if method is None or not isinstance(operation, dict):
                continue
            values, integers = _values({**shared, **_parameters(document.data,
                                                                 operation.get("parameters"))})
            where = document.where(item, str(path), key)
            yield Route(method, prefix + str(path), where, None, values, integers)


def _parameters(data: Mapping[str, Any], listed: Any) -> dict[str, Mapping[str, Any]]:
    """The path parameters of a parameter list, by name (local ``$ref``s followed)."""
    found: dict[str, Mapping[str, Any]] = {}
    for parameter in listed if isinstance(listed, list) else ():
        parameter = _resolve(data, parameter)
        if isinstance(parameter, dict) and parameter.get("in") == "path" and "name" in parameter:
            found[str(parameter["name"])] = parameter
    return found


def _resolve(data: Mapping[str, Any], value: Any, depth: int = 0) -> Any:
    ref = value.get("$ref") if isinstance(value, dict) else None
    if not isinstance(ref, str) or not ref.startswith("#/") or depth > 10:
        return value
    node: Any = data
    for part in ref[2:].split("/"):
        node = node.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(
            node, dict) else None
    return _resolve(data, node, depth + 1) if node is not None else value


def _values(parameters: Mapping[str, Mapping[str, Any]]) -> tuple[dict[str, str], frozenset[str]]:
    values: dict[str, str] = {}
    integers: set[str] = set()
    for name, parameter in parameters.items():
        given = parameter.get("schema")
        schema: Mapping[str, Any] = given if isinstance(given, dict) else {}
        examples = parameter.get("examples")
        candidates = [parameter.get("example"), parameter.get("x-example"),
                      schema.get("example"), schema.get("default"), parameter.get("default")]
        if isinstance(examples, dict):
            candidates += [e.get("value") for e in examples.values() if isinstance(e, dict)]
        enum = schema.get("enum") or parameter.get("enum")
        if isinstance(enum, list) and enum:
            candidates.append(enum[0])
        value = next((c for c in candidates if isinstance(c, (str, int, float))), None)
        if value is not None and not isinstance(value, bool):
            values[name] = str(value)
        if (schema.get("type") or parameter.get("type")) in ("integer", "number"):
            integers.add(name)
    return values, frozenset(integers)


def _error(message: str, at: Location, hint: str = "") -> ConfigError:
    from smoke.loading.yamlload import quote_lines

    return ConfigError(message, at, quote_lines(at.file, at.line, at.end_line), hint)
