"""Get one function ready to run: its interpreter, its built artifact, its runtime directory.

The function runs on the Python its ``Runtime`` declares when one is installed
(``smoke.local.interpreters``); otherwise on smoke's own Python, which is said loudly (a
warning in the console and both reports). Its requirements and layers are built for the
declared version (``smoke.local.artifacts``). A build that fails raises a
``BuildError`` that refuses the function alone: its checks are errors naming the
reason; the other functions run.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smoke.local import abi, interpreters
from smoke.local.artifacts import prepare
from smoke.local.build import Target
from smoke.local.interpreters import Interpreter
from smoke.local.template import FunctionDefinition

if TYPE_CHECKING:
    from smoke.local.function import LocalFunction

_ARCH = {"amd64": "x86_64", "aarch64": "arm64"}


@dataclass
class Ready:
    interpreter: Interpreter
    task_root: Path
    import_dirs: list[Path]
    runtime_dir: Path
    python_version: str  # the version Lambda runs it on ("3.12"): declared, else the interpreter's
    runtime_info: dict[str, Any]
    foreign: dict[str, Path] = field(default_factory=dict)


def _not_found(definition: FunctionDefinition, version: str, mine: Interpreter) -> str:
    pyenv = os.environ.get("PYENV_ROOT") or "~/.pyenv"
    return (
        f"NO PYTHON {version} FOUND: {definition.name} declares {definition.runtime} but runs "
        f"on smoke's own Python {mine.full_version} ({mine.executable}). Looked for "
        f"python{version} on PATH, in pyenv ({pyenv}/versions) and in uv's Pythons. Compiled "
        f"dependencies built for {version} cannot import here (reported as interpreter "
        f"mismatch). Install it (`pyenv install {version}` or `uv python install {version}`), "
        f"or name it in the environment: `python: {{'{version}': /path/to/python{version}}}`."
    )


def choose_interpreter(
    definition: FunctionDefinition, configured: Mapping[str, str]
) -> tuple[Interpreter, list[str]]:
    declared = abi.declared_version(definition.runtime)
    if declared is None:
        return interpreters.own(), []
    found = interpreters.find(declared, configured)
    if found is not None:
        return found, []
    mine = interpreters.own()
    return mine, [_not_found(definition, declared, mine)]


def _architectures(definition: FunctionDefinition) -> tuple[str, list[str]]:
    declared = _ARCH.get(definition.architecture, definition.architecture)
    here = _ARCH.get(platform.machine(), platform.machine())
    if declared == here:
        return declared, []
    return here, [
        f"{definition.name} is an {declared} function and this machine is {here}: its "
        f"dependencies are installed for {here} so that they run here"
    ]


def setup(definition: FunctionDefinition, configured: Mapping[str, str]) -> Ready:
    """Find the interpreter, build the artifact, install the runtime client (all cached)."""
    interpreter, warnings = choose_interpreter(definition, configured)
    version = abi.declared_version(definition.runtime) or interpreter.version
    architecture, arch_warnings = _architectures(definition)
    warnings += arch_warnings
    runs_declared = interpreter.version == version
    target = Target(
        version, architecture,
        interpreter.executable if runs_declared and interpreter.has_pip else None,
    )  # fmt: skip
    artifact = prepare(definition, target, version)  # BuildError: this function alone
    runtime_dir = interpreters.runtime_dir_for(interpreter)
    built = {Path(b["directory"]) for b in artifact.builds}
    info = abi.check(
        definition.runtime, definition.architecture,
        [d for d in artifact.import_dirs() if d not in built],
        python=(interpreter.full_version, interpreter.executable),
    )  # fmt: skip
    # the loud "NO PYTHON FOUND" and the architecture line above say it better than the
    # ABI check's own lines
    said: list[str] = [] if runs_declared else ["the function declares"]
    said += ["the function's architecture is"] if arch_warnings else []
    info["warnings"] = [w for w in info["warnings"] if not any(w.startswith(x) for x in said)]
    info["warnings"] = [*definition.warnings, *warnings, *artifact.warnings, *info["warnings"]]
    info["interpreter"] = interpreter.source
    info["builds"] = artifact.builds
    foreign = {} if runs_declared else abi.foreign_extensions(artifact.import_dirs(), interpreter.version)
    return Ready(
        interpreter=interpreter,
        task_root=artifact.task_root,
        import_dirs=artifact.import_dirs(),
        runtime_dir=runtime_dir,
        python_version=version,
        runtime_info=info,
        foreign=foreign,
    )


def mismatch_reason(function: LocalFunction, payload: bytes) -> str | None:
    """The interpreter-mismatch explanation of a failed invocation's error, if it is one."""
    try:
        body = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    message = f"{body.get('errorType', '')}: {body.get('errorMessage', '')}"
    path = abi.mismatched_import(message, function.foreign)
    if path is None:
        return None
    interpreter = function.interpreter
    return (
        f"interpreter mismatch, not a broken artifact: {path.name} is built for "
        f"{function.definition.runtime}, but {function.name} ran on Python "
        f"{interpreter.full_version} ({interpreter.source}), which cannot import it "
        f"({message.strip()}). Install python{function.python_version} (`pyenv install "
        f"{function.python_version}` or `uv python install {function.python_version}`), or "
        f"name it in smoke.yaml: `python: {{'{function.python_version}': /path/to/python}}`."
    )
