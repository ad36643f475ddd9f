"""One local function (one version of it): import path, Lambda environment, sandboxes.

Concurrent invocations run in separate sandboxes (processes) of the function's pool
(``smoke.local.pool``), each with its own cold start and log stream, up to the
function's concurrency cap (``ReservedConcurrentExecutions``, else the local limit),
shared by all its versions; a sandbox stays warm between invocations and is replaced
after an init error, a crash or a timeout.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smoke.errors import HarnessError
from smoke.local.logs import FunctionLog
from smoke.local.pool import Concurrency, PoolClosed, SandboxPool
from smoke.local.process import InvokeOutcome, Sandbox, new_request_id
from smoke.local.runtime_api import Invocation
from smoke.local.template import FunctionDefinition

if TYPE_CHECKING:
    from smoke.local.runtime_setup import Ready

ACCOUNT_ID = "123456789012"
DEFAULT_LOCAL_CONCURRENCY = 16  # sandboxes per function when neither smoke.yaml nor the run says
QUEUE_WAIT_S = 10.0  # an invocation waits this long for a free sandbox, then is throttled (429)
_PASSED_THROUGH = ("LD_LIBRARY_PATH",)


def log_file_name(name: str, version: str = "$LATEST") -> str:
    """``Api.log`` for $LATEST, ``Api.3.log`` for version 3 (a function name has no dot)."""
    return f"{name}.log" if version == "$LATEST" else f"{name}.{version}.log"


def _trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};Parent={secrets.token_hex(8)};Sampled=0"


class FunctionClosed(HarnessError):
    """An invocation arrived after the runtime closed the function (an interrupted run's
    checks still in flight): answered as a service error, never a traceback."""


class LocalFunction:
    def __init__(
        self,
        definition: FunctionDefinition,
        *,
        log_dir: Path,
        region: str,
        host: str = "127.0.0.1",
        redact: Callable[[str], str] | None = None,
        python: Mapping[str, str] | None = None,
        version: str = "$LATEST",
        ready: Ready | None = None,
        concurrency: int | Concurrency = DEFAULT_LOCAL_CONCURRENCY,
    ) -> None:
        from smoke.local.runtime_setup import setup

        self.definition = definition
        self.name = definition.name
        self.version = version  # "$LATEST", or a published version's number
        self.region = region
        self.host = host
        self.redact = redact
        self.python_config = dict(python or {})
        self.arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{self.name}"
        self.log_group = f"/aws/lambda/{self.name}"
        self.log = FunctionLog(log_dir / log_file_name(self.name, version), redact=redact)
        ready = ready or setup(definition, python or {})  # a version: its snapshot's, given
        self.ready = ready
        self.interpreter = ready.interpreter
        self.task_root = ready.task_root
        self.import_dirs = ready.import_dirs
        self.runtime_dir = ready.runtime_dir
        self.foreign = ready.foreign  # compiled modules its interpreter cannot import
        self.python_version = ready.python_version
        self.runtime_info: dict[str, Any] = ready.runtime_info
        self.mismatched: dict[str, str] = {}  # request id -> why (interpreter mismatch)
        if isinstance(concurrency, Concurrency):  # a version shares its function's cap
            self.concurrency = concurrency
        else:
            reserved = definition.reserved_concurrency
            capped = reserved is not None and reserved <= concurrency
            self.concurrency = Concurrency(reserved if capped else concurrency, reserved=capped)  # type: ignore[arg-type]
        self.pool = SandboxPool(self._start_sandbox, self.concurrency)

    def sys_path(self) -> list[Path]:
        """Lambda's order: task root (with the packages of its requirements.txt), layers
        (a later layer overrides an earlier one, as when Lambda extracts them into /opt in
        order), then the runtime directory."""
        return [*self.import_dirs, self.runtime_dir]

    def interpreter_mismatch(self, outcome: InvokeOutcome) -> str | None:
        """Why a failed invocation is the local interpreter's fault, not the artifact's."""
        if not self.foreign or not outcome.function_error:
            return None
        from smoke.local.runtime_setup import mismatch_reason

        reason = mismatch_reason(self, outcome.payload)
        if reason:
            self.mismatched[outcome.request_id] = reason
        return reason

    def environment(self) -> dict[str, str]:
        definition = self.definition
        runtime = definition.runtime or f"python{self.python_version}"
        stream = f"{time.strftime('%Y/%m/%d', time.gmtime())}/[{self.version}]{secrets.token_hex(16)}"
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": str(self.task_root),
            "LAMBDA_RUNTIME_DIR": str(self.runtime_dir),
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(definition.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": self.version,
            "AWS_LAMBDA_LOG_GROUP_NAME": self.log_group,
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "_HANDLER": definition.handler,
        }
        env.update({k: os.environ[k] for k in _PASSED_THROUGH if k in os.environ})
        env.update(definition.environment)
        return env

    def _start_sandbox(self) -> Sandbox:
        environment = self.environment()
        return Sandbox(
            handler=self.definition.handler,
            task_root=self.task_root,
            sys_path=self.sys_path(),
            environment=environment,
            log=self.log.stream(environment["AWS_LAMBDA_LOG_STREAM_NAME"]),
            host=self.host,
            python=self.interpreter.executable,
            python_version=self.interpreter.full_version,
        )

    def invoke(
        self,
        payload: bytes,
        *,
        client_context: str | None = None,
        cognito_identity: str | None = None,
        invoked_arn: str | None = None,
        wait_s: float | None = QUEUE_WAIT_S,
    ) -> tuple[InvokeOutcome, str]:
        """Run one invocation in a sandbox of the pool; returns its outcome and its log
        text (for the tail).

        ``invoked_arn`` is the ARN the caller used (``...:function:name:live`` through an
        alias), which the handler sees as ``context.invoked_function_arn``. Raises
        ``Throttled`` when no sandbox was free within ``wait_s`` (None: wait as long as it
        takes) and ``FunctionClosed`` when the runtime is shutting down: in both cases the
        function did not run."""
        try:
            sandbox = self.pool.acquire(wait_s)
        except PoolClosed:
            raise FunctionClosed(f"local function {self.name} is closed") from None
        assert isinstance(sandbox, Sandbox)
        if sandbox.invocations:  # warm: the lines of its cold start were another's tail
            sandbox.log.start_capture()
        try:
            timeout_s = self.definition.timeout_s
            invocation = Invocation(
                request_id=new_request_id(),
                payload=payload,
                deadline_ms=int((time.time() + timeout_s) * 1000),
                function_arn=invoked_arn or self.arn,
                trace_id=_trace_id(),
                client_context=client_context,
                cognito_identity=cognito_identity,
            )
            outcome = sandbox.invoke(invocation, timeout_s, self.definition.memory_mb)
        finally:
            log_text = sandbox.log.stop_capture()
            self.pool.release(sandbox)
        return outcome, log_text

    def close(self) -> None:
        """Kill every sandbox now, even in the middle of an invocation (which then ends
        as a killed runtime); never waits for a handler to finish."""
        self.pool.close()
        self.log.close()
