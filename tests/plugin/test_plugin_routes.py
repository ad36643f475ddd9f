"""pytest collects a suite's generated routes: one item per route (examples/lazy-router)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_one_item_per_route_and_the_broken_routers_fail(pytester: pytest.Pytester) -> None:
    shutil.copytree(REPO / "examples" / "lazy-router", pytester.path, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("reports", "__pycache__"))
    skipped = pytester.runpytest("suites", "-v")  # no environment: the routes are one item
    skipped.assert_outcomes(skipped=1)
    skipped.stdout.fnmatch_lines(["*suites/routes.yaml::api-routes::routes from template SKIPPED*"])

    result = pytester.runpytest("suites", "--smoke-env", "local", "--smoke-log-wait", "5", "-v")
    result.assert_outcomes(passed=9, failed=5)  # 13 routes and the log scan
    result.stdout.fnmatch_lines([
        "*suites/routes.yaml::api-routes::GET /health PASSED*",
        "*suites/routes.yaml::api-routes::GET /api/v1/invoices/{invoice_id} FAILED*",
        "*smoke.yaml::log-scan::api FAILED*",
    ])
    assert "smoke: note: api-routes: routes with method(s) POST not checked" in result.stdout.str()
    failed = {line.split("::")[2].split(" - ")[0] for line in result.stdout.lines
              if line.startswith("FAILED suites/")}
    assert failed == {"GET /api/v1/invoices", "GET /api/v1/invoices/{invoice_id}",
                      "GET /api/v1/settings", "GET /api/v1/audit"}
