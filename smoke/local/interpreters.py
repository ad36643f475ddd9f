"""Which Python runs a function: the one its ``Runtime`` declares, wherever it is installed.

Looked for in this order: the environment's ``python:`` map in smoke.yaml, smoke's own
Python (when it is that version), ``python3.X`` on ``PATH``, pyenv (``$PYENV_ROOT/versions``)
and uv-managed Pythons (``uv python install``). Each candidate is asked for its version
before it is used (a pyenv shim on PATH may not run). The interpreter gets its own
runtime directory: awslambdaric and boto3 installed for it with pip, cached.
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from smoke.errors import ConfigError
from smoke.model import Location
from smoke.userdirs import home

PROBE_TIMEOUT_S = 15.0
RUNTIME_PACKAGES = ("awslambdaric", "boto3")
_PATCH = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_PROBE = (
    "import sys, platform, importlib.util as u; print('|'.join(['%d.%d' % sys.version_info[:2], "
    "platform.python_version(), platform.python_implementation(), getattr(sys, 'abiflags', ''), "
    "str(u.find_spec('pip') is not None)]))"
)


@dataclass(frozen=True)
class Interpreter:
    executable: str
    version: str  # "3.12"
    full_version: str  # "3.12.1"
    source: str  # where it was found, in the user's words
    has_pip: bool = True

    @property
    def is_smokes(self) -> bool:
        return os.path.realpath(self.executable) == os.path.realpath(sys.executable)


def own() -> Interpreter:
    """smoke's own Python."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return Interpreter(sys.executable, version, platform.python_version(), "smoke's own Python")


@functools.lru_cache(maxsize=64)
def probe(executable: str) -> tuple[str, str, bool] | None:
    """(``3.12``, ``3.12.1``, has pip) for a plain CPython at ``executable``; None otherwise."""
    try:
        done = subprocess.run(
            [executable, "-I", "-c", _PROBE], capture_output=True, text=True, check=False,
            timeout=PROBE_TIMEOUT_S, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = done.stdout.strip().split("|")
    if done.returncode != 0 or len(parts) != 5:
        return None
    version, full, implementation, abiflags, pip = parts
    if implementation != "CPython" or abiflags not in ("", "m"):  # no free-threaded/debug builds
        return None
    return version, full, pip == "True"


def _versions_newest_first(directory: Path, version: str) -> list[Path]:
    found = []
    for child in directory.glob(f"{version}.*"):
        match = _PATCH.match(child.name)
        if match:
            found.append((int(match.group(3)), child))
    return [path for _, path in sorted(found, reverse=True)]


def _uv_pythons(version: str) -> Iterable[Path]:
    base = os.environ.get("UV_PYTHON_INSTALL_DIR")
    if base:
        root = Path(base)
    else:
        data = os.environ.get("XDG_DATA_HOME")
        user_home = home()
        if data:
            root = Path(data) / "uv" / "python"
        elif user_home is not None:
            root = user_home / ".local" / "share" / "uv" / "python"
        else:
            return []
    machine = platform.machine()
    found = []
    for child in root.glob(f"cpython-{version}.*-linux-{machine}-gnu"):
        patch = child.name.split("-")[1].split(".")
        if len(patch) == 3 and patch[2].isdigit():
            found.append((int(patch[2]), child / "bin" / f"python{version}"))
    return [path for _, path in sorted(found, reverse=True)]


def _candidates(version: str) -> Iterable[tuple[str, str]]:
    on_path = shutil.which(f"python{version}")
    if on_path:
        yield on_path, "PATH"
    user_home = home()
    explicit = os.environ.get("PYENV_ROOT")
    if explicit or user_home is not None:
        pyenv = Path(explicit) if explicit else Path(str(user_home)) / ".pyenv"
        for directory in _versions_newest_first(pyenv / "versions", version):
            yield str(directory / "bin" / f"python{version}"), "pyenv"
    for path in _uv_pythons(version):
        yield str(path), "uv"


def normalise_version(key: str) -> str:
    """``python3.12`` or ``3.12`` -> ``3.12``."""
    return str(key).strip().removeprefix("python")


def find(version: str, configured: Mapping[str, str] | None = None) -> Interpreter | None:
    """An interpreter of ``version`` (``"3.12"``), or None when none is installed.

    A ``python:`` entry of smoke.yaml that does not run, or runs another version, is a
    ``ConfigError``: the user asked for that one."""
    for key, path in (configured or {}).items():
        if normalise_version(key) != version:
            continue
        found = probe(path)
        if found is None or found[0] != version:
            got = "does not run as CPython" if found is None else f"is Python {found[1]}"
            raise ConfigError(
                f"smoke.yaml `python:` gives {path} for python{version}, but it {got}",
                hint=f"Point `python: {{'{version}': ...}}` at a python{version} executable, "
                "or remove the entry to let smoke look on PATH, pyenv and uv.",
            )
        return Interpreter(path, version, found[1], "smoke.yaml python:", found[2])
    mine = own()
    if mine.version == version:
        return mine
    for path, source in _candidates(version):
        found = probe(path)
        if found is not None and found[0] == version:
            return Interpreter(path, version, found[1], source, found[2])
    return None


def check_configured(configured: Mapping[str, str], where: Location | None = None) -> None:
    """Every ``python:`` entry of smoke.yaml runs, as the version it is given for: a
    mistake there is the user's (``ConfigError``, exit 2, at the environment ``where``),
    not one function's refusal."""
    for key in configured:
        try:
            find(normalise_version(key), configured)
        except ConfigError as exc:
            if where is None or exc.location is not None:
                raise
            from smoke.loading.yamlload import quote_lines

            snippet = quote_lines(where.file, where.line, where.end_line) if where.line else ""
            raise ConfigError(exc.message, where, snippet, exc.hint) from None


def runtime_dir_for(interpreter: Interpreter) -> Path:
    """What Lambda's runtime adds beside the standard library (awslambdaric, boto3), for
    ``interpreter``: smoke's own environment for smoke's Python, else installed with pip
    into the cache once per interpreter."""
    from smoke.local.build import BuildError, _Deadline, _locked, _run, last_lines, progress
    from smoke.local.packages import cache_root, runtime_dir

    if interpreter.is_smokes:
        return runtime_dir()
    key = hashlib.sha256(
        f"{os.path.realpath(interpreter.executable)}\n{interpreter.full_version}".encode()
    ).hexdigest()[:12]
    root = cache_root()
    final = root / f"runtime-py{interpreter.full_version}-{key}"
    if final.is_dir():
        return final
    what = f"the Lambda runtime client for Python {interpreter.full_version}"
    with _locked(root / f".runtime-{key}.lock"):
        if final.is_dir():
            return final
        build = Path(tempfile.mkdtemp(prefix=".runtime-", dir=root))
        try:
            if interpreter.has_pip:
                pip = [interpreter.executable, "-m", "pip"]
                flags: list[str] = []
            else:  # no pip in that Python: smoke's pip installs for its version
                from smoke.local.build import platform_tags

                pip = [sys.executable, "-m", "pip"]
                flags = ["--python-version", interpreter.version, "--implementation", "cp"]
                for tag in platform_tags(interpreter.version, platform.machine()):
                    flags += ["--platform", tag]
            command = [
                *pip, "install", "--disable-pip-version-check", "--no-input", "--no-compile",
                "--progress-bar", "off", "--only-binary=:all:", "--target", str(build),
                *flags, *RUNTIME_PACKAGES,
            ]  # fmt: skip
            with progress(what, f"pip install {' '.join(RUNTIME_PACKAGES)}"):
                code, output = _run(command, root, _Deadline(600.0), what)
            if code != 0:
                raise BuildError(
                    f"cannot install {what} ({interpreter.executable}); pip's last lines:\n"
                    f"{last_lines(output)}"
                )
            build.rename(final)
        finally:
            shutil.rmtree(build, ignore_errors=True)
    return final
