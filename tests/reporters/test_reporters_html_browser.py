"""The HTML report in a real browser: Debian's headless Chromium opens it and takes a screenshot."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from html_support import parse
from test_reporters_html import on_aws, write

from smoke.run_events import RunEvent

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--host-resolver-rules=MAP * ~NOTFOUND"]  # the page must need nothing from outside

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                       "(Debian: apt-get install -y chromium)"),
]


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp_path / "profile"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)


def test_chromium_renders_the_report_and_takes_a_screenshot(
    tmp_path: Path, run_events: list[RunEvent]
) -> None:
    page = tmp_path / "smoke-prod.html"
    write(page, on_aws(run_events))
    shot = tmp_path / "shot.png"
    done = chromium(tmp_path, "--window-size=1200,1400", f"--screenshot={shot}", page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1200, 1400)
    assert len(data) > 20_000  # a page was drawn, not a blank one
    # the DOM as the browser built it: the SVG and every check are there
    dom = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    built = parse(dom.stdout)
    assert len(built.all("svg")) == 1
    assert len([r for r in built.all("rect") if r.attrs.get("class") in ("ok", "bad")]) == 3
    assert len([d for d in built.all("details") if "check" in d.attrs.get("class", "")]) == 6
