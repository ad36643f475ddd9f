"""Events as AWS sends them: stages, the Host, repeated headers, ALB modes, trace ids.

Each test states what the gateway does (AWS's documentation, live captures quoted by
framework adapters) and checks the builder against it, from a suite and smoke.yaml where
the setting lives there.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from smoke.events import build_event, event_settings
from smoke.events.common import EventSettings
from smoke.loading.config import load_config
from smoke.loading.suites import load_suite

TRACE = re.compile(r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$")


def test_a_named_stage_starts_the_http_api_raw_path_on_the_execute_api_host(check) -> None:
    named = build_event(check("apigw-http", path="/my path/{id}", path_parameters={"id": "x y"},
                              stage="prod"))  # fmt: skip
    assert named["rawPath"] == named["requestContext"]["http"]["path"] == "/prod/my path/x y"
    assert named["requestContext"]["stage"] == "prod"
    assert named["routeKey"] == "GET /my path/{id}"  # the route has no stage
    default = build_event(check("apigw-http", path="/items"))
    assert default["rawPath"] == "/items" and default["requestContext"]["stage"] == "$default"
    # a custom domain's API mapping hides the stage: the client's path has none
    custom = build_event(check("apigw-http", path="/items", stage="prod"),
                         settings=EventSettings(host="api.example.com"))  # fmt: skip
    assert custom["rawPath"] == "/items"
    assert custom["headers"]["host"] == custom["requestContext"]["domainName"] == "api.example.com"


def test_rest_events_have_no_version_key(check) -> None:
    assert "version" not in build_event(check("apigw-rest", path="/"))


def test_repeated_headers_in_each_event_kind(check) -> None:
    headers = {"X-Tag": "a,b", "Accept": "text/html"}
    lists = {"X-Tag": ("a", "b")}
    rest = build_event(check("apigw-rest", headers=headers, header_lists=lists))
    assert rest["multiValueHeaders"]["X-Tag"] == ["a", "b"]
    assert rest["headers"]["X-Tag"] == "b"  # the single-value map has the last value
    assert rest["multiValueHeaders"]["Accept"] == ["text/html"]
    http = build_event(check("apigw-http", headers=headers, header_lists=lists))
    assert http["headers"]["x-tag"] == "a,b"  # comma-joined, as an HTTP API joins them
    alb = build_event(check("alb", headers=headers, header_lists=lists))
    assert alb["headers"]["x-tag"] == "b"  # "the load balancer uses the last value"
    multi = build_event(check("alb", headers=headers, header_lists=lists), alb_multi_value=True)
    assert multi["multiValueHeaders"]["x-tag"] == ["a", "b"]
    assert "headers" not in multi


def test_every_gateway_event_carries_a_trace_id(check) -> None:
    url = build_event(check("function-url", path="/"))
    assert TRACE.match(url["headers"]["x-amzn-trace-id"])
    assert TRACE.match(build_event(check("apigw-rest"))["headers"]["X-Amzn-Trace-Id"])
    assert TRACE.match(build_event(check("alb"))["headers"]["x-amzn-trace-id"])
    given = build_event(check("function-url", headers={"X-Amzn-Trace-Id": "Root=1-mine"}))
    assert given["headers"]["x-amzn-trace-id"] == "Root=1-mine"


def _project(tmp_path: Path, env: str, suite: str) -> tuple[EventSettings, list]:
    (tmp_path / "smoke.yaml").write_text(textwrap.dedent(env))
    (tmp_path / "s.yaml").write_text(textwrap.dedent(suite))
    config = load_config(tmp_path / "smoke.yaml")
    return event_settings(config.environments["prod"]), list(load_suite(tmp_path / "s.yaml").checks)


def test_stage_host_and_alb_mode_come_from_smoke_yaml_and_the_suite(tmp_path: Path) -> None:
    settings, checks = _project(tmp_path, """\
        environments:
          prod:
            base_url: https://shop.example.com/v1
            stage: live
            alb_multi_value: true
            functions: {api: {name: shop-api}}
        """, """\
        suite: s
        function: api
        event: apigw-http
        checks:
          - {name: from env, get: /a}
          - {name: own stage, get: /b, stage: beta}
          - {name: alb, get: /c, event: alb, headers: {Cookie: [a=1, b=2]}}
          - {name: alb single, get: /c, event: alb, alb_multi_value: false}
        """)  # fmt: skip
    assert settings == EventSettings(stage="live", host="shop.example.com", alb_multi_value=True)
    env_stage, own, alb, single = (build_event(c, settings=settings) for c in checks)
    assert env_stage["requestContext"]["stage"] == "live"
    assert own["requestContext"]["stage"] == "beta"
    assert env_stage["headers"]["host"] == "shop.example.com"  # Django's ALLOWED_HOSTS sees it
    assert env_stage["rawPath"] == "/a"  # a custom domain: no stage in the path
    assert alb["multiValueHeaders"]["cookie"] == ["a=1", "b=2"]
    assert alb["multiValueHeaders"]["host"] == ["shop.example.com"]
    assert "headers" in single and "multiValueHeaders" not in single


def test_a_domain_key_wins_over_base_url_and_a_suite_stage_over_the_environments(
    tmp_path: Path,
) -> None:
    settings, checks = _project(tmp_path, """\
        environments:
          prod:
            domain: abc123.execute-api.eu-west-1.amazonaws.com
            base_url: https://shop.example.com
            stage: live
            functions: {api: {name: shop-api}}
        """, """\
        suite: s
        function: api
        event: apigw-http
        stage: dev
        checks:
          - {name: a, get: /a}
        """)  # fmt: skip
    event = build_event(checks[0], settings=settings)
    assert event["headers"]["host"] == "abc123.execute-api.eu-west-1.amazonaws.com"
    assert event["rawPath"] == "/dev/a"  # the suite's stage, on the execute-api host
