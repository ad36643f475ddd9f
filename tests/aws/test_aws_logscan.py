"""The log scan against moto's CloudWatch Logs."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from smoke.errors import LogScanError
from smoke.logscan import LogSource
from smoke.logscan.cloudwatch import CloudWatchSource, TokenBucket
from smoke.logscan.rules import DEFAULT_RULES
from smoke.logscan.scan import scan_environment, scan_logs
from smoke.model import Environment, FunctionRef, ScanResult

R1 = "aaaaaaaa-0000-4000-8000-000000000001"
R2 = "aaaaaaaa-0000-4000-8000-000000000002"
R3 = "aaaaaaaa-0000-4000-8000-000000000003"
IMPORT_ERROR = (
    "[ERROR] Runtime.ImportModuleError: Unable to import module 'app.main': "
    "No module named 'defusedxml'"
)


def stream(version: str = "$LATEST", suffix: str = "abc") -> str:
    return time.strftime("%Y/%m/%d", time.gmtime()) + f"/[{version}]{suffix}"


def invocation(rid: str, *body: str) -> list[str]:
    return [
        f"START RequestId: {rid} Version: $LATEST",
        *body,
        f"END RequestId: {rid}",
        f"REPORT RequestId: {rid}\tDuration: 2.00 ms\tBilled Duration: 2 ms",
    ]


class Logs:
    def __init__(self, env: Environment) -> None:
        self.client = boto3.client("logs", region_name=env.region, endpoint_url=env.endpoint_url)

    def put(self, group: str, stream_name: str, lines: list[str], at_ms: int) -> None:
        with contextlib.suppress(ClientError):
            self.client.create_log_group(logGroupName=group)
        with contextlib.suppress(ClientError):
            self.client.create_log_stream(logGroupName=group, logStreamName=stream_name)
        events = [{"timestamp": at_ms + i, "message": line} for i, line in enumerate(lines)]
        self.client.put_log_events(logGroupName=group, logStreamName=stream_name, logEvents=events)


@pytest.fixture
def logs(moto_env: Environment) -> Logs:
    return Logs(moto_env)


def ref(name: str, qualifier: str | None = None, logical: str = "api") -> FunctionRef:
    return FunctionRef(
        logical=logical, name=name, qualifier=qualifier, log_group=f"/aws/lambda/{name}"
    )


def scan(refs: list[FunctionRef], source: LogSource, t: int, request_ids: dict[str, str],
         **options: Any) -> ScanResult:
    """The scan over [t - 5 s, t] with the default rules."""
    return scan_logs(refs, source, start_ms=t - 5000, end_ms=t, rules=DEFAULT_RULES,
                     request_ids=request_ids, **options)



def now_ms() -> int:
    return int(time.time() * 1000)


def test_errors_inside_the_window_are_found_and_attributed(
    moto_env: Environment, logs: Logs
) -> None:
    t = now_ms()
    logs.put("/aws/lambda/api", stream(), ["Task timed out after 3.00 seconds"], t - 600_000)
    logs.put("/aws/lambda/api", stream(), invocation(R1, IMPORT_ERROR), t - 2000)
    logs.put(
        "/aws/lambda/api",
        stream(suffix="def"),
        invocation(
            R2,
            f"[ERROR]\t2024-01-01T00:00:00.000Z\t{R2}\tModuleNotFoundError: No module named 'src'",
        ),
        t - 1000,
    )
    source = CloudWatchSource(moto_env)
    result = scan([ref("api")], source, t, {R1: "s::health", R2: "s::providers"}, wait_s=0, clock_skew_ms=0)
    assert result.errors == ()
    assert result.scanned_groups == ("/aws/lambda/api",)
    by_rule = {f.rule: f for f in result.findings}
    assert set(by_rule) == {"import-module-error", "module-not-found"}  # not the old timeout
    assert by_rule["import-module-error"].check_id == "s::health"
    assert by_rule["import-module-error"].request_id == R1
    assert by_rule["module-not-found"].check_id == "s::providers"
    assert by_rule["module-not-found"].function == "api"
    assert result.api_calls == 1
    # each invocation's stream, for the HTML report's links to the CloudWatch console
    assert result.request_streams == {R1: stream(), R2: stream(suffix="def")}


def test_init_phase_error_goes_to_the_next_request(moto_env: Environment, logs: Logs) -> None:
    t = now_ms()
    lines = [
        "INIT_START Runtime Version: python:3.12.v18",
        IMPORT_ERROR,
        "INIT_REPORT Init Duration: 9.00 ms\tPhase: init\tStatus: error",
        *invocation(R3),
    ]
    logs.put("/aws/lambda/api", stream(), lines, t - 1000)
    result = scan([ref("api")], CloudWatchSource(moto_env), t, {R3: "s::a"}, wait_s=0)
    assert {f.rule for f in result.findings} == {"import-module-error", "init-error"}
    assert all(f.check_id == "s::a" for f in result.findings)


def test_many_pages_are_all_read_one_call_per_page(moto_env: Environment, logs: Logs) -> None:
    t = now_ms()
    lines = [f"noise {i}" for i in range(95)] + [IMPORT_ERROR]
    logs.put("/aws/lambda/api", stream(), lines, t - 3000)
    source = CloudWatchSource(moto_env, page_size=10, max_rps=1000)
    result = scan([ref("api")], source, t, {}, wait_s=0)
    assert [f.rule for f in result.findings] == ["import-module-error"]
    assert result.api_calls == 10  # 96 events, 10 a page: never one call per check


class ThrottleFirst:
    """The real logs client, whose first FilterLogEvents raises a real ThrottlingException."""

    def __init__(self, real: Any, failures: int = 1) -> None:
        self.real = real
        self.failures = failures

    def filter_log_events(self, **params: Any) -> Any:
        if self.failures:
            self.failures -= 1
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},
                "FilterLogEvents",
            )
        return self.real.filter_log_events(**params)


def test_throttled_first_call_is_retried(moto_env: Environment, logs: Logs) -> None:
    t = now_ms()
    logs.put("/aws/lambda/api", stream(), invocation(R1, IMPORT_ERROR), t - 1000)
    source = CloudWatchSource(moto_env, base_delay_s=0.01, logs_client=ThrottleFirst(logs.client))
    result = scan([ref("api")], source, t, {}, wait_s=0)
    assert [f.rule for f in result.findings] == ["import-module-error"]
    assert result.api_calls == 2 and result.errors == ()


def test_throttled_past_max_attempts_is_a_log_scan_error(moto_env: Environment, logs: Logs) -> None:
    source = CloudWatchSource(
        moto_env, base_delay_s=0.001, max_attempts=3, logs_client=ThrottleFirst(logs.client, 9)
    )
    with pytest.raises(LogScanError, match="still throttled after 3 attempts"):
        list(source.events("/aws/lambda/api", 0, now_ms()))


def test_missing_group_is_recorded_and_others_still_scanned(
    moto_env: Environment, logs: Logs
) -> None:
    t = now_ms()
    logs.put("/aws/lambda/api", stream(), invocation(R1, IMPORT_ERROR), t - 1000)
    result = scan([ref("ghost", logical="ghost"), ref("api")], CloudWatchSource(moto_env), t, {}, wait_s=0)
    assert result.scanned_groups == ("/aws/lambda/api",)
    assert len(result.errors) == 1
    assert "log group /aws/lambda/ghost does not exist" in result.errors[0]
    assert [f.function for f in result.findings] == ["api"]


def test_access_denied_names_the_action_and_group(moto_env: Environment) -> None:
    class Denied:
        def filter_log_events(self, **params: Any) -> Any:
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}},
                "FilterLogEvents",
            )

    source = CloudWatchSource(moto_env, logs_client=Denied())
    with pytest.raises(LogScanError, match=r"logs:FilterLogEvents on log group /g"):
        list(source.events("/g", 0, 1))


def test_polls_until_late_report_then_stops(moto_env: Environment, logs: Logs) -> None:
    t = now_ms()
    lines = invocation(R1, IMPORT_ERROR)
    logs.put("/aws/lambda/api", stream(), lines[:2], t - 1000)  # START + error; REPORT is late
    late = threading.Timer(0.6, logs.put, ("/aws/lambda/api", stream(), lines[2:], t - 998))
    late.start()
    started = time.monotonic()
    result = scan([ref("api")], CloudWatchSource(moto_env, max_rps=1000), t, {R1: "s::a"}, wait_s=5, poll_interval_s=0.2)
    elapsed = time.monotonic() - started
    late.join()
    assert 0.5 < elapsed < 3, elapsed  # waited for the REPORT, then stopped early
    assert result.api_calls >= 2
    assert len(result.findings) == 1 and result.findings[0].check_id == "s::a"  # de-duplicated


def test_stops_at_once_when_every_report_is_there(moto_env: Environment, logs: Logs) -> None:
    t = now_ms()
    logs.put("/aws/lambda/api", stream(), invocation(R1) + invocation(R2), t - 1000)
    started = time.monotonic()
    result = scan([ref("api")], CloudWatchSource(moto_env), t, {R1: "a", R2: "b"}, wait_s=10, poll_interval_s=0.2)
    assert time.monotonic() - started < 1.5
    assert result.api_calls == 1 and result.findings == ()


def test_a_report_that_never_arrives_is_a_warning_not_a_clean_silence(
    moto_env: Environment, logs: Logs
) -> None:
    t = now_ms()
    logs.put("/aws/lambda/api", stream(), invocation(R1), t - 1000)  # R2's REPORT never comes
    result = scan([ref("api")], CloudWatchSource(moto_env), t, {R1: "a", R2: "b"}, wait_s=0.3, poll_interval_s=0.1)
    assert result.errors == ()
    assert len(result.notes) == 1 and "1 of 2 invocation(s) had no REPORT line" in result.notes[0]


def test_a_run_whose_logs_never_arrive_is_not_a_clean_scan(
    moto_env: Environment, logs: Logs
) -> None:
    t = now_ms()
    logs.put("/aws/lambda/api", stream(), invocation(R1), t - 1000)  # an older run's lines
    result = scan([ref("api")], CloudWatchSource(moto_env), t, {R2: "s::a", R3: "s::b"},
                  wait_s=0.2, poll_interval_s=0.1)
    assert len(result.errors) == 1
    assert "none of the 2 invocation(s) of this run appeared in the logs" in result.errors[0]


def test_version_qualifier_restricts_streams(moto_env: Environment, logs: Logs) -> None:
    t = now_ms()
    logs.put("/aws/lambda/api", stream("3"), invocation(R1, IMPORT_ERROR), t - 1000)
    logs.put(
        "/aws/lambda/api", stream("2"), invocation(R2, "Task timed out after 1.00 seconds"), t - 900
    )
    result = scan([ref("api", qualifier="3")], CloudWatchSource(moto_env), t, {}, wait_s=0)
    assert [f.rule for f in result.findings] == ["import-module-error"]
    assert result.findings[0].log_stream is not None and "[3]" in result.findings[0].log_stream
    aliased = scan([ref("api", qualifier="live")], CloudWatchSource(moto_env), t, {}, wait_s=0)
    assert {f.rule for f in aliased.findings} == {"import-module-error", "timeout"}


def test_scan_environment_reads_the_recent_past(moto_env: Environment, logs: Logs) -> None:
    t = now_ms()
    logs.put("/aws/lambda/api", stream(), ["Task timed out after 3.00 seconds"], t - 20 * 60_000)
    logs.put("/aws/lambda/api", stream(), [IMPORT_ERROR], t - 60 * 60_000)
    result = scan_environment(moto_env, [ref("api")], since_s=30 * 60)
    assert [f.rule for f in result.findings] == ["timeout"]


def test_token_bucket_limits_the_rate() -> None:
    bucket = TokenBucket(20.0)
    started = time.monotonic()
    for _ in range(30):  # 20 in the burst, 10 more at 20/s
        bucket.acquire()
    assert 0.4 < time.monotonic() - started < 1.5
