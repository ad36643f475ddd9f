"""Start-up and fixed costs, whole process, each against a bare interpreter in the same run.

- ``smoke run`` of one check via http (a loopback server, no delay): target <= +250 ms
  over ``python -c pass``;
- ``smoke run`` of one check via invoke (a loopback Lambda API: GetFunctionConfiguration
  and Invoke; ``--no-log-scan``): target <= +400 ms (botocore's import is most of it);
- the same with the log scan (the loopback server answers FilterLogEvents with the
  invocation's START/END/REPORT lines): what the CloudWatch Logs client and one scan add
  (no target of its own);
- ``smoke validate`` of a 200-check suite (every check has an ``expect.json_schema``,
  the case that used to cost most): target <= +150 ms;
- ``smoke --help``: target < 150 ms in all.

The runs and validations are measured twice: as a developer's later runs (the suite and
config documents found valid before are remembered in ``SMOKE_CACHE_DIR``, here a
directory of the benchmark's own, filled by the warm-up run), and as a first run on a
fresh CI runner (``SMOKE_VALIDATION_CACHE=0``: every document validated by jsonschema).

Every process runs with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` is removed from
its environment, and the first run of each command writes smoke's ``__pycache__``): a
smoke installed by pip has its bytecode compiled at install, and with the variable set,
as in some shells here, every run compiled smoke's ~45 modules from source (~150-250 ms
of CPU that no user pays).

    .venv/bin/python benchmarks/bench_start.py [--runs 10] [--only http] [--baseline DIR]

``--only TEXT`` keeps the cases whose label contains TEXT (``http``, ``invoke``,
``validate``, ``help``). ``--baseline DIR`` is an A/B in the same rounds: DIR holds another
version's ``smoke`` package (e.g. ``git archive main smoke | tar -x -C DIR``), and every
case is also run with it, right after the same case of this checkout; the lines
``(baseline)`` and the differences of their medians follow.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from _common import (
    Measured,
    median_process,
    run_process,
    smoke_argv,
    subprocess_env,
    write_project,
)
from _server import loopback_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--only", default="", help="only the cases whose label contains this")
    parser.add_argument("--baseline", type=Path, default=None, metavar="DIR",
                        help="a directory with another version's smoke package, run alike")
    args = parser.parse_args()
    env = subprocess_env()
    env.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", GITHUB_STEP_SUMMARY="")
    env.pop("GITHUB_STEP_SUMMARY")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    runs = args.runs
    rows: list[tuple[str, float, float | None, str]] = []
    cases: list[tuple[str, list[str], Path, float | None, dict[str, str]]]
    with tempfile.TemporaryDirectory() as tmp, loopback_server(0) as url:
        base = Path(tmp)
        env["SMOKE_CACHE_DIR"] = str(base / "cache")  # this benchmark's own, empty at first
        cold = dict(env, SMOKE_VALIDATION_CACHE="0")  # a first run: nothing remembered
        http = write_project(base / "http", url, 1)
        invoke = write_project(base / "invoke", url, 1, via="invoke")
        validate = write_project(base / "validate", url, 200, schema=True)
        reports = ["--json", str(base / "r.json"), "--junit", str(base / "r.xml")]
        run_http = smoke_argv("run", "bench", *reports)
        cases = [
            ("smoke run, 1 check via http", run_http, http, 0.250, env),
            ("  same, validation cache off", run_http, http, None, cold),
            ("smoke run, 1 check via invoke",
             smoke_argv("run", "bench", "--no-log-scan", *reports), invoke, 0.400, env),
            ("  same, with the log scan", smoke_argv("run", "bench", *reports), invoke, None, env),
            ("smoke validate, 200 checks", smoke_argv("validate"), validate, 0.150, env),
            ("  same, validation cache off", smoke_argv("validate"), validate, None, cold),
            ("smoke --help", smoke_argv("--help"), http, 0.150, env),
        ]
        cases = [c for c in cases if args.only in c[0]]
        if args.baseline is not None:  # each case, then the same with the other smoke
            other = str(args.baseline.resolve())
            cases = [row for case in cases for row in (case, (
                f"{case[0]} (baseline)", case[1], case[2], None,
                dict(case[4], PYTHONPATH=other + os.pathsep + case[4]["PYTHONPATH"])))]
        bare_argv = [sys.executable, "-c", "pass"]
        for _, argv, cwd, _, case_env in cases:  # warm the file cache, write the bytecode
            median_process(argv, 1, cwd=cwd, env=case_env)
        median_process(bare_argv, 1, env=env)
        # interleaved: each round runs the bare interpreter, then every case once, so a
        # burst of load on this shared machine lands on all of them alike
        samples: list[list[tuple[float, int, float]]] = [[] for _ in range(len(cases) + 1)]
        for _ in range(runs):
            samples[-1].append(run_process(bare_argv, env=env))
            for i, (_, argv, cwd, _, case_env) in enumerate(cases):
                samples[i].append(run_process(argv, cwd=cwd, env=case_env))
        bare_run = _measured(samples[-1])
        bare = bare_run.wall
        rows.append(("python -c pass", bare, None, f"(CPU {bare_run.cpu * 1000:.0f} ms)"))
        measured: list[tuple[str, Measured]] = []
        for (label, _, _, target, _), case_samples in zip(cases, samples[:-1], strict=True):
            case_measured = _measured(case_samples)
            measured.append((label, case_measured))
            took, rss = case_measured.wall, case_measured.rss_mib
            over = took - bare
            if target is None:
                verdict = "(no target)"
            elif "--help" in label:
                verdict = f"target < {target * 1000:.0f} ms: {'OK' if took < target else 'MISSED'}"
            else:
                verdict = (f"target <= +{target * 1000:.0f} ms: "
                           f"{'OK' if over <= target else 'MISSED'}")
            rows.append((label, took, over, f"{verdict}  (CPU {case_measured.cpu * 1000:.0f} ms, "
                         f"+{(case_measured.cpu - bare_run.cpu) * 1000:.0f} ms; peak RSS {rss} MiB)"))
    print(f"median of {runs} interleaved runs each, whole process")
    for label, took, gap, note in rows:
        extra = f"  +{gap * 1000:6.1f} ms over bare" if gap is not None else " " * 25
        print(f"  {label:<40} {took * 1000:7.1f} ms{extra}  {note}")
    if args.baseline is not None:
        print(f"this checkout against {args.baseline} (medians of the same rounds):")
        for mine, theirs in zip(measured[0::2], measured[1::2], strict=True):
            print(f"  {mine[0]:<40} wall {(mine[1].wall - theirs[1].wall) * 1000:+7.1f} ms"
                  f"   CPU {(mine[1].cpu - theirs[1].cpu) * 1000:+7.1f} ms")


def _measured(runs: list[tuple[float, int, float]]) -> Measured:
    return Measured([r[0] for r in runs], [r[2] for r in runs], max(r[1] for r in runs))


if __name__ == "__main__":
    main()
