"""Routes -> checks: what every source of routes ends in.

A source (the template's events, an OpenAPI document, the deployed API) yields
``Route``s; ``generate_checks`` turns them into ordinary ``Check``s of the suite:
catch-alls dropped (with a note), methods and ``exclude:`` applied, path parameters
filled, the suite's ``expect``/``headers``/``tags``/``event`` put on every check.
Zero checks left is a ConfigError: a suite that checks nothing must not pass.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from smoke.errors import ConfigError
from smoke.events.paths import PLACEHOLDER
from smoke.loading.yamlload import quote_lines
from smoke.model import (
    SAFE_METHODS,
    Check,
    Request,
    RoutesSpec,
    Suite,
)

PLACEHOLDER_VALUE = "smoke-test"  # a path parameter nobody named: harmless, and easy to grep
INTEGER_PLACEHOLDER = "1"  # for parameters an OpenAPI document declares as integer/number
ANY = "ANY"
OPENAPI_HINT = (
    "A catch-all route names no endpoint; to check each endpoint behind it, give the "
    "function's OpenAPI document: `routes: {from: openapi, path: /openapi.json}` (FastAPI "
    "serves it) or `routes: {from: openapi, file: openapi.yaml}`."
)


@dataclass(frozen=True)
class Route:
    """One route as its source wrote it: ``GET /items/{id}``."""

    method: str  # upper case; "ANY" for any method
    path: str  # the path template, parameters as {name}
    source: str  # where it was found: "template.yaml:31 (Api event GetItem)"
    event: str | None = None  # the event kind the source implies (HttpApi: apigw-http)
    parameters: Mapping[str, str] = field(default_factory=dict)  # values the source suggests
    integer_parameters: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Found:
    """What one source said: its routes, and what it has to add."""

    routes: tuple[Route, ...]
    what: str  # "the Api/HttpApi events of BackendApiFunction in template.yaml"
    notes: tuple[str, ...] = ()


def is_catch_all(route: Route) -> bool:
    """``$default``, ``/{proxy+}`` and any greedy ``{name+}`` route: no endpoint named."""
    return route.path in ("$default", "*", "/*") or any(
        m.group(2) for m in PLACEHOLDER.finditer(route.path)
    )


def generate_checks(suite: Suite, spec: RoutesSpec, found: Found) -> tuple[list[Check], list[str]]:
    """The suite's generated checks and notes; a ConfigError when none is left to check."""
    notes = list(found.notes)
    catch_alls = [r for r in found.routes if is_catch_all(r)]
    routes = [r for r in found.routes if not is_catch_all(r)]
    if catch_alls:
        listed = ", ".join(dict.fromkeys(r.key for r in catch_alls))
        notes.append(
            f"{suite.name}: catch-all route(s) not checked: {listed} "
            f"({catch_alls[0].source}). {OPENAPI_HINT}"
        )
    if not routes:
        raise _error(
            spec,
            f"`routes: {{from: {spec.source}}}` found no route to check in {found.what}"
            + (f" (only the catch-all {catch_alls[0].key})" if catch_alls else ""),
            OPENAPI_HINT if catch_alls else "Check that the source describes this function's "
            "routes, or write `checks:` by hand.",
        )
    handwritten = {c.name for c in suite.checks} | {
        f"{c.request.method.upper()} {c.request.path}" for c in suite.checks if not c.is_raw
    }
    checks: dict[str, Check] = {}
    skipped_methods: set[str] = set()
    excluded = covered = 0
    for route in routes:
        for method in _methods(route, spec):
            if method is None:
                skipped_methods.add(route.method)
                continue
            key = f"{method} {route.path}"
            if _excluded(spec.exclude, method, route.path):
                excluded += 1
                continue
            if key in handwritten:
                covered += 1
                continue
            if key not in checks:
                checks[key] = _check(suite, spec, route, method)
    if covered:
        notes.append(f"{suite.name}: {covered} route(s) left to the hand-written check of the "
                     "same method and path")
    if skipped_methods:
        notes.append(
            f"{suite.name}: routes with method(s) {', '.join(sorted(skipped_methods))} not "
            f"checked (methods: {', '.join(spec.methods)}; widen with `methods:`)"
        )
    if not checks and not covered:
        raise _error(
            spec,
            f"`routes:` found {len(routes)} route(s) in {found.what}, and none is left to check"
            f" ({excluded} excluded by `exclude:`; methods checked: {', '.join(spec.methods)})",
            "Widen `methods:` or loosen `exclude:`; a suite that checks nothing would pass "
            "silently.",
        )
    return list(checks.values()), notes


def _methods(route: Route, spec: RoutesSpec) -> list[str | None]:
    """The methods to send for ``route`` (None: its method is not among ``methods:``).

    A route for any method (``ANY``) is checked with GET: it names one endpoint, and a
    write to it is never implied by widening ``methods:``.
    """
    method = "GET" if route.method == ANY else route.method
    return [method] if method in spec.methods or "*" in spec.methods else [None]


def _excluded(patterns: Sequence[str], method: str, path: str) -> bool:
    return any(
        fnmatch.fnmatchcase(path, p) or fnmatch.fnmatchcase(f"{method} {path}", p)
        for p in patterns
    )


def _check(suite: Suite, spec: RoutesSpec, route: Route, method: str) -> Check:
    parameters: dict[str, str] = {}
    for match in PLACEHOLDER.finditer(route.path):
        name = match.group(1)
        if name in spec.path_parameters:
            parameters[name] = spec.path_parameters[name]
        elif name in route.parameters:
            parameters[name] = route.parameters[name]
        else:
            parameters[name] = (
                INTEGER_PLACEHOLDER if name in route.integer_parameters else PLACEHOLDER_VALUE
            )
    return Check(
        suite=suite.name,
        name=f"{method} {route.path}",
        function=spec.function,
        event=spec.event or route.event or "apigw-rest",
        request=Request(method=method, path=route.path, headers=dict(spec.headers),
                        path_parameters=parameters),
        expect=spec.expect,
        mutates=spec.mutates if method not in SAFE_METHODS else None,
        tags=spec.tags,
        location=spec.location,
        timeout_s=spec.timeout_s,
        source=route.source,
    )


def _error(spec: RoutesSpec, message: str, hint: str = "") -> ConfigError:
    loc = spec.location
    return ConfigError(message, loc, quote_lines(loc.file, loc.line, loc.end_line), hint)
