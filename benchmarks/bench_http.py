"""Engine + HttpTransport throughput: 200 checks against a loopback server adding 50 ms each.

Prints the median wall time at the default concurrency against the ideal
ceil(200 / concurrency) x 50 ms, and against a sequential loop over the same
checks. Target: within 1.3x of ideal.

    .venv/bin/python benchmarks/bench_http.py [--checks 200] [--delay-ms 50] [--runs 5]
"""

from __future__ import annotations

import argparse
import math

from _common import median_time, slow_server

from smoke.engine import DEFAULT_CONCURRENCY, run_checks
from smoke.model import Check, Expect, Outcome, Request, StatusExpectation
from smoke.transports.http import HttpTransport
from smoke.verdicts import evaluate


def make_checks(n: int) -> list[Check]:
    expect = Expect(status=StatusExpectation(codes=frozenset({200})))
    return [Check(suite="bench", name=f"check {i:03d}", function="api", event="apigw-rest",
                  request=Request(path=f"/item/{i}"), expect=expect) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sequential-runs", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    args = parser.parse_args()
    checks = make_checks(args.checks)
    delay = args.delay_ms / 1000.0
    with slow_server(delay) as url:
        transport = HttpTransport(url)
        try:
            def engine_run() -> None:
                results = run_checks(checks, transport, {}, [], concurrency=args.concurrency)
                bad = [r for r in results if r.outcome is not Outcome.PASSED]
                assert not bad, bad[0]

            def sequential_run() -> None:
                for check in checks:
                    exchange = transport.send(check, None)
                    assert not evaluate(check, exchange)

            engine_run()  # warm up the connection pool
            engine_s, engine_all = median_time(engine_run, args.runs)
            seq_s, _ = median_time(sequential_run, args.sequential_runs)
        finally:
            transport.close()
    ideal = math.ceil(args.checks / args.concurrency) * delay
    print(f"checks: {args.checks}  server delay: {args.delay_ms:g} ms  concurrency: {args.concurrency}")
    print(f"engine (median of {args.runs}): {engine_s * 1000:8.0f} ms   runs: "
          + ", ".join(f"{t * 1000:.0f}" for t in engine_all))
    print(f"ideal ceil(n/c) x delay:  {ideal * 1000:8.0f} ms   engine/ideal: {engine_s / ideal:.2f}x"
          f"  (target <= 1.30x: {'OK' if engine_s / ideal <= 1.3 else 'MISSED'})")
    print(f"sequential loop:          {seq_s * 1000:8.0f} ms   sequential/engine: {seq_s / engine_s:.1f}x")


if __name__ == "__main__":
    main()
