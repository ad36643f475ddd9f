"""The run, start to finish: shared by the CLI and the pytest plugin.

load config + suites -> plan -> mutation guard -> functions (discovery, or the
local runtime, or none for http) -> RunStarted -> engine -> log scan ->
RunFinished. Handlers (reporters) see every event; ``shutdown()`` is always
called, also on interrupt, so reports are complete with what finished.

Exit codes: 0 healthy; 1 a check failed/errored or the log scan found errors;
2 invalid suite/config or refused checks; 3 the harness could not do its job
(credentials, discovery, unreachable endpoint, a log scan that could not run);
130 / 143 interrupted by SIGINT / SIGTERM.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from smoke import gcpolicy
from smoke.dataclass_code import DataclassCode
from smoke.errors import HarnessError, SmokeError
from smoke.model import (
    Check,
    CheckResult,
    Config,
    Environment,
    FunctionRef,
    Outcome,
    ScanResult,
)
from smoke.redact import Redactor
from smoke.run_events import (
    CheckFinished,
    EventHandler,
    RunEvent,
    RunFinished,
    RunStarted,
    ScanFinished,
)
from smoke.signals import SIGNAL_EXIT, Signals

if TYPE_CHECKING:
    from smoke.loading.plan import Plan
    from smoke.logscan import LogSource
    from smoke.logscan.budget import ScanBudget
    from smoke.transports import Transport

_code = DataclassCode(__file__)  # the dataclasses' methods: compiled once per install

T = TypeVar("T")
DEFAULT_LOG_WAIT_S = 10.0
CLOCK_SKEW_S = 5.0  # the log window starts this long before the run (CloudWatch)


@dataclass(frozen=True)
class RunOptions:
    environment: str
    suites: tuple[str, ...] = ()  # suite files or names; empty: every suites/*.yaml
    config_path: str = "smoke.yaml"
    tags: tuple[str, ...] = ()
    concurrency: int | None = None  # None: engine.DEFAULT_CONCURRENCY
    log_scan: bool = True
    log_wait_s: float = DEFAULT_LOG_WAIT_S
    allow_mutations: bool = False
    deadline_s: float | None = None
    http_timeout_s: float = 10.0
    handle_signals: bool = True  # only ever installed from the main thread
    log_dir: str | None = None  # local runtime logs; default: reports/logs beside the config
    qualifiers: tuple[str, ...] = ()  # --qualifier Q / FN=Q: a version or alias to run against
    functions: tuple[str, ...] = ()  # only the checks of these logical functions (the hook)


@dataclass(frozen=True)
class RunOutcome:
    exit_code: int
    results: tuple[CheckResult, ...] = ()
    scan: ScanResult | None = None
    interrupted: str | None = None
    message: str | None = None  # what went wrong, for stderr (already redacted)
    functions: Mapping[str, FunctionRef] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what generating routes had to say (catch-alls, ...)


def smoke_version() -> str:
    from smoke import __version__

    return __version__


def python_version() -> str:
    """``platform.python_version()`` ("3.12.1", "3.13.0rc2"), without importing
    ``platform`` (it compiles nine regular expressions at import: ~3 ms of every start).
    ``platform`` reads it from ``sys.version`` too: its first word (CPython's and
    PyPy's), with ``.0`` added to a version of two parts."""
    version = sys.version.split(maxsplit=1)[0]
    return version + ".0" if version.count(".") == 1 else version


def run_meta(config: Config, env: Environment) -> dict[str, Any]:
    """What RunStarted says about the run (versions, transport, config): CLI and plugin."""
    return {
        "smoke_version": smoke_version(),
        "python_version": python_version(),
        "transport": env.via,  # "invoke" | "http" (the schema allows no other)
        "config": str(config.path),
        "region": env.region,
        # links to the CloudWatch console only for real AWS (not local, LocalStack or moto)
        "aws_console": not env.is_local and not env.endpoint_url,
    }


def load_plan(options: RunOptions) -> tuple[Config, Plan]:
    """Config, suites and the plan for ``options``; raises ConfigError (exit 2)."""
    from smoke.loading.config import load_config
    from smoke.loading.plan import build_plan, find_suites, load_suites

    config = load_config(options.config_path)
    qualifiers: dict[str | None, str] = {}
    if options.qualifiers:  # --qualifier: smoke.qualifiers (and its regex) only then
        from smoke.qualifiers import parse_qualifiers

        qualifiers = parse_qualifiers(options.qualifiers)
    suites = load_suites(find_suites(options.config_path, options.suites))
    env = config.environments.get(options.environment)
    if env is not None and any(s.routes is not None for s in suites):
        from smoke.loading.routes import expand_suites

        log_dir = Path(options.log_dir) if options.log_dir else None
        suites = expand_suites(config, env, suites, log_dir=log_dir)
    plan = build_plan(config, options.environment, suites, options.tags)
    if qualifiers:
        from smoke.qualifiers import apply_qualifiers

        plan = replace(plan, environment=apply_qualifiers(plan.environment, qualifiers))
    if options.functions:
        checks = tuple(c for c in plan.checks if c.function in options.functions)
        names = {c.suite for c in checks}
        plan = replace(plan, checks=checks, suites=tuple(s for s in plan.suites if s.name in names))
    return config, plan


def exit_code_for(results: Sequence[CheckResult], scan: ScanResult | None) -> int:
    if results and all(r.not_executed_by_aws for r in results):
        return 3  # AWS refused every invocation (AccessDenied, ServiceException): no verdict
    if any(r.outcome in (Outcome.FAILED, Outcome.ERROR) for r in results):
        return 1
    if scan is not None and scan.findings:
        return 1
    if scan is not None and scan.errors:
        return 3
    if any(r.outcome is Outcome.NOT_RUN for r in results):
        return 1
    return 0


class Runner:
    def __init__(
        self,
        options: RunOptions,
        handlers: Sequence[EventHandler] = (),
        *,
        redactor: Redactor | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.options = options
        self.handlers = list(handlers)
        self.redactor = redactor or Redactor()
        self.stop = stop or threading.Event()
        self.hurry = threading.Event()  # a second signal: no grace period
        self._signals = Signals(self.stop, self.hurry)
        self._lock = threading.Lock()
        self._stack = contextlib.ExitStack()  # what connect() opened; closed after the reports
        self.notes: tuple[str, ...] = ()
        self._started = False
        self._scanning = False  # a hard interrupt now leaves a scan that did not finish
        from smoke.reporters import RunRecord

        self._record = RunRecord()  # what the handlers were told, for a hard interrupt

    @property
    def started(self) -> bool:
        """Whether the run got as far as RunStarted (its reports say what happened)."""
        return self._started

    def emit(self, event: RunEvent) -> None:
        if isinstance(event, RunStarted):
            self._started = True
        self._record.record(event)
        with self._lock:
            for handler in self.handlers:
                handler.handle_event(event)

    def run(self) -> RunOutcome:
        """The run; reports are written (``shutdown``) before anything is closed.

        Closing the transport and the local runtime comes last, so an interrupted run
        has complete reports on disk even if a check is still stuck in I/O.
        """
        for handler in self.handlers:
            handler.start()
        try:
            # the reports are written with the handlers still installed: a signal once the
            # checks are done (a CI job cancelled) lets this run's reports be written,
            # instead of killing the process and leaving the previous run's on disk
            with self._signals.installed(self.options.handle_signals):
                try:
                    outcome = self._run()
                except KeyboardInterrupt:  # a third signal, or Ctrl-C without our handlers
                    cut = self._cut_short()
                    if cut is None:
                        raise
                    outcome = cut
                finally:
                    problems = self._shutdown_handlers()
                    if problems:
                        raise HarnessError("; ".join(problems))
        finally:
            self._stack.close()
        return outcome

    def _cut_short(self) -> RunOutcome | None:
        """Finish a run that a hard interrupt cut short: the reports still get every
        check (the rest not run), the scan that was under way as one that did not
        finish, the signal's exit code and ``interrupted``."""
        record = self._record
        if record.started is None or record.finished is not None:
            return None
        received = self._signals.received or "SIGINT"
        code = SIGNAL_EXIT.get(received, 130)
        scan = record.scan
        if scan is None and self._scanning:
            scan = ScanResult(errors=("the log scan was interrupted before it finished",))
            self.emit(ScanFinished(scan))
        results = tuple(record.results())
        started = record.started
        self.emit(RunFinished(started.environment, results, scan, started.started_at,
                              time.time(), code, received))
        return RunOutcome(code, results, scan, received, f"interrupted ({received})",
                          dict(started.functions))

    def _shutdown_handlers(self) -> list[str]:
        """Shut every handler down; a report that could not be written is never silent."""
        from smoke.reporters.paths import writing_set

        problems: list[str] = []
        paired = [getattr(h, "path", None) for h in self.handlers if getattr(h, "paired", False)]
        with writing_set(p for p in paired if isinstance(p, Path)):
            for handler in self.handlers:
                if problems and hasattr(handler, "report_problems"):
                    handler.report_problems = list(problems)  # the console says so, exit 3
                try:
                    handler.shutdown()
                except OSError as exc:
                    problems.append(f"could not write a report: {exc}")
        return problems

    def _finish(
        self, env: str, checks: Sequence[CheckResult], scan: ScanResult | None, started: float,
        code: int, message: str | None, functions: Mapping[str, FunctionRef],
        interrupted: str | None = None,
    ) -> RunOutcome:
        if self._signals.received:
            interrupted = self._signals.received
            code = SIGNAL_EXIT.get(interrupted, 130)
        self.emit(RunFinished(env, tuple(checks), scan, started, time.time(), code, interrupted))
        text = self.redactor.text(message) if message else None
        return RunOutcome(code, tuple(checks), scan, interrupted, text, functions, self.notes)

    def _not_run(self, checks: Sequence[Check], why: str) -> list[CheckResult]:
        results = [CheckResult(c, Outcome.NOT_RUN, error=why) for c in checks]
        for r in results:
            self.emit(CheckFinished(r))
        return results

    def _run(self) -> RunOutcome:
        from smoke.engine import DEFAULT_CONCURRENCY, RunAborted, run_checks
        from smoke.guard import refused_checks

        opts = self.options
        config, plan = load_plan(opts)
        self.notes = tuple(n for s in plan.suites for n in s.notes)
        env = plan.environment
        self.redactor.add(*config.secrets, *env.secrets)
        for suite in plan.suites:
            self.redactor.add(*suite.secrets)
        for check in plan.checks:
            self.redactor.add_headers(check.request.headers)
        meta = run_meta(config, env)
        started = time.time()
        refused = refused_checks(plan.checks, env, opts.allow_mutations)
        if refused:
            self.emit(RunStarted(env.name, plan.checks, started, {}, meta))
            reasons = {c.id: why for c, why in refused}
            results = []
            for check in plan.checks:
                if check.id in reasons:
                    r = CheckResult(check, Outcome.REFUSED, error=reasons[check.id])
                else:
                    r = CheckResult(check, Outcome.NOT_RUN,
                                    error="not run: the mutation guard refused checks of this run")
                self.emit(CheckFinished(r))
                results.append(r)
            # why each was refused is in the reports and the console's summary, once
            refusal = (f"refused {len(refused)} check(s); nothing was invoked: "
                       + ", ".join(f"{c.id} ({c.location})" for c, _ in refused))
            return self._finish(env.name, results, None, started, 2, refusal, {})

        stack = self._stack
        base = Path(config.path).resolve().parent
        log_dir = Path(opts.log_dir) if opts.log_dir else base / "reports" / "logs"
        try:
            with _builds_stopped_by(self.stop, env.is_local):
                conn = connect(config, env, [c.function for c in plan.checks], stack,
                               log_dir=log_dir, http_timeout_s=opts.http_timeout_s,
                               concurrency=opts.concurrency or DEFAULT_CONCURRENCY,
                               redact=self.redactor.final, stop=self.stop)
        except SmokeError as exc:
            self.emit(RunStarted(env.name, plan.checks, started, {}, meta))
            results = self._not_run(plan.checks, f"not run: the run could not start: {exc}")
            return self._finish(env.name, results, None, started, exc.exit_code, str(exc), {})
        transport, functions = conn.transport, conn.functions
        self.redactor.add(*conn.secrets)
        if conn.runtime_info:
            meta["local_runtime"] = conn.runtime_info
        self.emit(RunStarted(env.name, plan.checks, started, functions, meta))
        message = None
        aborted = False
        gcpolicy.end_start()  # the checks' answers are the run's garbage: collect again
        try:
            results = run_checks(
                plan.checks, transport, functions, [_Through(self)],
                concurrency=opts.concurrency or DEFAULT_CONCURRENCY,
                deadline_s=opts.deadline_s, stop=self.stop, hurry=self.hurry,
                unavailable=conn.unavailable,
            )
        except RunAborted as exc:
            results, message, aborted = exc.results, f"the run stopped: {exc}", True
        scan: ScanResult | None = None
        if conn.log_source is not None or env.log_scan is not None:
            if not opts.log_scan or conn.log_source is None:
                scan = ScanResult(skipped=True)
            elif not aborted and not self.stop.is_set():
                from smoke.logscan.budget import ScanBudget

                over_http = env.via == "http"
                # the whole scan, waits included, ends at its deadline or at a signal
                budget = ScanBudget.for_wait(opts.log_wait_s, self.stop)
                self._scanning = True
                if over_http:  # no Lambda request ids to wait for: give ingestion its time
                    budget.wait(opts.log_wait_s)
                scan = scan_run(env, scan_refs(functions, results), conn.log_source(),
                                started=started, request_ids=request_ids_of(results),
                                wait_s=0 if over_http else opts.log_wait_s,
                                all_streams=over_http, budget=budget,
                                invoked=invoked_without_ids(results, over_http))
                self._scanning = False
                results = attach_findings(results, scan)
            if scan is not None:
                self.emit(ScanFinished(scan))
        interrupted = None
        if any(r.outcome is Outcome.NOT_RUN for r in results) and opts.deadline_s is not None:
            interrupted = "deadline"
            message = message or f"the deadline of {opts.deadline_s:g}s passed; some checks did not run"
        code = 3 if aborted else exit_code_for(results, scan)
        if code == 3 and not message and results and all(r.not_executed_by_aws for r in results):
            message = ("AWS refused or failed every invocation (see each check's error): "
                       "the harness could not do its job; no check has a verdict")
        if scan is not None and scan.errors and not message:
            message = "THE LOG SCAN COULD NOT RUN: " + "; ".join(scan.errors)
        return self._finish(env.name, results, scan, started, code, message, functions,
                            interrupted)



class _Through:
    """The engine's events through ``Runner.emit``: recorded before the handlers see them,
    so a hard interrupt's reports keep every check that had finished (they were all
    "not run: the run ended early" when the engine called the handlers directly)."""

    def __init__(self, runner: Runner) -> None:
        self.handle_event = runner.emit

    def start(self) -> None:
        pass

    def shutdown(self) -> None:
        pass


def _builds_stopped_by(stop: threading.Event, local: bool) -> contextlib.AbstractContextManager[None]:
    """A local run's builds (pip) stop with the run (SIGINT/SIGTERM)."""
    if not local:
        return contextlib.nullcontext()
    from smoke.local.build import stopped_by

    return stopped_by(stop)


@dataclass
class Connection:
    """Where a run's checks go: the transport, the functions, and where their logs are."""

    transport: Transport
    functions: dict[str, FunctionRef]
    log_source: Callable[[], LogSource] | None  # None: no log scan (via http)
    runtime_info: dict[str, Any] = field(default_factory=dict)  # local runtime only
    unavailable: dict[str, str] = field(default_factory=dict)  # logical -> why it cannot run
    secrets: tuple[str, ...] = ()  # e.g. the credentials given to local functions


def connect(
    config: Config, env: Environment, logical: Sequence[str], stack: contextlib.ExitStack,
    *, log_dir: Path, http_timeout_s: float = 10.0, redact: Callable[[str], str] | None = None,
    stop: threading.Event | None = None,
    concurrency: int = 16,
) -> Connection:
    """Discovery (or the local runtime) once, before any check; everything opened is
    closed by ``stack``. Shared by ``smoke run`` and the pytest plugin. ``stop`` (a
    signal) ends a slow discovery at once: ``DiscoveryInterrupted``."""
    if env.via == "http":
        from smoke.transports.http import HttpTransport

        if not env.base_url:
            raise HarnessError(f"environment {env.name!r} uses via: http but has no base_url")
        http = HttpTransport(env.base_url, timeout_s=http_timeout_s)
        stack.callback(http.close)
        if not env.scans_logs:
            return Connection(http, {}, None)
        # log_scan: true over http: the functions behind the URL are found as for invoke,
        # and their logs read after the checks
        from smoke.discovery import discover
        from smoke.logscan.cloudwatch import CloudWatchSource

        found = interruptible(lambda: discover(env, sorted(set(logical))), stop, "discovery")
        return Connection(http, dict(found), lambda: CloudWatchSource(env))
    from smoke.transports.invoke import InvokeTransport

    if env.is_local:
        from smoke.local import start_local_runtime

        base = Path(config.path).resolve().parent
        try:
            runtime = start_local_runtime(
                env, base_dir=base, log_dir=log_dir, redact=redact, concurrency=concurrency
            )
        except OSError as exc:  # e.g. the log directory cannot be created
            raise HarnessError(f"cannot start the local runtime: {exc}") from exc
        stack.callback(runtime.close)
        transport = InvokeTransport(env, endpoint_url=runtime.endpoint_url)
        stack.callback(transport.close)
        functions = {k: v for k, v in runtime.functions.items() if k in set(logical)}
        info = {k: v for k, v in runtime.runtime_info.items() if k in functions}
        refused = {
            k: f"not run locally: {why}"
            for k, why in runtime.refused.items() if k in set(logical)
        }  # fmt: skip
        source = runtime.log_source if env.scans_logs else None
        return Connection(transport, functions, source, info, refused, runtime.secrets)
    from smoke.discovery import discover
    from smoke.logscan.cloudwatch import CloudWatchSource

    functions = interruptible(lambda: discover(env, sorted(set(logical))), stop, "discovery")
    transport = InvokeTransport(env)
    stack.callback(transport.close)
    if not env.scans_logs:  # log_scan: false in smoke.yaml
        return Connection(transport, dict(functions), None)
    return Connection(transport, dict(functions), lambda: CloudWatchSource(env))


class DiscoveryInterrupted(HarnessError):
    """A signal came while a slow AWS call was still finding the functions."""


def interruptible(call: Callable[[], T], stop: threading.Event | None, what: str) -> T:
    """``call()`` in a worker thread, given up at once when ``stop`` is set (a signal):
    a slow AWS call must not hold an interrupted run past its grace period. The thread
    is a daemon; the process exits without waiting for it."""
    if stop is None or threading.current_thread() is not threading.main_thread():
        return call()
    done = threading.Event()
    outcome: list[Any] = []

    def work() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # handed to the caller's thread
            outcome.append((False, exc))
        finally:
            done.set()

    threading.Thread(target=work, name=f"smoke-{what}", daemon=True).start()
    while not done.wait(0.05):
        if stop.is_set():
            raise DiscoveryInterrupted(f"interrupted during {what}")
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def scan_run(
    env: Environment, functions: Sequence[FunctionRef], source: LogSource, *,
    started: float, request_ids: Mapping[str, str], wait_s: float, all_streams: bool = False,
    budget: ScanBudget | None = None, invoked: Collection[str] = (),
) -> ScanResult:
    """The log scan after a run's checks; never raises: a scan that could not run says so."""
    from smoke.logscan.rules import DEFAULT_RULES
    from smoke.logscan.scan import scan_logs

    try:
        scan = scan_logs(
            functions, source, start_ms=int(started * 1000), end_ms=None,
            clock_skew_ms=clock_skew_ms(env), rules=(*DEFAULT_RULES, *env.log_rules),
            request_ids=request_ids, wait_s=wait_s, all_streams=all_streams, budget=budget,
            invoked=invoked,
        )
        return without_excluded(scan, getattr(source, "excluded", dict)())
    except SmokeError as exc:
        return ScanResult(errors=(str(exc),))
    except Exception as exc:  # a scan that did not happen is never a clean scan
        return ScanResult(errors=(f"log scan crashed: {type(exc).__name__}: {exc}",))


def without_excluded(scan: ScanResult, excluded: Mapping[str, str]) -> ScanResult:
    """The scan without findings of invocations the local runtime explained itself (an
    interpreter mismatch is not a broken artifact); each explanation becomes a note."""
    counts: dict[str, int] = {}
    kept = []
    for finding in scan.findings:
        reason = excluded.get(finding.request_id or "")
        if reason is None:
            kept.append(finding)
        else:
            counts[reason] = counts.get(reason, 0) + 1
    if not counts:
        return scan
    notes = tuple(f"{n} log finding(s) not counted against the app: {r}" for r, n in counts.items())
    return replace(scan, findings=tuple(kept), notes=(*scan.notes, *notes))


def scan_refs(
    functions: Mapping[str, FunctionRef], results: Sequence[CheckResult]
) -> list[FunctionRef]:
    """The functions to scan, each pinned to the version that actually ran.

    With an alias (``qualifier: live``) any version may have run; the invocations'
    ``X-Amz-Executed-Version`` says which, so the scan reads only that version's streams.
    """
    versions: dict[str, set[str]] = {}
    for r in results:
        if r.exchange is not None and r.exchange.executed_version:
            versions.setdefault(r.check.function, set()).add(r.exchange.executed_version)
    refs = []
    for logical in sorted(functions):
        ref = functions[logical]
        ran = versions.get(logical, set())
        if ref.qualifier and not ref.qualifier.isdigit() and len(ran) == 1:
            (version,) = ran
            if version.isdigit():
                ref = replace(ref, qualifier=version)
        refs.append(ref)
    return refs


def invoked_without_ids(results: Sequence[CheckResult], over_http: bool) -> set[str]:
    """The functions that answered a check without a Lambda request id to wait for (all of
    them over HTTP): their logs must still show a line of the run, or the scan was blind."""
    return {
        r.check.function for r in results
        if r.exchange is not None and (over_http or not r.exchange.request_id)
    }


def request_ids_of(results: Sequence[CheckResult]) -> dict[str, str]:
    """Lambda request id -> check id, for attributing log lines to checks."""
    return {
        r.exchange.request_id: r.check.id
        for r in results if r.exchange is not None and r.exchange.request_id
    }


def clock_skew_ms(env: Environment) -> int:
    """How far before the run's start the log scan's window begins.

    CloudWatch stamps lines with AWS's clock, which may be a little off ours. Local log
    files are stamped by this machine's own clock and appended to by every run, so a
    margin there would pick up the previous run's lines.
    """
    return 0 if env.is_local else int(CLOCK_SKEW_S * 1000)


def attach_findings(results: Sequence[CheckResult], scan: ScanResult) -> list[CheckResult]:
    """Give each result the findings attributed to it by request id."""
    by_check: dict[str, list[Any]] = {}
    for finding in scan.findings:
        if finding.check_id:
            by_check.setdefault(finding.check_id, []).append(finding)
    return [
        replace(r, findings=(*r.findings, *by_check[r.check.id])) if r.check.id in by_check else r
        for r in results
    ]


def run(
    options: RunOptions, handlers: Sequence[EventHandler] = (), *, redactor: Redactor | None = None
) -> RunOutcome:
    """Run ``options`` with ``handlers``; ConfigError propagates (exit 2)."""
    return Runner(options, handlers, redactor=redactor).run()


_code.close()
del _code
