"""The lazy-router incident, caught by a suite that lists no endpoint (examples/lazy-router).

A dozen routers are imported on first request; four are mapped with repository-root import
paths. A suite holding only `routes: {from: template}` fails exactly those four on the local
runtime, sends no write, and passes once the router map is fixed. Run as a user runs it:
`python -m smoke run local` in a copy of the example.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BROKEN = {"GET /api/v1/invoices", "GET /api/v1/invoices/{invoice_id}", "GET /api/v1/settings",
          "GET /api/v1/audit"}


def smoke_run(app: Path) -> tuple[int, dict[str, object], str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "smoke", "run", "local", "--log-wait", "2"],
                          cwd=app, env=env, capture_output=True, text=True, timeout=120)
    report = json.loads((app / "reports" / "smoke-local.json").read_text())
    return done.returncode, report, done.stdout + done.stderr


def test_routes_fail_exactly_the_broken_routers_then_pass_once_fixed(tmp_path: Path) -> None:
    app = tmp_path / "lazy-router"
    shutil.copytree(REPO / "examples" / "lazy-router", app,
                    ignore=shutil.ignore_patterns("reports", "__pycache__"))
    code, report, output = smoke_run(app)
    checks = {c["name"]: c for c in report["checks"]}  # type: ignore[attr-defined]
    assert code == 1, output
    assert len(checks) == 13  # twelve routers and /health; the POST route is not sent
    failed = {name for name, c in checks.items() if c["outcome"] != "passed"}
    assert failed == BROKEN
    assert {checks[n]["status"] for n in BROKEN} == {500}
    assert checks["GET /api/v1/audit"]["source"] == "template.yaml:54 (Api event Audit)"
    findings = report["log_scan"]["findings"]  # type: ignore[index]
    assert {f["check_id"] for f in findings} == {f"api-routes::{n}" for n in BROKEN}
    log = (app / "reports" / "logs" / "ApiFunction.log").read_text()
    assert "POST" not in log and "WRITE" not in log
    assert "note: api-routes: routes with method(s) POST not checked" in output
    assert "  at suites/routes.yaml:5-6  (route from template.yaml:36 (Api event Invoices))" in output

    router_map = app / "src" / "app" / "router_map.py"
    router_map.write_text(router_map.read_text().replace('"src.app.', '"app.'))
    code, report, output = smoke_run(app)
    assert code == 0, output
    assert all(c["outcome"] == "passed" for c in report["checks"])  # type: ignore[attr-defined]
