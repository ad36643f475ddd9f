from __future__ import annotations

import argparse

import pytest
from cli_support import BROKEN_SUITE, HEALTHY_SUITE, ProjectFactory

from smoke.cli import main, parse_duration


def test_validate_prints_ok_per_file(project: ProjectFactory, capsys: pytest.CaptureFixture[str]) -> None:
    config = project({"api": HEALTHY_SUITE, "lazy": BROKEN_SUITE})
    assert main(["validate", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "OK   " in out and "smoke.yaml" in out
    assert "api.yaml (3 check(s))" in out and "lazy.yaml (2 check(s))" in out


def test_validate_needs_no_secrets_but_run_does(
    project: ProjectFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SMOKE_UNSET_TOKEN", raising=False)
    config = project({"auth": "suite: auth\nfunction: api\nchecks:\n  - name: x\n    get: /x\n"
                              "    headers: {Authorization: 'Bearer ${SMOKE_UNSET_TOKEN}'}\n"})
    assert main(["validate", "--config", str(config)]) == 0  # a lint step has no secrets
    assert "note: SMOKE_UNSET_TOKEN is not set (smoke run needs it)" in capsys.readouterr().out
    assert main(["run", "prod", "--config", str(config)]) == 2
    assert "the environment variable SMOKE_UNSET_TOKEN is not set" in capsys.readouterr().err


def test_validate_reports_a_bad_suite_with_exit_2(project: ProjectFactory,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    config = project({"bad": "suite: bad\nfunction: nope\nchecks:\n  - name: x\n    get: /x\n"})
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "Traceback" not in err


def test_list_shows_the_plan_and_mutation_status(project: ProjectFactory,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    config = project({"api": HEALTHY_SUITE, "write": """\
        suite: write
        function: api
        checks:
          - name: delete it
            delete: /things/1
        """})
    assert main(["list", "prod", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "4 check(s) in prod via http (protected)" in out
    health = next(line for line in out.splitlines() if "backend-api::health" in line)
    assert "GET /health" in health and health.rstrip().endswith("safe")
    delete = next(line for line in out.splitlines() if "write::delete it" in line)
    assert "DELETE /things/1" in delete and "refused" in delete


def test_unknown_environment_suggests_a_name(project: ProjectFactory,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    config = project({"api": HEALTHY_SUITE})
    assert main(["run", "prdo", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "prod" in err and "Traceback" not in err


def test_missing_config_is_exit_2(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--config", "/nonexistent/smoke.yaml"]) == 2
    assert "smoke.yaml" in capsys.readouterr().err


@pytest.mark.parametrize(("text", "seconds"), [
    ("90s", 90.0), ("30m", 1800.0), ("2h", 7200.0), ("1d", 86400.0), ("1h30m", 5400.0),
    ("45", 45.0), ("0.5", 0.5),
])
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "30x", "1h 30m", "-5m", "abc"])
def test_parse_duration_rejects_nonsense(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="invalid duration"):
        parse_duration(text)


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["scan", "prod", "--since", "soon"])
    assert info.value.code == 2
    assert "invalid duration" in capsys.readouterr().err


def test_schema_prints_the_path_of_a_shipped_schema(capsys: pytest.CaptureFixture[str]) -> None:
    import json
    from pathlib import Path

    assert main(["schema", "suite"]) == 0
    path = Path(capsys.readouterr().out.strip())
    schema = json.loads(path.read_text())
    assert schema["$id"] == "urn:smoke-lambda:schema:suite"
    assert main(["schema", "config", "--show"]) == 0
    assert json.loads(capsys.readouterr().out)["$id"] == "urn:smoke-lambda:schema:config"
