"""The engine: run checks concurrently, judge each exchange, emit events.

Sync only: a ``ThreadPoolExecutor`` sized for network-bound work. The engine
knows nothing about output formats; it emits ``CheckStarted`` and
``CheckFinished`` to handlers (one at a time, under a lock) and returns the
results in the plan's order.

A check that could not be executed (``CheckNotExecuted``, or any unexpected
exception) is an ERROR result, never a pass, and never stops the other checks.
When the ``stop`` event is set (SIGINT/SIGTERM) or the deadline passes, no new
check starts, running ones get a short grace period, and the rest become
NOT_RUN results. A *fatal* ``CheckNotExecuted`` (credentials, unreachable
endpoint) stops scheduling too, and ``RunAborted`` (a ``HarnessError``) is
raised once every result is recorded.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from smoke.errors import CheckNotExecuted, HarnessError
from smoke.model import Check, CheckResult, Exchange, Failure, FunctionRef, Outcome
from smoke.run_events import CheckFinished, CheckStarted, EventHandler, RunEvent
from smoke.transports import Transport

DEFAULT_CONCURRENCY = 16  # network-bound: threads mostly wait on sockets
GRACE_S = 2.0  # how long running checks may finish after a stop or the deadline
_POLL_S = 0.05

Evaluate = Callable[[Check, Exchange], tuple[Failure, ...]]


class RunAborted(HarnessError):
    """A fatal ``CheckNotExecuted`` stopped the run; ``results`` holds every check's result."""

    def __init__(self, message: str, results: list[CheckResult]) -> None:
        super().__init__(message)
        self.results = results


def _default_evaluate(check: Check, exchange: Exchange) -> tuple[Failure, ...]:
    from smoke.verdicts import evaluate

    return evaluate(check, exchange)


def execute_check(
    check: Check,
    transport: Transport,
    functions: Mapping[str, FunctionRef],
    evaluate: Evaluate = _default_evaluate,
    unavailable: Mapping[str, str] | None = None,
) -> CheckResult:
    """Send one check and judge it. Raises only a *fatal* ``CheckNotExecuted``.

    ``unavailable`` maps a logical function to why it cannot run (the local runtime
    refuses an Image function, say): its checks are errors with that reason."""
    if unavailable and check.function in unavailable:
        return CheckResult(check, Outcome.ERROR, error=unavailable[check.function])
    function = functions.get(check.function)
    if function is None and transport.name != "http":
        return CheckResult(
            check, Outcome.ERROR, error=f"function {check.function!r} was not discovered"
        )
    try:
        exchange = transport.send(check, function)
    except CheckNotExecuted as exc:
        if exc.fatal:
            raise
        return CheckResult(check, Outcome.ERROR, error=f"not executed: {exc}",
                           not_executed_by_aws=exc.by_aws)
    except Exception as exc:
        return CheckResult(check, Outcome.ERROR, error=f"transport crashed: {_describe(exc)}")
    try:
        failures = tuple(evaluate(check, exchange))
    except Exception as exc:
        return CheckResult(
            check, Outcome.ERROR, exchange, error=f"verdict crashed: {_describe(exc)}"
        )
    outcome = Outcome.FAILED if failures else Outcome.PASSED
    return CheckResult(check, outcome, exchange, failures)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _Emitter:
    def __init__(self, handlers: Sequence[EventHandler]) -> None:
        self._handlers = handlers
        self._lock = threading.Lock()

    def __call__(self, event: RunEvent) -> None:
        with self._lock:
            for handler in self._handlers:
                handler.handle_event(event)


def run_checks(
    checks: Sequence[Check],
    transport: Transport,
    functions: Mapping[str, FunctionRef],
    handlers: Sequence[EventHandler],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    deadline_s: float | None = None,
    stop: threading.Event | None = None,
    grace_s: float = GRACE_S,
    evaluate: Evaluate = _default_evaluate,
    hurry: threading.Event | None = None,
    unavailable: Mapping[str, str] | None = None,
) -> list[CheckResult]:
    """Run ``checks``; results in the same order. See the module docstring."""
    emit = _Emitter(handlers)
    stop = stop or threading.Event()
    deadline = time.monotonic() + deadline_s if deadline_s is not None else None
    results: dict[int, CheckResult] = {}
    running: dict[Future[CheckResult], int] = {}
    finished: queue.SimpleQueue[Future[CheckResult]] = queue.SimpleQueue()
    fatal: CheckNotExecuted | None = None
    halted: str | None = None  # why scheduling stopped
    next_index = 0
    limit = max(1, concurrency)
    executor = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="smoke-check")

    def collect(timeout: float) -> None:
        """Record the checks that finished: O(1) per check (a completion queue, not
        ``wait()`` over every running future each time one finishes)."""
        nonlocal fatal
        try:
            future = finished.get(timeout=timeout)
        except queue.Empty:
            return
        while True:
            index = running.pop(future, None)
            if index is not None:
                check = checks[index]
                try:
                    result = future.result()
                except CheckNotExecuted as exc:  # fatal: record, then stop scheduling
                    fatal = fatal or exc
                    result = CheckResult(check, Outcome.ERROR, error=f"not executed: {exc}")
                except BaseException as exc:  # defensive: execute_check catches Exceptions
                    result = CheckResult(check, Outcome.ERROR, error=f"crashed: {_describe(exc)}")
                results[index] = result
                emit(CheckFinished(result))
            try:
                future = finished.get_nowait()
            except queue.Empty:
                return

    try:
        while next_index < len(checks) or running:
            if halted is None:
                if fatal is not None:
                    halted = f"not run: the run stopped: {fatal}"
                elif stop.is_set():
                    halted = "not run: the run was interrupted"
                elif deadline is not None and time.monotonic() >= deadline:
                    halted = f"not run: the deadline of {deadline_s:g}s passed"
            if halted is not None:
                break
            while next_index < len(checks) and len(running) < limit:
                check = checks[next_index]
                emit(CheckStarted(check))
                future = executor.submit(
                    execute_check, check, transport, functions, evaluate, unavailable
                )
                running[future] = next_index
                future.add_done_callback(finished.put)
                next_index += 1
            collect(_POLL_S)
        if running:  # stopped with checks in flight: a short grace period
            grace_end = time.monotonic() + grace_s
            while running and time.monotonic() < grace_end and not (hurry and hurry.is_set()):
                collect(min(_POLL_S, max(0.0, grace_end - time.monotonic())))
            for future, index in list(running.items()):
                future.cancel()
                result = CheckResult(
                    checks[index], Outcome.NOT_RUN,
                    error=f"{halted or 'not run'} (still running after a {grace_s:g}s grace period)",
                )
                results[index] = result
                emit(CheckFinished(result))
            running.clear()
        for index in range(next_index, len(checks)):
            result = CheckResult(checks[index], Outcome.NOT_RUN, error=halted or "not run")
            results[index] = result
            emit(CheckFinished(result))
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    ordered = [results[i] for i in range(len(checks))]
    if fatal is not None:
        raise RunAborted(str(fatal), ordered)
    return ordered
