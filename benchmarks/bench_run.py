"""Whole-process ``smoke run`` over HTTP, each against references measured in the same run.

1. 200 checks, a server adding 50 ms, concurrency 16: the median wall time of
   ``python -m smoke run bench`` (interpreter start to exit, reports written)
   against the ideal ceil(200 / 16) x 50 ms = 650 ms, and against a raw stdlib
   asyncio client (``_rawclient.py``, also a whole process). Target <= 1.3x ideal.
2. 10,000 checks, a server adding 5 ms, concurrency 64: wall time (target <= 10 s),
   the process's peak RSS (target <= 120 MiB), and the sizes of the JSON and JUnit
   reports (each checked complete: 10,000 checks in both), against the raw client.

The loopback server runs in its own process (``_server.py``). No log scan: via http.

    .venv/bin/python benchmarks/bench_run.py [--only small|large] [--runs 3] [--large-runs 1]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from _common import REPO, median_process, smoke_argv, write_project
from _server import loopback_server

RAW = [sys.executable, str(REPO / "benchmarks" / "_rawclient.py")]


def run_case(checks: int, delay_ms: float, concurrency: int, runs: int,
             per_file: int, targets: dict[str, float]) -> bool:
    ideal = math.ceil(checks / concurrency) * delay_ms / 1000.0
    with tempfile.TemporaryDirectory() as tmp, loopback_server(delay_ms) as url:
        root = write_project(Path(tmp), url, checks, per_file=per_file)
        argv = smoke_argv("run", "bench", "--concurrency", str(concurrency),
                          "--json", str(root / "r.json"), "--junit", str(root / "r.xml"))
        median_process([*RAW, url, "50", str(concurrency)], 1)  # warm the file cache
        raw = median_process([*RAW, url, str(checks), str(concurrency)], runs)
        smoke = median_process(argv, runs, cwd=root)
        smoke_s, rss, raw_s = smoke.wall, smoke.rss_mib, raw.wall
        json_size = (root / "r.json").stat().st_size
        xml_size = (root / "r.xml").stat().st_size
        report = json.loads((root / "r.json").read_text(encoding="utf-8"))
        passed = report["totals"]["passed"]
        cases = len(ET.parse(root / "r.xml").getroot().findall(".//testcase"))
    print(f"{checks} checks, server +{delay_ms:g} ms, concurrency {concurrency} "
          f"(median of {runs}; runs: {', '.join(f'{t:.2f}' for t in smoke.times)} s)")
    print(f"  smoke run (whole process):  {smoke_s:7.3f} s   peak RSS {rss} MiB   "
          f"CPU {smoke.cpu:.2f} s")
    print(f"  ideal ceil(n/c) x delay:    {ideal:7.3f} s   smoke/ideal {smoke_s / ideal:.2f}x")
    print(f"  raw asyncio client:         {raw_s:7.3f} s   peak RSS {raw.rss_mib} MiB   "
          f"CPU {raw.cpu:.2f} s   smoke/raw {smoke_s / raw_s:.2f}x")
    print(f"  reports: JSON {json_size / 1024:.0f} KiB ({len(report['checks'])} checks, "
          f"{passed} passed), JUnit {xml_size / 1024:.0f} KiB ({cases} testcases)")
    ok = passed == checks and cases == checks
    if not ok:
        print("  MISSED: the reports are not complete")
    for name, limit in targets.items():
        value = {"ratio": smoke_s / ideal, "seconds": smoke_s, "rss_mib": rss}[name]
        met = value <= limit
        ok = ok and met
        print(f"  target {name} <= {limit:g}: {value:.2f} {'OK' if met else 'MISSED'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["small", "large"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--large-runs", type=int, default=1)
    args = parser.parse_args()
    if args.only != "large":
        run_case(200, 50, 16, args.runs, 0, {"ratio": 1.3})
    if args.only != "small":
        # ten suite files of 1,000 checks (one file of 10,000 also works after issue 12's fix)
        run_case(10_000, 5, 64, args.large_runs, 1000, {"seconds": 10, "rss_mib": 120})


if __name__ == "__main__":
    main()
