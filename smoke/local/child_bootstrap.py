"""Entry point of a local function's process (``python -I -S child_bootstrap.py HANDLER``).

Runs in the child, isolated: no site-packages, no user site, no PYTHONPATH; it must not
import smoke. It puts Lambda's import path in front of the standard library (task root,
layers, runtime directory, as handed over in ``_SMOKE_SYS_PATH``) and then does what
``python -m awslambdaric HANDLER`` does.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time


def _watch_parent(parent_pid: int) -> None:
    """Die with smoke: when smoke is gone (even SIGKILLed), kill this process group."""
    while os.getppid() == parent_pid:
        time.sleep(0.25)
    os.killpg(os.getpgid(0), signal.SIGKILL)


def main() -> None:
    parent = os.environ.pop("_SMOKE_PARENT_PID", "")
    if parent.isdigit():
        threading.Thread(target=_watch_parent, args=(int(parent),), daemon=True).start()
    paths = os.environ.pop("_SMOKE_SYS_PATH", "")
    sys.path[:0] = [path for path in paths.split(os.pathsep) if path]
    from awslambdaric.__main__ import main as awslambdaric_main

    awslambdaric_main(["awslambdaric", sys.argv[1]])


if __name__ == "__main__":
    main()
