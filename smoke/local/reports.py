"""The end of one invocation: platform log lines (END, REPORT, INIT_REPORT) and the outcome.

The wording follows what Lambda writes to CloudWatch and returns to the caller, so the
log scan and the verdicts treat local and AWS runs alike.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING

from smoke.local.process import RESPONSE_LIMIT, InvokeOutcome, _error_payload, _error_type_of

if TYPE_CHECKING:
    from smoke.local.process import Sandbox


class InvocationReport:
    def __init__(self, sandbox: Sandbox, request_id: str, timeout_s: float, memory_mb: int) -> None:
        self.sandbox = sandbox
        self.request_id = request_id
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb

    def _finish(
        self,
        duration_ms: float,
        init_ms: float | None,
        payload: bytes,
        error_type: str | None = None,
        status: str = "",
        memory_used: int | None = None,
    ) -> InvokeOutcome:
        used = self.sandbox._sample_memory() if memory_used is None else memory_used
        log = self.sandbox.log
        log.write(f"END RequestId: {self.request_id}")
        fields = [
            f"REPORT RequestId: {self.request_id}",
            f"Duration: {duration_ms:.2f} ms",
            f"Billed Duration: {max(1, math.ceil(duration_ms))} ms",
            f"Memory Size: {self.memory_mb} MB",
            f"Max Memory Used: {used} MB",
        ]
        if init_ms is not None:
            fields.append(f"Init Duration: {init_ms:.2f} ms")
        if status:
            fields.append(f"Status: {status}")
            if error_type and status == "error":
                fields.append(f"Error Type: {error_type}")
        log.write("\t".join(fields))
        return InvokeOutcome(
            request_id=self.request_id,
            payload=payload,
            function_error="Unhandled" if error_type else None,
            error_type=error_type,
            duration_ms=duration_ms,
            init_duration_ms=init_ms,
            max_memory_used_mb=used,
            pid=self.sandbox.process.pid,
        )

    def finished(
        self, duration_ms: float, init_ms: float | None, result: tuple[str, bytes, str]
    ) -> InvokeOutcome:
        kind, body, header_type = result
        self.sandbox.drain(final=True)
        if kind == "error":
            return self._finish(duration_ms, init_ms, body, _error_type_of(body, header_type))
        if len(body) > RESPONSE_LIMIT:
            message = (
                f"Response payload size ({len(body)} bytes) exceeded maximum allowed "
                f"payload size ({RESPONSE_LIMIT} bytes)."
            )
            error = "Function.ResponseSizeTooLarge"
            return self._finish(duration_ms, init_ms, _error_payload(error, message), error)
        return self._finish(duration_ms, init_ms, body)

    def timed_out(self, duration_ms: float, init_ms: float | None) -> InvokeOutcome:
        used = self.sandbox._sample_memory()
        self.sandbox.close()
        self.sandbox.log.write(self.sandbox.timeout_line(self.request_id, self.timeout_s))
        message = f"RequestId: {self.request_id} Error: Task timed out after {self.timeout_s:.2f} seconds"
        error = "Sandbox.Timedout"
        payload = _error_payload(error, message)
        return self._finish(duration_ms, init_ms, payload, error, "timeout", used)

    def exited(self, duration_ms: float, init_ms: float | None, exit_code: int) -> InvokeOutcome:
        self.sandbox.close()
        message = f"RequestId: {self.request_id} Error: {_exit_reason(exit_code)}"
        self.sandbox.log.write(message)
        self.sandbox.log.write("Runtime.ExitError")
        error = "Runtime.ExitError"
        payload = _error_payload(error, message)
        return self._finish(duration_ms, init_ms, payload, error, "error", 0)

    def init_failed(
        self, init_ms: float, init_error: tuple[bytes, str] | None, exit_code: int | None
    ) -> InvokeOutcome:
        """The process never asked for an invocation: init error, exit or init timeout."""
        log = self.sandbox.log
        status = "error"
        if init_error is not None:
            body, header_type = init_error
            error = _error_type_of(body, header_type)
            payload = _with_request_id(body, self.request_id)
        elif exit_code is not None:
            error = "Runtime.ExitError"
            message = f"RequestId: {self.request_id} Error: {_exit_reason(exit_code)}"
            payload = _error_payload(error, message)
        else:
            status, error = "timeout", "Sandbox.Timedout"
            message = f"RequestId: {self.request_id} Error: Task timed out after {init_ms / 1000:.2f} seconds"
            payload = _error_payload(error, message)
        used = self.sandbox._sample_memory()
        self.sandbox.close()
        if exit_code is not None and init_error is None:
            log.write(message)
            log.write(error)
        init_line = f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: {status}"
        if status == "error":
            init_line += f"\tError Type: {error}"
        log.write(init_line)
        log.write(f"START RequestId: {self.request_id} Version: {self.sandbox.version}")
        return self._finish(init_ms, None, payload, error, status, used)


def _exit_reason(exit_code: int) -> str:
    if exit_code < 0:
        import signal

        try:
            name = signal.Signals(-exit_code).name.removeprefix("SIG").lower()
        except ValueError:
            name = str(-exit_code)
        name = {"kill": "killed", "term": "terminated", "segv": "segmentation fault"}.get(name, name)
        return f"Runtime exited with error: signal: {name}"
    return f"Runtime exited with error: exit status {exit_code}"


def _with_request_id(body: bytes, request_id: str) -> bytes:
    try:
        decoded = json.loads(body)
    except ValueError:
        return body
    if isinstance(decoded, dict):
        decoded["requestId"] = request_id
        return json.dumps(decoded).encode()
    return body
