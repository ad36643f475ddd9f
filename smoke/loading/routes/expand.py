"""Which source each suite's ``routes:`` reads, in one environment, and the checks it gives.

Sources that need no outside call (the local template, an OpenAPI file) are read by
``smoke validate`` too; the others (a deployed stack's template, the API Gateway, a
document the function serves) only when the environment is really used: ``offline=True``
leaves those suites as they are, with a note.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from smoke.errors import CheckNotExecuted, ConfigError, HarnessError
from smoke.loading.routes.generate import Found, generate_checks
from smoke.loading.routes.openapi import Document, base_path, document_routes, parse_document
from smoke.loading.yamlload import quote_lines
from smoke.model import (
    Check,
    Config,
    Environment,
    Expect,
    FunctionSpec,
    Location,
    Request,
    RoutesSpec,
    StatusExpectation,
    Suite,
)
from smoke.suggest import valid_values


def suite_functions(suite: Suite) -> set[str]:
    """The logical functions a suite uses: its checks', and its routes' function."""
    return {c.function for c in suite.checks} | ({suite.routes.function} if suite.routes else set())


def needs_connection(spec: RoutesSpec, env: Environment) -> bool:
    """Whether reading the routes calls AWS or the function (not just files)."""
    if spec.source == "openapi":
        return spec.path is not None
    return spec.source == "api" or not env.is_local


def expand_suites(
    config: Config, env: Environment, suites: Sequence[Suite], *,
    offline: bool = False, log_dir: Path | None = None,
) -> list[Suite]:
    """The suites with their routes' checks added (each suite's own ``notes`` too)."""
    out = []
    for suite in suites:
        spec = suite.routes
        if spec is not None and spec.function not in _defined(env):
            raise _error(
                spec, f"`routes:` uses function {spec.function!r}, which environment "
                f"{env.name!r} does not define",
                valid_values(spec.function, _defined(env), "functions")
                + f" (under `environments: {env.name}: functions:` in {config.path})",
            )
        if spec is None:
            out.append(suite)
        elif offline and needs_connection(spec, env):
            note = (f"{suite.name}: routes from {_describe(spec)} are read when the suite runs "
                    f"in {env.name} (`smoke list {env.name}` shows them)")
            out.append(replace(suite, notes=(*suite.notes, note)))
        else:
            out.append(_expand(config, env, suite, spec, log_dir))
    return out


def _defined(env: Environment) -> list[str]:
    """The logical functions of ``env`` (a template-only environment: the template's)."""
    if env.functions or env.template is None:
        return list(env.functions)
    from smoke.local import template_function_names

    return template_function_names(env)


def _describe(spec: RoutesSpec) -> str:
    if spec.source == "openapi":
        return f"the OpenAPI document at GET {spec.path}" if spec.path else str(spec.file)
    return "the deployed API Gateway" if spec.source == "api" else "the deployed template"


def _expand(
    config: Config, env: Environment, suite: Suite, spec: RoutesSpec, log_dir: Path | None
) -> Suite:
    function = env.functions.get(spec.function)  # None: a template-only environment
    if spec.source == "template":
        found = _template(env, function, spec)
    elif spec.source == "api":
        from smoke.discovery import discover

        if env.is_local:
            raise _error(
                spec, f"`routes: {{from: api}}` reads the deployed API Gateway; environment "
                f"{env.name!r} is local and has none",
                "Use `from: template` (the template's API events) or `from: openapi` here.",
            )
        from smoke.loading.routes.deployed import api_routes

        assert function is not None  # only a local environment defines none
        found = api_routes(env, function, lambda: discover(env, [spec.function])[spec.function])
    elif spec.file is not None:
        found = _openapi_file(spec)
    else:
        document, failed = _served_document(config, env, suite, spec, log_dir)
        if failed is not None:  # the run checks the document's path itself, and fails it
            note = (f"{suite.name}: the OpenAPI document at GET {spec.path} could not be read "
                    "(the function failed): that request is checked instead of the routes")
            return replace(suite, checks=(*suite.checks, failed), notes=(*suite.notes, note))
        assert document is not None and spec.path is not None
        prefix = spec.base_path if spec.base_path is not None else base_path(
            document.data, served_at=spec.path)
        what = f"the OpenAPI document served at GET {spec.path}"
        found = Found(tuple(document_routes(document, _prefix(prefix))), what)
    checks, notes = generate_checks(suite, spec, found)
    return replace(suite, checks=(*suite.checks, *checks), notes=(*suite.notes, *notes))


def _prefix(value: str) -> str:
    return "/" + value.strip("/") if value.strip("/") else ""


def has_template(env: Environment, function: FunctionSpec | None) -> bool:
    """Whether ``routes: {from: template}`` has a template to read for ``function``: the
    environment's own (a local one), or the deployed stack of a ``stack:`` + ``resource:``."""
    if env.template is not None and (function is None or function.handler is None):
        return True
    return function is not None and bool(function.stack and function.resource)


def _template(env: Environment, function: FunctionSpec | None, spec: RoutesSpec) -> Found:
    if env.template is not None and (function is None or function.handler is None):
        return _local_template(env, function, spec)
    if function is not None and has_template(env, function):
        from smoke.loading.routes.deployed import stack_template_routes

        return stack_template_routes(env, function)
    raise _error(
        spec,
        f"`routes: {{from: template}}` needs a template for function {spec.function!r} in "
        f"environment {env.name!r}",
        "Use it with a local environment's `template:`, or a function found by `stack:` + "
        "`resource:` (the deployed stack's template); otherwise use `from: openapi` or "
        "`from: api`.",
    )


def _local_template(env: Environment, function: FunctionSpec | None, spec: RoutesSpec) -> Found:
    """The function's events in the environment's template, read as the local runtime
    reads it (parameters, conditions, nested stacks as ``Child/LogicalId``, cdk.out)."""
    from smoke.loading.routes.template import event_routes
    from smoke.local import environment_templates
    from smoke.local.intrinsics import Unresolvable
    from smoke.local.template_values import all_functions, unknown_function

    assert env.template is not None
    templates = environment_templates(env, Path(env.template).parent)
    address = function.resource or function.logical if function is not None else spec.function
    prefix, _, logical_id = address.rpartition("/")
    loaded = next((t for t in templates if t.prefix == (f"{prefix}/" if prefix else "")
                   and logical_id in t.functions()), None)
    if loaded is None:
        if function is not None and function.resource is not None:  # smoke.yaml's mistake
            raise unknown_function(templates, address, function.location)
        raise _error(spec, f"the template {_shown(env.template)} has no function {address!r}",
                     valid_values(address, all_functions(templates), "functions in the template"))
    template, evaluator = loaded.template, loaded.evaluator()
    path, shown = str(template.path), _shown(str(template.path))

    def evaluate(value: object) -> object:
        try:
            return evaluator.value(value)
        except Unresolvable:
            return None

    found = event_routes(
        template.resources, logical_id,
        lambda node, key: str(template.location(node, key)).replace(path, shown, 1),
        evaluate=evaluate, skip=lambda resource: loaded.condition(resource) is not None,
    )
    return Found(tuple(found), f"the Api/HttpApi events of {address} in {shown}")


def _shown(path: str) -> str:
    """``path`` relative to the working directory when it is inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path


def _openapi_file(spec: RoutesSpec) -> Found:
    assert spec.file is not None
    at = spec.source_location or spec.location
    try:
        text = Path(spec.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise _error(spec, f"cannot read the OpenAPI document {spec.file}: {reason}",
                     "`file:` is relative to the suite file.", at=at) from None
    document = parse_document(text, _shown(spec.file), at)
    prefix = spec.base_path if spec.base_path is not None else base_path(document.data)
    return Found(tuple(document_routes(document, _prefix(prefix))), _shown(spec.file))


def _served_document(
    config: Config, env: Environment, suite: Suite, spec: RoutesSpec, log_dir: Path | None
) -> tuple[Document | None, Check | None]:
    """The document the function serves at ``path:``; or the failed request as a check."""
    from smoke.redact import Redactor
    from smoke.runner import connect

    assert spec.path is not None
    at = spec.source_location or spec.location
    check = Check(
        suite=suite.name, name=f"GET {spec.path}", function=spec.function,
        event=spec.event or "apigw-rest", request=Request(path=spec.path,
                                                          headers=dict(spec.headers)),
        expect=Expect(status=StatusExpectation(codes=frozenset({200}))), tags=spec.tags,
        location=at, source="the OpenAPI document of `routes:`",
    )
    redactor = Redactor([*config.secrets, *env.secrets, *suite.secrets])
    logs = log_dir or Path(config.path).resolve().parent / "reports" / "logs"
    with contextlib.ExitStack() as stack:
        conn = connect(config, env, [spec.function], stack, log_dir=logs, redact=redactor.text)
        try:
            exchange = conn.transport.send(check, conn.functions.get(spec.function))
        except CheckNotExecuted as exc:
            raise HarnessError(f"could not fetch the OpenAPI document (GET {spec.path}) of "
                               f"suite {suite.name}: {exc}") from exc
    response = exchange.response
    if exchange.function_error or response is None or response.status >= 500:
        return None, check
    if response.status != 200:
        raise _error(
            spec, f"GET {spec.path} answered {response.status}, not an OpenAPI document",
            "Give the path the function serves its OpenAPI document at (FastAPI: "
            "/openapi.json), or `file:` for a document in the repository.", at=at,
        )
    return parse_document(response.text(), f"GET {spec.path}", at, file=False), None


def _error(
    spec: RoutesSpec, message: str, hint: str = "", *, at: Location | None = None
) -> ConfigError:
    loc = at if at is not None else spec.location
    return ConfigError(message, loc, quote_lines(loc.file, loc.line, loc.end_line), hint)
