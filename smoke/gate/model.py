"""What the gate decides about: targets (function + alias + versions) and decisions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

HELD = "held"
PROMOTED = "promoted"
ROLLED_BACK = "rolled back"
RESTORED = "restored"
UNCHANGED = "unchanged"
SKIPPED = "skipped"
PLANNED = "planned"  # --dry-run
FAILED_DECISIONS = frozenset({HELD, ROLLED_BACK, RESTORED})


@dataclass(frozen=True)
class GateOptions:
    environment: str
    suites: tuple[str, ...] = ()
    config_path: str = "smoke.yaml"
    tags: tuple[str, ...] = ()
    versions: Mapping[str | None, str] = field(default_factory=dict)  # --version N / FN=N
    canary_percent: float | None = None
    canary_s: float = 0.0
    canary_interval_s: float = 60.0
    dry_run: bool = False
    allow_mutations: bool = False
    log_scan: bool = True
    log_wait_s: float = 10.0
    concurrency: int | None = None
    report_dir: str = "reports"
    json_path: str | None = None
    junit_path: str | None = None
    html_path: str | None = None


@dataclass(frozen=True)
class Target:
    """One gated function: its alias, where the alias points now, and the candidate."""

    logical: str
    name: str  # physical function name
    alias: str
    current: str  # the alias's version before the gate
    routing: Mapping[str, float] = field(default_factory=dict)  # its weights before the gate
    candidate: str | None = None  # None: nothing to gate
    why: str = ""  # why there is no candidate


@dataclass(frozen=True)
class Decision:
    """What the gate did with one function's alias, and why."""

    function: str  # logical name
    name: str  # physical name
    alias: str
    from_version: str | None  # where the alias pointed before the gate
    to_version: str | None  # the candidate it was to point at (the current one if none)
    decision: str  # held | promoted | rolled back | restored | unchanged | skipped | planned
    why: str
    phase: str = ""  # the phase that decided

    @property
    def failed(self) -> bool:
        return self.decision in FAILED_DECISIONS
