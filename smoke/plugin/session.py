"""The smoke run behind a pytest session: one per process, prepared lazily, shared through files.

Built from the runner's public pieces (the mutation guard, the transports, discovery or
the local runtime, ``engine.execute_check``, the log scan, the JSON reporter), so a check
run by pytest is judged and reported exactly as ``smoke run`` judges and reports it.

- ``prepare()``: the transport and the functions, once per process, before the first check.
- ``run_one(check)``: guard, send, judge; the result goes to the shared directory.
- ``scan(functions)``: the log scan, once for the whole run (see ``SharedDir.scan_once``).
- ``write_reports()``: the controller merges every process's results into one JSON and HTML report.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smoke.errors import CheckNotExecuted, LogScanError, SmokeError
from smoke.logscan import LogEvent
from smoke.model import Check, CheckResult, Config, Environment, FunctionRef, Outcome, ScanResult
from smoke.plugin.shared import ProcessInfo, SharedDir
from smoke.redact import Redactor
from smoke.runner import connect, invoked_without_ids, request_ids_of, scan_refs, scan_run

if TYPE_CHECKING:
    from smoke.logscan import LogSource
    from smoke.transports import Transport

HTTP_TIMEOUT_S = 10.0
CHECKS_IDLE_TIMEOUT_S = 180.0  # the scan waits this long for other workers' next check


@dataclass(frozen=True)
class Settings:
    """The plugin's options, resolved (paths absolute)."""

    environment: str | None
    config_path: Path
    suite_globs: tuple[str, ...]
    json_path: Path | None
    allow_mutations: bool
    log_scan: bool
    log_wait_s: float
    html_path: Path | None = None

    @property
    def enabled(self) -> bool:
        return self.environment is not None



class LocalLogDirs:
    """A ``LogSource`` over the local runtime's log directories of every worker."""

    def __init__(self, log_dirs: Sequence[str]) -> None:
        from smoke.local.logs import LocalLogSource

        self._sources = [LocalLogSource(Path(d)) for d in dict.fromkeys(log_dirs)]

    @property
    def api_calls(self) -> int:
        return sum(s.api_calls for s in self._sources)

    def events(
        self, log_group: str, start_ms: int, end_ms: int,
        filter_pattern: str | None = None, stream_prefixes: Sequence[str] | None = None,
    ) -> Iterator[LogEvent]:
        # each worker's log is its own stream (Lambda's stream names carry "[$LATEST]"),
        # so the scan follows each worker's START..REPORT blocks separately
        problems: list[str] = []
        for index, source in enumerate(self._sources):
            stream = f"local/[$LATEST]{index}" if len(self._sources) > 1 else None
            try:
                for event in source.events(log_group, start_ms, end_ms, filter_pattern):
                    yield replace(event, log_stream=stream) if stream else event
            except LogScanError as exc:
                problems.append(exc.message)
        if len(problems) == len(self._sources):
            raise LogScanError(problems[0] if problems else f"no log directory for {log_group}")


class SmokeSession:
    def __init__(
        self, settings: Settings, config: Config, env: Environment, redactor: Redactor,
        shared: SharedDir, worker: str,
    ) -> None:
        self.settings, self.config, self.env = settings, config, env
        self.redactor, self.shared, self.worker = redactor, shared, worker
        self._stack = contextlib.ExitStack()
        self._prepared = False
        self._problem: SmokeError | None = None
        self._stopped: str | None = None  # a fatal CheckNotExecuted: the rest is not run
        self.transport: Transport | None = None
        self.functions: dict[str, FunctionRef] = {}
        self.unavailable: dict[str, str] = {}  # functions the local runtime refused

    def log_dir(self) -> Path:
        base = Path(self.config.path).resolve().parent / "reports" / "logs"
        return base if self.worker == "main" else base / self.worker

    def prepare(self, logical: Sequence[str]) -> None:
        """Discovery (or the local runtime) once; a failure is remembered, not retried."""
        if not self._prepared:
            self._prepared = True
            started = time.time()
            try:
                conn = connect(self.config, self.env, logical, self._stack,
                               log_dir=self.log_dir(), http_timeout_s=HTTP_TIMEOUT_S,
                               redact=self.redactor.final)
                self.transport, self.functions = conn.transport, conn.functions
                self.unavailable = conn.unavailable
                self.redactor.add(*conn.secrets)
                _warn_about_local_pythons(conn.runtime_info)
            except SmokeError as exc:
                self._problem = exc
            local = self.env.is_local and self.env.via == "invoke"
            self.shared.write_info(ProcessInfo(
                worker=self.worker, started_at=started, transport=self.env.via,
                functions=dict(self.functions), log_dir=str(self.log_dir()) if local else None,
                problem=str(self._problem) if self._problem else None,
                unavailable=dict(self.unavailable),
            ))  # fmt: skip
        if self._problem is not None:
            raise self._problem

    def run_one(self, check: Check, logical: Sequence[str]) -> CheckResult:
        """Guard, send and judge one check; the result is also shared with the controller."""
        from smoke.engine import execute_check
        from smoke.guard import REFUSED, mutation_status
        from smoke.reporters import learn
        from smoke.run_events import CheckFinished

        self.redactor.add_headers(check.request.headers)
        status, reason = mutation_status(check, self.env, self.settings.allow_mutations)
        if status == REFUSED:
            result = CheckResult(check, Outcome.REFUSED, error=reason)
        elif self._stopped is not None:
            result = CheckResult(check, Outcome.NOT_RUN, error=f"not run: {self._stopped}")
        else:
            try:
                self.prepare(logical)
                assert self.transport is not None
                result = execute_check(
                    check, self.transport, self.functions, unavailable=self.unavailable
                )
            except CheckNotExecuted as exc:  # fatal: credentials, unreachable endpoint
                self._stopped = f"the run stopped: {exc}"
                result = CheckResult(check, Outcome.ERROR, error=f"not executed: {exc}")
            except SmokeError as exc:
                result = CheckResult(check, Outcome.ERROR, error=f"not run: {exc}")
        learn(self.redactor, CheckFinished(result))  # before any later check is rendered
        self.shared.write_result(result)
        return result

    def scan(
        self, logical: Sequence[str], check_nodeids: Sequence[str], stop_after_failures: int = 0
    ) -> ScanResult:
        """The log scan of the whole run, exactly once across all workers.

        It waits for the checks of ``check_nodeids`` (the final item list) that other
        processes run, unless the run is stopping (``stop_after_failures`` failures).
        """
        if not self.settings.log_scan:
            return ScanResult(skipped=True)
        missing = self.shared.wait_done(check_nodeids, CHECKS_IDLE_TIMEOUT_S,
                                        stop_after_failures)
        return self.shared.scan_once(
            lambda: self._scan(logical, len(missing)),
            timeout_s=CHECKS_IDLE_TIMEOUT_S + self.settings.log_wait_s + 60,
        )

    def _scan(self, logical: Sequence[str], unfinished: int) -> ScanResult:
        infos = self.shared.infos()
        functions: dict[str, FunctionRef] = {}
        refused: set[str] = set()  # their checks are errors already; nothing ran to scan
        for info in infos:
            functions.update(info.functions)
            refused.update(info.unavailable)
        errors = [f"{name}: not scanned: the function was not found (no check could run)"
                  for name in logical if name not in functions and name not in refused]
        if unfinished:
            errors.append(f"{unfinished} check(s) had not finished when the log scan started")
        wanted = {name: functions[name] for name in set(logical) if name in functions}
        results = self.shared.results()
        refs = scan_refs(wanted, results)
        if not refs:
            return ScanResult(errors=tuple(errors))
        started = min(i.started_at for i in infos)
        source: LogSource
        if self.env.is_local:
            source = LocalLogDirs([i.log_dir for i in infos if i.log_dir])
        else:
            from smoke.logscan.cloudwatch import CloudWatchSource

            source = CloudWatchSource(self.env)
        scan = scan_run(self.env, refs, source, started=started,
                        request_ids=request_ids_of(results),
                        wait_s=self.settings.log_wait_s, all_streams=self.env.via == "http",
                        invoked=invoked_without_ids(results, self.env.via == "http"))
        if errors:
            scan = replace(scan, errors=(*scan.errors, *errors))
        return scan

    def refused(self) -> dict[str, str]:
        """Functions the local runtime refused in any process (logical -> why)."""
        found = dict(self.unavailable)
        for info in self.shared.infos():
            found.update(info.unavailable)
        return found

    def close(self) -> None:
        self._stack.close()


def write_reports(
    json_path: Path | None, html_path: Path | None, shared: SharedDir, env: Environment,
    config: Config, redactor: Redactor, *, interrupted: str | None = None,
) -> None:
    """One JSON and one HTML report for the whole run, from every process's results
    (the controller). Every check of the final item list is in it: one that did not run
    (pytest interrupted, ``-x``) is ``not_run``, never missing; ``interrupted`` ("SIGINT")
    sets the report's exit code (130) and says so."""
    from smoke.loading.suites import load_suite
    from smoke.reporters.html import HtmlReporter
    from smoke.reporters.json_report import JsonReporter
    from smoke.run_events import CheckFinished, RunEvent, RunFinished, RunStarted, ScanFinished
    from smoke.runner import attach_findings, exit_code_for, run_meta
    from smoke.signals import SIGNAL_EXIT

    infos = shared.infos()
    scan = shared.scan()
    results = shared.results()
    ran = {r.check.id for r in results}
    why = ("not run: the pytest session was interrupted" if interrupted
           else "not run: pytest stopped before it (-x, --maxfail, a crash)")
    results += [CheckResult(c, Outcome.NOT_RUN, error=why)
                for c in shared.planned() if c.id not in ran]
    results.sort(key=lambda r: (r.check.location.file, r.check.location.line))
    for file in sorted({r.check.location.file for r in results}):
        with contextlib.suppress(SmokeError):
            redactor.add(*load_suite(file).secrets)
    if scan is not None:
        results = attach_findings(results, scan)
    functions: dict[str, FunctionRef] = {}
    for info in infos:
        functions.update(info.functions)
    started = min((i.started_at for i in infos), default=time.time())
    meta = run_meta(config, env)
    reporters: list[JsonReporter | HtmlReporter] = []
    if json_path is not None:
        reporters.append(JsonReporter(json_path, redactor))
    if html_path is not None:
        reporters.append(HtmlReporter(html_path, redactor))
    events: list[RunEvent] = [
        RunStarted(env.name, tuple(r.check for r in results), started, functions, meta),
        *(CheckFinished(result) for result in results),
        *([ScanFinished(scan)] if scan is not None else []),
        RunFinished(env.name, tuple(results), scan, started, time.time(),
                    SIGNAL_EXIT.get(interrupted, 130) if interrupted
                    else exit_code_for(results, scan), interrupted),
    ]
    for reporter in reporters:
        reporter.start()
        for event in events:
            reporter.handle_event(event)
        reporter.shutdown()


def _warn_about_local_pythons(runtime_info: dict[str, Any]) -> None:
    """A function that runs locally on another Python than it declares is a pytest warning
    (the warnings summary), as it is a console warning of ``smoke run``."""
    import warnings

    for logical, info in sorted(runtime_info.items()):
        for text in info.get("warnings", ()):
            if str(text).startswith("NO PYTHON"):
                warnings.warn(f"smoke: {logical}: {text}", UserWarning, stacklevel=2)
