"""Collection: suite files become items named after suite and check, at the check's YAML line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from plugin_project import HTTP_SUITE, LoopbackApi


def test_items_are_named_after_suite_and_check_and_located_at_its_line(
    pytester: pytest.Pytester, http_project: LoopbackApi
) -> None:
    items, _ = pytester.inline_genitems("suites")
    assert [i.nodeid for i in items] == [
        "suites/api.yaml::backend-api::health",
        "suites/api.yaml::backend-api::providers answers without auth",
        "suites/api.yaml::backend-api::dashboard",
    ]
    lines = HTTP_SUITE.splitlines()
    assert lines[4] == "  - name: health"  # line 5 of the file
    assert items[0].location == ("suites/api.yaml", 4, "backend-api::health")
    assert items[2].location[1] == lines.index("  - name: dashboard")
    path, line, name = items[1].reportinfo()
    assert (Path(path).name, line, name) == ("api.yaml", 8, "backend-api::providers answers without auth")


def test_tags_are_markers_that_select_with_strict_markers(
    pytester: pytest.Pytester, http_project: LoopbackApi
) -> None:
    items, _ = pytester.inline_genitems("suites")
    assert items[0].get_closest_marker("critical") is not None
    assert items[0].get_closest_marker("api") is not None  # the suite's tag too
    assert items[1].get_closest_marker("critical") is None
    result = pytester.runpytest("suites", "--strict-markers", "-m", "critical",
                                "--smoke-env", "web", "-v")
    result.assert_outcomes(passed=1, deselected=2)
    result.stdout.fnmatch_lines(["*suites/api.yaml::backend-api::health PASSED*"])
    assert http_project.requests == [("GET", "/health")]


def test_yaml_outside_the_configured_globs_is_not_collected(
    pytester: pytest.Pytester, http_project: LoopbackApi
) -> None:
    data = pytester.path / "tests" / "data" / "suites"
    data.mkdir(parents=True)
    (data / "other.yaml").write_text(HTTP_SUITE.replace("backend-api", "test-data"))
    (pytester.path / "elsewhere.yaml").write_text(HTTP_SUITE.replace("backend-api", "x"))
    items, _ = pytester.inline_genitems(".")
    assert {i.nodeid.split("::")[0] for i in items} == {"suites/api.yaml"}


def test_suite_globs_come_from_the_option_or_the_ini_setting(
    pytester: pytest.Pytester, http_project: LoopbackApi
) -> None:
    extra = pytester.path / "smoke-suites"
    extra.mkdir()
    (extra / "extra.yaml").write_text(HTTP_SUITE.replace("backend-api", "extra"))
    items, _ = pytester.inline_genitems(".", "--smoke-suites", "smoke-suites/*.yaml")
    assert {i.nodeid.split("::")[0] for i in items} == {"smoke-suites/extra.yaml"}
    (pytester.path / "pytest.ini").write_text(
        "[pytest]\nsmoke_suites = smoke-suites/*.yaml suites/*.yaml\n"
    )
    items, _ = pytester.inline_genitems(".")
    assert {i.nodeid.split("::")[0] for i in items} == {"smoke-suites/extra.yaml",
                                                         "suites/api.yaml"}


def test_without_smoke_env_checks_are_skipped_with_how_to_enable_them(
    pytester: pytest.Pytester, http_project: LoopbackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMOKE_TOKEN")  # an unset ${VAR} must not break a plain pytest run
    result = pytester.runpytest("suites", "-rs")
    result.assert_outcomes(skipped=3)
    result.stdout.fnmatch_lines(["*pass --smoke-env ENV to run smoke checks*"])
    assert http_project.requests == []
    assert "log-scan" not in result.stdout.str()


def test_an_invalid_suite_is_a_collection_error_with_file_and_line(
    pytester: pytest.Pytester, http_project: LoopbackApi
) -> None:
    (pytester.path / "suites" / "bad.yaml").write_text(textwrap.dedent("""\
        suite: bad
        function: api
        checks:
          - name: typo
            get: /health
            expect: {stauts: 200}
        """))
    result = pytester.runpytest("suites", "--smoke-env", "web")
    result.assert_outcomes(errors=1)  # pytest stops at collection errors, as for any test file
    assert result.ret == pytest.ExitCode.INTERRUPTED
    out = result.stdout.str()
    assert "suites/bad.yaml:6" in out
    assert "stauts" in out
    assert "Traceback" not in out


def test_an_unknown_environment_is_a_usage_error_with_a_suggestion(
    pytester: pytest.Pytester, http_project: LoopbackApi
) -> None:
    result = pytester.runpytest("suites", "--smoke-env", "wbe")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "no environment 'wbe'" in err
    assert "web" in err
    assert http_project.requests == []


def test_a_check_naming_an_undefined_function_is_a_collection_error(
    pytester: pytest.Pytester, http_project: LoopbackApi
) -> None:
    (pytester.path / "suites" / "api.yaml").write_text(HTTP_SUITE.replace("function: api",
                                                                          "function: apx"))
    result = pytester.runpytest("suites", "--smoke-env", "web")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*uses function 'apx'*does not define*"])


def test_a_project_in_a_subdirectory_finds_its_own_smoke_yaml_and_suites(
    pytester: pytest.Pytester, http_project: LoopbackApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the rootdir (pytester.path) has a project; a nested one, run from its own
    # directory, uses its own smoke.yaml and the suites beside it (as `smoke run` does)
    pytester.makeini("[pytest]\n")
    nested = pytester.path / "services" / "billing"
    (nested / "suites").mkdir(parents=True)
    (nested / "smoke.yaml").write_text((pytester.path / "smoke.yaml").read_text())
    (nested / "suites" / "billing.yaml").write_text(HTTP_SUITE.replace("backend-api", "billing"))
    monkeypatch.chdir(nested)
    result = pytester.runpytest("suites", "--smoke-env", "web", "-v")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*billing.yaml::billing::health PASSED*"])
    assert "backend-api::" not in result.stdout.str()
