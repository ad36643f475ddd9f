"""Load one ``suites/*.yaml`` file into a ``Suite``.

Steps: read the YAML with line marks, replace ``${VAR}`` references, validate
against ``suite.schema.json``, then build the model. Every problem is a
``ConfigError`` naming the file and line of the offending value.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from smoke.errors import ConfigError
from smoke.gcpolicy import paused_gc
from smoke.loading.interpolate import has_placeholder, interpolate
from smoke.loading.yamlload import (
    key_location,
    load_yaml_text,
    node_location,
    quote_lines,
    to_plain,
)
from smoke.model import (
    DEFAULT_ROUTE_METHODS,
    Authorizer,
    Check,
    Expect,
    Location,
    Request,
    RoutesSpec,
    StatusExpectation,
    Suite,
)
from smoke.redact import masked_error
from smoke.schema import validate

METHOD_KEYS = ("get", "post", "put", "patch", "delete", "head", "options")
BODY_KEYS = ("json", "body", "body_base64")
_METHOD_KEYS_OR_METHOD = (*METHOD_KEYS, "method")
HTTP_ONLY_KEYS = (
    *METHOD_KEYS,
    *("method", "path", "query", "headers", "path_parameters", *BODY_KEYS),
    *("authorizer", "stage", "alb_multi_value"),
)


def load_suite(
    path: str | Path, env: Mapping[str, str] | None = None, *, require_env: bool = True
) -> Suite:
    """Read, validate and build the suite at ``path``; ``env`` defaults to os.environ.

    With ``require_env=False`` an unset ``${VAR}`` reads as ``<unset:VAR>`` and is
    listed in ``Suite.unset_vars`` instead of being a ConfigError.
    """
    with paused_gc():  # see paused_gc: the checks are built with the document alive
        return _load_suite(str(path), env, require_env)


def _load_suite(file: str, env: Mapping[str, str] | None, require_env: bool) -> Suite:
    data, text = load_yaml_text(file)
    unset: list[str] = []
    env = os.environ if env is None else env
    secrets = interpolate(data, env, file, text, require_env=require_env, unset=unset)
    try:
        validate(data, "suite", file, text, secrets)
        if secrets:
            _mask_names(data, secrets)
        builder = _SuiteBuilder(file, text, data, remember=not secrets)
        if "checks" not in data and "routes" not in data:
            raise builder.error(
                f"suite {data['suite']!r} has neither `checks:` nor `routes:`",
                node_location(data, "suite", file),
                hint="Add `checks:` (a list of requests) or `routes:` (e.g. `routes: {from: "
                "template}`: one check per route of the function), or both.",
            )
        checks = tuple(builder.check(item, i) for i, item in enumerate(data.get("checks", ())))
    except ConfigError as exc:
        raise masked_error(exc, secrets) from None
    return Suite(
        name=data["suite"],
        path=file,
        checks=checks,
        function=data.get("function"),
        event=data.get("event", "apigw-rest"),
        tags=tuple(data.get("tags", ())),
        location=node_location(data, "suite", file),
        secrets=frozenset(secrets),
        unset_vars=tuple(unset),
        routes=builder.routes(data["routes"]) if "routes" in data else None,
    )


def _mask_names(data: Any, secrets: set[str]) -> None:
    """A ``${VAR}`` in a suite or check name (or a tag) is a secret in what identifies the
    check everywhere (report ids, pytest node ids, JUnit names): the names keep ``***``."""
    from smoke.redact import Redactor

    mask = Redactor(secrets).text
    data["suite"] = mask(data["suite"])
    if isinstance(data.get("tags"), list):
        data["tags"][:] = [mask(t) if isinstance(t, str) else t for t in data["tags"]]
    for item in data.get("checks", ()):
        item["name"] = mask(item["name"])
        if isinstance(item.get("tags"), list):
            item["tags"][:] = [mask(t) if isinstance(t, str) else t for t in item["tags"]]


def parse_status(value: Any) -> StatusExpectation:
    """200 / [401, 307] / "2xx" / ["2xx", 404] / "200" (already schema-valid).

    Equal expectations are one object (it is immutable): 10,000 checks saying
    ``status: 200`` hold one, not 10,000 pairs of frozensets."""
    items = value if isinstance(value, list) else [value]
    key = tuple((type(v), v) for v in items)
    found = _STATUSES.get(key)
    if found is None:
        codes = frozenset(int(v) for v in items if not isinstance(v, str) or v.isdigit())
        classes = frozenset(int(v[0]) for v in items if isinstance(v, str) and not v.isdigit())
        found = _STATUSES.setdefault(key, StatusExpectation(codes=codes, classes=classes))
    return found


_STATUSES: dict[tuple[tuple[type, Any], ...], StatusExpectation] = {}


class _SuiteBuilder:
    def __init__(self, file: str, text: str, data: Any, *, remember: bool = True) -> None:
        self.file, self.text, self.data = file, text, data
        self.remember = remember  # no secret in the suite: schemas found valid are remembered
        self.names: dict[str, Location] = {}

    def error(self, message: str, loc: Location, hint: str = "") -> ConfigError:
        return ConfigError(message, loc, quote_lines(self.text, loc.line, loc.end_line), hint)

    def check(self, item: Any, index: int) -> Check:
        loc = node_location(self.data["checks"], index, self.file)
        name = item["name"]
        if name in self.names:
            first = self.names[name]
            raise self.error(
                f"duplicate check name {name!r} (the first is on line {first.line})",
                key_location(item, "name", self.file),
                hint="Check names must be unique within a suite; rename one of them.",
            )
        self.names[name] = loc
        function = item.get("function", self.data.get("function"))
        if function is None:
            raise self.error(
                f"check {name!r} names no function",
                loc,
                hint="Add `function: NAME` to the check, or a default `function:` at the "
                "top of the suite (a logical name from smoke.yaml).",
            )
        event = item.get("event", self.data.get("event", "apigw-rest"))
        if event == "raw":
            self.check_raw(item, name)
            request = Request()
        else:
            request = self.request(item, name, loc, event)
        tags = tuple(dict.fromkeys([*self.data.get("tags", ()), *item.get("tags", ())]))
        timeout = item.get("timeout")
        return Check(
            suite=self.data["suite"],
            name=name,
            function=function,
            event=event,
            request=request,
            expect=self.expect(item.get("expect", {})),
            payload=to_plain(item.get("payload")),
            mutates=item.get("mutates"),
            tags=tags,
            location=loc,
            timeout_s=float(timeout) if timeout is not None else None,
            alb_multi_value=item.get("alb_multi_value", self.data.get("alb_multi_value")),
        )

    def routes(self, item: Any) -> RoutesSpec:
        """``routes:``: what to generate checks from (see ``smoke.loading.routes``)."""
        loc = node_location(self.data, "routes", self.file)
        source = item["from"]
        function = item.get("function", self.data.get("function"))
        if function is None:
            raise self.error(
                "`routes:` names no function",
                loc,
                hint="Add `function: NAME` to the suite or to `routes:` (a logical name "
                "from smoke.yaml): its routes are the ones checked.",
            )
        if (item.get("event") or self.data.get("event")) == "raw":
            raise self.error(
                "`routes:` generates HTTP requests, but the event is raw",
                node_location(item if "event" in item else self.data, "event", self.file),
                hint="Use an HTTP event kind (apigw-rest, apigw-http, alb, function-url), or "
                "leave `event:` out: the route's source decides.",
            )
        given = [k for k in ("file", "path") if k in item]
        wanted = {"openapi": 1}.get(source, 0)
        if len(given) != wanted:
            if source == "openapi":
                problem = "gives both `file:` and `path:`" if given else "needs `file:` or `path:`"
                hint = ("`file: openapi.yaml` (relative to this suite) or `path: /openapi.json` "
                        "(served by the function).")
            else:
                problem = f"with `from: {source}` takes no `{given[0]}:`"
                hint = "`file:` and `path:` name an OpenAPI document: use `from: openapi`."
            at = node_location(item, given[-1], self.file) if given else loc
            raise self.error(f"`routes:` {problem}", at, hint=hint)
        file = None
        if "file" in item:
            file = str((Path(self.file).resolve().parent / str(item["file"])).resolve())
        given_methods = item.get("methods", ())
        if given_methods == "*":  # "*" alone: all methods, as in a list
            given_methods = ["*"]
        methods = tuple(dict.fromkeys(str(m).upper() for m in given_methods))
        timeout = item.get("timeout")
        return RoutesSpec(
            source=source,
            function=function,
            location=loc,
            event=item.get("event", self.data.get("event")),
            file=file,
            path=item.get("path"),
            base_path=item.get("base_path"),
            methods=methods or DEFAULT_ROUTE_METHODS,
            path_parameters={str(k): _text(v) for k, v in item.get("path_parameters", {}).items()},
            exclude=tuple(str(p) for p in item.get("exclude", ())),
            expect=self.expect(item.get("expect", {})),
            headers={str(k): _text(v) for k, v in item.get("headers", {}).items()},
            tags=tuple(dict.fromkeys([*self.data.get("tags", ()), *item.get("tags", ())])),
            mutates=item.get("mutates"),
            timeout_s=float(timeout) if timeout is not None else None,
            source_location=node_location(item, given[0], self.file) if given else None,
        )

    def check_raw(self, item: Any, name: str) -> None:
        extra = [k for k in item if k in HTTP_ONLY_KEYS]
        if extra:
            raise self.error(
                f"check {name!r} is a raw invocation (event: raw) but has "
                f"{', '.join(map(repr, extra))}",
                node_location(item, extra[0], self.file),
                hint="A raw check sends `payload:` as the event; remove the HTTP request keys, "
                "or use an HTTP event kind such as apigw-rest.",
            )

    def request(self, item: Any, name: str, loc: Location, event: str) -> Request:
        if "payload" in item:
            raise self.error(
                f"check {name!r} has `payload:` but its event is {event!r}, not raw",
                node_location(item, "payload", self.file),
                hint="Add `event: raw` to send the payload as the event itself, or describe an "
                "HTTP request with get:/post:/... instead.",
            )
        method, path = self.method_and_path(item, name, loc)
        self.only_one(item, BODY_KEYS, name, "body")
        given = item.get("headers")
        header_lists: dict[str, tuple[str, ...]] = {}
        headers: dict[str, str] = {}
        if given:  # most checks send none: no comprehension to run
            header_lists = {  # a header sent more than once: a list of its values, in order
                str(k): tuple(_text(x) for x in v) for k, v in given.items()
                if isinstance(v, list)
            }
            headers = {str(k): ",".join(header_lists[str(k)]) if isinstance(v, list)
                       else _text(v) for k, v in given.items()}  # fmt: skip
        body: bytes | None = None
        binary = False
        if "json" in item:
            compact = json.dumps(to_plain(item["json"]), separators=(",", ":"), ensure_ascii=False)
            body = compact.encode("utf-8")
            if not any(k.lower() == "content-type" for k in headers):
                headers["content-type"] = "application/json"
        elif "body" in item:
            body = item["body"].encode("utf-8")
        elif "body_base64" in item:
            try:
                body = base64.b64decode(item["body_base64"], validate=True)
            except (binascii.Error, ValueError):
                raise self.error(
                    f"check {name!r}: body_base64 is not valid base64",
                    node_location(item, "body_base64", self.file),
                ) from None
            binary = True
        query = {
            str(k): tuple(_text(x) for x in v) if isinstance(v, list) else (_text(v),)
            for k, v in item["query"].items()
        } if "query" in item else {}
        auth = item.get("authorizer")
        return Request(
            method=method,
            path=path,
            query=query,
            headers=headers,
            path_parameters={str(k): _text(v) for k, v in item["path_parameters"].items()}
            if "path_parameters" in item else {},
            body=body,
            body_is_binary=binary,
            authorizer=None if auth is None else _authorizer(auth),
            stage=item.get("stage", self.data.get("stage")),
            header_lists=header_lists,
        )

    def method_and_path(self, item: Any, name: str, loc: Location) -> tuple[str, str]:
        shorthands = self.only_one(item, _METHOD_KEYS_OR_METHOD, name, "method")
        if shorthands and shorthands != "method":
            if "path" in item:
                raise self.error(
                    f"check {name!r} gives both `{shorthands}:` and `path:`",
                    node_location(item, "path", self.file),
                    hint=f"Write `{shorthands}: PATH` alone, or `method:` with `path:`.",
                )
            return shorthands.upper(), self.path(item, shorthands, name)
        if shorthands == "method" and "path" in item:
            return str(item["method"]).upper(), self.path(item, "path", name)
        missing = "path" if shorthands == "method" else "method"
        raise self.error(
            f"check {name!r} has no request {missing}",
            loc,
            hint="Write e.g. `get: /health`, or `method: POST` with `path: /items`; "
            "a check with `event: raw` sends `payload:` instead.",
        )

    def path(self, item: Any, key: str, name: str) -> str:
        """The request path, which must start with ``/`` (``get: health`` is a mistake)."""
        path = str(item[key])
        if path.startswith("/") or has_placeholder(path):
            return path
        if "://" in path:
            hint = (
                "Give the path alone, e.g. `get: /health`; the address comes from smoke.yaml "
                "(the function, or `base_url` with `via: http`)."
            )
        else:
            hint = f"did you mean '/{path.lstrip()}'?"
        raise self.error(
            f"check {name!r}: the request path must start with '/'; got {path!r}",
            node_location(item, key, self.file),
            hint=hint,
        )

    def only_one(self, item: Any, keys: tuple[str, ...], name: str, what: str) -> str | None:
        given = [k for k in keys if k in item]
        if len(given) > 1:
            raise self.error(
                f"check {name!r} gives more than one {what}: {', '.join(given)}",
                node_location(item, given[1], self.file),
                hint=f"Give exactly one of: {', '.join(keys)}.",
            )
        return given[0] if given else None

    def expect(self, data: Any) -> Expect:
        schema = to_plain(data.get("json_schema"))  # plain data: checked, then kept
        if schema is not None:
            self.check_json_schema(data, schema)
        contains = data.get("body_contains", ())
        max_ms = data.get("max_ms")
        max_init_ms = data.get("max_init_ms")
        return Expect(
            status=parse_status(data["status"]) if "status" in data else None,
            headers={str(k): _text(v) for k, v in data["headers"].items()}
            if "headers" in data else {},
            json_schema=schema,
            body_contains=(contains,) if isinstance(contains, str) else tuple(contains),
            max_ms=float(max_ms) if max_ms is not None else None,
            max_init_ms=float(max_init_ms) if max_init_ms is not None else None,
        )

    def check_json_schema(self, data: Any, schema: Any) -> None:
        """``schema`` (plain data, see ``to_plain``) against the JSON Schema metaschema."""
        from smoke.schema.expect import metaschema_error

        exc = metaschema_error(schema, remember=self.remember)
        if exc is not None:
            where = ".".join(str(p) for p in exc.absolute_path) or "the top"
            raise self.error(
                f"expect.json_schema is not a valid JSON Schema: {exc.message} (at {where})",
                node_location(data, "json_schema", self.file),
                hint="See https://json-schema.org/understanding-json-schema/ (draft 2020-12).",
            )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _authorizer(data: Any) -> Authorizer:
    return Authorizer(
        claims=to_plain(data.get("claims")),
        context=to_plain(data.get("context")),
        principal_id=data.get("principal_id"),
    )
