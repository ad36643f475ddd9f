"""The plugin's options and per-run state, and the session hooks (configure, finish, xdist).

State lives in ``config.stash`` (never in module globals: pytester runs pytest inside
pytest). With ``--smoke-env`` the controller creates the shared directory and passes it to
every xdist worker (``pytest_configure_node``); at the end it writes the one JSON report and
removes the directory. Each process closes its own transport and local runtime.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from smoke.errors import ConfigError, SmokeError
from smoke.model import Config, Environment
from smoke.plugin.session import Settings, SmokeSession, write_reports
from smoke.plugin.shared import SharedDir
from smoke.redact import Redactor

SKIP_REASON = "pass --smoke-env ENV to run smoke checks"
DEFAULT_SUITES = ("suites/*.yaml", "suites/*.yml")
SHARED_DIR_KEY = "smoke_shared_dir"
REPORT_NOT_WRITTEN = 3  # the exit code of `smoke run` when a report cannot be written


@dataclass
class PluginState:
    settings: Settings
    redactor: Redactor
    worker: str = "main"  # "gw0", ... under xdist
    config: Config | None = None
    env: Environment | None = None
    shared: SharedDir | None = None
    suite_files: set[Path] | None = None
    markers: set[str] = field(default_factory=set)
    check_nodeids: list[str] = field(default_factory=list)  # the check items that run
    logical: list[str] = field(default_factory=list)  # their functions
    suite_functions: dict[Path, set[str]] = field(default_factory=dict)  # per suite file
    scans_deselected: int = 0  # log-scan items deselected with all of their checks
    notes: list[str] = field(default_factory=list)  # what generating routes had to say
    _session: SmokeSession | None = None
    _learned_offsets: dict[str, int] = field(default_factory=dict)  # SharedDir.new_results

    def learn_shared(self) -> None:
        """Learn the secrets of every check answered so far in any process of the run (a
        Set-Cookie answered on another xdist worker), as `smoke run`'s reporters learn them
        from the events: before a failure is rendered, and on the controller before a
        worker's report is printed or goes to --junitxml."""
        if self.shared is None:
            return
        from smoke.reporters import learn
        from smoke.run_events import CheckFinished

        for result in self.shared.new_results(self._learned_offsets):
            learn(self.redactor, CheckFinished(result))

    @property
    def is_controller(self) -> bool:
        return self.worker == "main"

    @property
    def scans_logs(self) -> bool:
        # as `smoke run`: on for via invoke, off for via http, unless smoke.yaml's log_scan
        return self.env is not None and self.settings.log_scan and self.env.scans_logs

    def session(self) -> SmokeSession:
        if self._session is None:
            assert self.config is not None and self.env is not None and self.shared is not None
            self._session = SmokeSession(
                self.settings, self.config, self.env, self.redactor, self.shared, self.worker
            )
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


STATE_KEY = pytest.StashKey[PluginState]()


def state_of(config: pytest.Config) -> PluginState:
    return config.stash[STATE_KEY]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smoke", "smoke: post-deploy smoke checks of AWS Lambda functions")
    group.addoption("--smoke-env", metavar="ENV", default=None,
                    help="environment of smoke.yaml to run the suites' checks against "
                         "(without it, smoke checks are collected and skipped)")
    group.addoption("--smoke-config", metavar="PATH", default=None,
                    help="the smoke configuration (default: smoke.yaml in the current directory, "
                         "else in the rootdir)")
    group.addoption("--smoke-suites", metavar="GLOB", action="append", default=None,
                    help="suite files to collect, relative to smoke.yaml's directory "
                         f"(repeatable; default: {' '.join(DEFAULT_SUITES)})")
    group.addoption("--smoke-json", metavar="PATH", default=None,
                    help="write smoke's JSON report of the whole run (all xdist workers) here")
    group.addoption("--smoke-html", metavar="PATH", default=None,
                    help="write smoke's HTML report of the whole run (all xdist workers) here")
    group.addoption("--allow-mutations", action="store_true", default=False,
                    help="run checks declared `mutates: true` in protected environments")
    group.addoption("--smoke-no-log-scan", action="store_true", default=False,
                    help="skip the log scan after the checks")
    group.addoption("--smoke-log-wait", metavar="SECONDS", type=float, default=None,
                    help="how long the log scan waits for log lines to arrive")
    group.addoption("--smoke-qualifier", metavar="Q|FN=Q", action="append", default=[],
                    help="run against this version or alias (every function, or FN=Q for one)")
    parser.addini("smoke_suites", "suite file globs, relative to smoke.yaml's directory", type="args",
                  default=list(DEFAULT_SUITES))
    parser.addini("smoke_config", "the smoke configuration file, relative to the rootdir",
                  default="")
    parser.addini("smoke_json", "smoke's JSON report, relative to the rootdir", default="")
    parser.addini("smoke_html", "smoke's HTML report, relative to the rootdir", default="")
    parser.addini("smoke_log_wait", "seconds the log scan waits for log lines", default="")
    parser.addini("smoke_log_scan", "scan the functions' logs after the checks", type="bool",
                  default=True)


def _default_config(here: Path, root: Path) -> Path:
    """smoke.yaml where pytest was started (as `smoke run` looks), else in the rootdir."""
    return here / "smoke.yaml" if (here / "smoke.yaml").is_file() else root / "smoke.yaml"


def _settings(config: pytest.Config) -> Settings:
    from smoke.runner import DEFAULT_LOG_WAIT_S

    here, root = config.invocation_params.dir, config.rootpath

    def path(option: str, ini: str) -> Path | None:
        value = config.getoption(option)
        if value:
            return (here / value).resolve()
        value = config.getini(ini)
        return (root / value).resolve() if value else None

    wait = config.getoption("smoke_log_wait")
    if wait is None:
        try:
            wait = float(config.getini("smoke_log_wait") or DEFAULT_LOG_WAIT_S)
        except ValueError:
            raise pytest.UsageError(
                f"smoke_log_wait: expected seconds, got {config.getini('smoke_log_wait')!r}"
            ) from None
    if not 0 <= wait <= 3600:  # also NaN; more than an hour overflows nothing but is a typo
        raise pytest.UsageError(
            f"--smoke-log-wait / smoke_log_wait: expected 0 to 3600 seconds, got {wait:g}"
        )
    return Settings(
        environment=config.getoption("smoke_env"),
        config_path=path("smoke_config", "smoke_config") or _default_config(here, root),
        suite_globs=tuple(config.getoption("smoke_suites") or config.getini("smoke_suites")),
        json_path=path("smoke_json", "smoke_json"),
        html_path=path("smoke_html", "smoke_html"),
        allow_mutations=bool(config.getoption("allow_mutations")),
        log_scan=not config.getoption("smoke_no_log_scan") and bool(config.getini("smoke_log_scan")),
        log_wait_s=float(wait),
    )


def pytest_configure(config: pytest.Config) -> None:
    settings = _settings(config)
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    state = PluginState(settings, Redactor())
    if workerinput is not None:
        state.worker = str(workerinput.get("workerid", "gw"))
    config.stash[STATE_KEY] = state
    if not settings.enabled:
        return
    from smoke.loading.config import load_config
    from smoke.loading.plan import build_plan
    from smoke.qualifiers import apply_qualifiers, parse_qualifiers

    try:
        state.config = load_config(settings.config_path)
        env = build_plan(state.config, str(settings.environment), []).environment
        option = "--smoke-qualifier"
        qualifiers = parse_qualifiers(config.getoption("smoke_qualifier") or [], option)
        state.env = apply_qualifiers(env, qualifiers, option)
    except ConfigError as exc:
        raise pytest.UsageError(f"smoke: {exc}") from None
    state.redactor.add(*state.config.secrets, *state.env.secrets)
    if workerinput is not None and workerinput.get(SHARED_DIR_KEY):
        state.shared = SharedDir(Path(workerinput[SHARED_DIR_KEY]))
    else:
        state.shared = SharedDir.create()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist (controller): every worker uses the controller's shared directory."""
    state = state_of(node.config)
    if state.shared is not None:
        node.workerinput[SHARED_DIR_KEY] = str(state.shared.path)


@pytest.hookimpl(wrapper=True)
def pytest_report_from_serializable(
    config: pytest.Config, data: dict[str, Any]
) -> Generator[None, Any, Any]:
    """xdist (controller): a worker's report, masked again with every secret the run has
    learned so far, before the terminal or --junitxml sees it (the worker that rendered
    it may not have seen the check whose answer made a value secret)."""
    report = yield
    state = config.stash.get(STATE_KEY, None)
    if state is not None and state.shared is not None and isinstance(report, pytest.TestReport):
        state.learn_shared()
        _mask_report(report, state.redactor)
    return report


def _mask_report(report: pytest.TestReport, redactor: Redactor) -> None:
    """A report's text (its failure and captured sections) through ``Redactor.final``."""
    if isinstance(report.longrepr, str):
        report.longrepr = redactor.final(report.longrepr)
    report.sections = [(title, redactor.final(text)) for title, text in report.sections]


def stop_after_failures(config: pytest.Config) -> int:
    """After how many failed reports pytest stops the run (-x, --maxfail, --sw); 0: never."""
    maxfail = int(config.getoption("maxfail", 0) or 0)
    if config.getoption("stepwise", False) or config.getoption("stepwise_skip", False):
        stepwise = 2 if config.getoption("stepwise_skip", False) else 1
        maxfail = min(maxfail, stepwise) if maxfail else stepwise
    return maxfail


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Every failure of the run, across processes: a scan waiting for checks that -x (or
    --maxfail, --sw) will never run stops waiting once the run is stopping."""
    report = yield
    state = state_of(item.config)
    if state.shared is not None and report.failed:
        state.shared.mark_failed(f"{report.nodeid}::{report.when}")
    return report


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Every check item that finished, however it ended: the log scan waits for them all."""
    state = state_of(item.config)
    if state.shared is not None and item.nodeid in state.check_nodeids:
        state.shared.mark_done(item.nodeid)


def _mask_again(config: pytest.Config, redactor: Redactor) -> None:
    """pytest's stored reports (its summary is printed after this hook) and the --junitxml
    file (written by now), masked with every secret the run has learned: a check that
    answered a Set-Cookie after a failure showing that value was rendered."""
    from smoke.reporters import write_atomic

    reporter = config.pluginmanager.get_plugin("terminalreporter")
    for reports in getattr(reporter, "stats", {}).values():
        for report in reports:
            if isinstance(report, pytest.TestReport):
                _mask_report(report, redactor)
    xmlpath = getattr(config.option, "xmlpath", None)
    if xmlpath:
        path = config.invocation_params.dir / os.path.expanduser(os.path.expandvars(xmlpath))
        with contextlib.suppress(OSError, UnicodeDecodeError):
            text = path.read_text(encoding="utf-8")
            masked = redactor.final(text)
            if masked != text:
                write_atomic(path, masked)


@pytest.hookimpl(trylast=True)  # after --junitxml is written, before pytest's summary
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = state_of(session.config)
    state.close()
    if not state.is_controller or state.shared is None:
        return
    try:
        state.learn_shared()
        _mask_again(session.config, state.redactor)
        json_path, html_path = state.settings.json_path, state.settings.html_path
        wanted = json_path is not None or html_path is not None
        if wanted and state.env is not None and state.config is not None:
            from smoke.model import ScanResult

            if state.env.scans_logs and not state.settings.log_scan:
                state.shared.write_scan(ScanResult(skipped=True))
            try:
                interrupted = "SIGINT" if exitstatus == pytest.ExitCode.INTERRUPTED else None
                write_reports(json_path, html_path, state.shared, state.env, state.config,
                              state.redactor, interrupted=interrupted)
            except (OSError, SmokeError) as exc:
                reporter = session.config.pluginmanager.get_plugin("terminalreporter")
                if reporter is not None:
                    reporter.write_line(f"smoke: could not write a report: {exc}", red=True)
                # as `smoke run`: a run whose report could not be written is not a clean run
                session.exitstatus = REPORT_NOT_WRITTEN
    finally:
        state.shared.remove()
