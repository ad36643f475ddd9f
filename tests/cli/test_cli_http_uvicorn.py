"""`smoke run` via http against a real FastAPI app served by uvicorn (both from PyPI,
installed once into ~/.cache/smoke-tests/): the app sets a session cookie on login and
refuses an anonymous /me. Each check must be judged on what it sent: the login's
Set-Cookie reaches its verdict, and no later check carries that cookie (before issue
14, httpx's cookie jar sent it: "anonymous me is refused" got 200, a false red).
Then 300 of these checks at concurrency 16 through per-thread clients: all judged right.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import ProjectFactory
from pypi_cache import installed

from smoke.cli import main

PINS = ["fastapi==0.165.0", "uvicorn==0.54.0"]

APP = """\
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

app = FastAPI()


@app.post("/login")
def login(response: Response):
    response.set_cookie("session", "s3ss10n-abc", httponly=True)
    return {"logged_in": True}


@app.get("/me")
def me(request: Request):
    if request.cookies.get("session") is None:
        return JSONResponse({"detail": "Not authenticated"}, status_code=401)
    return {"user": "alice"}
"""

CHECKS = """\
  - name: login {i}
    post: /login
    expect:
      status: 200
      headers: {{set-cookie: "session=s3ss10n-abc; HttpOnly; Path=/; SameSite=lax"}}
  - name: anonymous me is refused {i}
    get: /me
    expect: {{status: 401}}
  - name: me with the check's own cookie {i}
    get: /me
    headers: {{Cookie: "session=given-by-the-check"}}
    expect: {{status: 200, body_contains: alice}}
"""


@pytest.fixture()
def uvicorn_app(tmp_path: Path) -> Iterator[str]:
    try:
        site = installed("uvicorn", PINS)
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"fastapi and uvicorn could not be installed from PyPI: {exc}")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "app.py").write_text(APP)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(site))
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app:app", "--fd", str(listener.fileno()),
         "--log-level", "warning"],
        cwd=tmp_path / "app", env=env, pass_fds=(listener.fileno(),),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    listener.close()
    try:
        deadline = time.monotonic() + 30
        while True:  # up once it answers
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    probe.sendall(b"GET /me HTTP/1.1\r\nHost: x\r\n\r\n")
                    if probe.recv(64).startswith(b"HTTP/1.1 401"):
                        break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)
        if server.stderr:
            server.stderr.close()


def _run(config: Path, out: Path, concurrency: int) -> tuple[int, dict[str, tuple[str, int]]]:
    report = out / f"c{concurrency}.json"
    code = main(["run", "dev", "--config", str(config), "--concurrency", str(concurrency),
                 "--json", str(report), "--junit", str(out / f"c{concurrency}.xml")])
    checks = json.loads(report.read_text())["checks"]
    return code, {c["name"]: (c["outcome"], c["status"]) for c in checks}


@pytest.mark.slow
def test_checks_against_fastapi_are_judged_on_what_each_sent(
    project: ProjectFactory, uvicorn_app: str, tmp_path: Path
) -> None:
    one_round = "suite: session\nfunction: api\nchecks:\n" + CHECKS.format(i=0)
    config = project({"session": textwrap.indent(one_round, "    ")}, base_url=uvicorn_app)
    code, outcomes = _run(config, tmp_path / "out", 1)  # in file order: login first
    assert outcomes == {
        "login 0": ("passed", 200),
        "anonymous me is refused 0": ("passed", 401),
        "me with the check's own cookie 0": ("passed", 200),
    }
    assert code == 0

    many = "suite: session\nfunction: api\nchecks:\n" + "".join(
        CHECKS.format(i=i) for i in range(100))
    config = project({"session": textwrap.indent(many, "    ")}, base_url=uvicorn_app)
    code, outcomes = _run(config, tmp_path / "out", 16)
    assert len(outcomes) == 300
    assert {name: o for name, o in outcomes.items() if o[0] != "passed"} == {}
    assert code == 0
