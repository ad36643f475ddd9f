from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import DATA, config_error
from smoke.loading.config import load_config
from smoke.loading.plan import build_plan, find_suites, load_suites

Write = Callable[..., Path]
PROJECT = DATA / "project"
ENV = {"SMOKE_TOKEN": "t0ken"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the DESIGN.md project: smoke.yaml and suites/backend-api.yaml."""
    shutil.copytree(PROJECT, tmp_path / "project")
    return tmp_path / "project"


def test_find_suites_takes_every_suite_beside_the_config_sorted(project: Path) -> None:
    (project / "suites" / "a-first.yml").write_text("suite: a\n")
    (project / "suites" / "notes.txt").write_text("not a suite")
    found = find_suites(project / "smoke.yaml")
    assert [p.name for p in found] == ["a-first.yml", "backend-api.yaml"]


def test_find_suites_by_stem_or_path(project: Path, write: Write) -> None:
    other = write("elsewhere/extra.yaml", "suite: extra\n")
    found = find_suites(project / "smoke.yaml", ["backend-api", str(other), "backend-api.yaml"])
    assert found == [project / "suites" / "backend-api.yaml", other]


def test_unknown_suite_lists_the_available_ones(project: Path) -> None:
    error = config_error(find_suites, project / "smoke.yaml", ["backend-apj"])
    assert "no suite 'backend-apj'" in error.message
    assert error.hint == "available suites: backend-api; did you mean 'backend-api'?"


def test_no_suites_at_all(tmp_path: Path) -> None:
    error = config_error(find_suites, tmp_path / "smoke.yaml")
    assert "no suites found" in error.message and "suites/NAME.yaml" in error.hint


def test_plan_for_the_design_example(project: Path) -> None:
    config = load_config(project / "smoke.yaml", ENV)
    suites = load_suites(find_suites(project / "smoke.yaml"), ENV)
    plan = build_plan(config, "prod", suites)
    assert plan.environment is config.environments["prod"]
    assert plan.suites == tuple(suites)
    assert [c.name for c in plan.checks] == [
        "health",
        "providers answers without auth",
        "dashboard",
        "cleanup dry run",
    ]


def test_unknown_environment(project: Path) -> None:
    config = load_config(project / "smoke.yaml", ENV)
    error = config_error(build_plan, config, "prd", [])
    assert str(error).startswith(f"{project / 'smoke.yaml'}: no environment 'prd'")
    assert error.hint == "environments: prod, local; did you mean 'prod'?"


def test_unknown_function_points_at_the_check(project: Path) -> None:
    config = load_config(project / "smoke.yaml", ENV)
    suites = load_suites(find_suites(project / "smoke.yaml"), ENV)
    error = config_error(build_plan, config, "local", suites)
    suite_file = project / "suites" / "backend-api.yaml"
    assert str(error).startswith(
        f"{suite_file}:17-26: check 'cleanup dry run' uses function 'cleanup', "
        "which environment 'local' does not define"
    )
    assert "> 17 |   - name: cleanup dry run" in error.snippet
    assert error.hint.startswith("functions: api")


def test_unknown_function_suggests_a_close_name(project: Path) -> None:
    (project / "suites" / "w.yaml").write_text(
        "suite: w\nchecks: [{name: a, function: workr, get: /}]\n"
    )
    config = load_config(project / "smoke.yaml", ENV)
    error = config_error(build_plan, config, "prod", load_suites([project / "suites" / "w.yaml"]))
    assert "did you mean 'worker'?" in error.hint


def test_tags_select_checks_and_suite_tags_apply_to_all(write: Write, project: Path) -> None:
    tagged = write(
        "t.yaml",
        "suite: t\nfunction: api\ntags: [fast]\nchecks:\n"
        "  - {name: a, get: /a, tags: [db]}\n  - {name: b, get: /b}\n",
    )
    config = load_config(project / "smoke.yaml", ENV)
    suites = load_suites([project / "suites" / "backend-api.yaml", tagged], ENV)
    plan = build_plan(config, "prod", suites, tags=["db"])
    assert [c.id for c in plan.checks] == ["t::a"]
    assert [s.name for s in plan.suites] == ["t"]
    plan = build_plan(config, "prod", suites, tags=["fast", "nothing"])
    assert [c.id for c in plan.checks] == ["t::a", "t::b"]
    error = config_error(build_plan, config, "prod", suites, tags=["fats"])
    assert "no check has the tag fats" in error.message
    assert error.hint == "tags in these suites: db, fast; did you mean 'fast'?"


def test_tag_selection_skips_functions_of_unselected_checks(write: Write, project: Path) -> None:
    config = load_config(project / "smoke.yaml", ENV)
    suites = load_suites([project / "suites" / "backend-api.yaml"], ENV)
    # "local" lacks the cleanup function, but only api checks are selected
    suite = write("x.yaml", "suite: x\nfunction: api\nchecks: [{name: h, get: /h, tags: [api]}]\n")
    plan = build_plan(config, "local", [*suites, *load_suites([suite])], tags=["api"])
    assert [c.id for c in plan.checks] == ["x::h"]


def test_duplicate_suite_names(write: Write) -> None:
    first = write("a.yaml", "suite: same\nfunction: f\nchecks: [{name: a, get: /}]\n")
    second = write("b.yaml", "# other\nsuite: same\nfunction: f\nchecks: [{name: a, get: /}]\n")
    error = config_error(load_suites, [first, second], {})
    assert str(error).startswith(
        f"{second}:2: duplicate suite name 'same' (also used by {first}:1)"
    )
