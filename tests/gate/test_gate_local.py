"""`smoke gate` end to end on the local runtime, through boto3 and `python -m smoke`:
held on a broken candidate, promoted on a fixed one, rolled back when only the alias
fails, a canary whose weights are visible during the window, and SIGTERM mid-canary."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

from gate_support import BROKEN, FAILS_THROUGH_ALIAS, GOOD, Release, smoke_env

from smoke.cli import main
from smoke.schema import schema_path


def _report(release: Release) -> dict:
    import jsonschema

    report = json.loads((release.root / "reports" / "smoke-gate-prod.json").read_text())
    jsonschema.validate(report, json.loads(schema_path("report").read_text()))
    return dict(report)


def _decisions(release: Release) -> list[tuple[str, str | None, str | None]]:
    return [(d["decision"], d["from"], d["to"]) for d in _report(release)["gate"]["decisions"]]


def test_a_broken_candidate_is_held_and_a_fixed_one_promoted(release: Release, capsys) -> None:
    assert release.publish(GOOD) == "1"
    release.client.create_alias(FunctionName="Api", Name="live", FunctionVersion="1")
    assert release.publish(BROKEN) == "2"
    release.write(GOOD)  # $LATEST is healthy again; the candidate v2 is not

    assert main(["gate", "prod", "--log-wait", "2"]) == 1
    assert release.alias() == {"version": "1", "weights": {}}
    out = capsys.readouterr().out
    assert "HELD" in out and "No module named 'defusedxml'" in out
    report = _report(release)
    assert _decisions(release) == [("held", "1", "2")]
    assert "pre-check of version 2 failed" in report["gate"]["decisions"][0]["why"]
    assert [c["phase"] for c in report["checks"]] == ["pre-check"]
    assert report["checks"][0]["executed_version"] == "2"
    assert any(f["rule"] == "import-module-error" or "defusedxml" in f["line"]
               for f in report["log_scan"]["findings"])
    assert report["run"]["exit_code"] == 1
    junit = (release.root / "reports" / "smoke-gate-prod.xml").read_text()
    assert 'name="pre-check: api"' in junit and 'type="held"' in junit
    html = (release.root / "reports" / "smoke-gate-prod.html").read_text()
    assert "gate decision:" in html and "HELD" in html and "pre-check: api::health" in html

    assert release.publish(GOOD.replace("ok", "ok", 1) + "# fixed\n") == "3"
    assert main(["gate", "prod", "--log-wait", "2"]) == 0
    assert release.alias() == {"version": "3", "weights": {}}
    assert _decisions(release) == [("promoted", "1", "3")]
    report = _report(release)
    assert [(c["phase"], c["executed_version"]) for c in report["checks"]] == [
        ("pre-check", "3"), ("post-check", "3")]
    assert "PROMOTED" in capsys.readouterr().out


def test_a_failing_post_check_rolls_the_alias_back(release: Release, capsys) -> None:
    release.publish(GOOD)
    release.client.create_alias(FunctionName="Api", Name="live", FunctionVersion="1")
    assert release.publish(FAILS_THROUGH_ALIAS) == "2"
    assert main(["gate", "prod", "--log-wait", "2"]) == 1
    assert release.alias() == {"version": "1", "weights": {}}
    assert _decisions(release) == [("rolled back", "1", "2")]
    report = _report(release)
    outcomes = [(c["phase"], c["outcome"], c["executed_version"]) for c in report["checks"]]
    assert outcomes == [("pre-check", "passed", "2"), ("post-check", "failed", "2")]
    why = report["gate"]["decisions"][0]["why"]
    assert "post-check of version 2 failed" in why and "live alias is missing" in why
    assert "ROLLED BACK" in capsys.readouterr().out


def test_dry_run_prints_the_plan_and_changes_nothing(release: Release, capsys) -> None:
    release.publish(GOOD)
    release.client.create_alias(FunctionName="Api", Name="live", FunctionVersion="1")
    release.publish(BROKEN)
    assert main(["gate", "prod", "--dry-run", "--canary", "10", "--canary-minutes", "5"]) == 0
    out = capsys.readouterr().out
    assert "PLAN" in out and "pre-check version 2 by number" in out and "canary 10%" in out
    assert release.alias() == {"version": "1", "weights": {}}
    assert not (release.root / "reports" / "smoke-gate-prod.json").exists()
    v2_log = release.root / "reports" / "logs" / "Api.2.log"
    assert not v2_log.exists() or "START" not in v2_log.read_text()  # nothing invoked


def _gate(release: Release, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "smoke", "gate", "prod", "--log-wait", "2", *args],
        cwd=release.root, env=smoke_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for_weights(release: Release, proc: subprocess.Popen[str], timeout_s: float = 30) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        seen = release.alias()
        if seen["weights"]:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"no weighted routing seen; gate exited {proc.poll()}")


def test_a_canary_shows_its_weights_then_shifts_fully(release: Release) -> None:
    release.publish(GOOD)
    release.client.create_alias(FunctionName="Api", Name="live", FunctionVersion="1")
    release.publish(GOOD + "# v2\n")
    proc = _gate(release, "--canary", "25", "--canary-minutes", "0.05", "--canary-interval", "1")
    assert _wait_for_weights(release, proc) == {"version": "1", "weights": {"2": 0.25}}
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert release.alias() == {"version": "2", "weights": {}}
    phases = [p["name"] for p in _report(release)["gate"]["phases"]]
    assert phases[0] == "pre-check" and phases[-1] == "post-check"
    assert len([p for p in phases if p.startswith("canary-")]) >= 2  # re-checked in the window


def test_a_failing_canary_rolls_back_before_the_full_shift(release: Release) -> None:
    release.publish(GOOD)
    release.client.create_alias(FunctionName="Api", Name="live", FunctionVersion="1")
    release.publish(FAILS_THROUGH_ALIAS)  # passes by number, fails once traffic reaches it
    proc = _gate(release, "--canary", "99", "--canary-minutes", "0.05", "--canary-interval", "1")
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1, out
    assert release.alias() == {"version": "1", "weights": {}}
    (decision,) = _report(release)["gate"]["decisions"]
    assert decision["decision"] == "rolled back" and decision["phase"].startswith("canary-")
    assert "post-check" not in [p["name"] for p in _report(release)["gate"]["phases"]]


def test_sigterm_mid_canary_restores_the_routing(release: Release) -> None:
    release.publish(GOOD)
    release.client.create_alias(FunctionName="Api", Name="live", FunctionVersion="1")
    release.publish(GOOD + "# v2\n")
    proc = _gate(release, "--canary", "50", "--canary-minutes", "2", "--canary-interval", "1")
    _wait_for_weights(release, proc)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 143, out
    assert release.alias() == {"version": "1", "weights": {}}
    assert "RESTORED" in out and "restored to version 1" in out
    report = _report(release)
    assert report["run"]["interrupted"] == "SIGTERM"
    assert _decisions(release) == [("restored", "1", "2")]


def test_a_crash_mid_gate_restores_the_alias_and_says_so(release: Release, monkeypatch) -> None:
    import pytest

    from smoke.runner import Runner

    release.publish(GOOD)
    release.client.create_alias(FunctionName="Api", Name="live", FunctionVersion="1")
    release.publish(GOOD + "# v2\n")
    real_run = Runner.run
    calls = []

    def crash_on_the_post_check(self: Runner):  # a bug after the alias moved
        calls.append(1)
        if len(calls) == 2:
            assert release.alias()["version"] == "2"
            raise RuntimeError("a bug in the post-check")
        return real_run(self)

    monkeypatch.setattr(Runner, "run", crash_on_the_post_check)
    with pytest.raises(RuntimeError, match="a bug in the post-check"):
        main(["gate", "prod", "--log-wait", "2"])
    assert release.alias() == {"version": "1", "weights": {}}
    report = _report(release)
    assert _decisions(release) == [("restored", "1", "2")]
    assert "crashed: alias live restored to version 1" in report["gate"]["decisions"][0]["why"]
    assert any("the gate crashed: RuntimeError" in n for n in report["gate"]["notes"])


def test_user_mistakes_are_one_clear_line(release: Release, capsys) -> None:
    assert main(["gate", "prod", "--canary", "10"]) == 2
    assert "--canary PERCENT and --canary-minutes M go together" in capsys.readouterr().err
    assert main(["gate", "prod", "--version", "live"]) == 2
    assert "is a published version number" in capsys.readouterr().err
    text = (release.root / "smoke.yaml").read_text()
    (release.root / "smoke.yaml").write_text(text.replace(", qualifier: live", ""))
    assert main(["gate", "prod"]) == 2
    err = capsys.readouterr().err
    assert "has no function with an alias qualifier" in err and "Traceback" not in err
    (release.root / "smoke.yaml").write_text(text)
    assert main(["gate", "prod"]) == 3  # the alias does not exist yet
    assert "has no alias or version 'live'" in capsys.readouterr().err
