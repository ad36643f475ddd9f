"""Build what ``sam build`` builds: a ``requirements.txt`` installed for the declared runtime.

- Wheels are for the function's Python version and architecture, as aws-lambda-builders
  picks them: pip's ``--platform`` with Lambda's manylinux tags, ``--implementation cp``,
  ``--only-binary=:all:``. A pure-Python package published only as an sdist is built into
  a wheel first and then accepted; a compiled one needs a wheel for Lambda's platform.
- pip runs under the function's own interpreter when one was found (its markers, such as
  ``python_version < "3.11"``, are then evaluated for the right Python), else under
  smoke's Python with ``--python-version``.
- Each build is cached in ``<cache>/builds/`` by the requirements' hash (with the files
  they include through ``-r``/``-c``), the Python version and the architecture. A lock
  file makes parallel runs (pytest-xdist workers) wait for one build instead of racing.
- Every build has a timeout (pip is an outside call); a failure is one ``BuildError``
  naming what was built, with pip's last lines.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from smoke.errors import HarnessError
from smoke.local.packages import cache_root

BUILD_TIMEOUT_S = 600.0
FORMAT = "1"  # bump when what a build directory holds changes
_LAST_LINES = 12
# glibc of Lambda's images: Amazon Linux 2 (python3.8-3.11), Amazon Linux 2023 (3.12+)
_GLIBC_MINOR = {"3.8": 26, "3.9": 26, "3.10": 26, "3.11": 26}
_AL2023_GLIBC_MINOR = 34
_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64"}


class BuildError(HarnessError):
    """A build that failed: what was built, why, pip's last lines."""


@dataclass(frozen=True)
class Target:
    """What a build is for: the runtime's Python version, the CPU, and who runs pip."""

    version: str  # "3.12"
    architecture: str  # "x86_64" | "arm64"
    python: str | None = None  # an interpreter of ``version`` with pip; None: smoke's pip

    @property
    def label(self) -> str:
        return f"python{self.version} {self.architecture}"


def platform_tags(version: str, architecture: str) -> list[str]:
    """The wheel platforms Lambda's image for ``version`` on ``architecture`` can load."""
    arch = _ARCH.get(architecture, architecture)
    top = _GLIBC_MINOR.get(version, _AL2023_GLIBC_MINOR)
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(top, 16, -1)]
    tags.append(f"manylinux2014_{arch}")
    if arch == "x86_64":
        tags += ["manylinux2010_x86_64", "manylinux1_x86_64"]
    return tags


def _included_files(requirements: Path, seen: set[Path]) -> list[Path]:
    """``requirements`` and the files it includes with ``-r``/``-c`` (for the cache key)."""
    requirements = requirements.resolve()
    if requirements in seen or not requirements.is_file():
        return []
    seen.add(requirements)
    found = [requirements]
    for raw in requirements.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = raw.split(" #", 1)[0].split()
        if len(parts) >= 2 and parts[0] in ("-r", "-c", "--requirement", "--constraint"):
            found += _included_files(requirements.parent / parts[1], seen)
    return found


def requirement_lines(requirements: Path) -> list[str]:
    lines = []
    for raw in requirements.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def build_key(requirements: Path, target: Target) -> str:
    # pip under the function's own Python evaluates markers (python_version < "3.11") for
    # it; smoke's pip with --python-version evaluates them for smoke's: not the same build
    by = "own" if target.python else "smoke"
    digest = hashlib.sha256(f"{FORMAT}\n{target.version}\n{target.architecture}\n{by}\n".encode())
    for path in _included_files(requirements, set()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _pip(target: Target) -> list[str]:
    return [target.python or sys.executable, "-m", "pip"]


def _install_command(requirements: Path, dest: Path, target: Target, links: Path | None) -> list[str]:
    command = [
        *_pip(target), "install", "--disable-pip-version-check", "--no-input", "--no-compile",
        "--progress-bar", "off", "--target", str(dest), "--implementation", "cp",
        "--only-binary=:all:", "-r", str(requirements),
    ]  # fmt: skip
    if target.python is None:
        command += ["--python-version", target.version]
    for tag in platform_tags(target.version, target.architecture):
        command += ["--platform", tag]
    if links is not None:
        command += ["--find-links", str(links)]
    return command


def _pip_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PIP_REQUIRE_VIRTUALENV"] = "0"  # --target needs no virtualenv
    env.pop("PYTHONPATH", None)
    env.pop("PIP_TARGET", None)
    env.pop("PIP_USER", None)
    return env


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return max(1.0, self.end - time.monotonic())


_STOPS: list[threading.Event] = []


@contextlib.contextmanager
def stopped_by(event: threading.Event) -> Iterator[None]:
    """Builds started inside stop (their pip is killed) once ``event`` is set (a run's
    SIGINT/SIGTERM): nothing half-built is left, and no other build starts."""
    _STOPS.append(event)
    try:
        yield
    finally:
        _STOPS.remove(event)


def _stopped() -> bool:
    return any(event.is_set() for event in _STOPS)


def _run(command: list[str], cwd: Path, deadline: _Deadline, what: str) -> tuple[int, str]:
    if _stopped():
        raise BuildError(f"{what}: not built, the run was interrupted")
    try:
        process = subprocess.Popen(
            command, cwd=cwd, env=_pip_env(), stdin=subprocess.DEVNULL, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
    except OSError as exc:
        raise BuildError(f"{what}: cannot run pip ({command[0]}): {exc.strerror}") from None
    with process:
        while True:
            try:
                output, _ = process.communicate(timeout=min(0.25, deadline.left()))
                return process.returncode, output or ""
            except subprocess.TimeoutExpired:
                if _stopped():
                    process.kill()
                    raise BuildError(f"{what}: the build was interrupted") from None
                if time.monotonic() >= deadline.end:
                    process.kill()
                    raise BuildError(
                        f"{what}: pip took more than {deadline.seconds:g}s (could it reach the "
                        "package index?); the build was stopped"
                    ) from None
            except BaseException:
                process.kill()
                raise


def last_lines(output: str, count: int = _LAST_LINES) -> str:
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    return "\n".join(f"    {line}" for line in lines[-count:])


def _pure_wheels(requirements: Path, target: Target, wheelhouse: Path, deadline: _Deadline) -> bool:
    """Build the requirements into wheels here; keep the pure-Python ones. True if any."""
    command = [
        *_pip(target), "wheel", "--disable-pip-version-check", "--no-input", "--progress-bar",
        "off", "--wheel-dir", str(wheelhouse), "-r", str(requirements),
    ]  # fmt: skip
    _run(command, requirements.parent, deadline, "building wheels from sdists")
    kept = False
    for wheel in wheelhouse.glob("*.whl"):
        if wheel.name.endswith("-none-any.whl"):
            kept = True
        else:
            wheel.unlink()
    return kept


def _install(requirements: Path, dest: Path, target: Target, what: str) -> None:
    """pip install the requirements into ``dest`` for ``target`` (raises ``BuildError``)."""
    deadline = _Deadline(BUILD_TIMEOUT_S)
    cwd = requirements.parent
    code, output = _run(_install_command(requirements, dest, target, None), cwd, deadline, what)
    if code == 0:
        return
    if "No matching distribution" in output or "Could not find a version" in output:
        # maybe a pure-Python package published only as an sdist (aws-lambda-builders
        # builds those too): build wheels here, keep the pure ones, try again with them
        wheelhouse = dest.parent / f"{dest.name}-wheels"
        wheelhouse.mkdir()
        try:
            if _pure_wheels(requirements, target, wheelhouse, deadline):
                shutil.rmtree(dest, ignore_errors=True)
                dest.mkdir()
                command = _install_command(requirements, dest, target, wheelhouse)
                code, output = _run(command, cwd, deadline, what)
        finally:
            shutil.rmtree(wheelhouse, ignore_errors=True)
        if code == 0:
            return
    raise BuildError(
        f"{what}: pip could not install {requirements} for {target.label} "
        f"(exit {code}); pip's last lines:\n{last_lines(output)}"
    )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def installed_requirements(requirements: Path, target: Target, what: str) -> Path:
    """A cached directory holding ``requirements`` installed for ``target`` (built once)."""
    key = build_key(requirements, target)
    root = cache_root() / "builds"
    final = root / f"py{target.version}-{target.architecture}-{key}"
    if final.is_dir():
        return final
    with _locked(root / f".{key}.lock"):
        if final.is_dir():  # another process built it while this one waited
            return final
        build = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
        published = False
        try:
            if any(not line.startswith("-") for line in requirement_lines(requirements)):
                with progress(what, f"{requirements.name} for {target.label}"):
                    _install(requirements, build, target, what)
            (build / ".smoke-build").write_text(f"{requirements}\n{target.label}\n")
            build.rename(final)
            published = True
        finally:
            if not published:
                shutil.rmtree(build, ignore_errors=True)
    return final


# ---------------------------------------------------------------------------- progress


class _Progress:
    """A live line on a terminal while a build runs; one line per build otherwise (CI)."""

    def __init__(self, stream: TextIO, what: str, detail: str) -> None:
        self.stream, self.what, self.detail = stream, what, detail
        self.live = bool(getattr(stream, "isatty", lambda: False)())
        self.started = time.monotonic()
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def _line(self, verb: str) -> str:
        return f"smoke: {verb} {self.what}: {self.detail} ({time.monotonic() - self.started:.1f}s)"

    def _tick(self) -> None:
        while not self.done.wait(0.5):
            self._write("\r" + self._line("building")[:110].ljust(110))

    def _write(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.stream.write(text)
            self.stream.flush()

    def __enter__(self) -> _Progress:
        if self.live:
            self._write(self._line("building")[:110])
            self.thread = threading.Thread(target=self._tick, daemon=True, name="smoke-build")
            self.thread.start()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()
        verb = "built" if exc_type is None else "FAILED to build"
        if self.live:
            self._write("\r" + " " * 110 + "\r")
        self._write(self._line(verb) + "\n")


def progress(what: str, detail: str) -> _Progress:
    return _Progress(sys.stderr, what, detail)
