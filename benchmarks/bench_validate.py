"""The validation cache, whole process: cold (``SMOKE_VALIDATION_CACHE=0``: jsonschema
imported and run, as on a first run) against warm (the same documents validated by an
earlier run: no jsonschema), against a bare ``python -c pass``, in turn in each round.

- ``smoke validate`` of a 200-check suite, every check with the same ``expect.json_schema``
  (bench_start.py's project): target <= +150 ms over bare;
- ``smoke run`` of one check via http against the loopback server (its JSON and JUnit
  reports written): target <= +250 ms over bare.

Each line: median CPU time (user + system of that process, ``os.wait4``: the steady
measure on a shared machine) and median wall time. ``--repo PATH`` adds the same two
commands, cold and warm, with smoke imported from another checkout (e.g. main before
this change, ``git archive`` extracted somewhere).

    .venv/bin/python benchmarks/bench_validate.py [--runs 9] [--repo /tmp/base]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, write_project
from _server import loopback_server


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    import subprocess

    t0 = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t0
    assert child.stderr is not None
    err = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{err[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--repo", help="also run smoke from this checkout (a baseline)")
    args = parser.parse_args()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("SMOKE_")}
    base_env.pop("GITHUB_STEP_SUMMARY", None)
    with tempfile.TemporaryDirectory() as tmp, loopback_server(0) as url:
        root = Path(tmp)
        validate = write_project(root / "validate", url, 200, schema=True)
        run = write_project(root / "run", url, 1)
        reports = ["--json", str(root / "r.json"), "--junit", str(root / "r.xml")]

        def env(repo: Path, **extra: str) -> dict[str, str]:
            return {**base_env, "PYTHONPATH": str(repo), "SMOKE_CACHE_DIR": str(root / "cache"),
                    **extra}

        smoke = [sys.executable, "-m", "smoke"]
        cases: dict[str, tuple[list[str], Path, dict[str, str]]] = {
            "python -c pass": ([sys.executable, "-c", "pass"], validate, env(REPO))}
        for what, argv, cwd in (("validate 200", [*smoke, "validate"], validate),
                                ("run 1 via http", [*smoke, "run", "bench", *reports], run)):
            if args.repo:
                cases[f"{what}, --repo cold"] = (argv, cwd, env(Path(args.repo),
                                                                SMOKE_VALIDATION_CACHE="0"))
                cases[f"{what}, --repo warm"] = (argv, cwd, env(Path(args.repo)))
            cases[f"{what}, cold"] = (argv, cwd, env(REPO, SMOKE_VALIDATION_CACHE="0"))
            cases[f"{what}, warm"] = (argv, cwd, env(REPO))
        for argv, cwd, case_env in cases.values():  # warm-up: bytecode, file cache, the cache
            _run(argv, cwd, case_env)
        cpu: dict[str, list[float]] = {name: [] for name in cases}
        wall: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.runs):
            for name, (argv, cwd, case_env) in cases.items():
                c, w = _run(argv, cwd, case_env)
                cpu[name].append(c)
                wall[name].append(w)
    bare_cpu = statistics.median(cpu["python -c pass"])
    bare_wall = statistics.median(wall["python -c pass"])
    print(f"median of {args.runs} rounds (each case once per round, in turn), whole process")
    for name in cases:
        c, w = statistics.median(cpu[name]), statistics.median(wall[name])
        print(f"  {name:<26} CPU {c * 1000:6.0f} ms (+{(c - bare_cpu) * 1000:4.0f})   "
              f"wall {w * 1000:6.0f} ms (+{(w - bare_wall) * 1000:4.0f})")


if __name__ == "__main__":
    main()
