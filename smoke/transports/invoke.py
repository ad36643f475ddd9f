"""Direct invocation: the Lambda Invoke API with ``LogType=Tail``.

No double execution: botocore's retries are off, the read timeout is above the
function's own timeout, and this transport retries only errors where Lambda says
the function did not run (throttling, not ready, updating, ENI limits) or where the
connection failed before the request was sent. A read timeout or a 5xx after the
request went out is never retried: the function may have run.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
from typing import Any

from smoke.aws import client, error_code, error_message, translate
from smoke.errors import CheckNotExecuted, CredentialsError, SmokeError
from smoke.logtail import parse_log_tail
from smoke.model import Check, Environment, Exchange, FunctionRef, Response

# Lambda answered without running the function: safe to send again.
NOT_RUN_CODES = frozenset(
    {
        "TooManyRequestsException",
        "ResourceNotReadyException",
        "ResourceConflictException",
        "EC2ThrottledException",
        "ENILimitReachedException",
        "SubnetIPAddressLimitReachedException",
    }
)
UNKNOWN_TIMEOUT_S = 900.0  # Lambda's maximum: when discovery did not say
TIMEOUT_MARGIN_S = 15.0
MAX_DELAY_S = 10.0


def function_id(function: FunctionRef) -> str:
    """What to invoke: the function's unqualified ARN when discovery found one.

    By name, Lambda resolves the function in the caller's own account and region; the
    ARN says exactly which function discovery read (another account through a resource
    policy, say). The qualifier goes separately (``Qualifier``).
    """
    if function.arn and function.arn.startswith("arn:"):
        return ":".join(function.arn.split(":")[:7])
    return function.name


class InvokeTransport:
    name = "invoke"

    def __init__(
        self,
        env: Environment,
        *,
        endpoint_url: str | None = None,
        max_attempts: int = 5,
        base_delay_s: float = 0.2,
        timeout_margin_s: float = TIMEOUT_MARGIN_S,
    ) -> None:
        self.env = env
        self.endpoint_url = endpoint_url
        self.max_attempts = max(1, max_attempts)
        self.base_delay_s = base_delay_s
        self.timeout_margin_s = timeout_margin_s
        self._clients: dict[float, Any] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ clients

    def _read_timeout(self, check: Check, function: FunctionRef) -> float:
        if check.timeout_s is not None:
            return float(check.timeout_s)
        return float(function.timeout_s or UNKNOWN_TIMEOUT_S) + self.timeout_margin_s

    def _client(self, read_timeout_s: float) -> Any:
        with self._lock:
            found = self._clients.get(read_timeout_s)
            if found is None:
                found = client(
                    self.env,
                    "lambda",
                    endpoint_url=self.endpoint_url,
                    read_timeout_s=read_timeout_s,
                )
                self._clients[read_timeout_s] = found
            return found

    def close(self) -> None:
        with self._lock:
            for made in self._clients.values():
                close = getattr(made, "close", None)
                if close is not None:
                    close()
            self._clients.clear()

    # ------------------------------------------------------------------ sending

    def _event(self, check: Check) -> Any:
        if check.is_raw:
            return {} if check.payload is None else check.payload
        from smoke.events import build_event, event_settings

        return build_event(check, settings=event_settings(self.env))

    def send(self, check: Check, function: FunctionRef | None) -> Exchange:
        if function is None:
            raise CheckNotExecuted(f"{check.id}: no function to invoke (discovery found none)")
        target = f"{function.name}:{function.qualifier}" if function.qualifier else function.name
        event = self._event(check)
        try:
            body = json.dumps(event).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise CheckNotExecuted(
                f"{check.id}: the event is not JSON-serialisable: {exc}"
            ) from exc
        params: dict[str, Any] = {
            "FunctionName": function_id(function),
            "InvocationType": "RequestResponse",
            "LogType": "Tail",
            "Payload": body,
        }
        if function.qualifier:
            params["Qualifier"] = function.qualifier
        read_timeout = self._read_timeout(check, function)
        try:
            lambda_client = self._client(read_timeout)
        except SmokeError as exc:  # credentials, profile, region: no check can run
            raise CheckNotExecuted(exc.message, fatal=True) from exc
        started = time.time()
        answer, latency_ms, retries = self._invoke(lambda_client, params, target, read_timeout)
        return self._exchange(check, event, target, answer, started, latency_ms, retries)

    def _invoke(
        self, lambda_client: Any, params: dict[str, Any], target: str, read_timeout: float
    ) -> tuple[dict[str, Any], float, int]:
        import botocore.exceptions as bx

        attempt = 0
        while True:
            clock = time.perf_counter()
            try:
                answer = lambda_client.invoke(**params)
                answer["_payload"] = answer["Payload"].read()
                return answer, (time.perf_counter() - clock) * 1000.0, attempt
            except bx.ReadTimeoutError as exc:
                raise CheckNotExecuted(
                    f"invoke {target}: no answer within {read_timeout:g}s; the function may "
                    "have run, so it was not invoked again",
                    retryable=False,
                ) from exc
            except (bx.EndpointConnectionError, bx.ConnectTimeoutError) as exc:
                reason = f"cannot connect ({exc})"
                cause: Exception = exc
                unreachable = True
            except bx.ClientError as exc:
                code = error_code(exc)
                if code not in NOT_RUN_CODES:
                    raise self._not_executed(exc, target) from exc
                reason = f"{code}: {error_message(exc)}"
                unreachable = False
                cause = exc
            except Exception as exc:
                raise self._not_executed(exc, target) from exc
            attempt += 1
            if attempt >= self.max_attempts:
                raise CheckNotExecuted(
                    f"invoke {target}: gave up after {attempt} attempts; last: {reason} "
                    "(the function did not run)",
                    retryable=True,
                    fatal=unreachable,  # the endpoint is down: no other check can run either
                    by_aws=not unreachable,
                ) from cause
            delay = min(MAX_DELAY_S, self.base_delay_s * (2 ** (attempt - 1)))
            time.sleep(random.uniform(0, delay))

    def _not_executed(self, exc: Exception, target: str) -> CheckNotExecuted:
        import botocore.exceptions as bx

        smoke_error = translate(exc, f"invoke {target}")
        if isinstance(smoke_error, CredentialsError):
            return CheckNotExecuted(smoke_error.message, fatal=True)
        status = 0
        if isinstance(exc, bx.ClientError):
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        message = smoke_error.message
        if status >= 500:
            message += (
                " (a server error after the request was sent: the function may have run,"
                " so it was not retried)"
            )
        return CheckNotExecuted(message, retryable=False,
                                by_aws=isinstance(exc, bx.ClientError))

    # ------------------------------------------------------------------ reading

    def _exchange(
        self,
        check: Check,
        event: Any,
        target: str,
        answer: dict[str, Any],
        started: float,
        latency_ms: float,
        retries: int,
    ) -> Exchange:
        raw: bytes = answer.get("_payload") or b""
        payload = decode_payload(raw)
        tail_text = ""
        if answer.get("LogResult"):
            tail_text = base64.b64decode(answer["LogResult"]).decode("utf-8", errors="replace")
        tail = parse_log_tail(tail_text)
        notes: list[str] = []
        function_error = answer.get("FunctionError")
        error_type = error_message_text = None
        response: Response | None = None
        if function_error:
            if isinstance(payload, dict):
                error_type = _text(payload.get("errorType"))
                error_message_text = _text(payload.get("errorMessage"))
        elif not check.is_raw:
            from smoke.events import decode_response

            response, decode_notes = decode_response(check, payload)
            notes.extend(decode_notes)
        if tail.timed_out:
            notes.append("the function timed out")
        if tail.init_status and tail.init_status != "success":
            notes.append(f"init phase status: {tail.init_status}")
        metadata = answer.get("ResponseMetadata", {})
        request_id = metadata.get("RequestId") or tail.request_id
        summary = request_summary(check, event)
        status = answer.get("StatusCode")
        if isinstance(status, int) and status != 200:
            notes.append(f"Invoke answered with status {status}")
        return Exchange(
            check_id=check.id,
            transport=self.name,
            target=target,
            request_summary=summary,
            started_at=started,
            latency_ms=latency_ms,
            response=response,
            payload=payload,
            function_error=function_error,
            error_type=error_type,
            error_message=error_message_text,
            log_tail=tail_text,
            executed_version=answer.get("ExecutedVersion"),
            request_id=request_id,
            metrics=tail.metrics,
            retries=retries,
            notes=tuple(notes),
        )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def decode_payload(raw: bytes) -> Any:
    """The JSON value of an Invoke payload, or its text when it is not JSON."""
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def request_summary(check: Check, event: Any) -> dict[str, Any]:
    if check.is_raw:
        return {"event": "raw", "payload": event}
    return {
        "event": check.event,
        "method": check.request.method,
        "path": check.request.path,
        "headers": dict(check.request.headers),
    }
