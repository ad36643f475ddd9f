"""The gate's phases: pre-check the candidate, promote (optionally via a canary),
post-check through the alias, roll back; restore on interrupt or crash.

Each phase is an ordinary ``Runner`` run (same plan, guard, transport, log scan and
verdicts as ``smoke run``) with ``--qualifier`` overrides; the gate only decides what to
do with the aliases between phases. A signal sets the shared stop event: the running
phase ends at once (its checks marked not run), and the gate restores every alias it
touched before it exits 130 / 143.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from smoke.errors import SmokeError
from smoke.gate.aliases import AliasKeeper, find_targets, gated_functions, lambda_client
from smoke.gate.model import (
    HELD,
    PLANNED,
    PROMOTED,
    RESTORED,
    ROLLED_BACK,
    SKIPPED,
    UNCHANGED,
    Decision,
    GateOptions,
    Target,
)
from smoke.gate.report import GateRecord, PhaseRecorder, print_decisions, write_reports
from smoke.model import CheckResult, Environment, Outcome, ScanResult
from smoke.redact import Redactor
from smoke.runner import Runner, RunOptions, RunOutcome, load_plan
from smoke.signals import SIGNAL_EXIT, Signals


class Interrupted(Exception):
    pass


class NotStarted(Exception):
    """A mistake found before the gate touched anything (configuration, suites): the CLI
    prints it once and exits 2; no report is written (the previous run's are removed)."""

    def __init__(self, error: SmokeError) -> None:
        super().__init__(str(error))
        self.error = error


def first_problem(results: Sequence[CheckResult], scan: ScanResult | None, logical: str,
                   versions: set[str] | None = None) -> str | None:
    """Why ``logical`` failed a phase (None: it did not). With ``versions``, only checks that
    ran on those versions count (a canary's old version is not the candidate's fault)."""
    bad = []
    for r in results:
        if r.check.function != logical or r.outcome in (Outcome.PASSED, Outcome.NOT_RUN):
            continue
        ran = r.exchange.executed_version if r.exchange else None
        if versions is not None and ran is not None and ran not in versions:
            continue
        first = r.failures[0].message if r.failures else (r.error or r.outcome.value)
        bad.append(f"{r.check.id}: {first}")
    findings = [f for f in (scan.findings if scan else ()) if f.function == logical]
    parts = []
    if bad:
        parts.append(f"{len(bad)} check(s) failed, first {bad[0]}")
    if findings:
        parts.append(f"{len(findings)} log finding(s), first [{findings[0].rule}] "
                     f"{findings[0].line.strip().splitlines()[0]}")
    return "; ".join(parts) or None


class Gate:
    def __init__(self, options: GateOptions, out: IO[str], *, handle_signals: bool = True,
                 redactor: Redactor | None = None) -> None:
        self.options = options
        self.out = out
        self.redactor = redactor or Redactor()
        self.stop = threading.Event()
        self.signals = Signals(self.stop)
        self.handle_signals = handle_signals
        self.config_path = options.config_path
        self.record = GateRecord(options.environment, time.time(), options.config_path,
                                 self.redactor, dry_run=options.dry_run)
        self.env: Environment | None = None
        self.keeper: AliasKeeper | None = None
        self.removed: list[Path] | None = None  # set when the gate did not start
        self.problems: list[str] = []  # reports that could not be written

    # ------------------------------------------------------------------ entry

    def run(self) -> int:
        """The whole gate; the exit code. Reports are written whatever happens once the gate
        started; a mistake found before (configuration, suites) is raised, with no report."""
        report_dir = Path(self.options.report_dir)
        env_name = self.options.environment
        json_path = Path(self.options.json_path) if self.options.json_path else report_dir / f"smoke-gate-{env_name}.json"
        junit_path = Path(self.options.junit_path) if self.options.junit_path else report_dir / f"smoke-gate-{env_name}.xml"
        html_path = Path(self.options.html_path) if self.options.html_path else report_dir / f"smoke-gate-{env_name}.html"
        code = 3
        # the reports are written with the signal handlers still installed (as a run's):
        # a signal once the gate has decided lets them be written
        with self.signals.installed(self.handle_signals):
            try:
                code = self._guarded()
            except NotStarted as exc:
                from smoke.reporters.paths import remove_stale

                self.removed = remove_stale([json_path, junit_path, html_path])
                if self.removed:
                    print("smoke: this gate did not start; removed the previous gate's reports "
                          f"so they cannot pass for this one: {', '.join(map(str, self.removed))}",
                          file=sys.stderr)
                raise exc.error from None
            finally:
                if self.removed is None:
                    self._finish(code, json_path, junit_path, html_path)
        return 3 if self.problems and code == 0 else code

    def _finish(self, code: int, json_path: Path, junit_path: Path, html_path: Path) -> None:
        self.record.exit_code = code
        if not self.options.dry_run:
            self.problems = write_reports(self.record, json_path, junit_path, html_path)
        self.record.notes += self.problems
        paths = {} if self.options.dry_run else {"json": json_path, "junit": junit_path,
                                                 "html": html_path}
        print_decisions(self.out, self.record, paths)

    def _guarded(self) -> int:
        targets: list[Target] = []
        try:
            try:
                targets = self._prepare()
            except SmokeError as exc:
                if exc.exit_code == 2 and self.keeper is None:  # nothing looked up or touched
                    raise NotStarted(exc) from exc
                raise
            if self.options.dry_run:
                return self._plan(targets)
            return self._flow(targets)
        except NotStarted:
            raise
        except BaseException as exc:
            interrupted = isinstance(exc, (Interrupted, KeyboardInterrupt))
            restored = self._restore_all(targets, "interrupted" if interrupted else "crashed")
            if interrupted:
                signal_name = self.signals.received or "SIGINT"
                self.record.interrupted = signal_name
                return SIGNAL_EXIT.get(signal_name, 130)
            if isinstance(exc, SmokeError):
                self.record.notes.append(f"the gate stopped: {exc}")
                print(self.redactor.final(f"smoke: {exc}"), file=sys.stderr)
                return exc.exit_code
            self.record.notes.append(f"the gate crashed: {type(exc).__name__}: {exc}"
                                     + ("; aliases restored" if restored else ""))
            raise

    # ------------------------------------------------------------------ phases

    def _prepare(self) -> list[Target]:
        from smoke.errors import ConfigError
        from smoke.loading.config import load_config

        opts = self.options
        named = load_config(opts.config_path, require_env=False).environments.get(
            opts.environment)
        if named is not None and named.is_local:  # before its suites: no gate runs there
            env = named
            raise ConfigError(
                f"environment {env.name!r} is local: it has no published versions or aliases "
                "for the gate to move",
                env.location,
                hint=f"Rehearse the release through the local runtime's Lambda API instead: "
                f"`smoke local start {env.name} --port 3001`, then gate an environment with "
                "`endpoint_url: http://127.0.0.1:3001` and `functions: api: {name: Api, "
                "qualifier: live}` (README: Rehearse a release locally).",
            )
        _, plan = load_plan(self._run_options({}))  # ConfigError first: nothing touched yet
        env = plan.environment
        self.env = env
        gated = gated_functions(env)
        if not gated:
            raise ConfigError(
                f"environment {env.name!r} has no function with an alias qualifier: the gate "
                "moves aliases",
                env.location,
                hint="Name the alias that takes traffic, e.g. functions: api: "
                "{name: my-api, qualifier: live}.",
            )
        used = {c.function for c in plan.checks}
        lam = lambda_client(env)
        self.keeper = AliasKeeper(lam)
        targets = find_targets(env, gated, opts.versions, lam)
        ready = []
        for t in targets:
            if t.candidate is None:
                self._decide(t, UNCHANGED, t.why, to=t.current)
            elif t.logical not in used:
                self._decide(t, SKIPPED, "no check of the selected suites uses this function: "
                             "it is not moved untested", to=t.current)
            else:
                ready.append(t)
        return ready

    def _plan(self, targets: list[Target]) -> int:
        opts = self.options
        for t in targets:
            steps = [f"pre-check version {t.candidate} by number"]
            if opts.canary_percent:
                steps.append(f"canary {opts.canary_percent:g}% for {opts.canary_s:g}s with "
                             "checks through the alias")
            steps += [f"point {t.alias} at {t.candidate}", "post-check through the alias",
                      f"roll back to {t.current} on failure"]
            self._decide(t, PLANNED, "; ".join(steps))
        return 0

    def _flow(self, targets: list[Target]) -> int:
        if not targets:
            return 0
        code = self._precheck(targets)
        if code:
            return code
        assert self.keeper is not None
        if self.options.canary_percent:
            code = self._canary(targets)
            if code:
                return code
        for t in targets:
            self.keeper.point(t, str(t.candidate))
        self._check_stop()
        post = self._phase("post-check", "the suites through the alias", {})
        self._check_stop()
        failed = {t.logical: first_problem(post.results, post.scan, t.logical) for t in targets}
        if post.exit_code != 0 and not any(failed.values()):
            failed = {t.logical: post.message or f"the post-check exited {post.exit_code}"
                      for t in targets}
        if any(failed.values()):
            self._roll_back(targets, failed, "post-check")
            return 1 if post.exit_code in (0, 1) else post.exit_code
        rounds = sum(1 for p in self.record.phases if p.name.startswith("canary-"))
        passed = "pre-check, " + (f"canary ({rounds} round(s)) " if rounds else "") + "and post-check"
        for t in targets:
            self.keeper.forget(t)
            self._decide(t, PROMOTED, f"{passed} passed on version {t.candidate}", "post-check")
        return 0

    def _precheck(self, targets: list[Target]) -> int:
        pins = {t.logical: str(t.candidate) for t in targets}
        pre = self._phase("pre-check", "the suites against the candidate version(s) by number: "
                          + ", ".join(f"{k}={v}" for k, v in pins.items()), pins)
        self._check_stop()
        if pre.exit_code == 0:
            return 0
        problems = {t.logical: first_problem(pre.results, pre.scan, t.logical) for t in targets}
        general = pre.message or f"the pre-check exited {pre.exit_code}"
        for t in targets:
            own = problems[t.logical]
            others = [k for k, v in problems.items() if v and k != t.logical]
            why = (f"pre-check of version {t.candidate} failed: {own}" if own
                   else f"held with the others: {', '.join(others)} failed the pre-check" if others
                   else f"pre-check of version {t.candidate} did not pass: {general}")
            self._decide(t, HELD, why + f"; alias {t.alias} left at {t.current}", "pre-check")
        return 1 if pre.exit_code in (0, 1) else pre.exit_code

    def _canary(self, targets: list[Target]) -> int:
        from smoke.gate.canary import run_canary

        return run_canary(self, targets)

    # ------------------------------------------------------------------ helpers

    def _run_options(self, pins: dict[str, str], log_scan: bool = True) -> RunOptions:
        opts = self.options
        return RunOptions(
            environment=opts.environment, suites=opts.suites, config_path=opts.config_path,
            tags=opts.tags, concurrency=opts.concurrency, log_scan=opts.log_scan and log_scan,
            log_wait_s=opts.log_wait_s, allow_mutations=opts.allow_mutations,
            handle_signals=False, log_dir=str(Path(opts.report_dir) / "logs"),
            qualifiers=tuple(f"{k}={v}" for k, v in pins.items()),
        )

    def _phase(self, name: str, description: str, pins: dict[str, str],
               log_scan: bool = True) -> RunOutcome:
        from smoke.reporters.console import ConsoleReporter

        self.out.write(f"\n== {name}: {description}\n")
        self.out.flush()
        recorder = PhaseRecorder(name, description, self.redactor)
        self.record.phases.append(recorder)
        console = ConsoleReporter(self.out, self.redactor, live=False, exit_line=False)
        outcome = Runner(self._run_options(pins, log_scan), [recorder, console],
                         redactor=self.redactor, stop=self.stop).run()
        recorder.exit_code = outcome.exit_code
        return outcome

    def _check_stop(self) -> None:
        if self.stop.is_set():
            raise Interrupted()

    def _decide(self, t: Target, decision: str, why: str, phase: str = "",
                to: str | None = None) -> None:
        self.record.decisions.append(Decision(
            t.logical, t.name, t.alias, t.current, to if to is not None else t.candidate,
            decision, why, phase,
        ))

    def _roll_back(self, targets: list[Target], failed: dict[str, str | None], phase: str) -> None:
        assert self.keeper is not None
        for t in targets:
            problem = self.keeper.restore(t)
            own = failed.get(t.logical)
            why = (f"{phase} of version {t.candidate} failed: {own}" if own
                   else f"rolled back with the others ({phase} failed for "
                        f"{', '.join(k for k, v in failed.items() if v)})")
            if problem:
                self._decide(t, ROLLED_BACK, f"{why}; RESTORING THE ALIAS FAILED: {problem}", phase)
            else:
                self._decide(t, ROLLED_BACK, f"{why}; alias {t.alias} back at {t.current}", phase)

    def _restore_all(self, targets: list[Target], how: str) -> bool:
        """After an interrupt or a crash: every touched alias back as it was."""
        if self.keeper is None:
            return False
        touched = set(self.keeper.touched())
        restored = False
        for t in targets:
            if (t.name, t.alias) not in touched:
                if how == "interrupted" and not any(d.function == t.logical for d in self.record.decisions):
                    self._decide(t, HELD, f"the gate was {how} before alias {t.alias} was moved")
                continue
            problem = self.keeper.restore(t)
            weights = ", ".join(f"{v}: {w:.0%}" for v, w in t.routing.items())
            before = f"version {t.current}" + (f" with weights {weights}" if weights else "")
            if problem:
                self._decide(t, RESTORED, f"the gate was {how}; RESTORING THE ALIAS FAILED: "
                             f"{problem}")
            else:
                restored = True
                self._decide(t, RESTORED, f"the gate was {how}: alias {t.alias} restored to "
                             f"{before}")
        return restored


def run_gate(options: GateOptions, out: IO[str], *, handle_signals: bool = True,
             redactor: Redactor | None = None) -> int:
    return Gate(options, out, handle_signals=handle_signals, redactor=redactor).run()
