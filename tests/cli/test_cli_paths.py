"""Report paths and arguments as users type them: nothing lost, nothing silent."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from cli_support import BROKEN_SUITE, HEALTHY_SUITE, ProjectFactory

from smoke.cli import main


def test_a_report_that_cannot_be_written_is_exit_3_and_said(
    project: ProjectFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = project({"api": HEALTHY_SUITE})
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a directory should be")
    code = main(["run", "prod", "--config", str(config), "--json", str(tmp_path / "r.json"),
                 "--junit", str(blocker / "r.xml")])
    out, err = capsys.readouterr()
    assert code == 3
    assert f"REPORT NOT WRITTEN: could not write a report: cannot write {blocker / 'r.xml'}" in out
    assert f"report: {blocker / 'r.xml'}" not in out
    assert "exit code 3" in out and "Traceback" not in out + err
    assert json.loads((tmp_path / "r.json").read_text())["run"]["exit_code"] == 0  # the other one


def test_suites_may_follow_options_and_a_directory_takes_the_default_name(
    project: ProjectFactory, tmp_path: Path
) -> None:
    config = project({"api": HEALTHY_SUITE, "lazy": BROKEN_SUITE})
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code = main(["run", "prod", "--config", str(config), "--json", str(out_dir),
                 "--junit", f"{tmp_path}/xml/", "api"])
    assert code == 0  # only the healthy suite ran
    report = json.loads((out_dir / "smoke-prod.json").read_text())
    assert {c["suite"] for c in report["checks"]} == {"backend-api"}
    assert (tmp_path / "xml" / "smoke-prod.xml").is_file()


def test_report_files_are_readable_by_others(project: ProjectFactory, tmp_path: Path) -> None:
    config = project({"api": HEALTHY_SUITE})
    previous = os.umask(0o022)
    try:
        assert main(["run", "prod", "--config", str(config), "--json", str(tmp_path / "r.json"),
                     "--junit", str(tmp_path / "r.xml")]) == 0
    finally:
        os.umask(previous)
    for name in ("r.json", "r.xml"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644


def test_unknown_options_are_still_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "prod", "api", "--no-such-flag"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --no-such-flag" in capsys.readouterr().err
