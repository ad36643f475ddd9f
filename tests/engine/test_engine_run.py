from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from smoke.engine import DEFAULT_CONCURRENCY, RunAborted, run_checks
from smoke.errors import CheckNotExecuted
from smoke.model import Check, Exchange, Expect, Failure, FunctionRef, Outcome, Request, Response
from smoke.run_events import CheckFinished, CheckStarted, RunEvent
from smoke.transports.http import HttpTransport


def make_check(name: str, path: str = "/health", **kw: Any) -> Check:
    return Check(suite="s", name=name, function="api", event="apigw-rest",
                 request=Request(path=path), expect=Expect(), **kw)


def no_failures(check: Check, exchange: Exchange) -> tuple[Failure, ...]:
    return ()


class Recorder:
    def __init__(self) -> None:
        self.events: list[RunEvent] = []
        self.busy = False
        self.overlapped = False

    def start(self) -> None:
        pass

    def handle_event(self, event: RunEvent) -> None:
        if self.busy:
            self.overlapped = True
        self.busy = True
        time.sleep(0.001)
        self.events.append(event)
        self.busy = False

    def shutdown(self) -> None:
        pass


class FakeTransport:
    """Sleeps ``delay_s``, then answers 200, or raises what ``plan`` says for a check name."""

    def __init__(self, delay_s: float = 0.0, plan: dict[str, BaseException] | None = None,
                 name: str = "http") -> None:
        self.delay_s = delay_s
        self.plan = plan or {}
        self.name = name
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def send(self, check: Check, function: FunctionRef | None) -> Exchange:
        with self._lock:
            self.sent.append(check.name)
        time.sleep(self.delay_s)
        if check.name in self.plan:
            raise self.plan[check.name]
        return Exchange(check.id, self.name, "fake", {}, time.time(), self.delay_s * 1000,
                        response=Response(200))

    def close(self) -> None:
        pass


def test_checks_overlap_against_a_slow_server(http_server: str) -> None:
    checks = [make_check(f"c{i}", "/slow?ms=100") for i in range(20)]
    transport = HttpTransport(http_server)
    t0 = time.perf_counter()
    try:
        results = run_checks(checks, transport, {}, [], concurrency=DEFAULT_CONCURRENCY)
    finally:
        transport.close()
    elapsed = time.perf_counter() - t0
    assert [r.outcome for r in results] == [Outcome.PASSED] * 20
    assert elapsed < 1.0, f"20 x 100 ms took {elapsed:.2f}s: checks did not overlap"
    assert [r.check.name for r in results] == [c.name for c in checks]


def test_a_crashing_transport_makes_errors_and_the_rest_pass() -> None:
    checks = [make_check(n) for n in ("a", "boom", "b", "refused", "c")]
    transport = FakeTransport(plan={"boom": RuntimeError("kaput"),
                                    "refused": CheckNotExecuted("connection reset")})
    recorder = Recorder()
    results = run_checks(checks, transport, {}, [recorder], concurrency=3, evaluate=no_failures)
    outcomes = {r.check.name: r for r in results}
    assert [r.check.name for r in results] == ["a", "boom", "b", "refused", "c"]
    assert outcomes["boom"].outcome is Outcome.ERROR
    assert "RuntimeError: kaput" in (outcomes["boom"].error or "")
    assert outcomes["refused"].outcome is Outcome.ERROR
    assert "connection reset" in (outcomes["refused"].error or "")
    assert all(outcomes[n].outcome is Outcome.PASSED for n in "abc")
    started = [e for e in recorder.events if isinstance(e, CheckStarted)]
    finished = [e for e in recorder.events if isinstance(e, CheckFinished)]
    assert len(started) == len(finished) == 5
    assert not recorder.overlapped


def test_failures_from_the_verdict_make_a_failed_result() -> None:
    def status_failure(check: Check, exchange: Exchange) -> tuple[Failure, ...]:
        return (Failure("status", "wrong status", "500", "200"),)

    results = run_checks([make_check("x")], FakeTransport(), {}, [], concurrency=1,
                         evaluate=status_failure)
    assert results[0].outcome is Outcome.FAILED
    assert results[0].failures[0].kind == "status"


def test_a_crashing_verdict_is_an_error_not_a_pass() -> None:
    def crash(check: Check, exchange: Exchange) -> tuple[Failure, ...]:
        raise ValueError("bad verdict")

    results = run_checks([make_check("x")], FakeTransport(), {}, [], concurrency=1, evaluate=crash)
    assert results[0].outcome is Outcome.ERROR
    assert "bad verdict" in (results[0].error or "")


def test_stop_event_marks_the_rest_not_run() -> None:
    checks = [make_check(f"c{i}") for i in range(10)]
    stop = threading.Event()

    class StopAtTheSecond(FakeTransport):  # a signal while two checks are running
        def send(self, check: Check, function: FunctionRef | None) -> Exchange:
            with self._lock:
                if len(self.sent) == 1:
                    stop.set()
            return super().send(check, function)

    transport = StopAtTheSecond(delay_s=0.2)
    recorder = Recorder()
    results = run_checks(checks, transport, {}, [recorder], concurrency=2, stop=stop,
                         evaluate=no_failures)
    passed = [r for r in results if r.outcome is Outcome.PASSED]
    not_run = [r for r in results if r.outcome is Outcome.NOT_RUN]
    assert len(passed) == 2  # the two running ones finished within the grace period
    assert len(not_run) == 8
    assert all("interrupted" in (r.error or "") for r in not_run)
    assert len(transport.sent) == 2
    assert len([e for e in recorder.events if isinstance(e, CheckFinished)]) == 10


def test_deadline_stops_scheduling() -> None:
    checks = [make_check(f"c{i}") for i in range(10)]
    transport = FakeTransport(delay_s=0.1)
    results = run_checks(checks, transport, {}, [], concurrency=1, deadline_s=0.25,
                         evaluate=no_failures)
    outcomes = [r.outcome for r in results]
    assert outcomes[0] is Outcome.PASSED
    assert Outcome.NOT_RUN in outcomes
    assert 2 <= outcomes.count(Outcome.PASSED) <= 4
    assert all("deadline of 0.25s" in (r.error or "") for r in results if r.outcome is Outcome.NOT_RUN)


def test_checks_still_running_after_the_grace_period_are_not_run() -> None:
    transport = FakeTransport(delay_s=1.0)
    stop = threading.Event()
    threading.Timer(0.05, stop.set).start()
    t0 = time.perf_counter()
    results = run_checks([make_check("slow")], transport, {}, [], concurrency=1, stop=stop,
                         grace_s=0.2, evaluate=no_failures)
    assert time.perf_counter() - t0 < 0.8
    assert results[0].outcome is Outcome.NOT_RUN
    assert "grace period" in (results[0].error or "")


def test_hurry_cuts_the_grace_period_short() -> None:
    transport = FakeTransport(delay_s=2.0)
    stop, hurry = threading.Event(), threading.Event()
    threading.Timer(0.05, stop.set).start()
    threading.Timer(0.15, hurry.set).start()  # the second Ctrl-C
    t0 = time.perf_counter()
    results = run_checks([make_check("slow")], transport, {}, [], concurrency=1, stop=stop,
                         grace_s=1.5, evaluate=no_failures, hurry=hurry)
    assert time.perf_counter() - t0 < 0.6  # not the 1.5 s grace period
    assert results[0].outcome is Outcome.NOT_RUN


def test_a_fatal_error_stops_the_run_and_is_raised_after_recording() -> None:
    checks = [make_check(f"c{i}") for i in range(6)]
    transport = FakeTransport(plan={"c0": CheckNotExecuted("expired credentials", fatal=True)})
    recorder = Recorder()
    with pytest.raises(RunAborted) as info:
        run_checks(checks, transport, {}, [recorder], concurrency=1, evaluate=no_failures)
    results = info.value.results
    assert info.value.exit_code == 3
    assert results[0].outcome is Outcome.ERROR
    assert "expired credentials" in (results[0].error or "")
    assert {r.outcome for r in results[1:]} == {Outcome.NOT_RUN}
    assert transport.sent == ["c0"]
    assert len([e for e in recorder.events if isinstance(e, CheckFinished)]) == 6


def test_invoke_checks_need_a_discovered_function() -> None:
    transport = FakeTransport(name="invoke")
    ref = FunctionRef(logical="api", name="prod-api-123")
    checks = [make_check("known"), Check(suite="s", name="unknown", function="worker",
                                         event="raw", request=Request(), expect=Expect())]
    results = run_checks(checks, transport, {"api": ref}, [], concurrency=2, evaluate=no_failures)
    assert results[0].outcome is Outcome.PASSED
    assert results[1].outcome is Outcome.ERROR
    assert "'worker' was not discovered" in (results[1].error or "")
    assert transport.sent == ["known"]


class SlowHandler(Recorder):
    """Takes 50 ms per event and notes which thread called it."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: set[str] = set()

    def handle_event(self, event: RunEvent) -> None:
        self.threads.add(threading.current_thread().name)
        time.sleep(0.05)
        self.events.append(event)


def test_a_slow_handler_does_not_hold_back_the_checks() -> None:
    """Workers take their next check themselves: none waits for the events to be handled
    (it used to wait for the main thread to emit the previous check's CheckFinished)."""
    checks = [make_check(f"c{i}") for i in range(10)]
    handler = SlowHandler()

    class Counting(FakeTransport):
        handled_when_sent: list[int] = []

        def send(self, check: Check, function: FunctionRef | None) -> Exchange:
            done = sum(isinstance(e, CheckFinished) for e in handler.events)
            self.handled_when_sent.append(done)
            return super().send(check, function)

    transport = Counting()
    results = run_checks(checks, transport, {}, [handler], concurrency=2, evaluate=no_failures)
    assert [r.outcome for r in results] == [Outcome.PASSED] * 10
    # every check went out before the handler (1 s for 20 events) got through half of them
    assert max(transport.handled_when_sent) < 5, transport.handled_when_sent
    # events: on the caller's thread only, each check's CheckStarted before its CheckFinished
    assert handler.threads == {threading.current_thread().name}
    order = [(type(e).__name__, e.check.name if isinstance(e, CheckStarted) else e.result.check.name)
             for e in handler.events]
    for check in checks:
        assert order.index(("CheckStarted", check.name)) < order.index(("CheckFinished", check.name))
    assert len(order) == 20
