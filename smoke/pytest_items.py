"""pytest collection for smoke: suite files, one item per check, one log-scan item per function.

Tree: ``suites/api.yaml`` (SuiteFile) -> ``backend-api`` (SuiteNode) -> ``health`` (CheckItem),
so a check's node id is ``suites/api.yaml::backend-api::health``. After selection (``-m``,
``-k``, ...) one ``LogScanItem`` per function of the selected checks is appended last, under
``smoke.yaml::log-scan::<function>``: the scan runs once after the checks, and its findings
are test failures in ``--junitxml``. Tags are markers, so ``-m`` selects checks.
Only public pytest API, in the style of pytest's ``doc/en/example/nonpython``.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from smoke.errors import ConfigError
from smoke.model import Check, Outcome, Suite
from smoke.pytest_render import (
    CheckFailed,
    LogScanFailed,
    findings_for,
    render_check_failure,
    render_scan_failure,
)
from smoke.pytest_state import SKIP_REASON, PluginState, state_of

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
        from smoke.plan import build_plan
        from smoke.suites import load_suite

        state = state_of(self.config)
        try:
            # without --smoke-env nothing runs: an unset ${VAR} must not break collection
            suite = load_suite(self.path, require_env=state.settings.enabled)
            if state.config is not None and state.env is not None:
                build_plan(state.config, state.env.name, [suite])  # every function is defined
        except ConfigError as exc:
            raise self.CollectError(str(exc)) from None
        state.redactor.add(*suite.secrets)
        yield SuiteNode.from_parent(self, name=suite.name, suite=suite)


class SuiteNode(pytest.Collector):
    def __init__(self, *, suite: Suite, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite = suite

    def collect(self) -> Iterator[CheckItem]:
        state = state_of(self.config)
        for check in self.suite.checks:
            item = CheckItem.from_parent(self, name=check.name, check=check)
            for tag in check.tags:
                marker = _tag_marker(self.config, state, tag)
                if marker is not None:
                    item.add_marker(marker)
            yield item


class CheckItem(pytest.Item):
    def __init__(self, *, check: Check, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.check = check

    def setup(self) -> None:
        if not state_of(self.config).settings.enabled:
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
            return render_check_failure(
                excinfo.value.result, state_of(self.config).redactor, self.config.rootpath
            )
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, max(0, self.check.location.line - 1), self.check.id


class LogScanFile(pytest.File):
    """The log scan's place in the tree: the configuration file (smoke.yaml)."""

    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        return iter(())  # its items are made after selection (see the module docstring)


class LogScanItem(pytest.Item):
    def __init__(self, *, function: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.function = function

    def runtest(self) -> None:
        state = state_of(self.config)
        scan = state.session().scan(state.logical, state.check_nodeids)
        findings, errors = findings_for(self.function, scan)
        if findings or errors:
            raise LogScanFailed(self.function, findings, errors)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        if isinstance(excinfo.value, LogScanFailed):
            return render_scan_failure(excinfo.value, state_of(self.config).redactor)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"{LOG_SCAN}::{self.function}"


def _log_scan_items(session: pytest.Session, state: PluginState) -> list[LogScanItem]:
    assert state.config is not None
    path = Path(state.config.path).resolve()
    try:
        nodeid = path.relative_to(session.config.rootpath).as_posix()
    except ValueError:  # a configuration outside the rootdir
        nodeid = path.name
    file = LogScanFile.from_parent(session, path=path, nodeid=nodeid)
    group = _Group.from_parent(file, name=LOG_SCAN)
    return [LogScanItem.from_parent(group, name=f, function=f) for f in state.logical]


class _Group(pytest.Collector):
    def collect(self) -> Iterator[pytest.Item | pytest.Collector]:
        return iter(())


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> Generator[None, None, None]:
    result = yield  # selection (-m, -k, ...) and reordering by other plugins happen inside
    state = state_of(config)
    checks = [i for i in items if isinstance(i, CheckItem)]
    state.check_nodeids = [i.nodeid for i in checks]
    state.logical = sorted({i.check.function for i in checks})
    if state.scans_logs and state.logical:
        items.extend(_log_scan_items(session, state))
    return result
