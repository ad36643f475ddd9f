"""Helpers shared by the benchmarks: a slow loopback server, medians, a results table."""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    delay_s = 0.05


class _SlowHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: avoid the 40 ms delayed-ACK stall
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        time.sleep(self.server.delay_s)
        body = json.dumps({"status": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def slow_server(delay_s: float) -> Iterator[str]:
    """A loopback HTTP server answering every GET with 200 after ``delay_s``."""
    server = _Server(("127.0.0.1", 0), _SlowHandler)
    server.delay_s = delay_s
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def median_time(fn: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    times: list[float] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_process(argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
                ok_codes: tuple[int, ...] = (0,)) -> tuple[float, int, float]:
    """Run ``argv`` to the end: (wall seconds, peak RSS in MiB, CPU seconds), of that
    process alone. CPU time (user + system) is the steadier measure on a busy machine.

    ``os.wait4`` gives the child's own resource usage (not the maximum over every
    child this benchmark ever waited for, as ``RUSAGE_CHILDREN`` would).
    """
    import subprocess

    t0 = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, env=env or subprocess_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - t0
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in ok_codes:
        err = child.stderr.read().decode(errors="replace") if child.stderr else ""
        raise SystemExit(f"{' '.join(argv)} exited {child.returncode}:\n{err[-2000:]}")
    if child.stderr:
        child.stderr.close()
    return elapsed, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


class Measured:
    """``runs`` runs of one command: median wall and CPU seconds, largest peak RSS."""

    def __init__(self, times: list[float], cpus: list[float], rss_mib: int) -> None:
        self.times, self.cpus, self.rss_mib = times, cpus, rss_mib
        self.wall = statistics.median(times)
        self.cpu = statistics.median(cpus)


def median_process(argv: list[str], runs: int, **kwargs: object) -> Measured:
    times, cpus, peak = [], [], 0
    for _ in range(runs):
        elapsed, rss, cpu = run_process(argv, **kwargs)  # type: ignore[arg-type]
        times.append(elapsed)
        cpus.append(cpu)
        peak = max(peak, rss)
    return Measured(times, cpus, peak)


def write_project(root: Path, base_url: str, checks: int, *, per_file: int = 0,
                  via: str = "http", schema: bool = False) -> Path:
    """A smoke.yaml with one environment ``bench`` and ``checks`` GET checks in suites/.

    ``per_file`` splits the checks into several suite files (0: one file). With
    ``schema``, every check also has an ``expect.json_schema`` (the same one).
    """
    (root / "suites").mkdir(parents=True, exist_ok=True)
    if via == "http":
        env = f"    via: http\n    base_url: {base_url}\n    functions:\n      api: {{name: bench-fn}}\n"
    else:
        env = (f"    region: us-east-1\n    endpoint_url: {base_url}\n"
               "    functions:\n      api: {name: bench-fn}\n")
    (root / "smoke.yaml").write_text(f"environments:\n  bench:\n{env}", encoding="utf-8")
    per_file = per_file or checks
    expect = "{status: 200, json_schema: {type: object, required: [status]}}" if schema \
        else "{status: 200}"
    for start in range(0, checks, per_file):
        lines = [f"suite: bench-{start // per_file}", "function: api", "checks:"]
        lines += [f"  - {{name: c{i:05d}, get: /item/{i}, expect: {expect}}}"
                  for i in range(start, min(checks, start + per_file))]
        (root / "suites" / f"bench-{start // per_file}.yaml").write_text(
            "\n".join(lines) + "\n", encoding="utf-8")
    return root


def smoke_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "smoke", *args]
