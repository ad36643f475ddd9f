"""Start-up cost: median wall time of ``python -m smoke --help`` vs ``python -c pass``.

Target: under 150 ms (boto3, httpx and jsonschema are never imported for --help).

    .venv/bin/python benchmarks/bench_help.py [--runs 10]
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from _common import median_time, subprocess_env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    env = subprocess_env()

    def run(*argv: str) -> None:
        subprocess.run([sys.executable, *argv], env=env, check=True, stdout=subprocess.DEVNULL)

    run("-m", "smoke", "--help")  # warm the file cache and bytecode
    base, _ = median_time(lambda: run("-c", "pass"), args.runs)
    helped, all_runs = median_time(lambda: run("-m", "smoke", "--help"), args.runs)
    print(f"python -c pass (median of {args.runs}):      {base * 1000:6.1f} ms")
    print(f"python -m smoke --help (median of {args.runs}): {helped * 1000:6.1f} ms"
          f"   (smoke's own cost: {(helped - base) * 1000:.1f} ms)")
    print(f"target < 150 ms: {'OK' if helped < 0.150 else 'MISSED'}   runs: "
          + ", ".join(f"{t * 1000:.0f}" for t in all_runs))


if __name__ == "__main__":
    main()
