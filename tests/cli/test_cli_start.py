"""What `smoke run` does at start-up, and that what it skips changes nothing anyone sees.

- Modules a run over http does not use are not imported (``NOT_IMPORTED``).
- ``smoke COMMAND ...`` builds that command's parser alone, and every help text, usage,
  error and parse result is the same as with every command's parser.
- httpx's own command-line client (``httpx._main``: click, pygments, rich) is not
  imported by smoke's import of httpx, and ``httpx.main`` is still, for anyone who reads
  it in the same process (the pytest plugin runs in the user's), exactly what a plain
  ``import httpx`` gives: the CLI with httpx[cli] installed, else httpx's own stub.
"""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import REPO, ProjectFactory
from pypi_cache import installed

from smoke import cli
from smoke.cli import build_parser, parse_args
from smoke.runner import python_version

# the same program, with and without smoke importing httpx first
_HTTPX_MAIN = """\
import sys
if SMOKE_FIRST:
    from smoke.transports.http import HttpTransport
    HttpTransport("http://127.0.0.1:9").close()
    assert "httpx" in sys.modules
    assert "httpx._main" not in sys.modules and "click" not in sys.modules, "CLI imported"
import httpx
main = httpx.main
from httpx import main as again
assert again is main
assert not hasattr(httpx, "no_such_name")
print(type(main).__name__, getattr(main, "__module__", None), getattr(main, "name", None))
sys.argv = ["httpx", "--help"]
main()
"""


def _env(extra_path: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(REPO), *([str(extra_path)] if extra_path else []), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.pop("GITHUB_STEP_SUMMARY", None)
    return env


def _httpx_main(smoke_first: bool, extra_path: Path | None = None) -> tuple[int, str]:
    code = f"SMOKE_FIRST = {smoke_first}\n" + _HTTPX_MAIN
    proc = subprocess.run([sys.executable, "-c", code], env=_env(extra_path),
                          capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout


def test_httpx_main_is_what_a_plain_import_gives_after_smoke_imported_httpx() -> None:
    plain = _httpx_main(False)
    assert _httpx_main(True) == plain
    assert plain[1].strip(), "httpx.main printed nothing"


# what a run over http never needs: httpx's CLI (click, pygments: installed here for Flask
# and pytest); the Lambda event builders (only invoke builds events) and, with them, uuid;
# platform (which uuid imports on Linux); --qualifier parsing without --qualifier
NOT_IMPORTED = ("httpx._main", "click", "pygments", "rich", "smoke.events.common",
                "smoke.events.apigw", "uuid", "platform", "smoke.qualifiers")


# no expect.json_schema: jsonschema imports uuid (and platform) for its formats
PLAIN_SUITE = """\
suite: plain
function: api
checks:
  - name: health
    get: /health
    expect: {status: 200, body_contains: ok}
"""


def test_a_run_over_http_imports_only_what_it_uses(project: ProjectFactory,
                                                   tmp_path: Path) -> None:
    config = project({"api": PLAIN_SUITE})
    code = (
        "import sys\n"
        "from smoke.cli import main\n"
        f"rc = main(['run', 'prod', '--config', {str(config)!r}])\n"
        "print('RC', rc)\n"
        f"print('IMPORTED', sorted(m for m in {NOT_IMPORTED!r} if m in sys.modules))\n"
    )
    env = dict(_env(), SMOKE_CACHE_DIR=str(tmp_path / "cache"))
    # the first run validates smoke.yaml and the suite with jsonschema (which imports uuid
    # and platform); the later runs remember they were valid
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)
        assert "RC 0" in proc.stdout, proc.stdout + proc.stderr
    assert "IMPORTED []" in proc.stdout, proc.stdout
    report = json.loads((tmp_path / "reports" / "smoke-prod.json").read_text())
    assert report["run"]["python_version"] == platform.python_version()


@pytest.mark.parametrize("version", [
    sys.version,
    "3.11.7 (main, Dec  8 2023, 14:22:46) [GCC 12.2.0]",
    "3.13.0rc2 (main, Sep  7 2024, 10:00:00) [Clang 15.0.0 ]",
    "3.14.0a1+ (heads/main:1234abcd, Oct 10 2024, 10:00:00) [GCC 13.2.0]",
    "3.10.14 (75b3de9d9da1, Oct 02 2024, 10:00:00)\n[PyPy 7.3.17 with GCC 10.2.1 20210130]",
    "3.12 (main, Jan  1 2024, 00:00:00) [GCC 12.2.0]",
])
def test_python_version_is_platforms(version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "version", version)
    assert python_version() == platform.python_version()


# httpx[cli]'s own dependencies besides click and pygments (both in the dev environment)
CLI_PINS = ["rich==13.9.4", "markdown-it-py==3.0.0", "mdurl==0.1.2"]


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("click") is None
                    or importlib.util.find_spec("pygments") is None,
                    reason="httpx's CLI needs click and pygments")
def test_httpx_cli_still_works_after_smoke_imported_httpx_without_it() -> None:
    """With httpx[cli] installed, the real CLI (a click command) answers --help."""
    rich = installed("httpx-cli", CLI_PINS, deps=False)
    plain = _httpx_main(False, rich)
    assert plain[0] == 0, plain
    assert plain[1].startswith("Command "), plain  # click's, not httpx's stub function
    assert "Usage: httpx" in plain[1]
    assert _httpx_main(True, rich) == plain


COMMANDS = ["run", "gate", "package-hook", "validate", "list", "init", "discover", "scan",
            "schema", "local"]
ARGVS = [[], ["--help"], ["--version"], ["rn"], ["--bogus", "run", "x"], ["--", "run", "x"],
         ["--hel"], ["-1"]] + [
    [command, *rest] for command in COMMANDS for rest in (
        ["--help"], [], ["--bogus"], ["x", "--concurrency", "0"], ["x", "--deadline", "abc"],
        ["x", "y", "--tag", "t", "z"], ["x", "--since", "9d"], ["suite", "--canary", "150"],
        ["start", "--port", "x"], ["x", "--conf"], ["--architecture", "sparc"],
        ["x", "--qualifier", "api=4", "--json", "j", "--config", "c.yaml"],
    )
]


def _parsed(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[object, str, str]:
    try:
        outcome: object = sorted(vars(parse_args(argv)).items())
    except SystemExit as exc:
        outcome = exc.code
    out, err = capsys.readouterr()
    return outcome, out, err


@pytest.mark.parametrize("columns", ["100", "57"])
def test_commands_parse_and_explain_themselves_as_with_every_command(
    columns: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`smoke COMMAND ...` is parsed by that command's parser alone: every --help, usage,
    error and parse result is the same as with every command's parser built."""
    monkeypatch.setenv("COLUMNS", columns)
    lazy = [_parsed(argv, capsys) for argv in ARGVS]
    monkeypatch.setattr(cli, "build_parser", lambda only=None: build_parser())  # every command
    eager = [_parsed(argv, capsys) for argv in ARGVS]
    for argv, one, other in zip(ARGVS, lazy, eager, strict=True):
        assert one == other, argv
    helps = dict(zip(map(tuple, ARGVS), lazy, strict=False))
    assert "--qualifier Q|FN=Q" in helps[("run", "--help")][1]
    assert "{suite,config,report}" in helps[("schema", "--help")][1]
    assert "invalid choice: 'rn'" in helps[("rn",)][2]

