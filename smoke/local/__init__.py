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
from pathlib import Path
from types import TracebackType
from typing import Any

from smoke.errors import ConfigError
from smoke.local.function import ACCOUNT_ID, LocalFunction
from smoke.local.logs import LocalLogSource
from smoke.local.template import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    FUNCTION_TYPES,
    FunctionDefinition,
    Template,
    function_definition,
    read_template,
)
from smoke.local.template_values import PYTHON3
from smoke.logscan import LogSource
from smoke.model import Environment, FunctionRef, FunctionSpec

__all__ = ["LocalRuntime", "local_functions", "serve_forever", "start_local_runtime"]

DEFAULT_REGION = "us-east-1"


def _spec_error(spec: FunctionSpec, message: str, hint: str = "") -> ConfigError:
    from smoke.yamlload import quote_lines

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
    spec: FunctionSpec, template: Template | None, base_dir: Path, region: str
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
    if template is None:
        raise ConfigError(
            f"function {spec.logical!r} of a local environment needs a template resource "
            "or handler + code",
            spec.location,
            hint="Set 'template: template.yaml' on the environment and 'resource: <logical id>' "
            "on the function, or give 'handler' and 'code'.",
        )
    where = spec.location if spec.location.line else None
    found = function_definition(template, spec.resource or spec.logical, region, where)
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
    )


def _definitions(
    env: Environment, template: Template | None, base_dir: Path
) -> dict[str, FunctionDefinition]:
    """Logical name -> definition, for every function of a local environment."""
    region = env.region or DEFAULT_REGION
    specs = dict(env.functions)
    if template is not None and not specs:
        specs = {
            key: FunctionSpec(logical=key, resource=key)
            for key, value in template.resources.items()
            if isinstance(value, dict) and value.get("Type") in FUNCTION_TYPES
        }
    return {
        logical: _definition(spec, template, base_dir, region) for logical, spec in specs.items()
    }


def local_functions(env: Environment, *, base_dir: Path) -> dict[str, FunctionRef]:
    """The functions of a local environment, read from its template or specs.

    Nothing is built or started: ``smoke validate`` and ``smoke discover`` use this to
    check a template (file and line for every problem) without running anything.
    """
    template = read_template((base_dir / env.template).resolve()) if env.template else None
    region = env.region or DEFAULT_REGION
    return {
        logical: FunctionRef(
            logical=logical,
            name=d.name,
            arn=f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{d.name}",
            runtime=d.runtime,
            log_group=f"/aws/lambda/{d.name}",
            timeout_s=d.timeout_s,
            memory_mb=d.memory_mb,
        )
        for logical, d in _definitions(env, template, base_dir).items()
    }


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
    ) -> None:
        from smoke.local.invoke_api import listen

        self.log_dir = log_dir
        region = env.region or DEFAULT_REGION
        template = read_template((base_dir / env.template).resolve()) if env.template else None
        self._by_name: dict[str, LocalFunction] = {}
        self.functions: dict[str, FunctionRef] = {}
        self.runtime_info: dict[str, dict[str, Any]] = {}
        try:
            for logical, definition in _definitions(env, template, base_dir).items():
                function = self._by_name.get(definition.name)
                if function is None:
                    function = LocalFunction(
                        definition, log_dir=log_dir, region=region, host=host, redact=redact,
                        python=env.python,
                    )  # fmt: skip
                    self._by_name[definition.name] = function
                self.functions[logical] = FunctionRef(
                    logical=logical,
                    name=function.name,
                    arn=function.arn,
                    runtime=definition.runtime,
                    log_group=function.log_group,
                    timeout_s=definition.timeout_s,
                    memory_mb=definition.memory_mb,
                )
                self.runtime_info[logical] = function.runtime_info
            self._server = listen((host, port), self._by_name, region, log_dir)
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
        source = LocalLogSource(self.log_dir)
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
) -> LocalRuntime:
    """Start the local runtime for ``env``'s functions; processes start on first invoke.

    ``redact`` is applied to every line written to the function logs (the files and the
    ``X-Amz-Log-Result`` tail), e.g. a run's ``Redactor.text``. A port that cannot be
    listened on is a ``HarnessError`` naming the address.
    """
    return LocalRuntime(
        env, base_dir=base_dir, log_dir=log_dir, host=host, port=port, redact=redact
    )


def serve_forever(
    env: Environment,
    *,
    base_dir: Path,
    log_dir: Path,
    host: str,
    port: int,
    redact: Callable[[str], str] | None = None,
) -> None:
    """``smoke local start``: serve in the foreground until Ctrl-C (or SIGTERM).

    Prints the only banner, once listening: the endpoint, each function with its runtime
    and its warnings. Nothing is printed when the port cannot be listened on.
    """
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        _serve(env, stop, base_dir=base_dir, log_dir=log_dir, host=host, port=port, redact=redact)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _serve(
    env: Environment,
    stop: threading.Event,
    *,
    base_dir: Path,
    log_dir: Path,
    host: str,
    port: int,
    redact: Callable[[str], str] | None,
) -> None:
    with start_local_runtime(
        env, base_dir=base_dir, log_dir=log_dir, host=host, port=port, redact=redact
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
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        print("smoke local runtime: stopped", flush=True)
