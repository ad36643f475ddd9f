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


TRIAL_TEMPLATE = """\
    Transform: AWS::Serverless-2016-10-31
    Resources:
      HelloWorldFunction:
        Type: AWS::Serverless::Function
        Properties: {CodeUri: src/, Handler: app.hello, Runtime: python3.11}
      FlaskFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src/
          Handler: app.flask
          Runtime: python3.11
          Events:
            Get: {Type: Api, Properties: {Path: /flask, Method: get}}
    """
TRIAL_CONFIG = """\
    environments:
      local:
        template: template.yaml
        functions:
          hello-world: {resource: HelloWorldFunction}
          flask: {resource: FlaskFunction}
    """


def trial_project(root: Path) -> None:
    write(root / "template.yaml", TRIAL_TEMPLATE)
    write(root / "src" / "app.py", "def hello(e, c):\n    return {}\nflask = hello\n")
    write(root / "smoke.yaml", TRIAL_CONFIG)
    write(root / "suites" / "hello-world.yaml", """\
        suite: hello-world
        function: hello-world
        event: apigw-rest
        checks:
          - {name: hello, get: /hello}
        """)
    write(root / "suites" / "flask.yaml", """\
        suite: flask
        function: flask
        event: apigw-rest
        routes: {from: template}
        """)


def test_one_broken_routes_source_is_reported_once_without_notes_about_every_suite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    trial_project(tmp_path)
    write(tmp_path / "suites" / "openapi.yaml", """\
        suite: openapi
        function: flask
        event: apigw-rest
        routes: {from: openapi, file: ../api/openapi.yml}
        """)
    assert main(["validate"]) == 2
    captured = capsys.readouterr()
    assert "no environment defines all of its functions" not in captured.out
    assert "OK   suites/hello-world.yaml (1 check(s)) in local" in captured.out
    assert "OK   suites/flask.yaml (routes from template: 1 check(s) in local)" in captured.out
    assert "suites/openapi.yaml" not in captured.out
    assert captured.err.count("suites/openapi.yaml:4: cannot read the OpenAPI document") == 1


def test_a_template_typo_in_smoke_yaml_is_reported_once_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    trial_project(tmp_path)
    write(tmp_path / "smoke.yaml", TRIAL_CONFIG.replace("template.yaml", "templates.yaml"))
    assert main(["validate"]) == 2
    captured = capsys.readouterr()
    assert "no environment defines all of its functions" not in captured.out
    assert "OK   smoke.yaml" not in captured.out
    assert captured.err.count("smoke.yaml:3: environment 'local': template ") == 1
    assert "> 3 |     template: templates.yaml" in captured.err
    assert "Did you mean 'template.yaml'?" in captured.err
    assert "smoke: 1 problem(s)" in captured.err
    assert main(["run", "local"]) == 2
    err = capsys.readouterr().err
    assert "smoke.yaml:3: environment 'local': template " in err
    assert "file not found" not in err


def test_a_resource_typo_in_smoke_yaml_is_blamed_on_smoke_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    trial_project(tmp_path)
    write(tmp_path / "smoke.yaml", TRIAL_CONFIG.replace("FlaskFunction", "FlaskFuncton"))
    assert main(["validate"]) == 2
    captured = capsys.readouterr()
    assert "no environment defines all of its functions" not in captured.out
    assert "OK   smoke.yaml" not in captured.out
    assert captured.err.count("smoke.yaml:6: template ") == 1
    assert "has no function resource 'FlaskFuncton'" in captured.err
    assert "Did you mean 'FlaskFunction'?" in captured.err
    assert main(["run", "local"]) == 2
    err = capsys.readouterr().err
    assert "smoke.yaml:6: template " in err and "suites/flask.yaml" not in err


def test_problems_are_counted_and_an_unknown_suite_function_is_reported_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    trial_project(tmp_path)
    bad = write(tmp_path / "suites" / "bad.yaml", """\
        suite: bad
        function: flsk
        event: apigw-rest
        checks:
          - name: one
            gett: /hello
            expct: {status: 200}
          - {name: two, get: /x, expect: {stauts: 200}}
        """)
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert "suites/bad.yaml:6: unknown key 'gett'" in err
    assert "suites/bad.yaml:2: `function:` names function 'flsk', which no environment" in err
    assert "did you mean 'flask'?" in err
    assert "smoke: 4 problem(s)" in err  # gett, expct, stauts, flsk (not one per file)
    bad.write_text(bad.read_text().replace("gett:", "get:").replace("expct", "expect")
                   .replace("stauts", "status"))
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert err.count("suites/bad.yaml:2: `function:` names function 'flsk'") == 1  # not per check
    assert "check 'one'" not in err and "smoke: 1 problem(s)" in err


def test_a_runtime_typo_is_noted_with_its_template_line_and_a_suggestion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    trial_project(tmp_path)
    write(tmp_path / "template.yaml", TRIAL_TEMPLATE.replace("python3.11}", "pyhton3.11}"))
    assert main(["validate"]) == 0  # refused alone: its checks are errors when run
    out = capsys.readouterr().out
    assert (f"note: hello-world does not run locally (its checks are errors): "
            f"{tmp_path / 'template.yaml'}:5: function HelloWorldFunction: Runtime pyhton3.11: "
            "the local runtime runs Python 3 functions only; did you mean 'python3.11'?") in out
