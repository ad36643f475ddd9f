"""evaluate(): every rule, and all failed expectations reported together."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from smoke.model import Response
from smoke.verdicts import evaluate

IMPORT_ERROR = (
    "Runtime.ImportModuleError",
    "Unable to import module 'app.main': No module named 'defusedxml'",
)


def kinds(failures) -> list[str]:
    return [f.kind for f in failures]


# ------------------------------------------------------------------ default status rule


@pytest.mark.parametrize("status", [200, 204, 307, 401, 404, 499])
def test_default_rule_passes_below_500(check, exchange, status: int) -> None:
    assert evaluate(check(), exchange(status)) == ()


@pytest.mark.parametrize("status", [500, 502, 503])
def test_default_rule_fails_from_500(check, exchange, status: int) -> None:
    body = '{"detail": "ModuleNotFoundError: No module named \'src\'"}'
    (failure,) = evaluate(check(), exchange(status, body))
    assert failure.kind == "status"
    assert failure.expected == "below 500"
    assert failure.message.startswith(f"expected a status below 500 (no expect.status given), got {status}")
    assert failure.actual == str(status)
    assert "No module named 'src'" in failure.message  # the body excerpt says why


def test_function_error_fails_even_with_200(check, exchange) -> None:
    ex = exchange(200, function_error="Unhandled", error_type=IMPORT_ERROR[0],
                  error_message=IMPORT_ERROR[1])
    (failure,) = evaluate(check(), ex)
    assert failure.kind == "function_error"
    assert failure.message == (
        "Runtime.ImportModuleError: Unable to import module 'app.main': "
        "No module named 'defusedxml'"
    )


def test_function_error_without_response_is_one_failure(check, exchange, statuses) -> None:
    ex = exchange(None, function_error="Unhandled", error_type="KeyError", error_message="'id'")
    failures = evaluate(check(status=statuses(200), body_contains=("ok",)), ex)
    assert kinds(failures) == ["function_error"]
    assert failures[0].message == "KeyError: 'id'"


def test_function_error_of_a_raw_check_reads_the_payload(check, exchange) -> None:
    payload = {"errorMessage": "boom", "errorType": "ValueError"}
    ex = exchange(None, function_error="Unhandled", payload=payload)
    (failure,) = evaluate(check("raw", json_schema={"type": "object", "required": ["x"]}), ex)
    assert failure.kind == "function_error"
    assert failure.message.startswith("Unhandled: ")
    assert "boom" in failure.message


# ------------------------------------------------------------------ status sets


@pytest.mark.parametrize(("status", "ok"), [(401, True), (307, True), (200, False), (500, False)])
def test_status_set_401_or_307(check, exchange, statuses, status: int, ok: bool) -> None:
    failures = evaluate(check(status=statuses(401, 307)), exchange(status))
    assert (failures == ()) is ok
    if not ok:
        assert failures[0].message.startswith(f"expected status 307 or 401, got {status}")
        assert failures[0].expected == "307 or 401"


@pytest.mark.parametrize(("status", "ok"), [(200, True), (204, True), (299, True), (301, False),
                                            (404, False), (500, False)])
def test_status_class_2xx(check, exchange, statuses, status: int, ok: bool) -> None:
    failures = evaluate(check(status=statuses("2xx")), exchange(status))
    assert (failures == ()) is ok
    if not ok:
        assert kinds(failures) == ["status"] and failures[0].expected == "2xx"


def test_raw_check_has_no_status_rule(check, exchange) -> None:
    assert evaluate(check("raw"), exchange(None, payload={"ok": True})) == ()


def test_raw_check_with_a_status_expectation_cannot_pass(check, exchange, statuses) -> None:
    (failure,) = evaluate(check("raw", status=statuses(200)), exchange(None, payload={}))
    assert failure.kind == "status" and failure.actual == "no HTTP response"


def test_missing_response_of_a_proxy_check_fails(check, exchange) -> None:
    (failure,) = evaluate(check("apigw-http"), exchange(None))
    assert failure.kind == "error" and "no HTTP response" in failure.message


# ------------------------------------------------------------------ headers


def test_expected_headers_are_case_insensitive_and_exact(check, exchange) -> None:
    c = check(headers={"Content-Type": "application/json", "X-Version": "42"})
    ok = exchange(200, headers={"content-type": "application/json", "x-version": "42"})
    assert evaluate(c, ok) == ()
    bad = evaluate(c, exchange(200, headers={"Content-Type": "text/html"}))
    assert kinds(bad) == ["header", "header"]
    assert bad[0].expected == "application/json" and bad[0].actual == "text/html"
    assert bad[1].message == "header X-Version is missing"


def test_a_header_value_among_several_matches(check, exchange) -> None:
    response = Response(200, {"vary": "Accept, Origin"}, b"", {"vary": ("Accept", "Origin")})
    ex = replace(exchange(200), response=response)
    assert evaluate(check(headers={"Vary": "Origin"}), ex) == ()
    assert evaluate(check(headers={"Vary": "Accept, Origin"}), ex) == ()
    assert kinds(evaluate(check(headers={"Vary": "Cookie"}), ex)) == ["header"]


# ------------------------------------------------------------------ json_schema


SCHEMA = {
    "type": "object",
    "required": ["status"],
    "properties": {"status": {"type": "string"}, "orphan_percentage": {"maximum": 50}},
}


def test_json_schema_passes(check, exchange) -> None:
    assert evaluate(check(json_schema=SCHEMA), exchange(200, '{"status": "ok"}')) == ()


def test_json_schema_errors_carry_their_json_path(check, exchange) -> None:
    body = json.dumps({"status": 3, "orphan_percentage": 87.5})
    failures = evaluate(check(json_schema=SCHEMA), exchange(200, body))
    messages = sorted(f.message for f in failures)
    assert messages == ["$.orphan_percentage: 87.5 is greater than the maximum of 50",
                        "$.status: 3 is not of type 'string'"]
    assert {f.kind for f in failures} == {"json_schema"}


def test_json_schema_reports_at_most_five_errors(check, exchange) -> None:
    schema = {"type": "object", "required": [f"k{i}" for i in range(8)]}
    failures = evaluate(check(json_schema=schema), exchange(200, "{}"))
    assert len(failures) == 6
    assert failures[-1].message == "... and 3 more schema error(s)"


def test_unparseable_json_is_a_failure(check, exchange) -> None:
    (failure,) = evaluate(check(json_schema=SCHEMA), exchange(200, "<html>oops</html>"))
    assert failure.kind == "json_schema" and failure.message == "body is not valid JSON"
    assert failure.actual == "<html>oops</html>"


def test_raw_check_schema_validates_the_payload(check, exchange) -> None:
    c = check("raw", json_schema={"type": "object", "required": ["orphan_percentage"],
                                  "properties": {"orphan_percentage": {"maximum": 50}}})
    assert evaluate(c, exchange(None, payload={"orphan_percentage": 12})) == ()
    (failure,) = evaluate(c, exchange(None, payload={"orphan_percentage": 71}))
    assert failure.message == "$.orphan_percentage: 71 is greater than the maximum of 50"


def test_an_invalid_schema_is_a_failure_not_a_crash(check, exchange) -> None:
    (failure,) = evaluate(check(json_schema={"type": "nonsense"}), exchange(200, "{}"))
    assert failure.kind == "json_schema" and "invalid" in failure.message


# ------------------------------------------------------------------ body_contains, max_ms


def test_body_contains_each_string(check, exchange) -> None:
    c = check(body_contains=("healthy", "version"))
    assert evaluate(c, exchange(200, "healthy; version 3")) == ()
    (failure,) = evaluate(c, exchange(200, "healthy"))
    assert failure.kind == "body_contains" and failure.expected == "version"


def test_body_contains_on_raw_payload_reads_its_json(check, exchange) -> None:
    c = check("raw", body_contains=('"deleted": 0', "café"))
    assert evaluate(c, exchange(None, payload={"deleted": 0, "name": "café"})) == ()
    assert kinds(evaluate(c, exchange(None, payload={"deleted": 6900}))) == ["body_contains"] * 2


def test_body_excerpt_is_capped(check, exchange) -> None:
    (failure,) = evaluate(check(body_contains=("needle",)), exchange(200, "x" * 5000))
    assert failure.actual is not None and len(failure.actual) <= 500


def test_max_ms(check, exchange) -> None:
    assert evaluate(check(max_ms=3000), exchange(200, latency_ms=3000)) == ()
    (failure,) = evaluate(check(max_ms=3000), exchange(200, latency_ms=3512.4))
    assert failure.kind == "max_ms"
    assert (failure.expected, failure.actual) == ("<= 3000 ms", "3512 ms")


def test_max_init_ms_judges_the_init_duration_of_a_cold_start_only(check, exchange) -> None:
    from smoke.model import LambdaMetrics

    bound = check(max_init_ms=500)
    cold = exchange(200, latency_ms=900, metrics=LambdaMetrics(duration_ms=20, init_duration_ms=812.3))
    (failure,) = evaluate(bound, cold)
    assert failure.kind == "max_init_ms"
    assert (failure.expected, failure.actual) == ("<= 500 ms", "812 ms")
    assert "cold start" in failure.message
    within = exchange(200, metrics=LambdaMetrics(duration_ms=20, init_duration_ms=499.9))
    assert evaluate(bound, within) == ()
    warm = exchange(200, latency_ms=900, metrics=LambdaMetrics(duration_ms=20))
    assert evaluate(bound, warm) == ()  # no Init Duration: a warm invocation
    assert evaluate(bound, exchange(200)) == ()  # no metrics at all (via http): nothing to judge


def test_binary_bodies_are_a_length_and_a_content_type_never_raw_bytes(check, exchange) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"
    (failure,) = evaluate(check(), exchange(503, png, {"Content-Type": "image/png"}))
    assert "\x00" not in failure.message
    assert failure.message.endswith("<binary body: 18 bytes, image/png>")
    (failure,) = evaluate(check(body_contains=("x",)), exchange(200, b"a\x00b"))
    assert failure.actual == "<binary body: 3 bytes, no content-type>"


def test_a_schema_failure_tells_the_string_42_from_the_number_42(check, exchange) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}, "s": {"type": "string"}}}
    failures = evaluate(check(json_schema=schema), exchange(200, '{"n": "42", "s": 42}'))
    actual = {f.message.split(":")[0]: f.actual for f in failures}
    assert actual == {"$.n": '"42"', "$.s": "42"}


# ------------------------------------------------------------------ all together


def test_every_failed_expectation_is_reported(check, exchange, statuses) -> None:
    c = check(
        status=statuses("2xx"),
        headers={"Content-Type": "application/json"},
        json_schema=SCHEMA,
        body_contains=("ok",),
        max_ms=1000,
    )
    ex = exchange(500, "Internal Server Error", headers={"content-type": "text/plain"},
                  latency_ms=4200, function_error="Unhandled", error_type="Exception",
                  error_message="boom")
    failures = evaluate(c, ex)
    assert kinds(failures) == ["function_error", "status", "header", "json_schema",
                               "body_contains", "max_ms"]
