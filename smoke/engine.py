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
from concurrent.futures import ThreadPoolExecutor

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
    from smoke.verdicts import evaluate  # on first use: smoke.verdicts imports json and re

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


class _Gate:
    """Hands out the plan's checks, in order, to the worker threads: each worker takes
    its next check itself as soon as it is free, so no check waits for the main thread
    (a round trip through it cost two thread wake-ups, each up to a GIL switch interval,
    per check). ``close()`` stops handing out; ``taken`` is final once closed."""

    def __init__(self, total: int, stop: threading.Event, deadline: float | None) -> None:
        self.total = total
        self.taken = 0
        self.closed = False
        self._stop = stop
        self._deadline = deadline
        self._lock = threading.Lock()

    def take(self) -> int | None:
        with self._lock:
            if self.closed or self.taken >= self.total:
                return None
            if self._stop.is_set() or (
                self._deadline is not None and time.monotonic() >= self._deadline
            ):
                self.closed = True  # the main thread says why (interrupted, deadline)
                return None
            index = self.taken
            self.taken += 1
            return index

    def close(self) -> int:
        with self._lock:
            self.closed = True
            return self.taken


_STARTED = object()  # a worker took a check: the main thread emits CheckStarted


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
    """Run ``checks``; results in the same order. See the module docstring.

    ``concurrency`` worker threads each take the next check of the plan as soon as they
    are free; the main thread only emits the events (in the order the workers report
    them: a check's ``CheckStarted`` before its ``CheckFinished``), so handlers run one
    at a time on one thread, and watches for a stop, the deadline and a fatal error.
    """
    emit = _Emitter(handlers)
    stop = stop or threading.Event()
    deadline = time.monotonic() + deadline_s if deadline_s is not None else None
    total = len(checks)
    results: dict[int, CheckResult] = {}
    reports: queue.SimpleQueue[tuple[int, object]] = queue.SimpleQueue()
    gate = _Gate(total, stop, deadline)
    fatal: CheckNotExecuted | None = None
    halted: str | None = None  # why handing out checks stopped
    announced: set[int] = set()  # CheckStarted emitted
    opened = threading.Event()  # every worker thread is up: the first checks may go

    def work() -> None:
        opened.wait()
        while (index := gate.take()) is not None:
            reports.put((index, _STARTED))
            outcome: object
            try:
                outcome = execute_check(checks[index], transport, functions, evaluate, unavailable)
            except CheckNotExecuted as exc:  # fatal: nothing more is handed out
                gate.close()
                outcome = exc
            except BaseException as exc:  # defensive: execute_check catches Exceptions
                outcome = exc
            reports.put((index, outcome))

    def announce(index: int) -> None:
        if index not in announced:
            announced.add(index)
            emit(CheckStarted(checks[index]))

    def record(index: int, outcome: object) -> None:
        nonlocal fatal
        if index in results:  # reported after the grace period: already NOT_RUN
            return
        check = checks[index]
        announce(index)
        if outcome is _STARTED:
            return
        if isinstance(outcome, CheckResult):
            result = outcome
        elif isinstance(outcome, CheckNotExecuted):  # fatal: record, then stop
            fatal = fatal or outcome
            result = CheckResult(check, Outcome.ERROR, error=f"not executed: {outcome}")
        else:
            assert isinstance(outcome, BaseException)
            result = CheckResult(check, Outcome.ERROR, error=f"crashed: {_describe(outcome)}")
        results[index] = result
        emit(CheckFinished(result))

    def collect(timeout: float) -> None:
        """Record what the workers reported: wait up to ``timeout`` for the first."""
        try:
            index, outcome = reports.get(timeout=timeout)
        except queue.Empty:
            return
        while True:
            record(index, outcome)
            try:
                index, outcome = reports.get_nowait()
            except queue.Empty:
                return

    workers = min(max(1, concurrency), total)
    executor = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="smoke-check")
    try:
        # start every thread before the first check goes: a thread start waits for the
        # new thread to run, which, once a check is busy on the GIL, takes up to a switch
        # interval (5 ms) each: the 16th first request went out 65-175 ms late
        for _ in range(workers):
            executor.submit(work)
        opened.set()
        while len(results) < total:
            if fatal is not None:
                halted = f"not run: the run stopped: {fatal}"
            elif stop.is_set():
                halted = "not run: the run was interrupted"
            elif deadline is not None and time.monotonic() >= deadline:
                halted = f"not run: the deadline of {deadline_s:g}s passed"
            if halted is not None:
                break
            collect(_POLL_S)
        taken = gate.close()
        running = [i for i in range(taken) if i not in results]
        if running:  # stopped with checks in flight: a short grace period
            grace_end = time.monotonic() + grace_s
            while (
                any(i not in results for i in running)
                and time.monotonic() < grace_end
                and not (hurry and hurry.is_set())
            ):
                collect(min(_POLL_S, max(0.0, grace_end - time.monotonic())))
            for index in running:
                if index in results:
                    continue
                announce(index)
                result = CheckResult(
                    checks[index], Outcome.NOT_RUN,
                    error=f"{halted or 'not run'} (still running after a {grace_s:g}s grace period)",
                )
                results[index] = result
                emit(CheckFinished(result))
        for index in range(taken, total):
            result = CheckResult(checks[index], Outcome.NOT_RUN, error=halted or "not run")
            results[index] = result
            emit(CheckFinished(result))
    finally:
        gate.close()
        opened.set()
        executor.shutdown(wait=False, cancel_futures=True)
    ordered = [results[i] for i in range(total)]
    if fatal is not None:
        raise RunAborted(str(fatal), ordered)
    return ordered
