"""`smoke validate` anywhere: suites alone, suites per environment, every problem, parent dirs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from cli_support import HEALTHY_SUITE, ProjectFactory

from smoke.cli import main

JOBS_SUITE = """\
    suite: jobs
    function: cleanup
    event: raw
    checks:
      - {name: dry run, payload: {dry_run: true}, mutates: false}
    """


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_suites_without_smoke_yaml_are_validated_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "suites" / "api.yaml", HEALTHY_SUITE)
    write(tmp_path / "suites" / "jobs.yaml", JOBS_SUITE)
    assert main(["validate", "suites/api.yaml"]) == 0
    out = capsys.readouterr().out
    assert "OK   suites/api.yaml (3 check(s))" in out
    assert "function names were not checked" in out
    assert main(["validate"]) == 0  # every suites/*.yaml
    out = capsys.readouterr().out
    assert "suites/api.yaml" in out and "suites/jobs.yaml" in out
    write(tmp_path / "suites" / "jobs.yaml", JOBS_SUITE.replace("event: raw", "event: rawr"))
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert "suites/jobs.yaml:3: `event` has an unknown value \"rawr\"" in err
    assert "did you mean 'raw'?" in err


def test_each_suite_is_validated_against_the_environments_that_map_its_functions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path / "smoke.yaml", """\
        environments:
          web:
            region: us-east-1
            functions:
              api: {name: web-api}
          nightly:
            region: us-east-1
            functions:
              cleanup: {name: nightly-cleanup}
        """)
    write(tmp_path / "suites" / "api.yaml", HEALTHY_SUITE)
    write(tmp_path / "suites" / "jobs.yaml", JOBS_SUITE)
    assert main(["validate", "--config", str(config)]) == 0  # exit 2 when every env had to map all
    out = capsys.readouterr().out
    assert "api.yaml (3 check(s)) in web" in out
    assert "jobs.yaml (1 check(s)) in nightly" in out
    write(tmp_path / "suites" / "jobs.yaml",
          JOBS_SUITE.rstrip(" ") + "      - {name: w, function: worker, payload: {}, mutates: false}\n")
    assert main(["validate", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "jobs.yaml:6: check 'w' uses function 'worker', which no environment of" in err


def test_every_problem_is_reported_not_only_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "smoke.yaml", """\
        environments:
          web:
            regoin: us-east-1
            functions:
              api: {name: web-api}
        """)
    write(tmp_path / "suites" / "a.yaml", HEALTHY_SUITE.replace("get: /health", "got: /health"))
    write(tmp_path / "suites" / "b.yaml", JOBS_SUITE.replace("dry run", "dry run, body: {x: 1}"))
    write(tmp_path / "suites" / "c.yaml", "suite: c\nfunction: api\nchecks: []\n")
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert "smoke.yaml:3: unknown key 'regoin'" in err
    assert "did you mean 'region'?" in err
    assert "suites/a.yaml:" in err and "unknown key 'got'" in err
    assert "suites/b.yaml:" in err
    assert "suites/c.yaml:3:" in err
    assert "smoke: 4 problem(s)" in err
    assert "Traceback" not in err


def test_smoke_yaml_is_found_in_a_parent_directory_by_validate_and_run(
    project: ProjectFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project({"api": HEALTHY_SUITE})
    deeper = config.parent / "src" / "handlers"
    deeper.mkdir(parents=True)
    monkeypatch.chdir(deeper)
    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    assert "OK   ../../smoke.yaml (3 environment(s))" in out
    assert "../../suites/api.yaml (3 check(s)) in prod, dev, down" in out
    assert main(["run", "dev", "--json", "out/"]) == 0
    assert (deeper / "out" / "smoke-dev.json").is_file()
    assert "3 check(s): 3 passed" in capsys.readouterr().out
    # an explicit --config that does not exist is still an error, never a search
    assert main(["validate", "--config", "nowhere.yaml"]) == 2
    assert "no configuration file" in capsys.readouterr().err
