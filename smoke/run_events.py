"""Events the engine emits while a run goes on, and the handler interface.

Reporters (console, JSON, JUnit, step summary) and the pytest plugin consume
these; the engine knows nothing about output formats. A handler gets
``start()`` once, ``handle_event()`` for every event in order, and
``shutdown()`` once, also when the run is interrupted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from smoke.dataclass_code import DataclassCode
from smoke.model import Check, CheckResult, FunctionRef, ScanResult

_code = DataclassCode(__file__)  # the methods of the events below: compiled once per install


@dataclass(frozen=True)
class RunStarted:
    environment: str
    checks: tuple[Check, ...]
    started_at: float  # epoch seconds
    functions: Mapping[str, FunctionRef] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)  # versions, transport, config path


@dataclass(frozen=True)
class CheckStarted:
    check: Check


@dataclass(frozen=True)
class CheckFinished:
    result: CheckResult


@dataclass(frozen=True)
class ScanFinished:
    scan: ScanResult


@dataclass(frozen=True)
class DecisionMade:
    """What a command decided from the run, for the reports to show beside the checks.

    ``smoke scan``: ``kind="scan"``, verdict clean | findings | could not scan.
    ``smoke gate``: ``kind="gate"``, e.g. promoted | held | rolled back, with its steps.
    """

    kind: str  # "scan" | "gate"
    verdict: str
    tone: str = "ok"  # ok | bad | warn: how the reports colour it
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunFinished:
    environment: str
    results: tuple[CheckResult, ...]
    scan: ScanResult | None
    started_at: float
    finished_at: float
    exit_code: int
    interrupted: str | None = None  # "SIGINT" / "SIGTERM" / "deadline"


_code.close()
del _code

RunEvent = (
    RunStarted | CheckStarted | CheckFinished | ScanFinished | DecisionMade | RunFinished
)


class EventHandler(Protocol):
    def start(self) -> None: ...

    def handle_event(self, event: RunEvent) -> None: ...

    def shutdown(self) -> None: ...
