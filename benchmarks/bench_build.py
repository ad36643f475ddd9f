"""Benchmark: building a function's requirements.txt like `sam build`, and the cache.

1. Cold build: ``installed_requirements`` into an empty cache (pip with Lambda's
   platform tags), against a plain ``pip install --target`` of the same requirements
   measured in the same run. Target: at most 1.5x the plain pip install.
2. Cached: the same call once the build is in the cache (what every later run pays,
   hashing the requirements and finding the directory). Target: under 50 ms.

Offline by default: the requirements are ``--no-index`` local pure-Python wheels
(``--wheels N``). ``--pypi 'pydantic==2.9.2'`` measures real packages from the index
instead (for python3.12 x86_64).

Run: ``.venv/bin/python benchmarks/bench_build.py [--wheels 20] [--runs 3] [--check]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from _common import REPO  # noqa: F401  (puts the checkout on sys.path)

from smoke.local.build import Target, installed_requirements

COLD_RATIO_TARGET = 1.5
CACHED_TARGET_MS = 50.0


def _wheel(directory: Path, index: int) -> Path:
    name = f"benchdep{index}"
    path = directory / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}/__init__.py", f"VALUE = {index}\n")
        info = f"{name}-1.0.dist-info"
        archive.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", "")
    return path


def _requirements(root: Path, wheels: int, pypi: str | None) -> Path:
    path = root / "app" / "requirements.txt"
    path.parent.mkdir(parents=True)
    if pypi:
        path.write_text(pypi.replace(",", "\n") + "\n")
    else:
        (root / "wheels").mkdir()
        lines = ["--no-index", *(str(_wheel(root / "wheels", i)) for i in range(wheels))]
        path.write_text("\n".join(lines) + "\n")
    return path


def _plain_pip(requirements: Path, python: str, dest: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
         "--no-compile", "--progress-bar", "off", "--target", str(dest), "-r", str(requirements)],
        check=True, capture_output=True, cwd=requirements.parent,
    )  # fmt: skip
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wheels", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pypi", default=None, help="e.g. 'pydantic==2.9.2,requests'")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    version = "3.12" if args.pypi else f"{sys.version_info.major}.{sys.version_info.minor}"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        requirements = _requirements(root, args.wheels, args.pypi)
        target = Target(version, "x86_64", None if args.pypi else sys.executable)
        plain, cold = [], []
        for run in range(args.runs):
            plain.append(_plain_pip(requirements, sys.executable, root / f"plain{run}"))
            os.environ["SMOKE_CACHE_DIR"] = str(root / f"cache{run}")
            started = time.perf_counter()
            installed_requirements(requirements, target, "function Bench")
            cold.append((time.perf_counter() - started) * 1000)
        cached = []
        for _ in range(50):
            started = time.perf_counter()
            installed_requirements(requirements, target, "function Bench")
            cached.append((time.perf_counter() - started) * 1000)
        shutil.rmtree(root, ignore_errors=True)
    what = args.pypi or f"{args.wheels} local wheels"
    plain_ms, cold_ms, cached_ms = (statistics.median(x) for x in (plain, cold, cached))
    ratio = cold_ms / plain_ms
    print(f"requirements: {what}; runs: {args.runs}")
    print(f"cold build (median):   {cold_ms:8.1f} ms   plain pip install --target {plain_ms:8.1f} ms"
          f"   ratio {ratio:.2f}x (target <= {COLD_RATIO_TARGET}x)")
    print(f"cached (median of 50): {cached_ms:8.2f} ms   {cold_ms / cached_ms:,.0f}x faster than cold"
          f"   (target < {CACHED_TARGET_MS:g} ms)")
    missed = ratio > COLD_RATIO_TARGET or cached_ms > CACHED_TARGET_MS
    if missed:
        print("MISSED a target")
    return 1 if missed and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
