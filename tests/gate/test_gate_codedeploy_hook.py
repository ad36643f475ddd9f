"""`smoke.hooks.codedeploy.handler` against the local runtime (Lambda: versions, qualified
Invoke, FilterLogEvents) and a loopback CodeDeploy stand-in: Succeeded for a healthy
target, Failed for a broken one, Failed when the suites cannot load, and a report always
sent before the hook's own timeout, even when a check hangs."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from codedeploy_standin import CodeDeployStandIn, appspec
from gate_support import BROKEN, GOOD, Release

from smoke.hooks.codedeploy import REPORT_MARGIN_S, handler

HANGS = GOOD.replace("def handler(event, context):",
                     "def handler(event, context):\n    import time; time.sleep(60)")


class Context:
    """What the hook reads of Lambda's context object."""

    def __init__(self, remaining_s: float) -> None:
        self.until = time.monotonic() + remaining_s

    def get_remaining_time_in_millis(self) -> int:
        return int((self.until - time.monotonic()) * 1000)


@pytest.fixture()
def codedeploy(release: Release, monkeypatch: pytest.MonkeyPatch) -> Iterator[CodeDeployStandIn]:
    server = CodeDeployStandIn()
    monkeypatch.setenv("AWS_ENDPOINT_URL_CODEDEPLOY", server.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("SMOKE_CONFIG", str(release.root / "smoke.yaml"))
    monkeypatch.setenv("SMOKE_ENV", "prod")
    monkeypatch.setenv("SMOKE_LOG_WAIT", "2")
    yield server
    server.close()


def _deploy(release: Release, codedeploy: CodeDeployStandIn, source: str) -> dict[str, str]:
    if not release.client.list_aliases(FunctionName="Api")["Aliases"]:
        release.publish(GOOD)
        release.client.create_alias(FunctionName="Api", Name="live", FunctionVersion="1")
    target = release.publish(source)
    deployment = f"d-{target}"
    codedeploy.deployments[deployment] = appspec([("Api", "live", "1", target)])
    return {"DeploymentId": deployment, "LifecycleEventHookExecutionId": f"hook-{target}"}


def test_succeeded_for_a_healthy_target_failed_for_a_broken_one(
    release: Release, codedeploy: CodeDeployStandIn
) -> None:
    event = _deploy(release, codedeploy, GOOD + "# v2\n")
    answer = handler(event, Context(60))
    assert answer["status"] == "Succeeded" and answer["reported"], answer
    assert "on api version 2" in answer["reason"]
    assert codedeploy.calls[:2] == ["GetDeployment", "GetApplicationRevision"]
    assert codedeploy.statuses[-1]["status"] == "Succeeded"
    assert codedeploy.statuses[-1]["deploymentId"] == "d-2"
    assert codedeploy.statuses[-1]["lifecycleEventHookExecutionId"] == "hook-2"

    event = _deploy(release, codedeploy, BROKEN)
    answer = handler(event, Context(60))
    assert answer["status"] == "Failed" and "No module named 'defusedxml'" in answer["reason"]
    assert codedeploy.statuses[-1]["status"] == "Failed"
    assert release.alias()["version"] == "1"  # the hook moves nothing: CodeDeploy does


def test_failed_when_the_suites_cannot_load(release: Release, codedeploy: CodeDeployStandIn) -> None:
    event = _deploy(release, codedeploy, GOOD + "# v2\n")
    (release.root / "suites" / "api.yaml").write_text("suite: api\nfunction: api\nevent: apigw-rst\nchecks: []\n")
    answer = handler(event, Context(60))
    assert answer["status"] == "Failed" and "apigw-rst" in answer["reason"]
    assert codedeploy.statuses[-1]["status"] == "Failed"


def test_failed_for_a_deployed_function_no_suite_checks(
    release: Release, codedeploy: CodeDeployStandIn
) -> None:
    event = _deploy(release, codedeploy, GOOD + "# v2\n")
    codedeploy.deployments[event["DeploymentId"]] = appspec(
        [("Api", "live", "1", "2"), ("Other", "live", "1", "2")])
    answer = handler(event, Context(60))
    assert answer["status"] == "Failed" and "Other" in answer["reason"]


def test_a_report_is_sent_before_the_deadline_even_when_a_check_hangs(
    release: Release, codedeploy: CodeDeployStandIn
) -> None:
    event = _deploy(release, codedeploy, HANGS)
    started = time.monotonic()
    remaining = REPORT_MARGIN_S + 3  # three seconds for the checks
    answer = handler(event, Context(remaining))
    took = time.monotonic() - started
    assert answer["status"] == "Failed" and answer["reported"], answer
    assert "did not finish within 3s" in answer["reason"]
    assert codedeploy.statuses[-1]["at"] - started < remaining - REPORT_MARGIN_S / 2
    assert took < remaining - 1  # returned well before Lambda would have killed it


@pytest.mark.slow
def test_the_packaged_hook_runs_inside_lambda_and_reports(
    release: Release, codedeploy: CodeDeployStandIn, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`smoke package-hook` builds the zip; the local runtime runs it as Lambda would, with
    only the zip and Lambda's own runtime (awslambdaric, boto3) importable."""
    import json
    import sys

    from smoke.cli import main
    from smoke.local import start_local_runtime
    from smoke.model import Environment, FunctionSpec

    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    zip_path = release.root / "build" / "smoke-hook.zip"
    assert main(["package-hook", "--python", python, "--output", str(zip_path)]) == 0
    event = _deploy(release, codedeploy, BROKEN)
    hook_env = Environment(name="hooks", functions={"hook": FunctionSpec(
        logical="hook", name="CodeDeployHook_smoke", handler="smoke.hooks.codedeploy.handler",
        code=str(zip_path), runtime=f"python{python}", timeout_s=60,
        environment={"SMOKE_ENV": "prod", "SMOKE_LOG_WAIT": "2",
                     "AWS_ENDPOINT_URL_CODEDEPLOY": codedeploy.url,
                     "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})})
    logs = tmp_path_factory.mktemp("hook-logs")
    with start_local_runtime(hook_env, base_dir=release.root, log_dir=logs) as hooks:
        from gate_support import lambda_client

        answer = lambda_client(hooks.endpoint_url).invoke(
            FunctionName="CodeDeployHook_smoke", Payload=json.dumps(event).encode())
        body = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, body
    assert body["status"] == "Failed" and "defusedxml" in body["reason"], body
    assert codedeploy.statuses[-1]["status"] == "Failed"
    assert codedeploy.statuses[-1]["lifecycleEventHookExecutionId"] == event["LifecycleEventHookExecutionId"]
