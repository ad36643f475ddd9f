"""A Docker-free local Lambda runtime for Python functions.

``start_local_runtime`` serves the Lambda Invoke API on loopback; each function runs in
its own isolated Python process under awslambdaric, exactly as Lambda's Python runtime
runs it (same import path order, same environment variables, same log lines). The invoke
transport talks to it through ``endpoint_url``, so local and AWS runs share one path::

    with start_local_runtime(env, base_dir=root, log_dir=root / "reports/logs") as local:
        boto3.client("lambda", endpoint_url=local.endpoint_url).invoke(FunctionName="Api")
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from smoke.errors import ConfigError, HarnessError
from smoke.local.function import ACCOUNT_ID, LocalFunction
from smoke.local.layer_arns import LayerMap, download_layer
from smoke.local.logs import LocalLogSource
from smoke.local.stacks import LoadedTemplate, load_templates
from smoke.local.template import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    FunctionDefinition,
    NotSupportedLocally,
    UnknownFunction,
)
from smoke.local.template_values import PYTHON3, all_functions, find_function
from smoke.logscan import LogSource
from smoke.model import Environment, FunctionRef, FunctionSpec, Location
from smoke.redact import Redactor

__all__ = [
    "LocalCatalog", "LocalRuntime", "environment_templates", "local_catalog", "local_functions",
    "serve_forever", "start_local_runtime", "template_function_names",
]  # fmt: skip

DEFAULT_REGION = "us-east-1"


def _spec_error(spec: FunctionSpec, message: str, hint: str = "") -> ConfigError:
    from smoke.loading.yamlload import quote_lines

    where = spec.location
    snippet = quote_lines(where.file, where.line, where.end_line) if where.line else ""
    return ConfigError(f"function {spec.logical!r}: {message}", where, snippet, hint)


def _check_runtime(spec: FunctionSpec) -> None:
    if spec.runtime is not None and not PYTHON3.match(spec.runtime):
        raise _spec_error(
            spec,
            f"the local runtime runs Python 3 functions; runtime is {spec.runtime!r}",
            "Use a python3.x runtime (e.g. python3.12), or test this function in AWS.",
        )


def _local_path(spec: FunctionSpec, base_dir: Path, value: str, what: str) -> Path:
    path = (base_dir / value).resolve()
    if not path.exists():
        raise _spec_error(
            spec,
            f"{what} {value!r} does not exist ({path})",
            "Paths are relative to the directory of smoke.yaml; build the package first if "
            "it is generated.",
        )
    return path


def _definition(
    spec: FunctionSpec,
    templates: list[LoadedTemplate] | None,
    base_dir: Path,
    layer_map: LayerMap,
) -> FunctionDefinition:
    _check_runtime(spec)
    layers = tuple(
        _local_path(spec, base_dir, layer.path, f"layer {layer.name!r}") for layer in spec.layers
    )
    if spec.handler is not None:
        if not spec.code:
            raise _spec_error(
                spec, "a local function with a handler needs 'code' (a directory or .zip)"
            )
        handler = spec.handler
        if "." not in handler.strip(".") or " " in handler:
            raise _spec_error(
                spec,
                f"handler {handler!r} has no module: it must be 'module.function'",
                "For example: handler: app.main.handler (the function handler in app/main.py).",
            )
        return FunctionDefinition(
            name=spec.name or spec.logical,
            handler=handler,
            code=_local_path(spec, base_dir, spec.code, "code"),
            runtime=spec.runtime,
            layers=layers,
            environment=dict(spec.environment),
            timeout_s=spec.timeout_s or DEFAULT_TIMEOUT_S,
            memory_mb=spec.memory_mb or DEFAULT_MEMORY_MB,
            location=spec.location,
        )
    if templates is None:
        raise ConfigError(
            f"function {spec.logical!r} of a local environment needs a template resource "
            "or handler + code",
            spec.location,
            hint="Set 'template: template.yaml' on the environment and 'resource: <logical id>' "
            "on the function, or give 'handler' and 'code'.",
        )
    where = spec.location if spec.location.line else None
    found = find_function(templates, spec.resource or spec.logical, where, layer_map)
    return FunctionDefinition(
        name=found.name,
        handler=found.handler,
        code=found.code,
        runtime=spec.runtime or found.runtime,
        layers=found.layers + layers,
        environment={**found.environment, **spec.environment},
        timeout_s=spec.timeout_s or found.timeout_s,
        memory_mb=spec.memory_mb or found.memory_mb,
        architecture=found.architecture,
        location=found.location,
        warnings=found.warnings,
        tags=found.tags,
        build_method=found.build_method,
        bundled=found.bundled,
        layer_build_methods=found.layer_build_methods,
        reserved_concurrency=found.reserved_concurrency,
    )


@dataclass(frozen=True)
class LocalCatalog:
    """The functions of a local environment, read (nothing built or started).

    ``refused`` holds the template functions the local runtime cannot run, each with
    why (an Image package, another language, a value it cannot resolve, a layer ARN
    with no local content): only the checks that target them are errors."""

    definitions: dict[str, FunctionDefinition]
    refused: dict[str, ConfigError]
    secrets: tuple[str, ...] = ()  # NoEcho parameter values
    region: str = DEFAULT_REGION


def _templates(env: Environment, base_dir: Path, region: str) -> list[LoadedTemplate] | None:
    """The environment's template and its nested stacks (None without `template:`)."""
    if not env.template:
        return None
    path = (base_dir / env.template).resolve()
    if not path.exists() and not path.is_symlink() and env.template_location is not None:
        raise _missing_template(env, path, env.template_location)
    return load_templates(
        path, region=region, given=env.parameters,
        config_env=env.samconfig_env,
    )  # fmt: skip


def environment_templates(env: Environment, base_dir: Path) -> list[LoadedTemplate]:
    """The templates of a local environment, as the local runtime reads them."""
    return _templates(env, base_dir, env.region or DEFAULT_REGION) or []


def _missing_template(env: Environment, path: Path, where: Location) -> ConfigError:
    """A `template:` naming no file: at smoke.yaml's line, with the directory's look-alikes."""
    from smoke.loading.yamlload import quote_lines
    from smoke.suggest import did_you_mean

    siblings = sorted(p.name for p in path.parent.iterdir()) if path.parent.is_dir() else []
    guess = did_you_mean(path.name, [n for n in siblings if n.endswith((".yaml", ".yml", ".json"))])
    hint = (f"Did you mean {guess!r}? " if guess else "") + (
        f"`template:` is the SAM/CloudFormation template's path, relative to {where.file}.")
    return ConfigError(
        f"environment {env.name!r}: template {path} does not exist", where,
        quote_lines(Path(where.file), where.line), hint=hint,
    )


def local_catalog(
    env: Environment, *, base_dir: Path, region: str | None = None, fetch_layers: bool = False
) -> LocalCatalog:
    """Every function of a local environment: its definition, or why it cannot run.

    A smoke.yaml mistake (an unknown resource, a bad handler + code) is raised; a
    template function that cannot run is refused, alone."""
    region = region or env.region or DEFAULT_REGION
    templates = _templates(env, base_dir, region)
    fetch = (lambda arn: download_layer(env, arn)) if fetch_layers else None
    layer_map = LayerMap(env.layers, env.name, fetch)
    specs = dict(env.functions)
    if templates is not None and not specs:
        specs = {name: FunctionSpec(logical=name, resource=name) for name in all_functions(templates)}
    definitions: dict[str, FunctionDefinition] = {}
    refused: dict[str, ConfigError] = {}
    for logical, spec in specs.items():
        try:
            definitions[logical] = _definition(spec, templates, base_dir, layer_map)
        except UnknownFunction:
            raise
        except ConfigError as exc:
            if spec.handler is not None or spec.code is not None:
                raise  # a smoke.yaml mistake, at its line
            refused[logical] = exc
    secrets = tuple(s for t in templates or () for s in t.secrets)
    return LocalCatalog(definitions, refused, secrets, region)


def template_function_names(env: Environment, base_dir: Path | None = None) -> list[str]:
    """The functions of the environment's template (nested ones as ``Child/LogicalId``)."""
    templates = _templates(env, base_dir or Path.cwd(), env.region or DEFAULT_REGION)
    return all_functions(templates) if templates else []


def local_functions(env: Environment, *, base_dir: Path) -> dict[str, FunctionRef]:
    """The functions of a local environment, read from its template or specs.

    Nothing is built or started: ``smoke validate`` and ``smoke discover`` use this to
    check a template (file and line for every problem) without running anything. A
    function the local runtime does not support (``NotSupportedLocally``) is left out;
    any other problem is raised.
    """
    found = local_catalog(env, base_dir=base_dir)
    for error in found.refused.values():
        if not isinstance(error, NotSupportedLocally):
            raise error
    return {
        logical: FunctionRef(
            logical=logical,
            name=d.name,
            arn=f"arn:aws:lambda:{found.region}:{ACCOUNT_ID}:function:{d.name}",
            runtime=d.runtime,
            log_group=f"/aws/lambda/{d.name}",
            timeout_s=d.timeout_s,
            memory_mb=d.memory_mb,
        )
        for logical, d in found.definitions.items()
    }


def refusal(error: ConfigError) -> str:
    """One line for a check's error: why its function does not run locally."""
    where = f" ({error.location})" if error.location else ""
    hint = f" {error.hint}" if error.hint else ""
    return f"{error.message}{where}.{hint}"


class LocalRuntime:
    """Running local functions behind a loopback Invoke API. Close it (or use ``with``)."""

    def __init__(
        self,
        env: Environment,
        *,
        base_dir: Path,
        log_dir: Path,
        host: str,
        port: int,
        redact: Callable[[str], str] | None = None,
        learn: Callable[[Any], None] | None = None,
        concurrency: int | None = None,
    ) -> None:
        from smoke.local.credentials import function_aws_environment
        from smoke.local.function import DEFAULT_LOCAL_CONCURRENCY
        from smoke.local.invoke_api import listen

        self.log_dir = log_dir
        aws = function_aws_environment(env)
        region = aws.region
        catalog = local_catalog(env, base_dir=base_dir, region=region, fetch_layers=True)
        if env.python:
            from smoke.local.interpreters import check_configured

            check_configured(env.python, env.location if env.location.line else None)
        self._by_name: dict[str, LocalFunction] = {}
        self.functions: dict[str, FunctionRef] = {}
        self.runtime_info: dict[str, dict[str, Any]] = {}
        # why each function that cannot run locally does not (checks that target it are
        # errors with this reason; every other function runs)
        self.refused: dict[str, str] = {k: refusal(e) for k, e in catalog.refused.items()}
        self.secrets: tuple[str, ...] = (*aws.secrets, *catalog.secrets)
        own = Redactor(self.secrets)
        outer = redact
        self.redact: Callable[[str], str] = (
            (lambda text: own.text(outer(text))) if outer is not None else own.text
        )
        limit = env.local_concurrency or concurrency or DEFAULT_LOCAL_CONCURRENCY
        try:
            for logical, found in catalog.definitions.items():
                function = self._by_name.get(found.name)
                if function is None:
                    definition = replace(
                        found, environment={**found.environment, **aws.variables}
                    )
                    try:
                        function = LocalFunction(
                            definition, log_dir=log_dir, region=region, host=host,
                            redact=self.redact, python=env.python, concurrency=limit,
                        )  # fmt: skip
                    except HarnessError as exc:  # it cannot be prepared: its checks only
                        self.refused[logical] = f"function {found.name} cannot be prepared: {exc}"
                        continue
                    self._by_name[found.name] = function
                self.functions[logical] = FunctionRef(
                    logical=logical,
                    name=function.name,
                    arn=function.arn,
                    runtime=found.runtime,
                    log_group=function.log_group,
                    timeout_s=found.timeout_s,
                    memory_mb=found.memory_mb,
                )
                self.runtime_info[logical] = function.runtime_info
                if aws.note:
                    function.runtime_info["warnings"] = [*function.runtime_info["warnings"], aws.note]
            self._server = listen((host, port), self._by_name, region, log_dir, learn)
        except BaseException:
            for function in self._by_name.values():
                function.close()
            raise
        self.endpoint_url = self._server.endpoint_url
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
            name="smoke-invoke-api", daemon=True,
        )  # fmt: skip
        self._thread.start()

    def log_source(self) -> LogSource:
        source = LocalLogSource(self.log_dir, own_lines=True)  # this run's lines only
        source.excluded = self.excluded_request_ids  # type: ignore[attr-defined]
        return source

    def excluded_request_ids(self) -> dict[str, str]:
        """Invocations whose errors are the local interpreter's fault (request id -> why):
        the log scan does not count them as findings about the app."""
        found: dict[str, str] = {}
        for function in self._by_name.values():
            found.update(function.mismatched)
        return found

    def close(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._server = None  # type: ignore[assignment]
        for function in self._by_name.values():
            function.close()

    def __enter__(self) -> LocalRuntime:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def start_local_runtime(
    env: Environment,
    *,
    base_dir: Path,
    log_dir: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    redact: Callable[[str], str] | None = None,
    learn: Callable[[Any], None] | None = None,
    concurrency: int | None = None,
) -> LocalRuntime:
    """Start the local runtime for ``env``'s functions; processes start on first invoke.

    ``redact`` is applied to every line written to the function logs (the files and the
    ``X-Amz-Log-Result`` tail), e.g. a run's ``Redactor.final``; ``learn`` is given every
    event received, before the function runs (``Redactor.add_event``: the secret headers of
    callers smoke knows nothing about). ``concurrency`` is the most sandboxes per function
    when the environment sets no ``local_concurrency`` (default 16; a run passes its own
    concurrency); a function's ``ReservedConcurrentExecutions`` lowers it. A port that
    cannot be listened on is a ``HarnessError`` naming the address.
    """
    return LocalRuntime(
        env, base_dir=base_dir, log_dir=log_dir, host=host, port=port, redact=redact,
        learn=learn, concurrency=concurrency,
    )


def serve_forever(
    env: Environment,
    *,
    base_dir: Path,
    log_dir: Path,
    host: str,
    port: int,
    redact: Callable[[str], str] | None = None,
    learn: Callable[[Any], None] | None = None,
) -> int:
    """``smoke local start``: serve in the foreground until Ctrl-C (or SIGTERM).

    Prints the only banner, once listening: the endpoint, each function with its runtime
    and its warnings. Nothing is printed when the port cannot be listened on. Returns the
    exit code of a process stopped by a signal: 130 (SIGINT) or 143 (SIGTERM).
    """
    stop = threading.Event()
    received: list[int] = []

    def on_signal(signum: int, frame: Any) -> None:
        received.append(signum)
        stop.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        _serve(env, stop, base_dir=base_dir, log_dir=log_dir, host=host, port=port,
               redact=redact, learn=learn)
    except KeyboardInterrupt:  # without our handler (not the main thread)
        received.append(signal.SIGINT)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 143 if received and received[0] == signal.SIGTERM else 130


def _serve(
    env: Environment,
    stop: threading.Event,
    *,
    base_dir: Path,
    log_dir: Path,
    host: str,
    port: int,
    redact: Callable[[str], str] | None,
    learn: Callable[[Any], None] | None = None,
) -> None:
    with start_local_runtime(
        env, base_dir=base_dir, log_dir=log_dir, host=host, port=port, redact=redact,
        learn=learn,
    ) as local:
        print(
            f"smoke local runtime for {env.name}: {local.endpoint_url}  (logs in {log_dir})",
            flush=True,
        )
        for logical, ref in local.functions.items():
            info = local.runtime_info[logical]
            runtime = info["declared_runtime"] or "python (undeclared)"
            print(f"  {logical:<16} -> {ref.name}  [{runtime}]", flush=True)
            for warning in info["warnings"]:
                print(f"      warning: {warning}", file=sys.stderr, flush=True)
        for logical, why in local.refused.items():
            print(f"  {logical:<16} -> not run locally: {why}", file=sys.stderr, flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        print("smoke local runtime: stopped", flush=True)
