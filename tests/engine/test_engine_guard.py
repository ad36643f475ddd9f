from __future__ import annotations

import pytest

from smoke.guard import mutation_status, refused_checks
from smoke.model import Check, Environment, Expect, Request

PROD = Environment(name="prod", protected=True)
DEV = Environment(name="dev", protected=False)


def http_check(method: str, mutates: bool | None = None) -> Check:
    return Check(suite="s", name=f"{method} {mutates}", function="api", event="apigw-rest",
                 request=Request(method=method, path="/x"), expect=Expect(), mutates=mutates)


def raw_check(mutates: bool | None) -> Check:
    return Check(suite="s", name=f"raw {mutates}", function="cleanup", event="raw",
                 request=Request(), expect=Expect(), payload={"dry_run": True}, mutates=mutates)


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "get"])
def test_read_only_methods_are_safe_everywhere(method: str) -> None:
    assert mutation_status(http_check(method), PROD, False) == ("safe", None)
    assert mutation_status(http_check(method), DEV, False) == ("safe", None)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_mutating_methods_are_refused_in_protected_environments(method: str) -> None:
    status, reason = mutation_status(http_check(method), PROD, allow_mutations=True)
    assert status == "refused"  # not declared mutates: true, so even --allow-mutations refuses
    assert reason and method in reason and "mutates: true" in reason


def test_declared_mutation_needs_the_flag_too() -> None:
    check = http_check("POST", mutates=True)
    status, reason = mutation_status(check, PROD, allow_mutations=False)
    assert status == "refused" and reason and "--allow-mutations" in reason
    assert mutation_status(check, PROD, allow_mutations=True)[0] == "allowed"


def test_raw_invocations_must_declare_they_do_not_mutate() -> None:
    assert mutation_status(raw_check(None), PROD, True)[0] == "refused"
    assert mutation_status(raw_check(False), PROD, False) == ("safe", None)
    assert mutation_status(raw_check(True), PROD, False)[0] == "refused"
    assert mutation_status(raw_check(True), PROD, True)[0] == "allowed"


def test_a_get_declared_mutating_is_treated_as_mutating() -> None:
    assert mutation_status(http_check("GET", mutates=True), PROD, False)[0] == "refused"


def test_unprotected_environments_allow_but_report_mutations() -> None:
    status, reason = mutation_status(raw_check(None), DEV, False)
    assert status == "allowed"
    assert reason and "mutates" in reason and "not protected" in reason
    assert mutation_status(http_check("DELETE"), DEV, False)[0] == "allowed"


def test_refused_checks_lists_only_the_refused() -> None:
    checks = [http_check("GET"), http_check("POST"), raw_check(False), raw_check(None)]
    refused = refused_checks(checks, PROD, allow_mutations=False)
    assert [c.name for c, _ in refused] == ["POST None", "raw None"]
    assert refused_checks(checks, DEV, allow_mutations=False) == []


# ------------------------------------------------- issue 12, item 24: method overrides


def _get(headers: dict[str, str] | None = None, query: dict[str, tuple[str, ...]] | None = None,
         path: str = "/x", body: bytes | None = None, method: str = "GET") -> Check:
    return Check(suite="s", name="sneaky", function="api", event="apigw-rest",
                 request=Request(method=method, path=path, headers=headers or {},
                                 query=query or {}, body=body),
                 expect=Expect())


@pytest.mark.parametrize("header", ["X-HTTP-Method-Override", "X-Method-Override",
                                    "X-HTTP-Method", "x-http-method-override"])
def test_item_24_method_override_headers_count_as_mutations(header: str) -> None:
    status, reason = mutation_status(_get(headers={header: "DELETE"}), PROD, True)
    assert status == "refused" and reason and header in reason
    # overriding to a read-only method changes nothing
    assert mutation_status(_get(headers={header: "GET"}), PROD, False) == ("safe", None)


def test_item_24_method_query_parameter_counts_as_a_mutation() -> None:
    assert mutation_status(_get(query={"_method": ("DELETE",)}), PROD, True)[0] == "refused"
    assert mutation_status(_get(path="/items/3?_method=put"), PROD, True)[0] == "refused"
    assert mutation_status(_get(query={"method": ("DELETE",)}), PROD, False) == ("safe", None)


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_item_24_read_only_method_with_a_body_counts_as_a_mutation(method: str) -> None:
    status, reason = mutation_status(_get(body=b'{"delete": true}', method=method), PROD, True)
    assert status == "refused" and reason and "body" in reason
    assert mutation_status(_get(body=b"{}", method=method), DEV, False)[0] == "allowed"
