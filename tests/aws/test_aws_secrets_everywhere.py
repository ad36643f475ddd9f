"""Issue 12: one token sent through every channel; every file written and all output grepped.

The token has non-ASCII and ``&``/``!`` in it (httpx spells it ``P%C3%A4ssword&Key!1...`` in
a path), the function's name comes from a second ``${VAR}``. It goes into a check's name, a
request path, a query, headers, a response body (echoed, and cut inside the token where
excerpts are cut), the function's log lines (found by the log scan), the functions
section of the JSON report, ``smoke list``, ``smoke discover``, ``smoke scan``, ``smoke
validate``, a configuration error's message, and the pytest plugin (``-v``,
``--junitxml``, ``--smoke-json``). Then every file under the project and every byte of
output is searched for every spelling of both tokens.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from test_aws_cli import put_lines
from test_aws_discovery import _role, make_function

from smoke.model import Environment

TOKEN = "P\u00e4ssword&Key!1-s3cr3tz"
FN_SECRET = "fnsecret7x9q"  # function names allow only [A-Za-z0-9-_]
HEADER_TOKEN = "hdr&Key!1-s3cr3t-ascii"  # header values are ASCII (httpx refuses others)


def spellings(secret: str) -> set[str]:
    """What a leak of ``secret`` may look like, at least 6 characters of it."""
    out = {secret, quote(secret, safe=""), quote(secret, safe="/!$&'()*+,;=:@~"),
           quote_plus(secret), json.dumps(secret)[1:-1], secret.replace("&", "&amp;")}
    out |= {s.replace("%C3%A4", "%c3%a4") for s in list(out)}
    prefixes = {secret[:k] for k in range(6, len(secret))}  # what a cut excerpt could keep
    return out | prefixes


LEAKS = spellings(TOKEN) | spellings(FN_SECRET) | spellings(HEADER_TOKEN)


class _Echo(BaseHTTPRequestHandler):
    """Answers 500 with everything it received, and the token cut at excerpt boundaries."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        seen = "\n".join([f"path: {self.path}", *(f"{k}: {v}" for k, v in self.headers.items())])
        # flattened to one line, the status failure keeps 197 characters: the token's first
        # characters end up right before the "..."
        body = ("A" * 190 + " " + TOKEN + "\n" + seen + "\n").encode()
        self.send_response(500 if "/echo" in self.path else 200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", f"session={FN_SECRET}")
        self.end_headers()
        self.wfile.write(body)


@dataclass
class Leaks:
    root: Path
    outputs: dict[str, str] = field(default_factory=dict)  # channel -> what it printed
    codes: dict[str, int] = field(default_factory=dict)

    def files(self) -> dict[str, str]:
        found = {}
        for path in self.root.rglob("*"):
            if path.is_file() and ".venv" not in path.parts:
                found[str(path.relative_to(self.root))] = path.read_bytes().decode(
                    "utf-8", errors="replace")
        return found


SUITE = """\
suite: echo
function: api
checks:
  - name: "echo ${SMOKE_TOKEN}"
    get: "/echo/${SMOKE_TOKEN}"
    query: {q: "${SMOKE_TOKEN}"}
    headers:
      Authorization: "Bearer ${HEADER_TOKEN}"
      X-Custom: "${HEADER_TOKEN}"
    expect:
      status: 200
      body_contains: ["definitely-not-there"]
"""


@pytest.fixture()
def leaks(moto_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Leaks]:
    request = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    env = Environment(name="moto", region="us-east-1", endpoint_url=moto_url)
    name = f"fn-{FN_SECRET}"
    make_function(env, name, _role(env))
    group = f"/aws/lambda/{name}"
    now = int(time.time() * 1000)
    put_lines(env, group, [
        f"[ERROR] ModuleNotFoundError: No module named 'x' while serving /echo/{quote(TOKEN)}",
        f'START RequestId: 1b2c Version: $LATEST {json.dumps({"auth": TOKEN})}',
        "REPORT RequestId: 1b2c\tDuration: 1.00 ms\tBilled Duration: 1 ms",
    ], at_ms=now)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = tmp_path_factory.mktemp("secrets")
    (root / "suites").mkdir()
    (root / "suites" / "echo.yaml").write_text(SUITE)
    (root / "smoke.yaml").write_text(
        "environments:\n  web:\n    via: http\n"
        f"    base_url: http://127.0.0.1:{server.server_address[1]}\n"
        f"    region: us-east-1\n    endpoint_url: {moto_url}\n    log_scan: true\n"
        "    functions:\n      api: {name: \"fn-${FN_SECRET}\"}\n")
    (root / "pytest.ini").write_text("[pytest]\n")
    bad = root / "bad"
    bad.mkdir()
    (bad / "smoke.yaml").write_text(
        "environments:\n  web:\n    via: http\n    base_url: \"${SMOKE_TOKEN}/x\"\n"
        "    functions:\n      api: {name: \"fn-${FN_SECRET}\"}\n")
    result = Leaks(root)
    environ = {**os.environ, "SMOKE_TOKEN": TOKEN, "FN_SECRET": FN_SECRET,
               "HEADER_TOKEN": HEADER_TOKEN,
               "GITHUB_STEP_SUMMARY": str(root / "step-summary.md")}

    def run(channel: str, *args: str, cwd: Path = root) -> None:
        proc = subprocess.run([sys.executable, *args], cwd=cwd, env=environ, capture_output=True,
                              text=True, timeout=120)
        result.outputs[channel] = proc.stdout + proc.stderr
        result.codes[channel] = proc.returncode

    try:
        run("smoke run", "-m", "smoke", "run", "web", "--log-wait", "0")
        run("smoke list", "-m", "smoke", "list", "web")
        run("smoke discover", "-m", "smoke", "discover", "web")
        run("smoke scan", "-m", "smoke", "scan", "web", "--since", "10m")
        run("smoke validate", "-m", "smoke", "validate")
        run("config error", "-m", "smoke", "validate", cwd=bad)
        run("pytest", "-m", "pytest", "suites", "--smoke-env", "web", "-v", "-rA",
            "--smoke-log-wait", "0", "--junitxml=reports/pytest.xml",
            "--smoke-json=reports/pytest-smoke.json", "-p", "no:cacheprovider")
        yield result
    finally:
        server.shutdown()
        server.server_close()


def _leaked(text: str) -> list[str]:
    return sorted(s for s in LEAKS if s in text)


def test_secrets_test_one_token_through_every_channel_never_leaks(leaks: Leaks) -> None:
    # every channel really ran and carried the token somewhere (masked)
    assert leaks.codes["smoke run"] == 1, leaks.outputs["smoke run"]
    assert leaks.codes["smoke list"] == 0, leaks.outputs["smoke list"]
    assert leaks.codes["smoke discover"] == 0, leaks.outputs["smoke discover"]
    assert leaks.codes["smoke scan"] == 1, leaks.outputs["smoke scan"]
    assert leaks.codes["config error"] == 2, leaks.outputs["config error"]
    assert leaks.codes["pytest"] == 1, leaks.outputs["pytest"]
    files = leaks.files()
    assert {"reports/smoke-web.json", "reports/smoke-web.xml", "step-summary.md",
            "reports/pytest.xml", "reports/pytest-smoke.json"} <= set(files)
    found = {name: _leaked(text) for name, text in {**leaks.outputs, **files}.items()}
    assert {name: hits for name, hits in found.items() if hits} == {}

    # item 1: a ${VAR} in a check's name
    report = json.loads((leaks.root / "reports" / "smoke-web.json").read_text())
    check = report["checks"][0]
    assert check["id"] == "echo::echo ***" and check["name"] == "echo ***"
    assert 'name="echo ***"' in (leaks.root / "reports" / "smoke-web.xml").read_text()
    assert "suites/echo.yaml::echo::echo *** FAILED" in leaks.outputs["pytest"]  # -v
    assert 'name="echo ***"' in (leaks.root / "reports" / "pytest.xml").read_text()
    plugin = json.loads((leaks.root / "reports" / "pytest-smoke.json").read_text())
    assert [c["id"] for c in plugin["checks"]] == ["echo::echo ***"]

    # item 2: an excerpt cut inside the token
    junit = (leaks.root / "reports" / "smoke-web.xml").read_text()
    assert "A" * 20 + " ***..." in junit  # the cut excerpt, inside a multi-line failure text
    summary = (leaks.root / "step-summary.md").read_text()
    assert " ***..." in summary
    assert " ***..." in leaks.outputs["pytest"]
    for text in (junit, summary, leaks.outputs["pytest"]):
        assert TOKEN[:6] not in text

    # item 3: list, discover, the functions section, a configuration error
    assert "GET /echo/***" in leaks.outputs["smoke list"]
    assert "api: fn-***" in leaks.outputs["smoke discover"]
    assert "log group: /aws/lambda/fn-***" in leaks.outputs["smoke discover"]
    assert report["functions"]["api"]["name"] == "fn-***"
    assert report["functions"]["api"]["log_group"] == "/aws/lambda/fn-***"
    assert "base_url needs a scheme" in leaks.outputs["config error"]
    assert "***" in leaks.outputs["config error"]

    # item 5: httpx's spelling of the token in a path
    httpx_path = quote(TOKEN, safe="/!$&'()*+,;=:@~")
    assert httpx_path == "P%C3%A4ssword&Key!1-s3cr3tz"  # what the echo server received
    text = (leaks.root / "reports" / "smoke-web.json").read_text()
    assert "path: /echo/***?q=***" in text.replace("\\n", "\n")
    assert httpx_path not in text
