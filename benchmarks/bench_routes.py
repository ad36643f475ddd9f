"""Generating checks from `routes:`: what it costs to plan a big API's routes.

A project with an OpenAPI document of N operations (YAML with line marks, and the same
document as JSON), and a template with N `Api` events. It prints the median time of
`load_plan` (config, suites, route generation, plan) over several runs, against the same
project with N hand-written checks in one suite, measured in the same run (the baseline:
what a suite listing every endpoint by hand costs to load). Target: generating the
checks costs no more than 1.5x loading the same checks written by hand.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import _common  # noqa: F401  (puts the checkout on sys.path)

from smoke.runner import RunOptions, load_plan

CONFIG = "environments:\n  local:\n    template: template.yaml\n    functions:\n" \
         "      api: {resource: Api}\n"


def write(root: Path, routes: int) -> dict[str, Path]:
    paths = [f"/api/v1/r{i}/{{item_id}}" if i % 3 == 0 else f"/api/v1/r{i}" for i in range(routes)]
    events = "\n".join(f"        E{i}:\n          Type: Api\n          Properties: "
                       f"{{Path: \"{p}\", Method: get}}" for i, p in enumerate(paths))
    (root / "template.yaml").write_text(
        "Resources:\n  Api:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: src\n      Handler: app.handler\n      Runtime: python3.12\n"
        f"      Events:\n{events}\n")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    doc = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {
        p: {"get": {"parameters": [{"name": "item_id", "in": "path", "example": "x"}]}
            if "{" in p else {}} for p in paths}}
    (root / "docs").mkdir()
    (root / "docs" / "api.json").write_text(json.dumps(doc, indent=1))
    import yaml

    (root / "docs" / "api.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    hand = "\n".join(f"  - name: r{i}\n    get: {p}\n    path_parameters: {{item_id: x}}"
                     for i, p in enumerate(paths))
    projects = {}
    for name, suite in {
        "hand-written checks": f"suite: s\nfunction: api\nchecks:\n{hand}\n",
        "routes from template": "suite: s\nfunction: api\nroutes: {from: template}\n",
        "routes from OpenAPI YAML": "suite: s\nfunction: api\n"
                                    "routes: {from: openapi, file: ../docs/api.yaml}\n",
        "routes from OpenAPI JSON": "suite: s\nfunction: api\n"
                                    "routes: {from: openapi, file: ../docs/api.json}\n",
    }.items():
        project = root / name.replace(" ", "-")
        (project / "suites").mkdir(parents=True)
        (project / "suites" / "s.yaml").write_text(suite)
        (project / "smoke.yaml").write_text(CONFIG.replace("template.yaml", "../template.yaml"))
        (project / "docs").symlink_to(root / "docs")
        projects[name] = project / "smoke.yaml"
    return projects


def median_s(call: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--routes", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        projects = write(Path(tmp), args.routes)
        results = {}
        for name, config in projects.items():
            plan = load_plan(RunOptions("local", config_path=str(config)))[1]
            assert len(plan.checks) == args.routes, (name, len(plan.checks))
            results[name] = median_s(
                lambda c=config: load_plan(RunOptions("local", config_path=str(c))), args.runs)
    base = results["hand-written checks"]
    print(f"load_plan of {args.routes} checks, median of {args.runs} runs:")
    missed = False
    for name, seconds in results.items():
        print(f"  {name:<26} {seconds * 1000:8.0f} ms  {seconds / base:5.2f}x hand-written")
        if seconds / base > 1.5:
            missed = True
    print("target: within 1.5x of hand-written: " + ("MISSED" if missed else "met"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
