"""SIGINT / SIGTERM during a run: stop starting checks, finish what runs, report, exit.

The first signal sets the run's stop event (the engine stops scheduling, running
checks get a short grace period, reports are written with the rest marked not run);
a second one cuts the grace period short (reports are still written); a third gives
up at once. Handlers are installed only from the main thread and
restored afterwards, so a run inside pytest or a library call leaves them alone.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

SIGNAL_EXIT = {"SIGINT": 130, "SIGTERM": 143}


class Signals:
    """SIGINT/SIGTERM: first ``stop``, then ``hurry``, then KeyboardInterrupt."""

    def __init__(self, stop: threading.Event, hurry: threading.Event | None = None) -> None:
        self.stop = stop
        self.hurry = hurry or threading.Event()
        self.received: str | None = None

    def _handle(self, signum: int, frame: Any) -> None:
        if not self.stop.is_set():
            self.received = signal.Signals(signum).name
            self.stop.set()
        elif not self.hurry.is_set():
            self.hurry.set()  # no grace period: what is still running is not run
        else:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self, enabled: bool) -> Iterator[None]:
        if not enabled or threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
