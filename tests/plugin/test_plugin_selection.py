"""Selection and reporting: --lf and -x never leave the log scan waiting, the scan items are
counted and follow the checks, failure headlines say why, skips point at the YAML line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml
from plugin_project import SECRET, LoopbackApi

from smoke.plugin.shared import SharedDir

LOCAL = ("suites", "--smoke-env", "local", "--smoke-log-wait", "10")


def test_lf_after_a_failing_run_waits_only_for_the_checks_that_run(
    pytester: pytest.Pytester, local_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    idle_s = 120.0  # a scan waiting for the deselected checks would wait this long
    monkeypatch.setattr("smoke.plugin.session.CHECKS_IDLE_TIMEOUT_S", idle_s)
    monkeypatch.setenv("COLUMNS", "300")
    first = pytester.runpytest(*LOCAL)
    first.assert_outcomes(passed=5, failed=2)  # providers, and api's log scan

    started = time.monotonic()
    rerun = pytester.runpytest(*LOCAL, "--lf", "-v", "-rA")
    elapsed = time.monotonic() - started
    # lastfailed deselects after smoke's collection hook; the scan must not wait for those
    # (waiting for them is the idle timeout, then the "had not finished" note below): not a
    # speed bound, so a loaded machine does not fail it
    assert elapsed < idle_s, f"the --lf run took {elapsed:.1f}s: the scan waited for deselected checks"
    rerun.assert_outcomes(failed=2, deselected=5)
    rerun.stdout.fnmatch_lines([
        "*collected 7 items / 5 deselected / 2 selected",
        "*suites/api.yaml::backend-api::providers FAILED*",
        "*smoke.yaml::log-scan::api FAILED*",
        "FAILED smoke.yaml::log-scan::api - log scan of function api: 1 finding(s): "
        "?module-not-found? ?ERROR? ModuleNotFoundError*",
    ])
    assert "had not finished when the log scan started" not in rerun.stdout.str()


def test_a_waiting_scan_stops_when_the_run_has_reached_maxfail(tmp_path: Path) -> None:
    shared = SharedDir(tmp_path)
    shared.mark_done("a")
    started = time.monotonic()
    assert shared.wait_done(["a", "b"], 0.3) == ["b"]  # idle timeout: b never finished
    assert time.monotonic() - started >= 0.3
    shared.mark_failed("a::call")
    started = time.monotonic()
    # -x: one failure stops the run, so b will never run: no waiting at all
    assert shared.wait_done(["a", "b"], 30, stop_after_failures=1) == ["b"]
    assert time.monotonic() - started < 1
    started = time.monotonic()
    assert shared.wait_done(["a", "b"], 0.3, stop_after_failures=2) == ["b"]  # --maxfail=2
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize(("args", "stop_after"), [
    ((), 0), (("-x",), 1), (("--maxfail=3",), 3), (("--sw",), 1), (("--sw-skip",), 2),
])
def test_the_failures_that_stop_a_run_follow_its_options(
    pytester: pytest.Pytester, args: tuple[str, ...], stop_after: int
) -> None:
    from smoke.plugin.state import stop_after_failures

    config = pytester.parseconfigure(*args)
    assert stop_after_failures(config) == stop_after


def test_scan_items_are_collected_and_counted_and_follow_the_checks(
    pytester: pytest.Pytester, local_project: Path
) -> None:
    result = pytester.runpytest(*LOCAL, "--collect-only", "-q")
    result.stdout.fnmatch_lines([
        "suites/api.yaml::backend-api::health",
        "*",
        "smoke.yaml::log-scan::api",
        "smoke.yaml::log-scan::worker",
        "7 tests collected*",
    ])
    # -k selects checks; the scan items follow them, so `-k log` selects nothing, and says why
    result = pytester.runpytest(*LOCAL, "--collect-only", "-k", "log")
    result.stdout.fnmatch_lines([
        "collected 7 items / 7 deselected / 0 selected",
        "smoke: 2 log-scan item(s) deselected with all of their function's checks*",
    ])
    # a single suite file: only its function's scan is collected
    result = pytester.runpytest("suites/worker.yaml", *LOCAL[1:], "--collect-only", "-q")
    result.stdout.fnmatch_lines(["3 tests collected*"])
    assert "log-scan::api" not in result.stdout.str()


def test_failure_headlines_say_why_in_the_summary_and_in_junitxml(
    pytester: pytest.Pytester, http_project: LoopbackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest("suites", "--smoke-env", "web", f"--junitxml={junit}", "-rA")
    result.assert_outcomes(passed=2, failed=1)
    why = "smoke check backend-api::dashboard failed: expected status 2xx, got 500"
    result.stdout.fnmatch_lines([f"FAILED suites/api.yaml::backend-api::dashboard - {why}*"])
    cases = {c.name: c for s in JUnitXml.fromfile(str(junit)) for c in s}
    failure = next(r for r in cases["dashboard"].result if isinstance(r, Failure))
    assert (failure.message or "").splitlines()[0].startswith(why)
    assert SECRET not in junit.read_text()

    (pytester.path / "suites" / "writes.yaml").write_text(
        "suite: writes\nfunction: api\nchecks:\n  - name: reindex\n    post: /health\n"
    )
    result = pytester.runpytest("suites/writes.yaml", "--smoke-env", "guarded", "-rA")
    result.stdout.fnmatch_lines([
        "FAILED suites/writes.yaml::writes::reindex - smoke check writes::reindex was refused "
        "by the mutation guard (nothing was invoked): *POST is not a read-only method*",
    ])


def test_a_skipped_check_is_reported_at_its_yaml_line(
    pytester: pytest.Pytester, http_project: LoopbackApi
) -> None:
    result = pytester.runpytest("suites", "-rs")
    result.assert_outcomes(skipped=3)
    # pytest folds the skips of one file with one reason (its rule for skip marks)
    result.stdout.fnmatch_lines(["SKIPPED ?3? suites/api.yaml: pass --smoke-env ENV to run*"])
    assert "plugin/items.py" not in result.stdout.str()
