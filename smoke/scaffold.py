"""``smoke init``: a starter smoke.yaml and suites, from a SAM template or an OpenAPI document.

From a template: a ``local`` environment over it (Powertools' public layer mapped to a
requirements file, as the runtime's own error suggests), a commented ``prod`` environment that
finds each function by ``stack`` + ``resource`` (the stack name and region from
samconfig.toml/samconfig.yaml when there is one), one ``routes:`` suite per API function,
a ``function-url`` check of ``/`` per function with a URL and a raw-payload stub per
other function. From an OpenAPI document alone: an ``http``
environment and one ``routes: {from: openapi}`` suite. Nothing is overwritten, nothing is
half-written, and what is written passes ``smoke validate`` as it stands.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smoke.errors import ConfigError
from smoke.local.layer_arns import LayerMap, LayerSuggestion
from smoke.model import Location

if TYPE_CHECKING:
    from smoke.local.template import FunctionDefinition, Template

TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")
RECORD_EVENTS = ("SQS", "SNS", "Kinesis", "DynamoDB", "S3", "MSK", "MQ", "DocumentDB")


@dataclass(frozen=True)
class Function:
    logical_id: str
    name: str  # the logical name in smoke.yaml and the suite's file name
    api: str | None = None  # "routes" | "catch-all" | "function-url" | None (invoked raw)
    event: str = "apigw-rest"
    payload: str = "{}"
    local_problem: str | None = None  # why the local runtime cannot run it
    layers: tuple[LayerSuggestion, ...] = ()  # public layers mapped for the local runtime
    routes: int = 0


@dataclass(frozen=True)
class Written:
    path: Path
    what: str


def init_project(
    config_path: Path, *, template: Path | None = None, openapi: Path | None = None
) -> list[Written]:
    """Write the starter files beside ``config_path``; a ConfigError changes nothing."""
    base = config_path.resolve().parent
    if config_path.exists():
        raise ConfigError(
            "already exists; smoke init never overwrites a file",
            Location(str(config_path)),
            hint="Edit it, or run `smoke init --config OTHER/smoke.yaml` to start elsewhere.",
        )
    if template is None and openapi is None:
        template = next((base / n for n in TEMPLATE_NAMES if (base / n).is_file()), None)
        if template is None:
            raise ConfigError(
                f"no template.yaml in {base}: nothing to start from",
                hint="Run it in a SAM project, or pass --template PATH or --openapi PATH.",
            )
    files = (
        _from_template(base, config_path, template, openapi)
        if template is not None
        else _from_openapi(base, config_path, openapi)  # type: ignore[arg-type]
    )
    return _write_all(files)


def _kebab(logical_id: str) -> str:
    stem = re.sub(r"(Function|Lambda|Fn)$", "", logical_id) or logical_id
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", stem).lower()


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()


def _functions(template_path: Path) -> list[Function]:
    from smoke.loading.routes.generate import Found, generate_checks, is_catch_all
    from smoke.loading.routes.template import event_routes
    from smoke.local.template import FUNCTION_TYPES, read_template
    from smoke.local.template_values import PYTHON3
    from smoke.model import RoutesSpec, Suite

    template = read_template(template_path.resolve())
    found: list[Function] = []
    names: set[str] = set()
    for logical_id, resource in template.resources.items():
        if not isinstance(resource, dict) or resource.get("Type") not in FUNCTION_TYPES:
            continue
        name = _kebab(logical_id)
        while name in names:
            name += "-2"
        names.add(name)
        problem: str | None = None
        layers: tuple[LayerSuggestion, ...] = ()
        try:
            definition, layers = _definition(template, template_path, logical_id)
            if definition.runtime and not PYTHON3.match(definition.runtime):
                problem = f"runtime {definition.runtime}: the local runtime runs Python 3"
        except ConfigError as exc:
            problem = exc.message
        routes = event_routes(template.resources, logical_id, lambda node, key: "")
        events = (resource.get("Properties") or {}).get("Events") or {}
        kinds = [e.get("Type") for e in events.values() if isinstance(e, dict)]
        payload = '{"Records": []}' if any(k in RECORD_EVENTS for k in kinds) else "{}"
        function = Function(logical_id, name, payload=payload, local_problem=problem,
                            layers=layers)
        if _has_function_url(template.resources, logical_id, resource):
            function = replace(function, api="function-url", event="function-url")
        if routes:
            event = routes[0].event or "apigw-rest"
            spec = RoutesSpec(source="template", function=name, location=Location("x"))
            try:
                checks, _ = generate_checks(Suite(name, "x", ()), spec, Found(tuple(routes), ""))
                api, count = "routes", len(checks)
            except ConfigError:  # only catch-alls, or no route safe to send
                api, count = "writes-only", 0
            if all(is_catch_all(r) for r in routes):
                api = "catch-all"
            function = replace(function, api=api, event=event, routes=count)
        found.append(function)
    if not found:
        raise ConfigError(f"{template_path} has no function (AWS::Serverless::Function or "
                          "AWS::Lambda::Function)", Location(str(template_path)))
    return found


@dataclass(frozen=True)
class _Probe(LayerMap):
    """A layer map that notes the ARNs it has no entry for."""

    unmapped: list[str] = field(default_factory=list)

    def find(self, arn: str) -> Path | None:
        found = super().find(arn)
        if found is None:
            self.unmapped.append(arn)
        return found


def _definition(
    template: Template, template_path: Path, logical_id: str
) -> tuple[FunctionDefinition, tuple[LayerSuggestion, ...]]:
    """The function as the local runtime reads it, with the public layers smoke knows how to
    build (Powertools') mapped as `smoke run`'s own error suggests; any other problem raises."""
    from smoke.local.template import function_definition

    mapped: dict[str, LayerSuggestion] = {}
    while True:
        probe = _Probe({p: str(template_path.parent) for p in mapped})  # an existing path
        try:
            found = function_definition(template, logical_id, "us-east-1", layer_map=probe)
            return found, tuple(mapped.values())
        except ConfigError:
            known = [probe.suggestion(arn) for arn in probe.unmapped]
            new = [s for s in known if s.requirement and s.pattern not in mapped]
            if not new:
                raise
            mapped.update((s.pattern, s) for s in new)


def _has_function_url(resources: Mapping[str, Any], logical_id: str, resource: Any) -> bool:
    """A SAM ``FunctionUrlConfig``, or an ``AWS::Lambda::Url`` whose target is this function."""
    if (resource.get("Properties") or {}).get("FunctionUrlConfig"):
        return True
    for other in resources.values():
        if not isinstance(other, dict) or other.get("Type") != "AWS::Lambda::Url":
            continue
        target = (other.get("Properties") or {}).get("TargetFunctionArn")
        if isinstance(target, dict) and len(target) == 1:
            value = next(iter(target.values()))
            named = value[0] if isinstance(value, list) and value else value
            if isinstance(named, str) and named.split(".")[0] == logical_id:
                return True
    return False


def _samconfig(base: Path) -> dict[str, str]:
    """stack_name and region of samconfig's default deploy parameters, when there are any."""
    for name in ("samconfig.toml", "samconfig.yaml", "samconfig.yml"):
        path = base / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found: dict[str, str] = {}
        for key in ("stack_name", "region"):
            match = re.search(rf"^\s*{key}\s*[=:]\s*[\"']?([^\"'\s#]+)", text, re.M)
            if match:
                found[key] = match.group(1)
        return found
    return {}


def _from_template(
    base: Path, config_path: Path, template: Path, openapi: Path | None
) -> dict[Path, tuple[str, str]]:
    if not template.is_file():
        raise ConfigError(f"no template at {template}", Location(str(template)))
    functions = _functions(template)
    runnable = [f for f in functions if f.local_problem is None]
    if not runnable:
        problems = "; ".join(f"{f.logical_id}: {f.local_problem}" for f in functions)
        raise ConfigError(f"no function of {template} can run on the local runtime ({problems})",
                          Location(str(template)))
    sam = _samconfig(base)
    stack = sam.get("stack_name", "STACK-NAME")
    width = max(len(f.name) for f in functions)
    lines = [
        f"# Written by `smoke init` from {_relative(template, base)}. Suites: suites/*.yaml.",
        "# `smoke run local` runs the real handlers on smoke's local runtime (no Docker, no AWS).",
        "environments:",
        "  local:",
        f"    template: {_relative(template, base)}",
    ]
    layers = {s.pattern: s for f in runnable for s in f.layers}
    requirements: dict[str, str] = {}
    if layers:
        lines += ["    # public layers by ARN: their package, built from PyPI for the local runtime",
                  "    layers:"]
        lines += [f"      {s.entry()}" for s in layers.values()]
        for s in layers.values():
            requirements.setdefault(s.target, s.requirement or "")
    lines.append("    functions:")
    for f in functions:
        entry = f"{f.name + ':':<{width + 1}} {{resource: {f.logical_id}}}"
        lines.append(f"      {entry}" if f.local_problem is None else
                     f"      # {entry}  # not run locally: {f.local_problem}")
    origin = "stack_name from samconfig" if "stack_name" in sam else "your stack's name"
    lines += [
        "",
        f"  # After a deploy: `smoke run prod` (functions found in the stack; {origin}).",
        "  # prod:",
        f"  #   region: {sam.get('region', 'us-east-1')}",
        "  #   protected: true              # mutating checks refused unless doubly allowed",
        "  #   functions:",
    ]
    lines += [f"  #     {f.name + ':':<{width + 1}} {{stack: {stack}, resource: {f.logical_id}}}"
              for f in functions]
    skipped = [f.logical_id for f in functions if f.local_problem is not None]
    what = "environment local; prod (commented) " + (
        "from samconfig" if "stack_name" in sam else "for after a deploy: put your stack's name in it"
    )
    if skipped:
        what += f"; not run locally (see inside): {', '.join(skipped)}"
    files: dict[Path, tuple[str, str]] = {config_path: ("\n".join(lines) + "\n", what)}
    for target, line in requirements.items():
        files[base / target] = (f"{line}\n", "what the public layer holds, for the local runtime")
    suites = base / "suites"
    notes: list[str] = []
    for f in runnable:
        path = suites / f"{f.name}.yaml"
        if f.api == "routes":
            files[path] = (_routes_suite(f), f"routes from the template: {f.routes} check(s)")
        elif f.api == "catch-all" and openapi is not None:
            rel = _relative(openapi, suites)
            files[path] = (_openapi_suite(f.name, f.name, rel, f.event), f"routes from {rel}")
        elif f.api == "catch-all":
            files[path] = (_catch_all_suite(f), "one check of / (a catch-all route: see inside)")
        elif f.api == "function-url":
            files[path] = (_function_url_suite(f), "one check of / through its function URL")
        elif f.api == "writes-only":  # no check would be safe to write for it
            notes.append(f"no suite for {f.logical_id}: its routes are all writes (never sent "
                         "by default); add `routes: {from: template, methods: [...]}` or a "
                         "check with a harmless request yourself")
        else:
            files[path] = (_raw_suite(f), "a raw-payload stub: put a real event in it")
    if notes:
        text, what = files[config_path]
        files[config_path] = (text, "; ".join([what, *notes]))
    return files


def _routes_suite(f: Function) -> str:
    return (
        f"# Every GET route of {f.logical_id}'s API events, one check each, judged by the\n"
        "# default rule: any status below 500 and no function error (so an endpoint whose\n"
        "# module cannot load fails, and 401/404 without credentials pass). Other methods\n"
        "# are listed and never sent; widen with `methods:`, skip some with `exclude:`.\n"
        f"suite: {f.name}\nfunction: {f.name}\nroutes:\n  from: template\n"
    )


def _openapi_suite(suite: str, function: str, document: str, event: str) -> str:
    return (
        "# Every GET operation of the OpenAPI document, one check each, judged by the default\n"
        "# rule: any status below 500 and no function error. Other methods are never sent\n"
        "# unless `methods:` asks for them.\n"
        f"suite: {suite}\nfunction: {function}\nevent: {event}\n"
        f"routes:\n  from: openapi\n  file: {document}\n"
    )


def _catch_all_suite(f: Function) -> str:
    return (
        f"# {f.logical_id} sits behind a catch-all route (/{{proxy+}} or $default): the\n"
        "# template names no endpoint. To check every endpoint, point `routes:` at the app's\n"
        "# OpenAPI document, e.g. (FastAPI serves one):\n"
        "#   routes: {from: openapi, path: /openapi.json}\n"
        f"suite: {f.name}\nfunction: {f.name}\nevent: {f.event}\nchecks:\n"
        "  - name: root answers\n    get: /\n"
    )


def _function_url_suite(f: Function) -> str:
    return (
        f"# {f.logical_id} has a function URL: one GET of / with the event its URL sends,\n"
        "# judged by the default rule (any status below 500 and no function error). Add a\n"
        "# check per endpoint, with `expect:` for what it should answer.\n"
        f"suite: {f.name}\nfunction: {f.name}\nevent: function-url\nchecks:\n"
        "  - name: root answers\n    get: /\n"
    )


def _raw_suite(f: Function) -> str:
    return (
        f"# {f.logical_id} is not behind an API: it is invoked with an event of its own.\n"
        "# Replace the payload with a real, harmless event (a dry run). A raw invocation is\n"
        "# refused in a protected environment until it says `mutates: false`; say so only if\n"
        "# this event changes nothing.\n"
        f"suite: {f.name}\nfunction: {f.name}\nevent: raw\nchecks:\n"
        f"  - name: {f.name} answers\n    payload: {f.payload}\n"
    )


def _from_openapi(base: Path, config_path: Path, openapi: Path) -> dict[Path, tuple[str, str]]:
    if not openapi.is_file():
        raise ConfigError(f"no OpenAPI document at {openapi}", Location(str(openapi)))
    config = (
        f"# Written by `smoke init` from {_relative(openapi, base)}: checks go over HTTP to\n"
        "# base_url (export SMOKE_BASE_URL). With a SAM template, `smoke init --template` also\n"
        "# sets up a local environment and direct invocation.\n"
        "environments:\n  prod:\n    via: http\n    base_url: ${SMOKE_BASE_URL}\n"
        "    protected: true\n    functions:\n"
        "      api: {name: API-FUNCTION-NAME}   # the deployed function's name (for its logs)\n"
    )
    suite = _openapi_suite("api", "api", _relative(openapi, base / "suites"), "apigw-rest")
    return {config_path: (config, "environment prod (via http)"),
            base / "suites" / "api.yaml": (suite, f"routes from {_relative(openapi, base)}")}


def _write_all(files: dict[Path, tuple[str, str]]) -> list[Written]:
    """Write every file that does not exist yet; all or nothing (created files are removed)."""
    written: list[Written] = []
    try:
        for path, (text, what) in files.items():
            if path.exists():
                written.append(Written(path, "already there: left as it is"))
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8") as out:
                written.append(Written(path, what))
                out.write(text)
    except BaseException:
        for item in written:
            if not item.what.startswith("already there"):
                item.path.unlink(missing_ok=True)
        raise
    return written


def describe(written: list[Written], local: bool) -> list[str]:
    """What ``smoke init`` prints: one line per file, then the next commands."""
    lines = [f"{'kept ' if w.what.startswith('already') else 'wrote'} "
             f"{_shown(w.path)}: {w.what}" for w in written]
    if local:
        lines.append("next: smoke validate && smoke run local")
    else:
        lines.append("next: smoke validate, then SMOKE_BASE_URL=https://... smoke run prod")
    return lines


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
