"""Helpers for the routes tests: load a project's plan as `smoke run` / `smoke list` do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from smoke.loading.plan import Plan
from smoke.model import Check
from smoke.runner import RunOptions, load_plan

Write = Callable[[str, str], Path]  # the `write` fixture: (relative path, text) -> path


def plan_of(config: Path, env: str = "local", **kw: object) -> Plan:
    return load_plan(RunOptions(env, config_path=str(config), **kw))[1]  # type: ignore[arg-type]


def by_name(checks: tuple[Check, ...] | list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}
