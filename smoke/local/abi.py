"""Binary compatibility: does the code fit the Python and CPU the function declares?

A deploy artifact built on a laptop can carry ``_speedups.cpython-39-darwin.so`` or an
``x86_64`` extension into an ``arm64`` python3.12 function: it imports locally and fails
in Lambda. ``check`` lists such files, and says when the Python running the function
locally is not the declared runtime.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_CPYTHON_TAG = re.compile(r"\.cpython-(?P<version>\d)(?P<minor>\d+)[a-z]*-(?P<platform>[^.]+)\.so$")
_ARCH_ALIASES = {"arm64": "aarch64", "amd64": "x86_64"}


def declared_version(runtime: str | None) -> str | None:
    """``"3.12"`` for ``python3.12``; None when the runtime is not declared."""
    if runtime and runtime.startswith("python"):
        return runtime.removeprefix("python")
    return None


def running_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def _architecture(name: str) -> str:
    return _ARCH_ALIASES.get(name, name)


def extension_problem(path: Path, version: str | None, architecture: str) -> str | None:
    """Why the extension module ``path`` cannot load in the declared runtime, if it cannot."""
    name = path.name
    if name.endswith(".pyd"):
        return f"{path} is a Windows extension module"
    match = _CPYTHON_TAG.search(name)
    if not match:
        return None  # abi3 or untagged: loads in any CPython 3
    built_for = f"{match['version']}.{match['minor']}"
    tag_platform = match["platform"]
    if version and built_for != version:
        return f"{path} is built for CPython {built_for}, the function declares python{version}"
    if not tag_platform.endswith("linux-gnu") and "linux" not in tag_platform:
        return f"{path} is built for {tag_platform}, not Linux"
    tag_arch = _architecture(tag_platform.split("-", 1)[0])
    if tag_arch != _architecture(architecture):
        return f"{path} is built for {tag_arch}, the function's architecture is {architecture}"
    return None


def _extension_files(roots: Iterable[Path]) -> Iterable[Path]:
    for root in roots:
        if not root.is_dir():
            continue
        for directory, subdirs, files in os.walk(root):
            subdirs[:] = [d for d in subdirs if d != "__pycache__"]
            for file in files:
                if file.endswith((".so", ".pyd")):
                    yield Path(directory, file)


def check(
    runtime: str | None,
    architecture: str,
    roots: Iterable[Path],
    limit: int = 20,
    *,
    python: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """``runtime_info`` for one function: declared runtime, the Python that runs it
    (``python``: its full version and executable; smoke's own by default), warnings."""
    version = declared_version(runtime)
    full, executable = python or (platform.python_version(), sys.executable)
    warnings = []
    if version and version != ".".join(full.split(".")[:2]):
        warnings.append(
            f"the function declares {runtime} but runs locally on Python "
            f"{full} ({executable}); version-specific behaviour may differ from Lambda"
        )
    local_arch = _architecture(platform.machine())
    if _architecture(architecture) != local_arch:
        warnings.append(
            f"the function's architecture is {architecture}, this machine is {local_arch}"
        )
    problems = []
    for path in _extension_files(roots):
        problem = extension_problem(path, version or running_version(), architecture)
        if problem:
            problems.append(problem)
    warnings.extend(problems[:limit])
    if len(problems) > limit:
        warnings.append(f"... and {len(problems) - limit} more incompatible extension modules")
    return {
        "declared_runtime": runtime,
        "python": full,
        "python_executable": executable,
        "architecture": architecture,
        "warnings": warnings,
    }


def foreign_extensions(roots: Iterable[Path], running: str) -> dict[str, Path]:
    """Dotted module name -> file, for the compiled modules under ``roots`` that Python
    ``running`` (``"3.11"``) cannot import because they are built for another CPython."""
    found: dict[str, Path] = {}
    for root in roots:
        for path in _extension_files([root]):
            match = _CPYTHON_TAG.search(path.name)
            if not match or f"{match['version']}.{match['minor']}" == running:
                continue
            parts = [*path.relative_to(root).parent.parts, path.name.split(".", 1)[0]]
            found.setdefault(".".join(parts), path)
    return found


_NO_MODULE = re.compile(r"No module named '([\w.]+)'")
_CANNOT_IMPORT = re.compile(r"cannot import name '(\w+)' from '([\w.]+)'")


def mismatched_import(message: str, foreign: dict[str, Path]) -> Path | None:
    """The foreign extension an import error message is about, if it is about one."""
    names = [m.group(1) for m in _NO_MODULE.finditer(message)]
    names += [f"{m.group(2)}.{m.group(1)}" for m in _CANNOT_IMPORT.finditer(message)]
    for name in names:
        if name in foreign:
            return foreign[name]
    return None
