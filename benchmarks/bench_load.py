"""Loading, in-process: ``load_plan`` of 10,000 checks (10 suite files x 1,000).

The project is the one ``bench_run.py`` runs (``_common.write_project(per_file=1000)``).
It prints the median CPU time (``time.process_time``, the steady measure on a shared
machine) and wall time of ``load_plan`` over ``--runs`` runs after a warm-up, against
references measured in the same run, in turn with it:

- ``yaml.load`` of the same files with libyaml (``CSafeLoader``, no marks, no
  validation): the floor of reading YAML in Python;
- ``json.loads`` of the same data as JSON.

``--repo PATH`` imports smoke from another checkout (e.g. ``git archive main``
extracted somewhere): run it and this checkout in turn for an A/B comparison.
``--schema`` gives every check an ``expect.json_schema`` (the same one).
``--profile N`` prints cProfile's top N functions of one more run (main thread).

    .venv/bin/python benchmarks/bench_load.py [--runs 7] [--checks 10000] [--per-file 1000]
"""

from __future__ import annotations

import argparse
import sys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--checks", type=int, default=10_000)
    parser.add_argument("--per-file", type=int, default=1000)
    parser.add_argument("--schema", action="store_true")
    parser.add_argument("--repo", help="import smoke from this checkout instead")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    if args.repo:
        sys.path.insert(0, args.repo)
    import json
    import statistics
    import tempfile
    import time
    from pathlib import Path

    import _common
    import yaml

    if args.repo:  # _common put this checkout first: the one asked for goes first again
        sys.path.insert(0, args.repo)
        for name in [m for m in sys.modules if m == "smoke" or m.startswith("smoke.")]:
            del sys.modules[name]
    import smoke
    from smoke.runner import RunOptions, load_plan

    with tempfile.TemporaryDirectory() as tmp:
        root = _common.write_project(Path(tmp), "http://127.0.0.1:9", args.checks,
                                     per_file=args.per_file, schema=args.schema)
        files = sorted((root / "suites").glob("*.yaml"))
        texts = [f.read_text() for f in files]
        as_json = [json.dumps(yaml.load(t, Loader=yaml.CSafeLoader)) for t in texts]
        config = str(root / "smoke.yaml")

        def smoke_load() -> object:
            plan = load_plan(RunOptions("bench", config_path=config))[1]
            assert len(plan.checks) == args.checks
            return plan

        def libyaml() -> object:
            return [yaml.load(f.read_text(), Loader=yaml.CSafeLoader) for f in files]

        def jsonloads() -> object:
            return [json.loads(t) for t in as_json]

        cases = {"smoke load_plan": smoke_load, "yaml.load (CSafeLoader)": libyaml,
                 "json.loads": jsonloads}
        cpu: dict[str, list[float]] = {name: [] for name in cases}
        wall: dict[str, list[float]] = {name: [] for name in cases}
        for fn in cases.values():  # warm-up: imports, caches, the file cache
            fn()
        for _ in range(args.runs):  # in turn, so each sees the same machine
            for name, fn in cases.items():
                c0, w0 = time.process_time(), time.perf_counter()
                fn()
                cpu[name].append(time.process_time() - c0)
                wall[name].append(time.perf_counter() - w0)
        print(f"smoke from {Path(smoke.__file__).parent.parent}")
        print(f"{args.checks} checks in {len(files)} suite files"
              f"{' (each with expect.json_schema)' if args.schema else ''}, "
              f"median of {args.runs} runs, in turn:")
        ref = statistics.median(cpu["yaml.load (CSafeLoader)"])
        for name in cases:
            c, w = statistics.median(cpu[name]), statistics.median(wall[name])
            print(f"  {name:<26} CPU {c * 1000:8.1f} ms  wall {w * 1000:8.1f} ms  "
                  f"{c / ref:5.2f}x libyaml's CPU")
        if args.profile:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.runcall(smoke_load)
            pstats.Stats(profile).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
