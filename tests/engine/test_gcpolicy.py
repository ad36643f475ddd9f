"""When the cyclic garbage collector runs in a smoke process (smoke.gcpolicy)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from smoke import gcpolicy


@pytest.fixture
def collector() -> Iterator[None]:
    """Whatever a test does to the collector is undone after it."""
    was_enabled = gc.isenabled()
    yield
    gcpolicy._paused_for_start = False
    gc.unfreeze()
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


class _CollectorAtEachCheck:
    """An event handler: whether the collector was on as each check finished."""

    def __init__(self) -> None:
        self.seen: list[bool] = []

    def start(self) -> None:
        pass

    def shutdown(self) -> None:
        pass

    def handle_event(self, event: object) -> None:
        from smoke.run_events import CheckFinished

        if isinstance(event, CheckFinished):
            self.seen.append(gc.isenabled())


def _project(root: Path, base_url: str, checks: int) -> Path:
    (root / "suites").mkdir()
    (root / "smoke.yaml").write_text(
        f"environments:\n  dev:\n    via: http\n    base_url: {base_url}\n"
        "    functions:\n      api: {name: fn}\n", encoding="utf-8")
    (root / "suites" / "s.yaml").write_text(
        "suite: s\nfunction: api\nchecks:\n"
        + "".join(f"  - {{name: c{i}, get: /health, expect: {{status: 200}}}}\n"
                  for i in range(checks)),
        encoding="utf-8")
    return root / "smoke.yaml"


@pytest.mark.usefixtures("collector")
@pytest.mark.parametrize("paused", [True, False], ids=["console script", "plugin or main()"])
def test_the_checks_run_with_the_collector_on_and_only_a_start_pause_freezes(
        tmp_path: Path, http_server: str, paused: bool) -> None:
    """The console script pauses collection at start: it resumes when the checks start,
    with start-up's objects frozen (never walked again). The pytest plugin and callers of
    ``main()`` never pause: nothing is frozen for them."""
    from smoke.runner import Runner, RunOptions

    config = _project(tmp_path, http_server, 4)
    checks = _CollectorAtEachCheck()
    gc.enable()
    frozen_before = gc.get_freeze_count()
    if paused:
        gcpolicy.pause_start()
        assert not gc.isenabled()
    outcome = Runner(RunOptions("dev", config_path=str(config), concurrency=2), [checks]).run()
    assert outcome.exit_code == 0, outcome.message
    assert checks.seen == [True] * 4  # every check ran with the collector on
    assert gc.isenabled()
    assert (gc.get_freeze_count() > frozen_before) is paused


@pytest.mark.usefixtures("collector")
def test_a_collector_already_off_stays_off() -> None:
    gc.disable()
    frozen_before = gc.get_freeze_count()
    gcpolicy.pause_start()
    gcpolicy.end_start()
    assert not gc.isenabled()
    assert gc.get_freeze_count() == frozen_before
    with gcpolicy.paused_gc():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_the_console_script_exit_still_runs_atexit_and_flushes(
        tmp_path: Path, http_server: str) -> None:
    """The exit freezes objects; it does not skip what an exit runs (os._exit would):
    atexit handlers run, and stdout piped to a file is complete."""
    _project(tmp_path, http_server, 30)
    out = tmp_path / "out.txt"
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('atexit ran', file=sys.stderr))\n"
            "sys.argv = ['smoke', 'run', 'dev', '--json', 'r.json']\n"
            "from smoke.cli import run_main\n"
            "run_main()\n")
    with open(out, "w", encoding="utf-8") as stdout:
        proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, stdout=stdout,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.rstrip().endswith("atexit ran")
    text = out.read_text(encoding="utf-8")
    assert sum(line.startswith("PASS ") for line in text.splitlines()) == 30, text
    assert "30 check(s): 30 passed" in text and text.rstrip().endswith("exit code 0"), text
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["totals"]["passed"] == 30


@pytest.mark.parametrize(("command", "paused"), [
    (["validate"], True), (["local", "--help"], False), (["--version"], False)])
def test_the_console_script_pauses_only_for_commands_that_end_soon(
        tmp_path: Path, command: list[str], paused: bool) -> None:
    """A long-lived command (``smoke local start``, a server) keeps its collector on."""
    code = ("import atexit, gc, sys\n"
            "atexit.register(lambda: print('collector', gc.isenabled(), file=sys.stderr))\n"
            f"sys.argv = ['smoke', *{command!r}]\n"
            "from smoke.cli import run_main\n"
            "run_main()\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    assert proc.stderr.rstrip().endswith(f"collector {not paused}"), proc.stderr
