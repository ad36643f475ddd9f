"""smoke's own CPU per check, outside HTTP: the engine, the verdicts, the events and the
reporters' handling of them, over an in-memory httpx transport.

In one process, alternating, ``--runs`` times each (medians of CPU time, all threads):

- **bare**: a sequential loop of the same ``HttpTransport.send`` calls (the same checks,
  the same ``httpx.MockTransport``): the HTTP client's own cost, the reference;
- **smoke**: ``Runner.run`` of the same checks (mutation guard, redaction learning, the
  engine at ``--concurrency``, verdicts, ``CheckStarted``/``CheckFinished`` through the
  console, JSON, JUnit and HTML reporters), with the report files' writing left out
  (``shutdown``: ``bench_html.py`` and ``bench_run.py`` measure it) and the suites loaded
  beforehand (``bench_start.py``, ``bench_routes.py``).

smoke's own cost per check is (smoke - bare) / checks. ``--cookies``: every response sets
a new session cookie (each one a new secret the redaction learns).

    .venv/bin/python benchmarks/bench_engine.py [--checks 10000] [--concurrency 16] [--runs 3]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import write_project

TARGET_US = 1000.0  # "well under a millisecond"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cookies", action="store_true", help="a new Set-Cookie per response")
    parser.add_argument("--schema", action="store_true", help="every check has a json_schema")
    args = parser.parse_args()

    import httpx

    from smoke import runner
    from smoke.redact import Redactor
    from smoke.reporters import build_reporters
    from smoke.transports import http as http_transport

    counter = itertools.count()

    def answer(request: httpx.Request) -> httpx.Response:
        headers = [("content-type", "application/json")]
        if args.cookies:
            headers.append(("set-cookie", f"session={next(counter):012x}; Path=/; HttpOnly"))
        return httpx.Response(200, headers=headers, content=b'{"status":"ok"}')

    real_init = http_transport.HttpTransport.__init__

    def in_memory(self: Any, base_url: str, **kwargs: Any) -> None:
        kwargs["transport"] = httpx.MockTransport(answer)
        real_init(self, base_url, **kwargs)

    http_transport.HttpTransport.__init__ = in_memory  # type: ignore[method-assign]

    with tempfile.TemporaryDirectory() as tmp:
        root = write_project(Path(tmp), "http://127.0.0.1:9", args.checks,
                             per_file=1000, schema=args.schema)
        options = runner.RunOptions("bench", config_path=str(root / "smoke.yaml"),
                                    concurrency=args.concurrency, handle_signals=False)
        config, plan = runner.load_plan(options)
        checks = plan.checks
        runner.load_plan = lambda _options: (config, plan)  # type: ignore[assignment]
        base_url = plan.environment.base_url or ""

        def bare() -> float:
            transport = http_transport.HttpTransport(base_url)
            try:
                t0 = time.process_time()
                for check in checks:
                    transport.send(check)
                return time.process_time() - t0
            finally:
                transport.close()

        def smoke(n: int) -> float:
            out = Path(tmp) / f"reports-{n}"
            redactor = Redactor()
            with open(os.devnull, "w", encoding="utf-8") as console:
                handlers = build_reporters(
                    redactor, json_path=out / "r.json", junit_path=out / "r.xml",
                    html_path=out / "r.html", console=console)
                for handler in handlers:  # the reports' writing is measured elsewhere
                    handler.shutdown = lambda: None  # type: ignore[method-assign]
                t0 = time.process_time()
                outcome = runner.Runner(options, handlers, redactor=redactor).run()
                spent = time.process_time() - t0
            if outcome.exit_code != 0 or len(outcome.results) != len(checks):
                raise SystemExit(f"the run failed: exit {outcome.exit_code}, {outcome.message}")
            return spent

        bare()  # warm up: imports, the first client
        smoke(-1)
        bares: list[float] = []
        smokes: list[float] = []
        for n in range(args.runs):
            bares.append(bare())
            smokes.append(smoke(n))

    n = len(checks)
    bare_us = statistics.median(bares) / n * 1e6
    smoke_us = statistics.median(smokes) / n * 1e6
    own = smoke_us - bare_us
    kind = ", a new Set-Cookie per response" if args.cookies else ""
    kind += ", json_schema on every check" if args.schema else ""
    print(f"{n} checks, in-memory httpx transport, concurrency {args.concurrency}{kind} "
          f"(CPU, median of {args.runs}, alternating)")
    print(f"  bare HttpTransport.send loop: {bare_us:8.1f} us per check   "
          f"runs: {', '.join(f'{b:.2f}' for b in bares)} s")
    print(f"  smoke (Runner.run, reports' writing left out): {smoke_us:8.1f} us per check   "
          f"runs: {', '.join(f'{s:.2f}' for s in smokes)} s")
    print(f"  smoke's own: {own:.1f} us per check ({smoke_us / bare_us:.2f}x the bare loop)   "
          f"target < {TARGET_US:g} us: {'OK' if own < TARGET_US else 'MISSED'}")


if __name__ == "__main__":
    sys.exit(main())
