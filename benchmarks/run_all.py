"""Run every benchmark in this directory, one after the other (`make bench`).

Each benchmark prints its own medians, baselines and ratios; this script only
runs them in turn with the same interpreter and reports which ones missed a
target (a line saying MISSED) or failed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    missed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n=== {script.name} ===", flush=True)
        done = subprocess.run(
            [sys.executable, str(script)], cwd=HERE.parent, capture_output=True, text=True
        )
        print(done.stdout, end="")
        print(done.stderr, end="", file=sys.stderr)
        if done.returncode != 0 or "MISSED" in done.stdout.upper():
            missed.append(script.name)
    if missed:
        print(f"\nmissed a target or failed: {', '.join(missed)}")
        return 1
    print("\nall benchmarks met their targets")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
