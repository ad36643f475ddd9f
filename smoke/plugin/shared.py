"""The directory that the processes of one pytest run share (all xdist workers and the controller).

The controller creates it (``tempfile.mkdtemp``: only this user can read it) and hands it
to every worker through ``workerinput``; a serial run is its own controller. Layout::

    info-<worker>.pickle    what a process prepared: functions, local log dir, start time
    planned-<worker>.pickle the checks of a process's final item list
    results/<key>.pickle    the CheckResult of every check that ran
    index-<pid>.txt         the keys of the results a process wrote, one a line, in order
                            (what others learn secrets from: a Set-Cookie answered there)
    done/<key>              every check item that finished, however it ended
    failed/<key>            every failed report (-x, --maxfail: the run is stopping)
    scan.lock, scan.pickle  the one log scan of the run (whoever takes the lock runs it)

Files are written to a temporary name and renamed, so a reader never sees half a file.
The controller merges everything into the JSON report and removes the directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smoke.model import Check, CheckResult, FunctionRef, ScanResult

_POLL_S = 0.05


@dataclass(frozen=True)
class ProcessInfo:
    """What one process prepared for its checks (written once, at preparation)."""

    worker: str
    started_at: float
    transport: str
    functions: dict[str, FunctionRef] = field(default_factory=dict)
    log_dir: str | None = None  # local runtime: where its functions' logs go
    problem: str | None = None  # preparation failed (discovery, credentials...)
    unavailable: dict[str, str] = field(default_factory=dict)  # logical -> why it cannot run


def key_of(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


class SharedDir:
    def __init__(self, path: Path) -> None:
        self.path = path
        for sub in ("results", "done", "failed"):
            (path / sub).mkdir(parents=True, exist_ok=True)

    @classmethod
    def create(cls) -> SharedDir:
        return cls(Path(tempfile.mkdtemp(prefix="smoke-pytest-")))

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    # ------------------------------------------------------------------ files

    def _write(self, path: Path, value: Any) -> None:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(value))
        os.replace(tmp, path)

    @staticmethod
    def _read(path: Path) -> Any:
        return pickle.loads(path.read_bytes())

    def write_info(self, info: ProcessInfo) -> None:
        self._write(self.path / f"info-{info.worker}.pickle", info)

    def infos(self) -> list[ProcessInfo]:
        return [self._read(p) for p in sorted(self.path.glob("info-*.pickle"))]

    def write_planned(self, worker: str, checks: list[Check]) -> None:
        """The checks of a process's final item list (what the report must account for)."""
        self._write(self.path / f"planned-{worker}.pickle", checks)

    def planned(self) -> list[Check]:
        found: dict[str, Check] = {}
        for path in sorted(self.path.glob("planned-*.pickle")):
            for check in self._read(path):
                found.setdefault(check.id, check)
        return list(found.values())

    def write_result(self, result: CheckResult) -> None:
        key = key_of(result.check.id)
        self._write(self.path / "results" / f"{key}.pickle", result)
        with (self.path / f"index-{os.getpid()}.txt").open("a", encoding="ascii") as fh:
            fh.write(f"{key}\n")  # in the order written (``new_results``)

    def results(self) -> list[CheckResult]:
        found = [self._read(p) for p in (self.path / "results").glob("*.pickle")]
        return sorted(found, key=lambda r: (r.check.location.file, r.check.location.line))

    def new_results(self, offsets: dict[str, int]) -> list[CheckResult]:
        """The results written since the last call with ``offsets`` (how far each process's
        index has been read; updated): what the checks of other processes were answered.
        Reads only what is new, so a worker can call it before every failure it renders."""
        found: list[CheckResult] = []
        for index in self.path.glob("index-*.txt"):
            try:
                with index.open("rb") as fh:
                    fh.seek(offsets.get(index.name, 0))
                    data = fh.read()
            except OSError:
                continue  # removed at the end of the run
            done = data.rfind(b"\n") + 1  # complete lines only: a writer may be mid-line
            offsets[index.name] = offsets.get(index.name, 0) + done
            for key in data[:done].decode("ascii").split():
                with contextlib.suppress(OSError, EOFError, pickle.UnpicklingError):
                    found.append(self._read(self.path / "results" / f"{key}.pickle"))
        return found

    def mark_done(self, nodeid: str) -> None:
        (self.path / "done" / key_of(nodeid)).touch()

    def missing(self, nodeids: Collection[str]) -> list[str]:
        done = {p.name for p in (self.path / "done").iterdir()}
        return [n for n in nodeids if key_of(n) not in done]

    def mark_failed(self, report_id: str) -> None:
        (self.path / "failed" / key_of(report_id)).touch()

    def failures(self) -> int:
        return sum(1 for _ in (self.path / "failed").iterdir())

    def wait_done(
        self, nodeids: Collection[str], idle_timeout_s: float, stop_after_failures: int = 0
    ) -> list[str]:
        """Wait until every item in ``nodeids`` is done, or nothing finished for a while,
        or the run has ``stop_after_failures`` failures (``-x``: the rest will not run).

        Returns the ones still missing (a crashed worker, ``-x`` stopping the run...).
        """
        missing = self.missing(nodeids)
        last_change = time.monotonic()
        while missing and time.monotonic() - last_change < idle_timeout_s:
            if stop_after_failures and self.failures() >= stop_after_failures:
                break
            time.sleep(_POLL_S)
            now_missing = self.missing(missing)
            if len(now_missing) != len(missing):
                last_change = time.monotonic()
            missing = now_missing
        return missing

    # ------------------------------------------------------------ the one scan

    def scan(self) -> ScanResult | None:
        path = self.path / "scan.pickle"
        return self._read(path) if path.exists() else None

    def write_scan(self, scan: ScanResult) -> None:
        self._write(self.path / "scan.pickle", scan)

    def scan_once(self, run_scan: Callable[[], ScanResult], timeout_s: float) -> ScanResult:
        """Run ``run_scan`` in exactly one process of the run; the others read its result."""
        result_path = self.path / "scan.pickle"
        lock = self.path / "scan.lock"
        deadline = time.monotonic() + timeout_s
        while True:
            found = self.scan()
            if found is not None:
                return found
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if time.monotonic() > deadline:
                    return ScanResult(errors=("the log scan of another worker did not finish "
                                              f"within {timeout_s:g}s",))
                time.sleep(_POLL_S)
                continue
            with contextlib.suppress(OSError):
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
            try:
                result = run_scan()
            except BaseException as exc:  # never leave the others waiting for nothing
                self._write(result_path, ScanResult(errors=(f"log scan crashed: {exc!r}",)))
                raise
            self._write(result_path, result)
            return result
