from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from smoke.model import Check, CheckResult, Expect, Finding, Outcome, Request, ScanResult
from smoke.runner import attach_findings, exit_code_for
from smoke.signals import Signals


def result(name: str, outcome: Outcome) -> CheckResult:
    check = Check(suite="s", name=name, function="api", event="apigw-rest", request=Request(),
                  expect=Expect())
    return CheckResult(check, outcome)


FINDING = Finding("api", "/aws/lambda/x", "traceback", "Traceback", check_id="s::b")


def test_exit_codes() -> None:
    ok = [result("a", Outcome.PASSED)]
    assert exit_code_for(ok, None) == 0
    assert exit_code_for(ok, ScanResult(skipped=True)) == 0
    assert exit_code_for(ok, ScanResult(findings=(FINDING,))) == 1
    assert exit_code_for(ok, ScanResult(errors=("AccessDenied on /aws/lambda/x",))) == 3
    assert exit_code_for([*ok, result("b", Outcome.FAILED)], None) == 1
    assert exit_code_for([*ok, result("b", Outcome.ERROR)], None) == 1
    assert exit_code_for([*ok, result("b", Outcome.NOT_RUN)], None) == 1
    # a broken deploy is the headline even when the scan could not run
    assert exit_code_for([result("b", Outcome.FAILED)], ScanResult(errors=("x",))) == 1


def test_findings_are_attached_by_check_id() -> None:
    results = attach_findings([result("a", Outcome.PASSED), result("b", Outcome.FAILED)],
                              ScanResult(findings=(FINDING,)))
    assert results[0].findings == ()
    assert results[1].findings == (FINDING,)


def test_signal_handlers_set_stop_and_are_restored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    stop = threading.Event()
    signals = Signals(stop)
    with signals.installed(True):
        signal.raise_signal(signal.SIGTERM)
        assert stop.wait(1.0)
        assert signals.received == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_second_signal_hurries_and_a_third_gives_up() -> None:
    stop, hurry = threading.Event(), threading.Event()
    signals = Signals(stop, hurry)
    with signals.installed(True):
        signal.raise_signal(signal.SIGINT)
        assert stop.is_set() and not hurry.is_set()
        signal.raise_signal(signal.SIGINT)
        assert hurry.is_set()
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert signals.received == "SIGINT"


def test_scan_refs_pin_an_alias_to_the_version_that_ran() -> None:
    from smoke.model import Check, CheckResult, Exchange, Expect, FunctionRef, Outcome, Request
    from smoke.runner import scan_refs

    def result(function: str, version: str | None) -> CheckResult:
        check = Check("s", f"{function}-{version}", function, "raw", Request(), Expect())
        ex = Exchange(check.id, "invoke", function, {}, 0.0, 1.0, executed_version=version)
        return CheckResult(check, Outcome.PASSED, ex)

    functions = {
        "api": FunctionRef("api", "api-fn", qualifier="live"),
        "mixed": FunctionRef("mixed", "mixed-fn", qualifier="live"),
        "pinned": FunctionRef("pinned", "pinned-fn", qualifier="3"),
        "latest": FunctionRef("latest", "latest-fn"),
    }
    results = [result("api", "7"), result("api", "7"), result("mixed", "4"),
               result("mixed", "5"), result("pinned", "3"), result("latest", "$LATEST")]
    refs = {r.logical: r.qualifier for r in scan_refs(functions, results)}
    # one version ran behind the alias: only its streams; two ran (a deploy
    # mid-run): every stream of the alias; explicit versions and $LATEST untouched
    assert refs == {"api": "7", "mixed": "live", "pinned": "3", "latest": None}


def test_a_third_signal_keeps_the_checks_that_finished(tmp_path: Path) -> None:
    """A hard interrupt (the third Ctrl-C) during the checks: the reports keep every check
    that had finished, and only the rest are not run (they all read "not run")."""
    import httpx

    from smoke import runner
    from smoke.redact import Redactor
    from smoke.reporters.json_report import JsonReporter
    from smoke.run_events import CheckFinished, RunEvent
    from smoke.transports import http

    (tmp_path / "suites").mkdir()
    (tmp_path / "smoke.yaml").write_text(
        "environments:\n  dev:\n    via: http\n    base_url: http://127.0.0.1:9\n"
        "    functions:\n      api: {name: fn}\n", encoding="utf-8")
    (tmp_path / "suites" / "s.yaml").write_text(
        "suite: s\nfunction: api\nchecks:\n"
        + "".join(f"  - {{name: c{i}, get: /c/{i}, expect: {{status: 200}}}}\n" for i in range(8)),
        encoding="utf-8")
    real_init = http.HttpTransport.__init__

    def in_memory(self: http.HttpTransport, base_url: str, **kwargs: Any) -> None:
        kwargs["transport"] = httpx.MockTransport(lambda request: httpx.Response(200))
        real_init(self, base_url, **kwargs)

    class ThreeCtrlC:  # pressed three times while the 3rd check's result is shown
        seen = 0

        def start(self) -> None:
            pass

        def shutdown(self) -> None:
            pass

        def handle_event(self, event: RunEvent) -> None:
            if isinstance(event, CheckFinished):
                self.seen += 1
                if self.seen == 3:
                    for _ in range(3):
                        signal.raise_signal(signal.SIGINT)

    redactor = Redactor()
    report = tmp_path / "r.json"
    options = runner.RunOptions("dev", config_path=str(tmp_path / "smoke.yaml"), concurrency=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(http.HttpTransport, "__init__", in_memory)
        outcome = runner.Runner(options, [JsonReporter(report, redactor), ThreeCtrlC()],
                                redactor=redactor).run()
    assert outcome.exit_code == 130 and outcome.interrupted == "SIGINT"
    outcomes = [r.outcome for r in outcome.results]
    assert outcomes[:3] == [Outcome.PASSED] * 3, outcomes
    assert set(outcomes[3:]) == {Outcome.NOT_RUN}
    data = json.loads(report.read_text(encoding="utf-8"))
    assert [c["outcome"] for c in data["checks"]][:3] == ["passed"] * 3
