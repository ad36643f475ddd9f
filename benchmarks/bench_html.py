"""The HTML report of a large run: 10,000 checks (10 failing), against the JSON report.

Both reporters get the same events (with a secret to redact, as in a real run) and write
their file once; the benchmark prints the median of the runs of each, the ratio, and the
HTML file's size. Target: the HTML report within 3x the JSON report's time. Then the
JUnit report's time, and the per-check cost of the events in all five reporters of a
CI run (console, JSON, JUnit, HTML, step summary) sharing one redactor, as the CLI builds
them (target: well under 0.1 ms per check). CPU time of this process (``process_time``).
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401  (puts the checkout on sys.path)

from smoke.model import (
    Check,
    CheckResult,
    Exchange,
    Expect,
    Failure,
    FunctionRef,
    LambdaMetrics,
    Location,
    Outcome,
    Request,
    Response,
)
from smoke.redact import Redactor
from smoke.reporters import build_reporters
from smoke.reporters.html import HtmlReporter
from smoke.reporters.json_report import JsonReporter
from smoke.reporters.junit import JUnitReporter
from smoke.run_events import CheckFinished, RunEvent, RunFinished, RunStarted

TARGET_RATIO = 3.0


def events(n: int) -> list[RunEvent]:
    fn = FunctionRef("api", "prod-Api-X1", arn="arn:aws:lambda:us-east-1:1:function:prod-Api-X1",
                     log_group="/aws/lambda/prod-Api-X1")
    results = []
    for i in range(n):
        check = Check("big", f"check {i}", "api", "apigw-rest",
                      Request(path=f"/items/{i}", headers={"Authorization": "Bearer tok-123456"}),
                      Expect(), location=Location("suites/big.yaml", i + 4, i + 6))
        bad = i % 1000 == 999
        body = b'{"message": "Internal server error"}' if bad else b'{"id": %d, "ok": true}' % i
        ex = Exchange(check.id, "invoke", fn.name, {"headers": dict(check.request.headers)},
                      1_700_000_000.0 + (i // 16) * 0.05, 48.0,
                      response=Response(500 if bad else 200, {"content-type": "application/json"},
                                        body),
                      request_id=f"{i:08d}-0000-4000-8000-000000000000",
                      metrics=LambdaMetrics(12.0, 13.0, 256, 80, 300.0 if i < 16 else None))
        failures = (Failure("status", "expected status 2xx, got 500", "2xx", "500"),) if bad else ()
        results.append(CheckResult(check, Outcome.FAILED if bad else Outcome.PASSED, ex, failures))
    meta = {"transport": "invoke", "aws_console": True, "region": "us-east-1"}
    return [RunStarted("prod", tuple(r.check for r in results), 1_700_000_000.0, {"api": fn}, meta),
            *(CheckFinished(r) for r in results),
            RunFinished("prod", tuple(results), None, 1_700_000_000.0, 1_700_000_040.0, 1)]


def timed(cls: type[JsonReporter] | type[HtmlReporter] | type[JUnitReporter], path: Path,
          evs: list[RunEvent]) -> float:
    reporter = cls(path, Redactor(["tok-123456"]))
    for event in evs:
        reporter.handle_event(event)
    start = time.process_time()
    reporter.shutdown()
    return time.process_time() - start


def per_check(tmp: Path, evs: list[RunEvent]) -> float:
    """Seconds per check of every event through the five reporters of a CI run."""
    handlers = build_reporters(Redactor(["tok-123456"]), json_path=tmp / "e.json",
                               junit_path=tmp / "e.xml", console=io.StringIO(),
                               html_path=tmp / "e.html", step_summary_path=tmp / "e.md")
    start = time.process_time()
    for event in evs[:-1]:
        for handler in handlers:
            handler.handle_event(event)
    return (time.process_time() - start) / max(1, len(evs) - 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checks", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    evs = events(args.checks)
    with tempfile.TemporaryDirectory() as tmp:
        html_path, json_path = Path(tmp) / "r.html", Path(tmp) / "r.json"
        timed(HtmlReporter, html_path, evs)  # warm-up: imports, the template's compilation
        html = [timed(HtmlReporter, html_path, evs) for _ in range(args.runs)]
        json_ = [timed(JsonReporter, json_path, evs) for _ in range(args.runs)]
        junit = [timed(JUnitReporter, Path(tmp) / "r.xml", evs) for _ in range(args.runs)]
        per_event = [per_check(Path(tmp), evs) for _ in range(args.runs)]
        size = html_path.stat().st_size
    h, j = statistics.median(html), statistics.median(json_)
    ratio = h / j
    print(f"{args.checks} checks: HTML report {h * 1000:.0f} ms (median of {args.runs}), "
          f"{size / 1e6:.1f} MB; JSON report {j * 1000:.0f} ms; HTML/JSON {ratio:.2f}x "
          f"(target <= {TARGET_RATIO:g}x){'' if ratio <= TARGET_RATIO else '  MISSED'}")
    print(f"  JUnit report {statistics.median(junit) * 1000:.0f} ms; events through console, JSON, "
          f"JUnit, HTML and step summary: {statistics.median(per_event) * 1e6:.1f} us per check")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
