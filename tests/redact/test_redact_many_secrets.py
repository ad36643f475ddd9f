"""Many learned secrets: one per response (a new session cookie each time), masked as
the whole set would mask them, at a cost that does not grow with every check."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smoke import redact
from smoke.redact import Redactor, secrets_pattern

_ALPHABET = "ab.c*é\\("  # regex metacharacters, shared prefixes, secrets inside secrets


@settings(max_examples=300, deadline=None)
@given(
    st.sets(st.text(_ALPHABET, min_size=3, max_size=9), min_size=1, max_size=15),
    st.lists(st.text(_ALPHABET + "xy ", max_size=50), min_size=1, max_size=5),
)
def test_the_trie_matches_what_an_alternation_longest_first_matches(
    secrets: set[str], texts: list[str]
) -> None:
    flat = re.compile("|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True)))
    trie = secrets_pattern(secrets)
    for text in texts:
        assert trie.sub("*", text) == flat.sub("*", text)


def test_a_deep_trie_falls_back_to_the_alternation() -> None:
    secrets = {"a" * k for k in range(3, 400)}  # each secret a prefix of the next
    assert secrets_pattern(secrets).sub("*", "b" + "a" * 500 + "b") == "b**b"


def test_a_new_session_cookie_per_response_is_masked_and_stays_cheap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compiled: list[int] = []

    def counting(secrets: list[str]) -> re.Pattern[str]:
        compiled.append(len(secrets))
        return secrets_pattern(secrets)

    monkeypatch.setattr(redact, "secrets_pattern", counting)
    redactor = Redactor(["config-secret-1"])
    cookies = [f"sess{i:06d}x{i * 7919:08x}" for i in range(3000)]
    for i, value in enumerate(cookies):
        redactor.add_headers({"Set-Cookie": f"session={value}; Path=/; HttpOnly"})
        line = redactor.final(f"PASS  suite/c{i:05d}  200  5 ms")  # the console, per check
        assert line == f"PASS  suite/c{i:05d}  200  5 ms"
        if i % 500 == 0:  # the newest one is masked at once, and the oldest
            assert redactor.text(f"echo {value} {cookies[0]}") == "echo *** ***"
    text = " ".join(cookies) + " config-secret-1 cookie: " + cookies[-1]
    assert set(redactor.text(text).split()) == {"***", "cookie:"}
    assert redactor.text(f"session={cookies[5]}; Path=/; HttpOnly") == "***"  # the whole header
    assert redactor.text(f"session%3D{cookies[5]}%3B") == "session%3D***%3B"  # encoded: its value
    # recompiled as the set grows by half, not once per check (300 real checks took 186 s)
    assert 1 < len(compiled) < 40, compiled
