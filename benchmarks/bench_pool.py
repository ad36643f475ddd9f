"""Benchmark: the local runtime scales out like Lambda (a pool of sandboxes per function).

64 checks of a handler that sleeps 100 ms, through the real engine and InvokeTransport at
the default concurrency (16), against a fresh local runtime each run (cold starts
included):

- pooled: ``local_concurrency: 16`` (the default): up to 16 sandboxes of the function;
- serialized: ``local_concurrency: 1``: one sandbox, every invocation waits behind the
  previous one (what the local runtime did before the pool).

It prints the median wall time of each (``--runs``, default 5), the ratio, and the ideal
``64 x 100 ms / 16 = 400 ms``. Target: pooled under half of the serialized 6.4 s.
Every run also checks that no invocation was dropped: 64 REPORT lines in the log.

Run: ``.venv/bin/python benchmarks/bench_pool.py [--runs 5] [--checks 64] [--check]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import textwrap
import time
from pathlib import Path

from smoke.engine import run_checks
from smoke.local import start_local_runtime
from smoke.model import Check, Environment, Expect, FunctionSpec, Outcome, Request
from smoke.transports.invoke import InvokeTransport

HANDLER = """
    import time

    def handler(event, context):
        time.sleep(0.1)
        return {"statusCode": 200, "body": "ok"}
"""


def one_run(code: Path, work: Path, checks: int, limit: int) -> float:
    functions = {"api": FunctionSpec(logical="api", handler="app.handler", code=str(code))}
    env = Environment(name="bench", functions=functions, local_concurrency=limit)
    plan = [Check("bench", f"c{i}", "api", "apigw-rest", Request(), Expect()) for i in range(checks)]
    logs = Path(tempfile.mkdtemp(dir=work))
    with start_local_runtime(env, base_dir=work, log_dir=logs) as local:
        transport = InvokeTransport(env, endpoint_url=local.endpoint_url)
        started = time.perf_counter()
        results = run_checks(plan, transport, local.functions, [], concurrency=16)
        elapsed = time.perf_counter() - started
        transport.close()
    failed = [r for r in results if r.outcome is not Outcome.PASSED]
    if failed:
        raise SystemExit(f"{len(failed)} check(s) did not pass: {failed[0].error or failed[0].failures}")
    reports = (logs / "api.log").read_text().count("REPORT RequestId:")
    if reports != checks:
        raise SystemExit(f"dropped or doubled invocations: {reports} REPORT lines for {checks} checks")
    return elapsed * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--checks", type=int, default=64)
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        code = work / "code"
        code.mkdir()
        (code / "app.py").write_text(textwrap.dedent(HANDLER))
        pooled = [one_run(code, work, args.checks, 16) for _ in range(args.runs)]
        serial = [one_run(code, work, args.checks, 1) for _ in range(args.runs)]
    pooled_ms, serial_ms = statistics.median(pooled), statistics.median(serial)
    ideal_ms = -(-args.checks // 16) * 100
    print(f"{args.checks} checks x 100 ms, concurrency 16, fresh runtime each run (median of {args.runs})")
    print(f"  pooled (16 sandboxes):   {pooled_ms:8.0f} ms   ideal {ideal_ms} ms, {pooled_ms / ideal_ms:.2f}x")
    print(f"  serialized (1 sandbox):  {serial_ms:8.0f} ms")
    print(f"  pooled is {serial_ms / pooled_ms:.1f}x faster; {pooled_ms / serial_ms:.0%} of serialized")
    met = pooled_ms < serial_ms / 2
    print("  target (pooled < half of serialized): " + ("met" if met else "MISSED"))
    return 0 if met or not args.check else 1


if __name__ == "__main__":
    raise SystemExit(main())
