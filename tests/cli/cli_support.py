"""Shared constants and types for the CLI tests (fixtures live in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REPORT_SCHEMA = REPO / "smoke" / "schema" / "report.schema.json"

ProjectFactory = Callable[..., Path]


@dataclass
class Server:
    url: str
    hits: list[str] = field(default_factory=list)


HEALTHY_SUITE = """\
    suite: backend-api
    function: api
    checks:
      - name: health
        get: /health
        expect:
          status: 200
          json_schema: {type: object, required: [status]}
      - name: providers answers without auth
        get: /api/v1/providers
        expect: {status: [401, 307]}
      - name: login redirects
        get: /api/v1/login
        expect: {status: [401, 307]}
    """

BROKEN_SUITE = """\
    suite: lazy-endpoints
    function: api
    checks:
      - name: broken endpoint
        get: /broken
      - name: health again
        get: /health
        expect: {status: 200}
    """
