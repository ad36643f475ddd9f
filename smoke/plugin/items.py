"""pytest collection for smoke: suite files, one item per check, one log-scan item per function.

Tree: ``suites/api.yaml`` (SuiteFile) -> ``backend-api`` (SuiteNode) -> ``health`` (CheckItem),
so a check's node id is ``suites/api.yaml::backend-api::health``. Tags are markers, so ``-m``
selects checks.

The log scan: ``smoke.yaml`` (LogScanFile, added to the session's collection, so pytest's
"collected N items" counts it) -> ``log-scan`` -> one ``LogScanItem`` per function of the
suites being collected, ``smoke.yaml::log-scan::<function>``. Selection (``-k``, ``-m``, ...)
applies to checks: a function's scan item follows its checks, and is deselected with them
when none of them is selected (``--smoke-no-log-scan`` drops the scan). Scan items run last.
What the scan waits for is the final item list (``pytest_collection_finish``), after every
plugin has deselected (``--lf``, ``--sw``, ...). Only public pytest API, in the style of
pytest's ``doc/en/example/nonpython``.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from smoke.errors import ConfigError
from smoke.model import Check, Outcome, Suite
from smoke.plugin.render import (
    CheckFailed,
    LogScanFailed,
    findings_for,
    render_check_failure,
    render_scan_failure,
)
from smoke.plugin.state import SKIP_REASON, PluginState, state_of, stop_after_failures

LOG_SCAN = "log-scan"
_MARKER_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")


def _suite_files(state: PluginState) -> set[Path]:
    if state.suite_files is None:
        found: set[Path] = set()
        base = state.settings.config_path.parent  # suites live beside smoke.yaml
        for pattern in state.settings.suite_globs:
            full = pattern if os.path.isabs(pattern) else str(base / pattern)
            found.update(Path(p).resolve() for p in glob.glob(full, recursive=True))
        state.suite_files = found
    return state.suite_files


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> SuiteFile | None:
    state = state_of(parent.config)
    if file_path.suffix in (".yaml", ".yml") and file_path.resolve() in _suite_files(state):
        return SuiteFile.from_parent(parent, path=file_path)
    return None


def _tag_marker(config: pytest.Config, state: PluginState, tag: str) -> pytest.MarkDecorator | None:
    if not _MARKER_NAME.match(tag):
        return None
    if tag not in state.markers:
        state.markers.add(tag)
        config.addinivalue_line("markers", f"{tag}: smoke suite/check tag")
    return getattr(pytest.mark, tag)


class SuiteFile(pytest.File):
    def collect(self) -> Iterator[SuiteNode]:
        from smoke.errors import SmokeError
        from smoke.loading.plan import build_plan
        from smoke.loading.routes import expand_suites, suite_functions
        from smoke.loading.suites import load_suite

        state = state_of(self.config)
        try:
            # without --smoke-env nothing runs: an unset ${VAR} must not break collection
            suite = load_suite(self.path, require_env=state.settings.enabled)
            if state.config is not None and state.env is not None:
                if suite.routes is not None:  # one item per route of this environment
                    suite = expand_suites(state.config, state.env, [suite])[0]
                build_plan(state.config, state.env.name, [suite])  # every function is defined
        except SmokeError as exc:  # a source of routes AWS or the function could not give
            raise self.CollectError(str(exc)) from None
        state.redactor.add(*suite.secrets)
        state.notes.extend(suite.notes)
        state.suite_functions[self.path.resolve()] = suite_functions(suite)
        yield SuiteNode.from_parent(self, name=suite.name, suite=suite)


class SuiteNode(pytest.Collector):
    def __init__(self, *, suite: Suite, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite = suite

    def collect(self) -> Iterator[CheckItem]:
        state = state_of(self.config)
        checks = list(self.suite.checks)
        if self.suite.routes is not None and not state.settings.enabled:
            checks.append(_routes_placeholder(self.suite))  # routes depend on the environment
        for check in checks:
            item = CheckItem.from_parent(self, name=check.name, check=check)
            if not state.settings.enabled:  # a skip mark reports the check's own YAML line
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))
            for tag in check.tags:
                marker = _tag_marker(self.config, state, tag)
                if marker is not None:
                    item.add_marker(marker)
            yield item


def _routes_placeholder(suite: Suite) -> Check:
    """What stands for a suite's routes when no environment says which they are (skipped)."""
    from smoke.model import Request

    spec = suite.routes
    assert spec is not None
    return Check(suite=suite.name, name=f"routes from {spec.source}", function=spec.function,
                 event=spec.event or "apigw-rest", request=Request(), expect=spec.expect,
                 tags=spec.tags, location=spec.location)


class CheckItem(pytest.Item):
    def __init__(self, *, check: Check, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check

    def setup(self) -> None:
        if not state_of(self.config).settings.enabled:  # with `-p no:skipping`
            pytest.skip(SKIP_REASON)

    def runtest(self) -> None:
        state = state_of(self.config)
        result = state.session().run_one(self.check, state.logical)
        if result.outcome is not Outcome.PASSED:
            raise CheckFailed(result)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        if isinstance(excinfo.value, CheckFailed):
            state_of(self.config).learn_shared()  # what other workers' checks were answered
            return render_check_failure(
                excinfo.value.result, state_of(self.config).redactor, self.config.rootpath
            )
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, max(0, self.check.location.line - 1), self.check.id


# ------------------------------------------------------------------------ the log scan


def _in_run(path: Path, config: pytest.Config) -> bool:
    """Is ``path`` one of pytest's arguments, or inside one (``config.args``)?"""
    here = config.invocation_params.dir
    for arg in config.args:
        target = (here / arg.split("::", 1)[0]).resolve()
        if path == target or target in path.parents:
            return True
    return False


def _functions_of_run(state: PluginState, config: pytest.Config) -> list[str]:
    """The functions of the suites that this session collects (in whatever order it does)."""
    from smoke.loading.routes import suite_functions
    from smoke.loading.suites import load_suite

    functions: set[str] = set()
    for path in sorted(_suite_files(state)):
        if not _in_run(path, config):
            continue
        if path not in state.suite_functions:
            try:
                suite = load_suite(path, require_env=False)
            except ConfigError:
                continue  # its SuiteFile reports the error
            state.suite_functions[path] = suite_functions(suite)
        functions |= state.suite_functions[path]
    return sorted(functions)


class LogScanFile(pytest.File):
    """The log scan's place in the tree: the configuration file (smoke.yaml)."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        yield LogScanGroup.from_parent(self, name=LOG_SCAN)


class LogScanGroup(pytest.Collector):
    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        for function in _functions_of_run(state_of(self.config), self.config):
            yield LogScanItem.from_parent(self, name=function, function=function)


class LogScanItem(pytest.Item):
    def __init__(self, *, function: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.function = function

    def runtest(self) -> None:
        state = state_of(self.config)
        if self.function not in state.logical:  # e.g. --lf kept the scan but none of its checks
            pytest.skip(f"no check of function {self.function} runs in this session")
        scan = state.session().scan(state.logical, state.check_nodeids,
                                    stop_after_failures(self.config))
        findings, errors = findings_for(self.function, scan)
        if findings or errors:
            raise LogScanFailed(self.function, findings, errors)
        refused = state.session().refused().get(self.function)
        if refused:  # nothing ran, nothing to scan: its checks say why
            pytest.skip(f"not scanned: {refused}")

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        if isinstance(excinfo.value, LogScanFailed):
            state_of(self.config).learn_shared()
            return render_scan_failure(excinfo.value, state_of(self.config).redactor)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{LOG_SCAN}::{self.function}"


def _log_scan_file(session: pytest.Session, state: PluginState) -> LogScanFile:
    assert state.config is not None
    path = Path(state.config.path).resolve()
    try:
        nodeid = path.relative_to(session.config.rootpath).as_posix()
    except ValueError:  # a configuration outside the rootdir
        nodeid = path.name
    return LogScanFile.from_parent(session, path=path, nodeid=nodeid)


# ------------------------------------------------------------------------------- hooks


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """The session collects smoke.yaml's log-scan items after its arguments (counted)."""
    report = yield
    if isinstance(collector, pytest.Session) and report.passed:
        state = state_of(collector.config)
        if state.scans_logs:
            report.result.append(_log_scan_file(collector, state))
    return report


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> Generator[None, None, None]:
    """Selection (-k, -m, ...) applies to checks; a scan item follows its function's checks."""
    scans = [i for i in items if isinstance(i, LogScanItem)]
    if scans:
        items[:] = [i for i in items if not isinstance(i, LogScanItem)]
    result = yield
    selected = {i.check.function for i in items if isinstance(i, CheckItem)}
    kept = [s for s in scans if s.function in selected]
    dropped = [s for s in scans if s.function not in selected]
    items.extend(kept)
    if dropped:
        state_of(config).scans_deselected = len(dropped)
        config.hook.pytest_deselected(items=dropped)
    return result


@pytest.hookimpl(tryfirst=True)  # before xdist sends the collection to the controller
def pytest_collection_finish(session: pytest.Session) -> None:
    """What the scan waits for: the checks of the final item list, after every deselection."""
    state = state_of(session.config)
    items = session.items
    scans = [i for i in items if isinstance(i, LogScanItem)]
    if scans and items[len(items) - len(scans):] != scans:  # e.g. --ff moved a failed scan
        items[:] = [*(i for i in items if not isinstance(i, LogScanItem)), *scans]
    checks = [i for i in items if isinstance(i, CheckItem)]
    state.check_nodeids = [i.nodeid for i in checks]
    state.logical = sorted({i.check.function for i in checks})
    if state.shared is not None:  # the report accounts for every one, run or not
        state.shared.write_planned(state.worker, [i.check for i in checks])


def pytest_report_collectionfinish(config: pytest.Config) -> Sequence[str]:
    state = state_of(config)
    lines = [f"smoke: note: {note}" for note in dict.fromkeys(state.notes)]
    if state.scans_deselected:
        lines.append(f"smoke: {state.scans_deselected} log-scan item(s) deselected with all of "
                     "their function's checks (-k and -m select checks; a function's log scan "
                     "follows its checks)")
    return lines
