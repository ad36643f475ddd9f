"""Cookies: only their values are secrets; names and Set-Cookie attributes are not."""

from __future__ import annotations

from smoke.redact import Redactor, cookie_values


def test_set_cookie_attributes_and_cookie_names_stay_readable() -> None:
    redactor = Redactor()
    redactor.add_headers({
        "Set-Cookie": "sessionid=s3cr3t-value; Max-Age=200; Path=/; Secure; HttpOnly; SameSite=Lax",
        "Cookie": "theme=midnight; csrftoken=tok-123456",
    })  # fmt: skip
    # a status of 200 after a Max-Age=200 cookie is still a 200
    assert redactor.text("expected status 200, got 200") == "expected status 200, got 200"
    assert redactor.text("check: sessionid and theme, Path=/, Secure") == (
        "check: sessionid and theme, Path=/, Secure"
    )
    assert redactor.text("sessionid=s3cr3t-value; Max-Age=200") == "sessionid=***; Max-Age=200"
    assert redactor.text("theme=midnight; lang=en") == "theme=***; lang=en"
    assert redactor.text("theme=midnight; csrftoken=tok-123456") == "***"  # the whole header


def test_multi_value_and_comma_joined_set_cookies_mask_each_value() -> None:
    redactor = Redactor()
    redactor.add_headers({"set-cookie": ["a=first-secret; Path=/", "b=second-secret"]})
    joined = "c=third-secret; Expires=Wed, 21 Oct 2026 07:28:00 GMT, d=fourth-secret; Secure"
    redactor.add_headers({"Set-Cookie": joined})
    text = "first-secret second-secret third-secret fourth-secret Wed, 21 Oct 2026 Expires"
    assert redactor.text(text) == "*** *** *** *** Wed, 21 Oct 2026 Expires"


def test_a_cookie_without_a_name_is_masked_whole() -> None:
    redactor = Redactor()
    redactor.add_headers({"Cookie": "opaque-token-1; opaque-token-2"})
    assert redactor.text("opaque-token-1 and opaque-token-2") == "*** and ***"


def test_a_variable_holding_a_cookie_string_masks_its_values_only() -> None:
    redactor = Redactor(["session=abc123xyz; Max-Age=200"])
    assert redactor.text("got 200 for session") == "got 200 for session"
    assert redactor.text("abc123xyz") == "***"


def test_other_secrets_still_mask_their_parts() -> None:
    redactor = Redactor(["Bearer tok-abcdef", "dGVzdHNlY3JldA=="])
    assert redactor.text("tok-abcdef and dGVzdHNlY3JldA") == "*** and ***"
    assert cookie_values("dGVzdHNlY3JldA==") == []  # a base64 secret is not a cookie


def test_an_events_v2_cookies_teach_their_values_only() -> None:
    redactor = Redactor()
    redactor.add_event({"version": "2.0", "cookies": ["theme=midnight", "session=s3cr3t-42"]})
    assert redactor.text("theme and session: midnight, s3cr3t-42") == "theme and session: ***, ***"
