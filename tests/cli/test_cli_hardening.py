"""Issue 12 (hardening, round two): the command line's share of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cli_support import HEALTHY_SUITE, ProjectFactory

from smoke.cli import main


def smoke(cwd: Path, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "smoke", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, env={**os.environ, **env})


# ---------------------------------------------------------------- item 10: stale reports


def test_item_10_a_run_that_fails_before_it_starts_removes_the_previous_reports(
    project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project({"api": HEALTHY_SUITE})
    root = config.parent
    json_path, junit_path = root / "r" / "smoke-prod.json", root / "r" / "smoke-prod.xml"
    args = ["run", "prod", "--config", str(config), "--json", str(json_path),
            "--junit", str(junit_path)]
    assert main(args) == 0
    assert json.loads(json_path.read_text())["run"]["exit_code"] == 0
    capsys.readouterr()
    (root / "suites" / "api.yaml").write_text("suite: api\nchecks:\n  - name: x\n    get: nope\n")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert not json_path.exists() and not junit_path.exists()  # no green report of a past run
    assert "this run did not start" in err
    assert str(json_path) in err and str(junit_path) in err


# ----------------------------------------------------------- item 11: skipped suite files


@pytest.mark.parametrize("kind", ["broken symlink", "symlink loop", "fifo"])
def test_item_11_unreadable_suite_files_are_errors_in_run_and_validate(
    project: ProjectFactory, kind: str
) -> None:
    config = project({"api": HEALTHY_SUITE})
    suites = config.parent / "suites"
    bad = suites / "other.yaml"
    if kind == "broken symlink":
        bad.symlink_to(suites / "gone.yaml")
    elif kind == "symlink loop":
        bad.symlink_to(suites / "loop.yaml")
        (suites / "loop.yaml").symlink_to(bad)
    else:
        os.mkfifo(bad)
    for args in (["validate"], ["run", "prod"]):
        proc = smoke(config.parent, *args, timeout=30)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert f"suite file {bad}" in proc.stderr or "suites/" in proc.stderr
        assert "cannot be read" in proc.stderr
        assert "OK" not in proc.stdout.split("\n")[-2:]


@pytest.mark.parametrize("suffix", [".YAML", ".YML", ".Yaml"])
def test_item_11_upper_case_suffixes_are_a_note_in_run_and_validate(
    project: ProjectFactory, suffix: str
) -> None:
    config = project({"api": HEALTHY_SUITE})
    (config.parent / "suites" / f"extra{suffix}").write_text(textwrap.dedent(HEALTHY_SUITE))
    proc = smoke(config.parent, "validate")
    assert proc.returncode == 0
    assert f"note: suites/extra{suffix} is not read" in proc.stdout
    proc = smoke(config.parent, "run", "prod")
    assert proc.returncode == 0, proc.stderr
    assert f"note: suites/extra{suffix} is not read" in proc.stderr


# -------------------------------------------------------- item 12: colliding report paths


def test_item_12_json_and_junit_at_one_path_are_refused(project: ProjectFactory) -> None:
    config = project({"api": HEALTHY_SUITE})
    target = config.parent / "same.out"
    target.write_text("precious")
    proc = smoke(config.parent, "run", "prod", "--json", str(target), "--junit", str(target))
    assert proc.returncode == 2, proc.stderr
    assert "--json and --junit both write" in proc.stderr
    assert target.read_text() == "precious"


@pytest.mark.parametrize("option", ["--junit", "--json"])
@pytest.mark.parametrize("victim", ["suites/api.yaml", "smoke.yaml", "suites/"])
def test_item_12_a_report_at_an_input_file_is_refused(
    project: ProjectFactory, option: str, victim: str
) -> None:
    config = project({"api": HEALTHY_SUITE})
    target = config.parent / victim
    before = {p: p.read_bytes() for p in config.parent.rglob("*.yaml")}
    proc = smoke(config.parent, "run", "prod", option, victim)
    if victim.endswith("/"):  # a directory gets the default name: nothing collides
        assert proc.returncode == 0, proc.stderr
        name = "smoke-prod.xml" if option == "--junit" else "smoke-prod.json"
        assert (target / name).exists()
        return
    assert proc.returncode == 2, proc.stderr
    assert f"would overwrite {victim}" in proc.stderr
    assert {p: p.read_bytes() for p in config.parent.rglob("*.yaml")} == before


# ------------------------------------------------ item 13: one run's reports, written together


def test_item_13_a_run_writes_its_report_pair_under_the_shared_lock(
    project: ProjectFactory,
) -> None:
    import time

    from smoke.reporters.paths import pair_lock

    config = project({"api": HEALTHY_SUITE})
    reports = config.parent / "reports"
    json_path, junit_path = reports / "smoke-prod.json", reports / "smoke-prod.xml"
    with pair_lock([json_path, junit_path]):  # another run is writing its pair
        proc = subprocess.Popen([sys.executable, "-m", "smoke", "run", "prod"],
                                cwd=config.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            deadline = time.monotonic() + 5  # the run itself takes about a second
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.2)
                if json_path.exists() or junit_path.exists():
                    break
            assert proc.poll() is None, proc.communicate()
            assert not json_path.exists() and not junit_path.exists()
        except BaseException:
            proc.kill()
            raise
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert json.loads(json_path.read_text())["run"]["exit_code"] == 0
    assert junit_path.exists()
