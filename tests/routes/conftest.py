"""Fixtures for routes: a project directory with smoke.yaml, suites and sources."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from routes_support import Write


@pytest.fixture()
def write(tmp_path: Path) -> Write:
    def make(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return make
