"""What a local function's ``sys.path`` is made of: task root, layers, runtime directory.

- The **runtime directory** holds only what Lambda's Python runtime provides beside the
  standard library: awslambdaric (and its imports) and boto3/botocore with their
  dependencies. It is built once per smoke install in the cache directory, from symlinks
  into smoke's own environment.
- **Packages and layers** are directories or ``.zip`` files; zips are extracted (Lambda
  unzips too) into the cache, keyed by the zip's hash.
- What ``sam build`` would build (requirements of functions and layers) is built by
  ``smoke.local.artifacts`` and ``smoke.local.build``.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from smoke.errors import ConfigError, HarnessError
from smoke.userdirs import cache_root

# Distributions Lambda's Python runtime ships (import names found from their records).
RUNTIME_DISTRIBUTIONS = (
    "awslambdaric",
    "simplejson",
    "snapshot-restore-py",
    "boto3",
    "botocore",
    "jmespath",
    "python-dateutil",
    "six",
    "s3transfer",
    "urllib3",
)


def _publish(build: Path, final: Path) -> Path:
    """Move a finished build into place; another process may have won the race."""
    try:
        build.rename(final)
    except OSError:
        shutil.rmtree(build, ignore_errors=True)
        if not final.is_dir():
            raise
    return final


def _top_level_entries(dist: metadata.Distribution) -> set[str]:
    names = set()
    for file in dist.files or ():
        top = file.parts[0]
        if top in ("..", "__pycache__") or top.endswith((".dist-info", ".egg-info", ".pth")):
            continue
        names.add(top)
    return names


def runtime_dir() -> Path:
    """The runtime directory for the running Python (built on first use)."""
    found: list[tuple[str, Path]] = []
    for name in RUNTIME_DISTRIBUTIONS:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            if name in ("awslambdaric", "simplejson", "snapshot-restore-py"):
                raise HarnessError(
                    f"the local runtime needs {name!r} in smoke's environment: "
                    "pip install 'smoke-lambda[local]'"
                ) from None
            continue
        location = Path(str(dist.locate_file("")))
        found.extend((top, location / top) for top in sorted(_top_level_entries(dist)))
    key = hashlib.sha256(
        "\n".join([sys.version, *(f"{t}={p}" for t, p in found)]).encode()
    ).hexdigest()[:16]
    final = cache_root() / f"runtime-{key}"
    if final.is_dir():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=".runtime-", dir=final.parent))
    for top, source in found:
        if source.exists():
            (build / top).symlink_to(source)
    return _publish(build, final)


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def unpacked(path: Path) -> Path:
    """A directory with the content of ``path`` (itself when it is a directory)."""
    if path.is_dir():
        return path
    if not path.is_file():
        raise ConfigError(f"package or layer {path} does not exist")
    if not zipfile.is_zipfile(path):
        raise ConfigError(f"{path} is neither a directory nor a .zip file")
    final = cache_root() / "unzipped" / _file_hash(path)
    if final.is_dir():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=".unzip-", dir=final.parent))
    with zipfile.ZipFile(path) as archive:
        archive.extractall(build)
    return _publish(build, final)


def layer_paths(layer: Path, python_version: str) -> list[Path]:
    """A layer's import directories, in Lambda's order (``/opt/python/...`` equivalents)."""
    python = layer / "python"
    return [python / "lib" / f"python{python_version}" / "site-packages", python]
