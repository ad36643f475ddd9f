"""Start-up and fixed costs, whole process, each against a bare interpreter in the same run.

- ``smoke run`` of one check via http (a loopback server, no delay): target <= +250 ms
  over ``python -c pass``;
- ``smoke run`` of one check via invoke (a loopback Lambda API: GetFunctionConfiguration
  and Invoke; ``--no-log-scan``): target <= +400 ms (boto3's import is most of it);
- ``smoke validate`` of a 200-check suite (every check has an ``expect.json_schema``,
  the case that used to cost most): target <= +150 ms;
- ``smoke --help``: target < 150 ms in all.

    .venv/bin/python benchmarks/bench_start.py [--runs 10]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _common import median_process, smoke_argv, subprocess_env, write_project
from _server import loopback_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    env = subprocess_env()
    env.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", GITHUB_STEP_SUMMARY="")
    env.pop("GITHUB_STEP_SUMMARY")
    runs = args.runs
    rows: list[tuple[str, float, float | None, str]] = []
    with tempfile.TemporaryDirectory() as tmp, loopback_server(0) as url:
        base = Path(tmp)
        http = write_project(base / "http", url, 1)
        invoke = write_project(base / "invoke", url, 1, via="invoke")
        validate = write_project(base / "validate", url, 200, schema=True)
        reports = ["--json", str(base / "r.json"), "--junit", str(base / "r.xml")]
        cases = [
            ("smoke run, 1 check via http", smoke_argv("run", "bench", *reports), http, 0.250),
            ("smoke run, 1 check via invoke",
             smoke_argv("run", "bench", "--no-log-scan", *reports), invoke, 0.400),
            ("smoke validate, 200 checks", smoke_argv("validate"), validate, 0.150),
            ("smoke --help", smoke_argv("--help"), http, 0.150),
        ]
        for _, argv, cwd, _ in cases:  # warm the file cache and the bytecode
            median_process(argv, 1, cwd=cwd, env=env)
        base = median_process([sys.executable, "-c", "pass"], runs, env=env)
        bare = base.wall
        rows.append(("python -c pass", bare, None, f"(CPU {base.cpu * 1000:.0f} ms)"))
        for label, argv, cwd, target in cases:
            measured = median_process(argv, runs, cwd=cwd, env=env)
            took, rss = measured.wall, measured.rss_mib
            over = took - bare
            if label == "smoke --help":
                verdict = f"target < {target * 1000:.0f} ms: {'OK' if took < target else 'MISSED'}"
            else:
                verdict = (f"target <= +{target * 1000:.0f} ms: "
                           f"{'OK' if over <= target else 'MISSED'}")
            rows.append((label, took, over, f"{verdict}  (CPU {measured.cpu * 1000:.0f} ms, "
                         f"+{(measured.cpu - base.cpu) * 1000:.0f} ms; peak RSS {rss} MiB)"))
    print(f"median of {runs} runs each, whole process")
    for label, took, over, note in rows:
        extra = f"  +{over * 1000:6.1f} ms over bare" if over is not None else " " * 25
        print(f"  {label:<32} {took * 1000:7.1f} ms{extra}  {note}")


if __name__ == "__main__":
    main()
