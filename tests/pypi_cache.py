"""Real packages from PyPI for the slow tests: installed once per Python and pin set.

``installed("uvicorn", PINS)`` runs ``pip install --target`` into
``~/.cache/smoke-tests/uvicorn-KEY`` (``$XDG_CACHE_HOME`` is honoured) the first time,
and returns that directory at once every later time. KEY covers the Python version and
the pins, so a change of either installs afresh. Each install goes to a directory of its
own and is renamed into place when complete: xdist workers installing at once, or an
install killed half-way, never leave a half-filled directory that looks done.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def installed(name: str, pins: Sequence[str], *, into: str = "", deps: bool = True) -> Path:
    """The cached directory; the packages are in it, or in its ``into`` folder (a Lambda
    layer's ``python``). Raises ``subprocess.SubprocessError`` or ``OSError`` when PyPI
    cannot be reached: callers skip their test then."""
    key = hashlib.sha256(f"{sys.version_info[:2]}{list(pins)}".encode()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "smoke-tests"
    done = cache / f"{name}-{key}"
    if (done / ".done").exists():
        return done
    partial = cache / f"{name}-{key}.{os.getpid()}"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
         *([] if deps else ["--no-deps"]), "--target", str(partial / into), *pins],
        check=True, timeout=600, capture_output=True,
    )  # fmt: skip
    (partial / ".done").write_text("ok")
    with contextlib.suppress(OSError):  # another worker got there first: theirs is the same
        partial.rename(done)
    return done
