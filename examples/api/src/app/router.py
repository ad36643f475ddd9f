"""Lazy router: endpoint modules are imported on their first request, not at init.

The route table lives in a module named by ``ROUTES_MODULE`` (default ``app.routes``), so
a broken variant of this app can point at a table with wrong import paths.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

_loaded: dict[str, ModuleType] = {}


def routes() -> dict[str, str]:
    table = importlib.import_module(os.environ.get("ROUTES_MODULE", "app.routes"))
    return dict(table.ROUTES)


def resolve(path: str) -> ModuleType | None:
    module_name = routes().get(path.rstrip("/"))
    if module_name is None:
        return None
    if module_name not in _loaded:
        _loaded[module_name] = importlib.import_module(module_name)
    return _loaded[module_name]
