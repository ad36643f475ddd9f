"""JSON Schemas (draft 2020-12) shipped in the package.

``suite.schema.json`` describes ``suites/*.yaml`` and ``config.schema.json`` describes
``smoke.yaml``. Editors validate while typing with a first-line comment such as::

    # yaml-language-server: $schema=<path printed by schema_path("suite")>
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any


def _file_name(name: str) -> str:
    return name if name.endswith(".json") else f"{name}.schema.json"


@functools.lru_cache(maxsize=None)
def _schema_text(file_name: str) -> str:
    try:
        return resources.files(__name__).joinpath(file_name).read_text(encoding="utf-8")
    except FileNotFoundError:
        available = sorted(
            p.name for p in resources.files(__name__).iterdir() if p.name.endswith(".json")
        )
        raise ValueError(f"no schema {file_name!r}; available: {', '.join(available)}") from None


def load_schema(name: str) -> dict[str, Any]:
    """A fresh copy of the schema ``name`` ("suite", "config" or a file name)."""
    schema: dict[str, Any] = json.loads(_schema_text(_file_name(name)))
    return schema


def schema_path(name: str) -> Path:
    """The schema's file on disk (for ``# yaml-language-server: $schema=...``)."""
    return Path(str(resources.files(__name__).joinpath(_file_name(name))))
