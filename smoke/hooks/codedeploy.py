"""A CodeDeploy lifecycle hook (PreTraffic / PostTraffic) that runs smoke's suites.

Deploy it as a Lambda function (``smoke package-hook`` builds the zip) and name it in
SAM's ``DeploymentPreference.Hooks``. For each invocation:

1. ``GetDeployment`` + ``GetApplicationRevision``: the AppSpec's resources, each a
   function ``Name``, ``Alias``, ``CurrentVersion`` and ``TargetVersion``; every function
   of the deployment is covered, not just the first;
2. the functions are matched (by physical name) to the packaged smoke.yaml's environment
   (``SMOKE_ENV``), and their suites run against ``TargetVersion`` by number, log scan
   included, exactly as ``smoke run ENV --qualifier FN=N`` would;
3. ``PutLifecycleEventHookExecutionStatus`` says ``Succeeded`` or ``Failed``, always,
   from a ``finally``, before the hook's own timeout: the checks run in a worker thread
   with a deadline kept ``REPORT_MARGIN_S`` below the function's remaining time, and a
   check that hangs past it is a ``Failed`` report, never a silent hook (which would
   block the deployment for an hour).

A function of the deployment that no suite checks is ``Failed``: the hook was attached
to it to test it. Configuration (environment variables of the hook function):
``SMOKE_ENV`` (the environment of smoke.yaml, default: its only non-local one),
``SMOKE_CONFIG`` (default: ``smoke.yaml`` beside the handler, in the task root),
``SMOKE_LOG_WAIT`` (seconds, default 10).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

REPORT_MARGIN_S = 10.0  # kept for PutLifecycleEventHookExecutionStatus, whatever the checks do
MIN_BUDGET_S = 1.0


@dataclass(frozen=True)
class DeployedFunction:
    """One resource of the deployment's AppSpec."""

    name: str
    alias: str
    current: str
    target: str


def appspec_functions(content: str) -> list[DeployedFunction]:
    """The Lambda resources of an AppSpec (YAML or JSON), in order."""
    import yaml

    spec = yaml.safe_load(content) or {}
    found = []
    for resource in spec.get("Resources") or []:
        for body in (resource or {}).values():
            if not isinstance(body, dict) or body.get("Type") != "AWS::Lambda::Function":
                continue
            props = body.get("Properties") or {}
            found.append(DeployedFunction(
                name=str(props["Name"]), alias=str(props["Alias"]),
                current=str(props.get("CurrentVersion", "")), target=str(props["TargetVersion"]),
            ))
    return found


def deployment_functions(codedeploy: Any, deployment_id: str) -> list[DeployedFunction]:
    """The AppSpec of a deployment: GetDeployment, then GetApplicationRevision."""
    info = codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    revision = info.get("revision") or {}
    content = (revision.get("appSpecContent") or {}).get("content")
    if content is None or revision.get("revisionType") != "AppSpecContent":
        answer = codedeploy.get_application_revision(
            applicationName=info["applicationName"], revision=revision
        )
        content = ((answer.get("revision") or {}).get("appSpecContent") or {}).get("content")
    if content is None:
        raise ValueError(f"deployment {deployment_id} has no AppSpec content (not a Lambda deployment?)")
    functions = appspec_functions(content)
    if not functions:
        raise ValueError(f"the AppSpec of deployment {deployment_id} names no Lambda function")
    return functions


def _config_path() -> Path:
    if os.environ.get("SMOKE_CONFIG"):
        return Path(os.environ["SMOKE_CONFIG"])
    root = os.environ.get("LAMBDA_TASK_ROOT") or str(Path.cwd())
    return Path(root) / "smoke.yaml"


def _environment_name(config: Any) -> str:
    name = os.environ.get("SMOKE_ENV")
    if name:
        return name
    remote = [n for n, e in config.environments.items() if not e.is_local]
    if len(remote) != 1:
        raise ValueError(f"set SMOKE_ENV on the hook function: smoke.yaml has {len(remote)} "
                         f"non-local environments ({', '.join(remote) or 'none'})")
    return str(remote[0])


@dataclass
class Verdict:
    status: str  # Succeeded | Failed
    reason: str
    exit_code: int | None = None


def check_deployment(deployment_id: str, budget_s: float, stop: threading.Event) -> Verdict:
    """Everything but the report: read the AppSpec, run the suites against the targets."""
    from smoke.aws import client
    from smoke.discovery import discover
    from smoke.loading.config import load_config
    from smoke.redact import Redactor
    from smoke.runner import Runner, RunOptions

    started = time.monotonic()
    config_path = _config_path()
    config = load_config(config_path)
    env_name = _environment_name(config)
    env = config.environments[env_name]
    codedeploy = client(replace(env, endpoint_url=None), "codedeploy")
    deployed = deployment_functions(codedeploy, deployment_id)
    by_name = {ref.name: logical for logical, ref in discover(env).items()}
    missing = [f.name for f in deployed if f.name not in by_name]
    if missing:
        return Verdict("Failed", f"no function of environment {env_name} in smoke.yaml is "
                       f"{', '.join(missing)}: add it (and a suite), or take the hook off its "
                       "DeploymentPreference")
    pins = {by_name[f.name]: f.target for f in deployed}
    left = budget_s - (time.monotonic() - started)
    options = RunOptions(
        environment=env_name, config_path=str(config_path), handle_signals=False,
        log_wait_s=min(float(os.environ.get("SMOKE_LOG_WAIT", "10")), max(0.0, left / 4)),
        deadline_s=max(MIN_BUDGET_S, left * 0.6), log_dir="/tmp/smoke-logs",
        qualifiers=tuple(f"{k}={v}" for k, v in pins.items()), functions=tuple(pins),
    )
    redactor = Redactor([*config.secrets, *env.secrets])  # the reason goes to logs and CodeDeploy
    outcome = Runner(options, [], redactor=redactor, stop=stop).run()
    checked = {r.check.function for r in outcome.results}
    unchecked = [k for k in pins if k not in checked]
    if unchecked:
        return Verdict("Failed", f"no suite checks {', '.join(unchecked)}: the hook was attached "
                       "to test it", outcome.exit_code)
    if outcome.exit_code == 0:
        versions = ", ".join(f"{k} version {v}" for k, v in pins.items())
        return Verdict("Succeeded", f"{len(outcome.results)} check(s) passed on {versions}", 0)
    bad = [r for r in outcome.results if r.outcome.value != "passed"]
    first = f"{bad[0].check.id}: {(bad[0].failures[0].message if bad[0].failures else bad[0].error)}" if bad else ""
    findings = len(outcome.scan.findings) if outcome.scan else 0
    reason = (f"{len(bad)} check(s) not passed{', first ' + first if first else ''}; "
              f"{findings} log finding(s)" + (f"; {outcome.message}" if outcome.message else ""))
    return Verdict("Failed", redactor.text(reason), outcome.exit_code)


def _report(deployment_id: str, hook_id: str, status: str) -> str | None:
    """PutLifecycleEventHookExecutionStatus; the problem, if it could not be sent."""
    try:
        import boto3
        from botocore.config import Config

        codedeploy = boto3.client("codedeploy", config=Config(
            connect_timeout=3, read_timeout=5, retries={"total_max_attempts": 2, "mode": "standard"}))
        codedeploy.put_lifecycle_event_hook_execution_status(
            deploymentId=deployment_id, lifecycleEventHookExecutionId=hook_id, status=status)
    except Exception as exc:  # said in the log and the answer; nothing else can be done
        return f"{type(exc).__name__}: {exc}"
    return None


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point: ``smoke.hooks.codedeploy.handler``."""
    deployment_id = str(event.get("DeploymentId", ""))
    hook_id = str(event.get("LifecycleEventHookExecutionId", ""))
    remaining_s = context.get_remaining_time_in_millis() / 1000.0 if context else 300.0
    budget_s = max(MIN_BUDGET_S, remaining_s - REPORT_MARGIN_S)
    verdict = Verdict("Failed", "the hook did not finish")
    stop = threading.Event()
    box: list[Verdict] = []

    def work() -> None:
        try:
            box.append(check_deployment(deployment_id, budget_s, stop))
        except Exception as exc:  # suites that do not load, AWS errors: Failed, with the reason
            box.append(Verdict("Failed", f"{type(exc).__name__}: {exc}"))

    try:
        if not deployment_id or not hook_id:
            verdict = Verdict("Failed", "the event has no DeploymentId / LifecycleEventHookExecutionId")
        else:
            worker = threading.Thread(target=work, name="smoke-hook", daemon=True)
            worker.start()
            worker.join(budget_s)
            if box:
                verdict = box[0]
            else:
                stop.set()  # the run stops starting checks; the report does not wait for it
                verdict = Verdict("Failed", f"the checks did not finish within {budget_s:.0f}s "
                                  f"(the hook keeps {REPORT_MARGIN_S:g}s to report)")
    finally:
        problem = _report(deployment_id, hook_id, verdict.status) if deployment_id and hook_id else "no ids"
    answer = {"status": verdict.status, "reason": verdict.reason, "exit_code": verdict.exit_code,
              "reported": problem is None}
    if problem:
        answer["report_error"] = problem
    print(json.dumps({"smoke_hook": answer}))
    return answer
