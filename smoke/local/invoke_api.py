"""The Lambda Invoke API on loopback, so boto3 and the AWS CLI work unchanged.

``POST /2015-03-31/functions/{name}/invocations`` with a name, a partial or full ARN,
``name:qualifier`` or a ``Qualifier`` query parameter: ``$LATEST`` runs the files on disk,
a version runs its snapshot, an alias its version (or, with weights, the additional
version for that share of invocations); ``X-Amz-Executed-Version`` says which ran.
Honors ``X-Amz-Invocation-Type`` (RequestResponse, Event, DryRun), ``X-Amz-Log-Type:
Tail`` and ``X-Amz-Client-Context``. Every other Lambda path goes to ``control_api``.
Concurrent invocations run in separate sandboxes (``smoke.local.pool``); one that finds
no free sandbox in time is answered 429 ``TooManyRequestsException``, as Lambda throttles.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import threading
import uuid
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from smoke.errors import HarnessError
from smoke.local.function import FunctionClosed, LocalFunction
from smoke.local.logs import tail
from smoke.local.pool import Throttled

_PREFIX = "/2015-03-31/functions/"
_SUFFIX = "/invocations"


def function_name(identifier: str) -> str:
    """The function name inside a name, ``name:qualifier``, or a partial/full ARN."""
    parts = identifier.split(":")
    if identifier.startswith("arn:") and len(parts) >= 7:
        return parts[6]
    if len(parts) >= 3 and parts[1] == "function":  # 123456789012:function:name[:q]
        return parts[2]
    return parts[0]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: InvokeServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _reply(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, error_type: str, message: str) -> None:
        body = json.dumps({"Type": "User", "Message": message, "message": message}).encode()
        self._reply(
            status,
            body,
            {
                "Content-Type": "application/json",
                "x-amzn-ErrorType": error_type,
                "x-amzn-RequestId": str(uuid.uuid4()),
            },
        )

    def _throttled(self, exc: Throttled) -> None:
        message = "Rate Exceeded."
        body = {"Type": "User", "Reason": exc.reason, "Message": message, "message": message}
        self._reply(
            429,
            json.dumps(body).encode(),
            {
                "Content-Type": "application/json",
                "x-amzn-ErrorType": "TooManyRequestsException",
                "x-amzn-RequestId": str(uuid.uuid4()),
                "Retry-After": "1",
            },
        )

    def _answer(self, answer: tuple[int, dict[str, Any], str | None], json_type: str) -> None:
        status, body, error_type = answer
        headers = {"Content-Type": json_type, "x-amzn-RequestId": str(uuid.uuid4())}
        if error_type:
            headers["x-amzn-ErrorType"] = error_type
        self._reply(status, b"" if status == 204 else json.dumps(body).encode(), headers)

    def _control(self, method: str, body: bytes = b"") -> None:
        from smoke.local.control_api import lambda_request

        server = self.server
        answer = lambda_request(method, self.path, body, server.plane, server.functions, server.region)
        if answer is None:
            path = urlsplit(self.path).path
            self._error(404, "UnknownOperationException", f"Unknown operation: {method} {path}")
            return
        self._answer(answer, "application/json")

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:
        self._control("GET")

    def do_PUT(self) -> None:
        self._control("PUT", self._body())

    def do_DELETE(self) -> None:
        self._control("DELETE", self._body())

    def do_POST(self) -> None:
        from smoke.local.versions import LambdaError

        payload = self._body()
        path = urlsplit(self.path).path
        target = self.headers.get("X-Amz-Target")
        if target:  # CloudWatch Logs' JSON protocol, on the same port
            from smoke.local.control_api import FILTER_LOG_EVENTS, filter_log_events

            if target != FILTER_LOG_EVENTS:
                body = {"__type": "UnknownOperationException", "message": f"Unknown operation {target}"}
                self._answer((400, body, "UnknownOperationException"), "application/x-amz-json-1.1")
                return
            self._answer(filter_log_events(payload, self.server.log_dir), "application/x-amz-json-1.1")
            return
        if not (path.startswith(_PREFIX) and path.endswith(_SUFFIX)):
            self._control("POST", payload)
            return
        identifier = unquote(path[len(_PREFIX) : -len(_SUFFIX)])
        try:
            function, invoked_arn = self._resolve(identifier)
        except LambdaError as exc:
            self._error(exc.status, exc.error_type, exc.message)
            return
        if payload.strip():
            try:
                event = json.loads(payload)
            except ValueError as exc:
                self._error(
                    400,
                    "InvalidRequestContentException",
                    f"Could not parse request body into json: {exc}",
                )
                return
            if self.server.learn is not None:  # before the function can log what it got
                self.server.learn(event)
        invocation_type = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type == "DryRun":
            self._reply(204, b"", {"x-amzn-RequestId": str(uuid.uuid4())})
            return
        client_context = None
        if self.headers.get("X-Amz-Client-Context"):
            try:
                client_context = base64.b64decode(self.headers["X-Amz-Client-Context"]).decode()
            except (binascii.Error, UnicodeDecodeError):
                self._error(
                    400, "InvalidParameterValueException", "Client context must be base64 JSON"
                )
                return
        if invocation_type == "Event":  # queued, as Lambda's async queue: it waits for a sandbox
            threading.Thread(
                target=_quietly, args=(function.invoke, payload or b"{}"),
                kwargs={"client_context": client_context, "invoked_arn": invoked_arn,
                        "wait_s": None},  # queued as long as it takes, as Lambda's queue does
                daemon=True, name="smoke-async-invoke",
            ).start()  # fmt: skip
            self._reply(202, b"", {"x-amzn-RequestId": str(uuid.uuid4())})
            return
        if invocation_type != "RequestResponse":
            self._error(
                400,
                "InvalidParameterValueException",
                f"Unsupported invocation type {invocation_type!r}: RequestResponse, Event or DryRun",
            )
            return
        try:
            outcome, log_text = function.invoke(
                payload or b"{}", client_context=client_context, invoked_arn=invoked_arn
            )
        except Throttled as exc:  # the function did not run: the caller may send it again
            self._throttled(exc)
            return
        except FunctionClosed as exc:  # the runtime is closing: the caller gets an answer
            with contextlib.suppress(OSError):
                self._error(503, "ServiceException", f"{exc}: the local runtime stopped")
            return
        mismatch = function.interpreter_mismatch(outcome)
        if mismatch:  # the local interpreter's fault, not the artifact's: an error, not a verdict
            self._error(400, "InterpreterMismatchException", mismatch)
            return
        headers = {
            "Content-Type": "application/json",
            "X-Amz-Executed-Version": function.version,
            "x-amzn-RequestId": outcome.request_id,
        }
        if outcome.function_error:
            headers["X-Amz-Function-Error"] = outcome.function_error
        if (self.headers.get("X-Amz-Log-Type") or "").lower() == "tail":
            headers["X-Amz-Log-Result"] = base64.b64encode(tail(log_text)).decode()
        self._reply(200, outcome.payload, headers)


    def _resolve(self, identifier: str) -> tuple[LocalFunction, str]:
        """The function an invocation runs, and the ARN it was invoked by."""
        from smoke.local.control_api import _qualifier_in
        from smoke.local.versions import invalid

        in_name = _qualifier_in(identifier)
        query = parse_qs(urlsplit(self.path).query)
        given = query.get("Qualifier", [None])[-1]
        if in_name and given and in_name != given:
            raise invalid(f"The derived qualifier from the function name does not match the "
                          f"specified qualifier ({in_name} != {given})")
        return self.server.plane.resolve(function_name(identifier), in_name or given,
                                         self.server.region)


def _quietly(invoke: Callable[..., Any], payload: bytes, **kwargs: Any) -> None:
    """An asynchronous (``Event``) invocation: nobody waits for it, nothing to print."""
    with contextlib.suppress(FunctionClosed):
        invoke(payload, **kwargs)


class InvokeServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 leaves connections unaccepted as soon as more
    # than 5 checks connect at once (a run's default concurrency is 16), and botocore
    # reports "Connection was closed before we received a valid response"
    request_queue_size = 1024

    def __init__(
        self,
        address: tuple[str, int],
        functions: Mapping[str, LocalFunction],
        region: str,
        log_dir: Path | None = None,
        learn: Callable[[Any], None] | None = None,
    ) -> None:
        from smoke.local.versions import ControlPlane

        self.plane = ControlPlane(functions, log_dir)  # before binding: server_close needs it
        super().__init__(address, _Handler)
        self.functions = functions
        self.region = region
        self.log_dir = log_dir
        self.learn = learn  # learns the secrets of every event received (Redactor.add_event)

    def server_close(self) -> None:
        super().server_close()
        self.plane.close()  # the versions' processes and snapshots

    def handle_error(self, request: object, client_address: object) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):  # a caller that went away
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    @property
    def endpoint_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def listen(
    address: tuple[str, int],
    functions: Mapping[str, LocalFunction],
    region: str,
    log_dir: Path | None = None,
    learn: Callable[[Any], None] | None = None,
) -> InvokeServer:
    """An ``InvokeServer`` bound to ``address``; a clear ``HarnessError`` when it cannot be."""
    import errno

    host, port = address
    where = f"{host}:{port}"
    if not isinstance(port, int) or not 0 <= port <= 65535:
        raise HarnessError(f"cannot listen on {where}: a port is 0-65535; pass --port N")
    try:
        return InvokeServer(address, functions, region, log_dir, learn)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            reason = "address already in use"
        elif exc.errno == errno.EACCES:
            reason = "permission denied (ports below 1024 need privileges)"
        else:
            reason = exc.strerror or str(exc)
        raise HarnessError(f"cannot listen on {where}: {reason}; pass --port N") from None
    except OverflowError:
        raise HarnessError(f"cannot listen on {where}: a port is 0-65535; pass --port N") from None
