"""One local function process (a "sandbox"): started isolated, reused warm, killed on timeout.

The process runs awslambdaric against this sandbox's own Runtime API. Its stdout and
stderr (one pipe, as in Lambda) go line by line into the function's log; the platform
lines (START/END/REPORT/INIT_REPORT, timeouts, exits) are written by ``invoke``.
"""

from __future__ import annotations

import contextlib
import math
import os
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from smoke.local.logs import LogStream, iso_timestamp
from smoke.local.runtime_api import Invocation, RuntimeAPI

INIT_LIMIT_S = 10.0  # Lambda's limit for the init phase
RESPONSE_LIMIT = 6 * 1024 * 1024
CHILD_BOOTSTRAP = Path(__file__).with_name("child_bootstrap.py")


@dataclass(frozen=True)
class InvokeOutcome:
    """What one invocation gave back (the Invoke API turns it into an HTTP answer)."""

    request_id: str
    payload: bytes
    function_error: str | None = None  # "Unhandled" when the function failed
    error_type: str | None = None
    duration_ms: float = 0.0
    init_duration_ms: float | None = None  # set on the first invocation of a process
    max_memory_used_mb: int | None = None
    pid: int | None = None


def _error_payload(error_type: str, message: str, request_id: str = "") -> bytes:
    import json

    body = {"errorType": error_type, "errorMessage": message}
    if request_id:
        body["requestId"] = request_id
    return json.dumps(body).encode()


def _error_type_of(body: bytes, header_value: str) -> str:
    import json

    try:
        decoded = json.loads(body)
    except ValueError:
        return header_value or "Unknown"
    if isinstance(decoded, dict) and decoded.get("errorType"):
        return str(decoded["errorType"])
    return header_value or "Unknown"


class Sandbox:
    """One function process and the Runtime API it polls."""

    def __init__(
        self,
        *,
        handler: str,
        task_root: Path,
        sys_path: Sequence[Path],
        environment: Mapping[str, str],
        log: LogStream,
        host: str = "127.0.0.1",
        python: str = sys.executable,
        python_version: str | None = None,
    ) -> None:
        self._cond = threading.Condition()
        self._out_lock = threading.Lock()
        self._partial = b""
        self._ready_at: float | None = None
        self._init_error: tuple[bytes, str] | None = None
        self._exit_code: int | None = None
        self._pending: Invocation | None = None
        self._current: str | None = None
        self._result: tuple[str, bytes, str] | None = None
        self._closing = False
        self._invocations = 0
        self._max_rss_kb = 0
        self.log = log
        self.version = environment.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.api = RuntimeAPI(self, host)
        env = dict(environment)
        env["AWS_LAMBDA_RUNTIME_API"] = self.api.address
        env["_SMOKE_SYS_PATH"] = os.pathsep.join(str(path) for path in sys_path)
        env["_SMOKE_PARENT_PID"] = str(os.getpid())
        command = [python, "-I", "-S", str(CHILD_BOOTSTRAP), handler]
        self._started = time.perf_counter()
        log.write(init_start_line(python_version))
        # Its own session: a Ctrl-C in the terminal (SIGINT to the foreground process
        # group) reaches smoke, never the function; smoke decides what the check became.
        self.process = subprocess.Popen(
            command, cwd=task_root, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        self._out_fd = self.process.stdout.fileno()
        os.set_blocking(self._out_fd, False)
        self._out_closed = False
        self._reader = threading.Thread(target=self._read_output, daemon=True, name="smoke-output")
        self._reader.start()
        threading.Thread(target=self._watch_exit, daemon=True, name="smoke-exit").start()

    # ------------------------------------------------------------------ process side

    def _read_output(self) -> None:
        while not self._out_closed:
            try:
                readable, _, _ = select.select([self._out_fd], [], [], 0.2)
            except (OSError, ValueError):
                return
            if readable and not self.drain():
                return

    def drain(self, final: bool = False) -> bool:
        """Log what the process wrote so far; False once its output is closed."""
        with self._out_lock:
            open_ = not self._out_closed
            while open_:
                try:
                    chunk = os.read(self._out_fd, 65536)
                except BlockingIOError:
                    break
                except OSError:
                    chunk = b""
                if not chunk:
                    open_ = False
                    break
                self._partial += chunk
            *lines, self._partial = self._partial.split(b"\n")
            if (final or not open_) and self._partial:
                lines.append(self._partial)
                self._partial = b""
            for line in lines:
                if line.strip(b"\r"):  # CloudWatch keeps no empty events
                    self.log.write(line.decode("utf-8", errors="replace"))
            return open_

    def _watch_exit(self) -> None:
        try:  # wait4, not Popen.wait: its resource usage gives the peak memory of a dead process
            _, status, usage = os.wait4(self.process.pid, 0)
            code = os.waitstatus_to_exitcode(status)
            self.process.returncode = code
            self._max_rss_kb = max(self._max_rss_kb, usage.ru_maxrss)
        except ChildProcessError:  # reaped by Popen.poll() in close()
            code = self.process.wait()
        with self._cond:
            self._exit_code = code
            self._cond.notify_all()

    def _sample_memory(self) -> int:
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return math.ceil(self._max_rss_kb / 1024) if self._max_rss_kb else 0
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self._max_rss_kb = max(self._max_rss_kb, int(line.split()[1]))
        return math.ceil(self._max_rss_kb / 1024)

    # --------------------------------------------------------- Runtime API callbacks

    def next_invocation(self) -> Invocation | None:
        with self._cond:
            if self._ready_at is None:
                self._ready_at = time.perf_counter()
                self._cond.notify_all()
            self._cond.wait_for(lambda: self._pending is not None or self._closing)
            invocation, self._pending = self._pending, None
            return invocation

    def _post(self, request_id: str, result: tuple[str, bytes, str]) -> bool:
        with self._cond:
            if request_id != self._current or self._result is not None:
                return False
            self._result = result
            self._cond.notify_all()
            return True

    def invocation_response(self, request_id: str, body: bytes) -> bool:
        return self._post(request_id, ("response", body, ""))

    def invocation_error(self, request_id: str, body: bytes, error_type: str) -> bool:
        return self._post(request_id, ("error", body, error_type))

    def init_error(self, body: bytes, error_type: str) -> None:
        with self._cond:
            self._init_error = (body, error_type)
            self._cond.notify_all()

    # ------------------------------------------------------------------ invocations

    @property
    def invocations(self) -> int:
        """Invocations handed to this sandbox so far (0: it has not had its cold start)."""
        return self._invocations

    @property
    def alive(self) -> bool:
        with self._cond:
            return self._exit_code is None and self._init_error is None and not self._closing

    def close(self) -> None:
        with self._cond:
            if self._closing:
                return
            self._closing = True  # nothing new is handed out from here on
        # The tree first, the runtime API's long poll after: released first, ``/next``
        # answers "shutting down", the runtime exits at once, and whatever the handler
        # started in a session of its own is re-parented away before it can be found.
        kill_process_tree(self.process)
        with self._cond:
            self._cond.notify_all()
        self._reader.join(1.0)  # it logs the rest of the output, up to end of file
        self.drain(final=True)
        with self._out_lock:
            self._out_closed = True
            if self.process.stdout:
                self.process.stdout.close()
        self.api.close()

    def invoke(self, invocation: Invocation, timeout_s: float, memory_mb: int) -> InvokeOutcome:
        from smoke.local.reports import InvocationReport

        report = InvocationReport(self, invocation.request_id, timeout_s, memory_mb)
        cold = self._invocations == 0
        self._invocations += 1
        with self._cond:
            self._cond.wait_for(
                lambda: (
                    self._ready_at is not None
                    or self._init_error is not None
                    or self._exit_code is not None
                ),
                timeout=INIT_LIMIT_S,
            )
            ready_at, init_error, exit_code = self._ready_at, self._init_error, self._exit_code
        init_ms = ((ready_at or time.perf_counter()) - self._started) * 1000 if cold else None
        if init_error is not None or ready_at is None:
            return report.init_failed(init_ms or 0.0, init_error, exit_code)
        started = time.perf_counter()
        self.drain()  # the init phase's output before START, even when the reader thread lags
        self.log.write(f"START RequestId: {invocation.request_id} Version: {self.version}")
        with self._cond:
            self._current, self._result = invocation.request_id, None
            self._pending = invocation
            self._cond.notify_all()
            self._cond.wait_for(
                lambda: self._result is not None or self._exit_code is not None,
                timeout=timeout_s,
            )
            result, exit_code = self._result, self._exit_code
            self._current = None
        duration_ms = (time.perf_counter() - started) * 1000
        if result is None and exit_code is None:
            return report.timed_out(duration_ms, init_ms)
        if result is None:
            return report.exited(duration_ms, init_ms, exit_code or 0)
        return report.finished(duration_ms, init_ms, result)

    def timeout_line(self, request_id: str, timeout_s: float) -> str:
        return f"{iso_timestamp(time.time())} {request_id} Task timed out after {timeout_s:.2f} seconds"


def kill_process_tree(process: subprocess.Popen[bytes]) -> None:
    """Kill a function process and everything it started, now.

    The sandbox leads its own session and process group (``start_new_session``), but a
    handler may start a process in a session of its own (``start_new_session=True``, a
    daemon): its descendants are found through ``/proc`` (parent pids, and anything left in
    the sandbox's session), stopped so they cannot fork any more while they are collected,
    then killed with the group.
    """
    tree: set[int] = set()
    for _ in range(5):  # stop what is found, look again for what it started meanwhile
        found = _descendants(process.pid) - tree
        if not found:
            break
        for pid in found:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGSTOP)
        tree |= found
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # the child leads its group: pgid == pid
    for pid in tree:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    if process.poll() is None:
        process.kill()
    process.wait()


def _descendants(root: int) -> set[int]:
    """The processes below ``root`` (by parent pid) and in its session, from ``/proc``."""
    parents: dict[int, int] = {}
    in_session: set[int] = set()
    try:
        entries = os.listdir("/proc")
    except OSError:  # no /proc (macOS): the process group is all we can reach
        return set()
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode("utf-8", "replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()  # after "pid (comm) "
        if len(fields) < 4:
            continue
        pid, ppid, sid = int(entry), int(fields[1]), int(fields[3])
        parents[pid] = ppid
        if sid == root and pid != root:
            in_session.add(pid)
    found = set(in_session)
    frontier = {root, *in_session}
    while frontier:
        children = {pid for pid, ppid in parents.items() if ppid in frontier} - found - {root}
        found |= children
        frontier = children
    return found


def init_start_line(full_version: str | None = None) -> str:
    """Lambda's first line of a cold start, before any output of the init phase
    (``full_version``: of the Python that runs the function; smoke's by default)."""
    major, minor, micro = (full_version or ".".join(map(str, sys.version_info[:3]))).split(".")[:3]
    version = f"{major}.{minor}"
    return (
        f"INIT_START Runtime Version: python:{version}.v{micro}\t"
        f"Runtime Version ARN: arn:aws:lambda:local::runtime:python{version}-smoke-local"
    )


def new_request_id() -> str:
    return str(uuid.uuid4())
