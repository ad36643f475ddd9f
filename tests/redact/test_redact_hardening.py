"""Issue 12 items 1-5: secrets in names, cut excerpts, outside the reporters, httpx's spellings."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import httpx
import pytest

from smoke.cli import main
from smoke.loading.suites import load_suite
from smoke.model import CheckResult, Exchange, FunctionRef, Location, Outcome, Response
from smoke.redact import Redactor
from smoke.reporters.json_report import JsonReporter
from smoke.reporters.junit import JUnitReporter
from smoke.run_events import CheckFinished, RunFinished, RunStarted
from smoke.verdicts import excerpt

TOKEN = "P\u00e4ssword&Key!1-tok"


def _suite(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suites" / "s.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_item_01_variable_in_check_and_suite_names_is_masked_at_load(tmp_path: Path) -> None:
    path = _suite(tmp_path, """\
        suite: "api-${TOKEN}"
        function: api
        checks:
          - name: "login as ${TOKEN}"
            get: /login
        """)
    suite = load_suite(path, {"TOKEN": TOKEN})
    check = suite.checks[0]
    assert (suite.name, check.name, check.id) == ("api-***", "login as ***", "api-***::login as ***")
    assert check.location == Location(str(path), 4, 5)


def test_item_01_reports_mask_a_secret_in_a_check_name(tmp_path: Path) -> None:
    path = _suite(tmp_path, """\
        suite: api
        function: api
        checks:
          - {name: "a", get: /a}
        """)
    from dataclasses import replace

    check = replace(load_suite(path, {}).checks[0], name=f"as {TOKEN}")  # a name built elsewhere
    redactor = Redactor([TOKEN])
    result = CheckResult(check, Outcome.PASSED)
    for reporter in (JsonReporter(tmp_path / "r.json", redactor),
                     JUnitReporter(tmp_path / "r.xml", redactor)):
        reporter.handle_event(RunStarted("prod", (check,), 1.0))
        reporter.handle_event(CheckFinished(result))
        reporter.handle_event(RunFinished("prod", (result,), None, 1.0, 2.0, 0))
        reporter.shutdown()
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["checks"][0]["id"] == "api::as ***" and report["checks"][0]["name"] == "as ***"
    assert 'name="as ***"' in (tmp_path / "r.xml").read_text()


def test_item_02_a_cut_excerpt_inside_a_multi_line_text_keeps_no_prefix() -> None:
    redactor = Redactor([TOKEN])
    cut = excerpt("x" * 190 + " " + TOKEN + " and more", 200)
    text = f"[status] expected status 200, got 500: {cut}\nstatus: 500\nlog tail:\nREPORT ..."
    masked = redactor.text(text)
    assert TOKEN[:5] not in masked
    assert "x ***...\nstatus: 500" in masked
    # cut at the end of one line, two excerpts in one text, an ellipsis character
    assert redactor.text(f"a {TOKEN[:7]}...\nb {TOKEN[:4]}\u2026") == "a ***...\nb ***\u2026"


def test_item_02_junit_failure_text_has_no_token_prefix(tmp_path: Path) -> None:
    path = _suite(tmp_path, "suite: api\nfunction: api\nchecks:\n  - {name: a, get: /a}\n")
    check = load_suite(path, {}).checks[0]
    body = "y" * 190 + " " + TOKEN
    ex = Exchange(check.id, "http", "http://x", {}, 1.0, 5.0, response=Response(500, body=body.encode()))
    from smoke.verdicts import evaluate

    failures = evaluate(check, ex)
    result = CheckResult(check, Outcome.FAILED, ex, failures)
    redactor = Redactor([TOKEN])
    reporter = JUnitReporter(tmp_path / "r.xml", redactor)
    reporter.handle_event(RunStarted("prod", (check,), 1.0))
    reporter.handle_event(RunFinished("prod", (result,), None, 1.0, 2.0, 1))
    reporter.shutdown()
    xml = (tmp_path / "r.xml").read_text()
    assert "y ***..." in xml
    assert TOKEN[:4] not in xml.replace("***", "")


def _project(tmp_path: Path) -> Path:
    (tmp_path / "smoke.yaml").write_text(
        'environments:\n  prod:\n    via: http\n    base_url: http://127.0.0.1:9\n'
        '    functions:\n      api: {name: "fn-${FN}"}\n')
    (tmp_path / "bad.yaml").write_text(
        'environments:\n  bad:\n    via: http\n    base_url: "${TOKEN}/x"\n'
        '    functions:\n      api: {name: x}\n')
    _suite(tmp_path, """\
        suite: api
        function: api
        checks:
          - {name: items, get: "/items/${TOKEN}?key=${TOKEN}"}
        """)
    return tmp_path / "smoke.yaml"


def test_item_03_smoke_list_masks_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TOKEN", TOKEN)
    monkeypatch.setenv("FN", "fnsecret123")
    assert main(["list", "prod", "--config", str(_project(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "GET /items/***?key=***" in out and TOKEN not in out


def test_item_03_config_error_messages_mask_values_read_from_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TOKEN", TOKEN)
    monkeypatch.setenv("FN", "fnsecret123")
    _project(tmp_path)
    assert main(["validate", "--config", str(tmp_path / "bad.yaml")]) == 2
    err = capsys.readouterr().err
    assert "base_url needs a scheme: https://***/x?" in err
    assert TOKEN not in err and TOKEN[:5] not in err
    # a schema message cuts the value it quotes: no prefix of the token either
    path = _suite(tmp_path, 'suite: api\nfunction: api\nchecks:\n  - {name: a, get: /a, '
                  'expect: {status: "' + "z" * 50 + '${TOKEN}"}}\n')
    with pytest.raises(Exception) as raised:
        load_suite(path, {"TOKEN": TOKEN})
    assert TOKEN[:4] not in str(raised.value) and "***" in str(raised.value)


def test_item_03_json_functions_section_is_masked(tmp_path: Path) -> None:
    ref = FunctionRef("api", "fn-fnsecret123", log_group="/aws/lambda/fn-fnsecret123")
    reporter = JsonReporter(tmp_path / "r.json", Redactor(["fnsecret123"]))
    reporter.handle_event(RunStarted("prod", (), 1.0, {"api": ref}))
    reporter.handle_event(RunFinished("prod", (), None, 1.0, 2.0, 0))
    reporter.shutdown()
    functions = json.loads((tmp_path / "r.json").read_text())["functions"]
    assert functions["api"]["name"] == "fn-***"
    assert functions["api"]["log_group"] == "/aws/lambda/fn-***"


def test_item_04_secret_headers_of_an_event_received_are_learned() -> None:
    redactor = Redactor()
    redactor.add_event({"headers": {"Authorization": "Bearer tok-from-elsewhere-1",
                                    "X-Other": "plain"},
                        "multiValueHeaders": {"x-api-key": ["key-from-elsewhere-2"]},
                        "cookies": ["sid=cookie-from-elsewhere-3"]})
    text = redactor.text("tok-from-elsewhere-1 key-from-elsewhere-2 cookie-from-elsewhere-3 plain")
    assert text == "*** *** *** plain"


@pytest.mark.parametrize("token", [TOKEN, "Pa55&word!", "a b/c?d#e", "\u00fcber;x=1,y"])
def test_item_05_every_spelling_httpx_produces_is_masked(token: str) -> None:
    redactor = Redactor([token])
    request = httpx.Request("GET", "http://h/echo/" + token.replace("?", "%3F").replace("#", "%23"),
                            params={"q": token})
    spelled = request.url.raw_path.decode()
    masked = redactor.final(spelled)
    assert masked.startswith("/echo/***") and masked.endswith("?q=***"), (spelled, masked)
    # XML-escaped (a JUnit attribute) and lower-case hex
    assert redactor.final(spelled.replace("&", "&amp;")).count("***") == 2
    lower = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), spelled)
    assert redactor.final(lower).count("***") == 2
