"""Where smoke keeps what it caches between runs (the local runtime's builds, the
validation verdicts): ``SMOKE_CACHE_DIR``, else ``$XDG_CACHE_HOME/smoke``, else
``~/.cache/smoke``.

A process may have no home directory at all (``HOME`` unset and a uid without a passwd
entry: cron, systemd units, some CI containers); ``Path.home()`` then raises
``RuntimeError``. Here that is ``None`` (``home``) or one clear error naming the
variable to set (``cache_root``), never a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

from smoke.errors import HarnessError


def home() -> Path | None:
    """The user's home directory, or None when the process has none."""
    try:
        return Path.home()
    except (RuntimeError, KeyError, OSError):
        return None


def cache_root() -> Path:
    """smoke's cache directory; ``HarnessError`` when there is no way to name one."""
    explicit = os.environ.get("SMOKE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    if base:
        return Path(base) / "smoke"
    user_home = home()
    if user_home is None:
        raise HarnessError(
            "smoke needs a cache directory and this process has no home directory "
            "(HOME is not set and the user has none): set SMOKE_CACHE_DIR (or XDG_CACHE_HOME)"
        )
    return user_home / ".cache" / "smoke"


def cache_dir(name: str) -> Path:
    """``cache_root() / name``, for a cache smoke can do without: ``OSError`` (not
    ``HarnessError``) when there is no cache directory, so that callers treat it as any
    other cache that cannot be read or written."""
    try:
        return cache_root() / name
    except HarnessError as exc:
        raise OSError(str(exc)) from None
