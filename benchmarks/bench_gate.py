"""Benchmark: what the release gate costs on the local runtime.

1. ``PublishVersion``: the snapshot of a function with ``--files`` source files and a
   layer of as many, copied into the server's directory; median over ``--publishes``
   (each after a one-line change, so each is a new version).
2. Qualified invoke: a warm round trip to version 1 through an alias, against
   ``$LATEST``, measured in the same run (the alias resolution should cost nothing).
3. ``smoke gate`` (pre-check by number + post-check through the alias, log scans
   included) against ``smoke run`` of the same suite, medians over ``--runs``: the
   gate is two runs plus two UpdateAlias calls, so the ratio should be about 2.

Run: ``.venv/bin/python benchmarks/bench_gate.py [--files 300] [--runs 3] [--calls 200]``
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import textwrap
import time
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from _common import REPO  # noqa: F401 - puts the checkout on sys.path

from smoke.local import start_local_runtime
from smoke.model import Environment, FunctionSpec, LayerSpec

HANDLER = """
import json
import helperlib

def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"status": "ok", "v": helperlib.V})}
"""
SUITE = "suite: api\nfunction: api\nchecks:\n" + "".join(
    f"  - {{name: c{i}, get: /health, expect: {{status: 200}}}}\n" for i in range(10)
)


def _client(url: str) -> Any:
    import boto3

    return boto3.client("lambda", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="x", aws_secret_access_key="x")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--publishes", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "x")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "x")
    root = Path(tempfile.mkdtemp(prefix="bench-gate-"))
    code, layer = root / "code", root / "layer" / "python"
    layer.mkdir(parents=True)
    code.mkdir()
    (code / "app.py").write_text(HANDLER)
    (layer / "helperlib.py").write_text("V = 1\n")
    for i in range(args.files):  # a package's worth of modules, ~2 KB each
        (code / f"mod_{i}.py").write_text(textwrap.dedent(f"X = {'1' * 2000!r}\n"))
        (layer / f"dep_{i}.py").write_text(textwrap.dedent(f"Y = {'2' * 2000!r}\n"))
    env = Environment(name="local", functions={"api": FunctionSpec(
        logical="api", name="Api", handler="app.handler", code=str(code),
        layers=(LayerSpec("layer", str(layer.parent)),))})
    project = root / "project"
    (project / "suites").mkdir(parents=True)
    (project / "suites" / "api.yaml").write_text(SUITE)
    os.chdir(project)
    with start_local_runtime(env, base_dir=root, log_dir=project / "reports" / "logs") as local:
        client = _client(local.endpoint_url)
        (project / "smoke.yaml").write_text(
            "environments:\n  prod:\n    region: us-east-1\n"
            f"    endpoint_url: {local.endpoint_url}\n"
            "    functions:\n      api: {name: Api, qualifier: live}\n")
        publish = []
        for i in range(args.publishes):
            (code / "app.py").write_text(HANDLER + f"# {i}\n")
            started = time.perf_counter()
            client.publish_version(FunctionName="Api")
            publish.append((time.perf_counter() - started) * 1000)
        client.create_alias(FunctionName="Api", Name="live", FunctionVersion="1")

        def round_trips(**params: Any) -> float:
            client.invoke(FunctionName="Api", Payload=b"{}", **params)  # warm
            times = []
            for _ in range(args.calls):
                started = time.perf_counter()
                client.invoke(FunctionName="Api", Payload=b"{}", **params)
                times.append((time.perf_counter() - started) * 1000)
            return statistics.median(times)

        latest_ms = round_trips()
        alias_ms = round_trips(Qualifier="live")

        from smoke.cli import main as smoke

        run_s, gate_s = [], []
        for i in range(args.runs):
            with redirect_stdout(io.StringIO()):
                started = time.perf_counter()
                assert smoke(["run", "prod", "--log-wait", "2"]) == 0
                run_s.append(time.perf_counter() - started)
                (code / "app.py").write_text(HANDLER + f"# gate {i}\n")
                client.publish_version(FunctionName="Api")
                started = time.perf_counter()
                assert smoke(["gate", "prod", "--log-wait", "2"]) == 0
                gate_s.append(time.perf_counter() - started)
    result = {
        "publish_version_ms_median": round(statistics.median(publish), 1),
        "files_snapshotted": 2 * args.files + 2,
        "invoke_latest_ms_median": round(latest_ms, 2),
        "invoke_alias_ms_median": round(alias_ms, 2),
        "smoke_run_s_median": round(statistics.median(run_s), 3),
        "smoke_gate_s_median": round(statistics.median(gate_s), 3),
        "gate_over_run": round(statistics.median(gate_s) / statistics.median(run_s), 2),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
