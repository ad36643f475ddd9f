"""Sandboxes of one function, scaled out like Lambda: one process per concurrent invocation.

Lambda runs concurrent invocations of a function in separate execution environments,
each with its own cold start, and reuses a warm one when it is free. Locally:

- ``Concurrency`` is a function's cap: in-flight invocations (running or cold-starting)
  never exceed its ``limit`` (``ReservedConcurrentExecutions``, else the local limit).
  Every pool of the function shares it, as Lambda's reserved concurrency is shared by
  all versions of a function.
- ``SandboxPool`` holds the sandboxes of one code snapshot (``$LATEST``, or one published
  version: another pool over the same ``Concurrency``). ``acquire`` hands out the most
  recently used idle sandbox, else starts a new one while under the cap, else waits for
  one to be released. A wait that outlasts ``wait_s`` is ``Throttled``: the invocation
  never ran, so the Invoke API answers 429 ``TooManyRequestsException`` and the invoke
  transport sends it again. No invocation is dropped.
- ``close`` kills every sandbox of the pool, idle or busy, and wakes every waiter.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol


class PoolSandbox(Protocol):
    """What the pool needs of a sandbox (``smoke.local.process.Sandbox``)."""

    @property
    def alive(self) -> bool: ...

    def close(self) -> None: ...


class Throttled(Exception):
    """No sandbox became free in time: the invocation did not run."""

    def __init__(self, reason: str, limit: int) -> None:
        super().__init__(f"{reason} (limit {limit})")
        self.reason = reason
        self.limit = limit


class PoolClosed(RuntimeError):
    """The local runtime is shutting down."""


class Concurrency:
    """A function's concurrency cap, shared by all its pools."""

    def __init__(self, limit: int, *, reserved: bool = False) -> None:
        self.limit = max(0, limit)
        self.reserved = reserved  # the cap is the function's ReservedConcurrentExecutions
        self.in_flight = 0
        self.cond = threading.Condition()

    @property
    def reason(self) -> str:
        """Lambda's ``Reason`` for a throttle by this cap."""
        if self.reserved:
            return "ReservedFunctionConcurrentInvocationLimitExceeded"
        return "ConcurrentInvocationLimitExceeded"


class SandboxPool:
    """The sandboxes of one function snapshot; see the module docstring."""

    def __init__(self, start: Callable[[], PoolSandbox], concurrency: Concurrency) -> None:
        self._start = start
        self.concurrency = concurrency
        self._idle: list[PoolSandbox] = []  # the last released is reused first
        self._busy: set[PoolSandbox] = set()
        self._closed = False
        self.started = 0  # sandboxes started so far (cold starts)

    @property
    def size(self) -> int:
        """Sandboxes alive or in use right now."""
        with self.concurrency.cond:
            return len(self._idle) + len(self._busy)

    def sandboxes(self) -> list[PoolSandbox]:
        """The pool's sandboxes right now, busy ones first."""
        with self.concurrency.cond:
            return [*self._busy, *reversed(self._idle)]

    def acquire(self, wait_s: float | None) -> PoolSandbox:
        """A sandbox for one invocation; ``release`` it afterwards.

        ``wait_s`` bounds the wait for a free slot (None: wait until one is free or the
        pool closes). Raises ``Throttled`` or ``PoolClosed``; the invocation did not run.
        """
        limiter = self.concurrency
        deadline = None if wait_s is None else time.monotonic() + wait_s
        dead: list[PoolSandbox] = []
        try:
            with limiter.cond:
                while True:
                    if self._closed:
                        raise PoolClosed("the local runtime is shutting down")
                    if limiter.limit == 0:
                        raise Throttled(limiter.reason, 0)
                    if limiter.in_flight < limiter.limit:
                        break
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        raise Throttled(limiter.reason, limiter.limit)
                    limiter.cond.wait(remaining)
                limiter.in_flight += 1
                while self._idle:
                    sandbox = self._idle.pop()
                    if sandbox.alive:
                        self._busy.add(sandbox)
                        return sandbox
                    dead.append(sandbox)
        finally:
            for sandbox in dead:
                sandbox.close()
        return self._start_new()

    def _start_new(self) -> PoolSandbox:
        limiter = self.concurrency
        try:
            sandbox = self._start()  # outside the lock: other invocations go on meanwhile
        except BaseException:
            with limiter.cond:
                limiter.in_flight -= 1
                limiter.cond.notify_all()
            raise
        with limiter.cond:
            self.started += 1
            closed = self._closed
            if not closed:
                self._busy.add(sandbox)
            else:
                limiter.in_flight -= 1
                limiter.cond.notify_all()
        if closed:  # close() ran while this process started
            sandbox.close()
            raise PoolClosed("the local runtime is shutting down")
        return sandbox

    def release(self, sandbox: PoolSandbox) -> None:
        """The invocation is over: keep the sandbox warm, or drop it when it died."""
        limiter = self.concurrency
        with limiter.cond:
            known = sandbox in self._busy
            self._busy.discard(sandbox)
            keep = known and not self._closed and sandbox.alive
            if keep:
                self._idle.append(sandbox)
            if known:
                limiter.in_flight -= 1
                limiter.cond.notify_all()
        if not keep:
            sandbox.close()

    def close(self) -> None:
        """Kill every sandbox now, busy ones included (their invocations end as killed)."""
        limiter = self.concurrency
        with limiter.cond:
            self._closed = True
            sandboxes = [*self._idle, *self._busy]
            limiter.in_flight -= len(self._busy)  # their release() will find them gone
            self._idle.clear()
            self._busy.clear()
            limiter.cond.notify_all()
        for sandbox in sandboxes:
            sandbox.close()
