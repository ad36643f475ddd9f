"""``smoke package-hook``: a deployable zip of the CodeDeploy hook.

The zip holds smoke itself, the runtime dependencies Lambda's Python runtime lacks
(PyYAML, jsonschema and theirs; httpx when an environment goes ``via: http``), built by
pip for Lambda's platform and Python version, and the project's ``smoke.yaml`` and suite
files at its root, where the handler (``smoke.hooks.codedeploy.handler``) looks for them.
boto3 is Lambda's own. The dependencies are cached (``$SMOKE_CACHE_DIR/hook-deps``,
keyed by what was asked for). The configuration and suites are validated first: a zip that
could only ever report Failed is never written.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from smoke.errors import ConfigError, HarnessError

HANDLER = "smoke.hooks.codedeploy.handler"
DEPENDENCIES = ("PyYAML>=6", "jsonschema>=4.18")
HTTP_DEPENDENCIES = ("httpx>=0.27",)
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
PIP_TIMEOUT_S = 600.0
_STAMP = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same inputs give the same zip


def dependencies(requirements: Sequence[str], python: str, architecture: str) -> Path:
    """The dependencies installed for Lambda's platform, cached by what was asked for (pip
    against the index takes a while; the same request gives the same files)."""
    import hashlib

    from smoke.local.packages import _publish, cache_root

    key = hashlib.sha256("\n".join([*requirements, python, architecture]).encode()).hexdigest()[:16]
    final = cache_root() / "hook-deps" / key
    if final.is_dir():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=".hook-deps-", dir=final.parent))
    try:
        _pip_install(build, requirements, python, architecture)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return _publish(build, final)


def _pip_install(target: Path, requirements: Sequence[str], python: str, architecture: str) -> None:
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--target", str(target), "--only-binary=:all:", "--implementation", "cp",
        "--python-version", python, "--platform", PLATFORMS[architecture], *requirements,
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise HarnessError(f"pip took more than {PIP_TIMEOUT_S:g}s (is the package index reachable?)") from None
    if done.returncode != 0:
        raise HarnessError(f"pip could not install the hook's dependencies for Python {python} "
                           f"({architecture}):\n{(done.stderr or done.stdout).strip()}")


def _write_zip(root: Path, output: Path) -> int:
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial")
    count = 0
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), _STAMP)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
            count += 1
    partial.replace(output)  # never a half-written zip
    return count


def package_hook(config_path: str, output: Path, *, python: str, architecture: str,
                 environment: str | None = None) -> tuple[int, list[Path]]:
    """Build the zip; (files in it, the suite files packaged)."""
    from smoke.loading.config import load_config
    from smoke.loading.plan import build_plan, find_suites, load_suites

    if architecture not in PLATFORMS:
        raise ConfigError(f"--architecture {architecture!r}: x86_64 or arm64")
    config = load_config(config_path, require_env=False)  # ${VAR}s come from the hook's env
    suite_files = find_suites(config_path, ())
    suites = load_suites(suite_files, require_env=False)
    names = [environment] if environment else [n for n, e in config.environments.items() if not e.is_local]
    if not names:
        raise ConfigError(f"{config_path} has no environment the hook could check (all are local)")
    for name in names:
        build_plan(config, name, suites)
    base = Path(config_path).resolve().parent
    needs_http = any(config.environments[n].via == "http" for n in names)
    import smoke

    with tempfile.TemporaryDirectory(prefix="smoke-hook-") as tmp:
        root = Path(tmp)
        wanted = [*DEPENDENCIES, *(HTTP_DEPENDENCIES if needs_http else ())]
        shutil.copytree(dependencies(wanted, python, architecture), root, dirs_exist_ok=True)
        shutil.copytree(Path(smoke.__file__).parent, root / "smoke",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        shutil.copy2(config_path, root / "smoke.yaml")
        for file in suite_files:
            relative = Path(file).resolve().relative_to(base)
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, root / relative)
        count = _write_zip(root, output)
    return count, [Path(f) for f in suite_files]
