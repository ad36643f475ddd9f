"""dataclasses' generated methods, compiled once per install (issue 14: start-up).

``@dataclass`` writes the source text of each class's ``__init__``, ``__repr__``,
``__eq__``, ``__hash__``, ``__setattr__`` and ``__delattr__`` and compiles it with
``exec()`` at every import: for smoke.model's frozen classes about 130 compilations,
more than half of the module's import time (~45 -> ~18 ms of CPU on a loaded machine).

``DataclassCode(__file__)`` keeps the compiled code objects, by their exact source
text, in a file beside the module's bytecode (``__pycache__/model.cpython-311.dataclasses``,
where Python caches the module itself: whoever can write there can write its ``.pyc``)
and hands them back instead of compiling again. While it is open, ``dataclasses``'
module-global ``exec`` is this cache's (dataclasses 3.10-3.13 call ``exec(text, globals,
ns)``; a Python that does not is simply not helped); ``close()`` puts it back.

Nothing about the classes changes: dataclasses still builds every class and writes every
text as before; a text not in the file is compiled as ``exec`` would (file ``<string>``,
no ``__future__`` flag inherited: dataclasses.py has none), and the code objects are the
ones that compilation made (``tests/loading/test_loading_dataclass_code.py`` compares every
method of every model class with and without the cache). The file starts with the
interpreter's bytecode magic number (another interpreter's file is ignored) and is
per optimization level, as ``.pyc`` files are. A file that cannot be read, parsed or
written is ignored; with ``PYTHONDONTWRITEBYTECODE`` it is read but never written.
Writers write a temporary file and rename it into place.
"""

from __future__ import annotations

import builtins
import dataclasses
import marshal
import sys
from types import CodeType
from typing import Any

from smoke.cachefiles import read_file, write_file

_MISSING = object()
_MAX_BYTES = 16 * 1024 * 1024  # smoke.model's file is ~100 KB


class DataclassCode:
    """Compiled dataclass methods of one module, read at start and written at ``close()``."""

    def __init__(self, module_file: str) -> None:
        self._path = _cache_path(module_file)
        self._known = _read(self._path) if self._path else {}
        self._used: dict[str, CodeType] = {}
        self._compiled = False
        self._before = vars(dataclasses).get("exec", _MISSING)
        dataclasses.exec = self._exec  # type: ignore[attr-defined]

    def _exec(self, source: Any, *args: Any, **kwargs: Any) -> None:
        if type(source) is str:
            code = self._known.get(source)
            if code is None:
                code = compile(source, "<string>", "exec", dont_inherit=True)
                self._compiled = True
            self._used[source] = code
            source = code
        builtins.exec(source, *args, **kwargs)

    def close(self) -> None:
        """Give dataclasses its ``exec`` back; write the file if it changed."""
        if vars(dataclasses).get("exec") == self._exec:
            if self._before is _MISSING:
                del dataclasses.exec  # type: ignore[attr-defined]
            else:
                dataclasses.exec = self._before  # type: ignore[attr-defined]
        changed = self._compiled or len(self._used) != len(self._known)
        if self._path and changed and not sys.dont_write_bytecode:
            _write(self._path, self._used)


def _cache_path(module_file: str) -> str | None:
    """``__pycache__/NAME.TAG[.opt-N].dataclasses`` beside the module's ``.pyc``."""
    from importlib.util import cache_from_source

    try:
        pyc = cache_from_source(module_file)
    except (NotImplementedError, ValueError):  # no cache tag: no bytecode caching at all
        return None
    return pyc[: -len(".pyc")] + ".dataclasses" if pyc.endswith(".pyc") else None


def _read(path: str) -> dict[str, CodeType]:
    from importlib.util import MAGIC_NUMBER

    data = read_file(path, _MAX_BYTES)  # a FIFO or /dev/zero planted there: a miss
    if data is None or not data.startswith(MAGIC_NUMBER):
        return {}
    try:
        found = marshal.loads(data[len(MAGIC_NUMBER):])
    except (ValueError, EOFError, TypeError):
        return {}
    if not isinstance(found, dict) or not all(
        type(k) is str and type(v) is CodeType for k, v in found.items()
    ):
        return {}
    return found


def _write(path: str, codes: dict[str, CodeType]) -> None:
    from importlib.util import MAGIC_NUMBER

    try:
        data = MAGIC_NUMBER + marshal.dumps(codes)
    except ValueError:
        return
    write_file(path, data)
