"""Documents jsonschema already found valid, remembered between runs (issue 14).

jsonschema is the one validator of suites, smoke.yaml and the users' ``json_schema``s,
and importing it costs ~100 ms at every start. Most runs load documents that an
earlier run already validated. When jsonschema finds a document valid, its key is
written to ``<cache>/validated/KEY``; the next load of the same document finds the key
and needs neither jsonschema nor its import. The key is a SHA-256 over:

- the exact data validated (canonical JSON: after ``${VAR}`` interpolation, so an
  unset variable's placeholder counts), and what it was validated against: the shipped
  schema file's bytes, the bytes of the code that judges it (``smoke/schema/__init__.py``,
  ``expect.py``), smoke's version, and the installed jsonschema, jsonschema-specifications,
  referencing and rpds-py (their ``.dist-info`` names: the metaschemas and the keywords'
  implementations). Change any of them and the key changes.

What is never remembered: an error (a miss always runs jsonschema, and its errors are
reported as before); a document holding a value read from the environment (a secret:
no hash of one is ever written to disk, where a CI cache could carry it away).
A cache that cannot be read, written or parsed is ignored silently (the document is
validated by jsonschema). Writers never leave a half-written entry: each writes a
temporary file and renames it into place (atomic on POSIX; concurrent writers of one key
write the same bytes); now and then a writer removes entries older than 30 days (a
verdict still in use is written again). ``SMOKE_VALIDATION_CACHE=0`` turns it off; ``SMOKE_CACHE_DIR``,
else ``$XDG_CACHE_HOME/smoke``, else ``~/.cache/smoke`` is the cache directory, as for
the local runtime's builds (``smoke.local.packages.cache_root``).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from pathlib import Path
from typing import Any

try:  # CPython's own SHA-256 (3.10-3.11: _sha256, 3.12+: _sha2), the digest hashlib gives:
    # importing hashlib loads OpenSSL (~3-5 ms at every start) that a validation never needs
    from _sha256 import sha256  # type: ignore[import-not-found,unused-ignore]
except ImportError:
    try:
        from _sha2 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]
    except ImportError:
        from hashlib import sha256  # type: ignore[assignment,unused-ignore]

ENV_SWITCH = "SMOKE_VALIDATION_CACHE"
_OFF = ("0", "off", "false", "no")
_DIRECTORY = "validated"
MAX_AGE_S = 30 * 24 * 3600  # entries older than this are removed now and then
_VALIDATOR_DISTRIBUTIONS = ("jsonschema", "jsonschema_specifications", "referencing", "rpds_py")


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "").strip().lower() not in _OFF


def cache_dir() -> Path:
    """Where verdicts are kept (the same rule as the local runtime's build cache)."""
    from smoke.userdirs import cache_dir as named

    return named(_DIRECTORY)


def document_key(kind: str, data: Any) -> str | None:
    """The key of ``data`` validated as ``kind`` ("suite", "config", "metaschema"), or
    None when it cannot be remembered (the cache is off, the data is not plain JSON, or
    jsonschema's installation cannot be identified)."""
    if not enabled():
        return None
    against = _fingerprint(kind)
    if against is None:
        return None
    try:
        body = json.dumps(data, separators=(",", ":"), check_circular=False)
    except (TypeError, ValueError, RecursionError):
        return None
    digest = sha256(against)
    digest.update(body.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def is_known_valid(key: str | None) -> bool:
    """Whether jsonschema found the document of ``key`` valid before (False on any doubt)."""
    if key is None:
        return False
    from smoke.cachefiles import read_file

    try:
        path = cache_dir() / key
    except OSError:
        return False
    return read_file(path, 200) == _entry(key)


def remember_valid(key: str | None) -> None:
    """Record that jsonschema found the document of ``key`` valid (silently, or not at all)."""
    if key is None:
        return
    from smoke.cachefiles import write_file

    try:
        directory = cache_dir()
    except OSError:
        return
    if write_file(directory / key, _entry(key)) and os.urandom(1)[0] < 3:
        prune(directory)  # about one write in 85: forget old verdicts (edited files leave some)


def prune(directory: Path, max_age_s: float = MAX_AGE_S) -> None:
    """Remove entries (and leftover temporary files) older than ``max_age_s``. A verdict
    still in use is then validated and written again: the cache stays small."""
    import time

    limit = time.time() - max_age_s
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < limit:
                        os.unlink(entry.path)
    except OSError:
        pass


def _entry(key: str) -> bytes:
    return f"valid {key}\n".encode("ascii")


@functools.cache
def _fingerprint(kind: str) -> bytes | None:
    """What a verdict of ``kind`` depends on besides the document (see the module's doc)."""
    from smoke import __version__

    here = Path(__file__).parent
    try:
        parts = [kind.encode(), __version__.encode(), _installed_validator()]
        if kind == "metaschema":
            parts.append((here / "expect.py").read_bytes())
        else:
            parts.append((here / "__init__.py").read_bytes())
            # the shipped file, read where ``__init__.py`` was (importlib.resources would
            # cost its import, ~5 ms, at every start; a package that is not plain files
            # on disk has no fingerprint either way: its ``__init__.py`` cannot be read)
            parts.append((here / f"{kind}.schema.json").read_bytes())
    except (OSError, ValueError):
        return None
    return sha256(b"\0".join(parts)).digest()


@functools.cache
def _installed_validator() -> bytes:
    """The installed jsonschema and the packages whose code decides its verdicts, by
    their ``.dist-info`` names (``jsonschema-4.26.0.dist-info``): no import needed.
    Once per process: a suite, smoke.yaml and the ``json_schema``s share it (one
    listing of site-packages, not three)."""
    from importlib.util import find_spec

    spec = find_spec("jsonschema")
    if spec is None or spec.origin is None:
        raise ValueError("jsonschema is not installed")
    site = Path(spec.origin).parent.parent
    names = sorted(
        name for name in os.listdir(site)
        if name.endswith(".dist-info") and name.split("-", 1)[0] in _VALIDATOR_DISTRIBUTIONS
    )
    if not any(name.startswith("jsonschema-") for name in names):
        raise ValueError("jsonschema's version cannot be found")
    found = os.stat(spec.origin)
    names.append(f"{spec.origin}:{found.st_size}:{found.st_mtime_ns}")
    return json.dumps(names).encode()
