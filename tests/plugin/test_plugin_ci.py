"""The CI templates in examples/ci/ are valid YAML with the structure their systems require.

No JSON schema for either system is installed here, so these are structural checks of
what matters: when the job runs, how it gets AWS access, what it runs, what it keeps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CI = Path(__file__).resolve().parents[2] / "examples" / "ci"


def _load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((CI / name).read_text())
    assert isinstance(data, dict)
    return data


def _steps_running(job: dict[str, Any], command: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if command in str(s.get("run", ""))]


def test_github_workflow_runs_after_deploys_on_demand_and_nightly() -> None:
    wf = _load("github-actions.yml")
    on: dict[str, Any] = wf["on"] if "on" in wf else wf[True]  # YAML 1.1: a bare `on` is true
    assert {"workflow_run", "workflow_dispatch", "schedule"} <= set(on)
    assert on["workflow_run"]["types"] == ["completed"]
    assert all(len(entry["cron"].split()) == 5 for entry in on["schedule"])
    assert wf["permissions"]["id-token"] == "write"


def test_github_job_assumes_a_role_runs_smoke_and_keeps_reports_on_failure() -> None:
    jobs = _load("github-actions.yml")["jobs"]
    job = jobs["smoke"]
    assert isinstance(job["runs-on"], str) and job["steps"]
    for step in job["steps"]:
        assert ("uses" in step) != ("run" in step), step  # each step does exactly one thing
    creds = [s for s in job["steps"] if str(s.get("uses", "")).startswith(
        "aws-actions/configure-aws-credentials@")]
    assert creds and creds[0]["with"]["role-to-assume"].startswith("arn:aws:iam::")
    assert any("pip install smoke-lambda" in str(s.get("run", "")) for s in job["steps"])
    run = _steps_running(job, "smoke run")
    assert run and "--junit reports/smoke.xml" in run[0]["run"]
    index = job["steps"].index(run[0])
    after = job["steps"][index + 1:]
    junit = [s for s in after if "junit" in str(s.get("uses", "")) or "test-reporter" in
             str(s.get("uses", ""))]
    upload = [s for s in after if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert junit and junit[0]["if"] == "always()"
    assert junit[0]["with"]["report_paths"] == "reports/smoke.xml"
    assert upload and upload[0]["if"] == "always()"


def test_github_pytest_variant_runs_the_plugin_with_xdist_and_a_step_summary() -> None:
    job = _load("github-actions.yml")["jobs"]["smoke-pytest"]
    run = [s for s in job["steps"] if str(s.get("run", "")).lstrip().startswith("pytest ")]
    assert len(run) == 1
    command = " ".join(run[0]["run"].split())
    assert "--smoke-env" in command and "-n 4" in command and "--junitxml=" in command
    assert any("GITHUB_STEP_SUMMARY" in str(s.get("run", "")) for s in job["steps"])


def test_gitlab_jobs_have_scripts_and_junit_reports() -> None:
    ci = _load("gitlab-ci.yml")
    jobs = {name: job for name, job in ci.items()
            if isinstance(job, dict) and not name.startswith(".")}
    assert {"smoke", "smoke-pytest"} <= set(jobs)
    base = ci[".smoke"]
    assert base["stage"] in ci["stages"]
    assert "AWS_ROLE_ARN" in base["variables"] and "id_tokens" in base
    for name in ("smoke", "smoke-pytest"):
        job = jobs[name]
        assert job["extends"] == ".smoke"
        assert isinstance(job["script"], list) and job["script"]
        assert job["artifacts"]["when"] == "always"
        junit = job["artifacts"]["reports"]["junit"]
        assert junit in " ".join(job["script"])  # the report the script writes
    assert "smoke run" in jobs["smoke"]["script"][0]
    assert "--smoke-env" in jobs["smoke-pytest"]["script"][0]
    assert any(r.get("if", "").startswith("$CI_PIPELINE_SOURCE == \"schedule\"")
               for r in jobs["smoke"]["rules"])
