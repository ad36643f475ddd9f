"""Benchmark: the local runtime's overhead, as boto3 sees it.

1. Warm round trip: ``lambda.invoke`` through boto3 against the local Invoke API, on a
   warm process; median per call minus the handler's own time. Target < 5 ms.
2. Cold start overhead: the first invocation of a fresh runtime (process start,
   awslambdaric, the handler module's imports, one invocation) minus a baseline measured
   in the same run: ``python -I -S -c "import app"`` for the same handler module.
   Target < 150 ms.

Run: ``.venv/bin/python benchmarks/bench_local.py [--calls 300] [--cold 7] [--check]``
(``--check`` exits 1 when a target is missed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

from smoke.local import start_local_runtime
from smoke.model import Environment, FunctionSpec

WARM_TARGET_MS = 5.0
COLD_TARGET_MS = 150.0
HANDLER = """
    import time
    import decimal, email.mime.text, http.client, xml.dom.minidom  # some real imports

    def handler(event, context):
        started = time.perf_counter()
        total = sum(range(100))
        return {"handler_ms": (time.perf_counter() - started) * 1000, "total": total}
"""


def client_for(endpoint_url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "lambda", endpoint_url=endpoint_url, region_name="us-east-1",
        aws_access_key_id="bench", aws_secret_access_key="bench",
        config=Config(retries={"max_attempts": 1}),
    )  # fmt: skip


def environment(code: Path) -> Environment:
    spec = FunctionSpec(logical="bench", handler="app.handler", code=str(code))
    return Environment(name="bench", functions={"bench": spec})


def warm_round_trip(code: Path, work: Path, calls: int) -> float:
    with start_local_runtime(environment(code), base_dir=work, log_dir=work / "logs") as local:
        client = client_for(local.endpoint_url)
        for _ in range(20):  # warm up the process and boto3's connection pool
            client.invoke(FunctionName="bench", Payload=b"{}")["Payload"].read()
        overheads = []
        for _ in range(calls):
            started = time.perf_counter()
            answer = client.invoke(FunctionName="bench", Payload=b"{}")
            body = json.loads(answer["Payload"].read())
            overheads.append((time.perf_counter() - started) * 1000 - body["handler_ms"])
    return statistics.median(overheads)


def cold_start(code: Path, work: Path, repeats: int) -> tuple[float, float]:
    """(median first-invocation time, median baseline import time), in ms."""
    firsts, baselines = [], []
    import_only = f"import sys; sys.path.insert(0, {str(code)!r}); import app"
    for i in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-S", "-c", import_only], check=True)
        baselines.append((time.perf_counter() - started) * 1000)
        logs = work / f"cold-{i}"
        with start_local_runtime(environment(code), base_dir=work, log_dir=logs) as local:
            client = client_for(local.endpoint_url)
            started = time.perf_counter()
            client.invoke(FunctionName="bench", Payload=b"{}")["Payload"].read()
            firsts.append((time.perf_counter() - started) * 1000)
    return statistics.median(firsts), statistics.median(baselines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--cold", type=int, default=7)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ.setdefault("SMOKE_CACHE_DIR", str(work / "cache"))
        code = work / "fn"
        code.mkdir()
        (code / "app.py").write_text(textwrap.dedent(HANDLER))
        cold_start(code, work, 1)  # builds the runtime directory once, outside the timing
        warm = warm_round_trip(code, work, args.calls)
        first, baseline = cold_start(code, work, args.cold)
    cold = first - baseline
    warm_ok, cold_ok = warm < WARM_TARGET_MS, cold < COLD_TARGET_MS
    print(f"local runtime, Python {sys.version.split()[0]}")
    print(
        f"  warm invoke round trip (boto3, median of {args.calls}, minus handler time): "
        f"{warm:.2f} ms  (target < {WARM_TARGET_MS:.0f} ms: {'ok' if warm_ok else 'MISSED'})"
    )
    print(
        f"  cold first invocation {first:.1f} ms - baseline `python -I -S -c 'import app'` "
        f"{baseline:.1f} ms = {cold:.1f} ms overhead  "
        f"(target < {COLD_TARGET_MS:.0f} ms: {'ok' if cold_ok else 'MISSED'})"
    )
    return 1 if args.check and not (warm_ok and cold_ok) else 0


if __name__ == "__main__":
    sys.exit(main())
