"""Reading and writing one file of a cache, safely (the validation verdicts, botocore's
parsed data files, the dataclasses' compiled methods).

A cache is an optimisation: what cannot be read is a miss, what cannot be written is not
written, and neither is ever an error. Reading never blocks or runs away: a FIFO, a
device or a link to ``/dev/zero`` planted in place of an entry is a miss. Writers write a
temporary file of their own and rename it into place (atomic on POSIX), so concurrent
writers and an interrupted one never leave a half-written entry. Standard library only:
``smoke.dataclass_code`` uses it while ``smoke.model`` is being imported.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path


def read_file(path: str | Path, limit: int) -> bytes | None:
    """The file's bytes, or None: missing, unreadable, not a regular file, or longer than
    ``limit`` bytes."""
    try:
        # non-blocking: opening a FIFO planted there would block (and Ctrl-C with it)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):
        return None
    try:
        with open(fd, "rb", closefd=False) as file:
            found = os.fstat(fd)
            if not stat.S_ISREG(found.st_mode) or found.st_size > limit:
                return None
            data = file.read(limit + 1)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


def write_file(path: str | Path, data: bytes) -> bool:
    """Write ``data`` at ``path`` (its directory made if need be); False if it could not."""
    path = Path(path)
    temporary = path.parent / f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "xb") as out:
            out.write(data)
        os.replace(temporary, path)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            temporary.unlink()
        return False
    return True
