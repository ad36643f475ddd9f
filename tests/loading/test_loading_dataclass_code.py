"""smoke.dataclass_code: dataclass methods compiled once per install, the same methods.

Each case imports, in a fresh interpreter (``PYTHONPYCACHEPREFIX``: a bytecode directory
of the test's own), every module of smoke that uses the cache (found in the source: a new
one is covered without editing this test), and describes every method of every dataclass
they define: the code
objects (recursively), names, annotations, defaults, closures, docstrings. Without the
cache (dataclasses compiling as it always does), with an empty cache (it compiles, then
writes) and with a full one (nothing compiled) the descriptions must be identical.
(Python 3.10-3.12 compile each method apart, ~130 texts; 3.13 one text per class.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_DESCRIBE = r"""
import dataclasses, json, re, sys, types
mode = sys.argv[1]
if mode == "plain":  # dataclasses exactly as it is: the cache never opened
    class _Plain:
        def __init__(self, module_file): pass
        def close(self): pass
    sys.modules["smoke.dataclass_code"] = types.SimpleNamespace(DataclassCode=_Plain)
    compiled = None
else:
    import smoke.dataclass_code as dc
    calls = []
    def counting(*args, **kwargs):
        calls.append(1)
        return compile(*args, **kwargs)
    dc.compile = counting
import importlib, pickle
import smoke.model as m
modules = [importlib.import_module(name) for name in sys.argv[2:]]

def constant(k):  # a frozenset (3.12+'s frozen __setattr__) prints in its hash order
    return code(k) if isinstance(k, types.CodeType) else (
        repr(sorted(k)) if isinstance(k, frozenset) else repr(k))

def code(c):
    return [c.co_code.hex(), [constant(k) for k in c.co_consts], c.co_names, c.co_varnames, c.co_freevars, c.co_cellvars,
            c.co_filename, c.co_name, getattr(c, "co_qualname", ""), c.co_firstlineno,
            c.co_flags, c.co_argcount, c.co_kwonlyargcount, c.co_posonlyargcount,
            c.co_stacksize, getattr(c, "co_linetable", b"").hex(),
            getattr(c, "co_exceptiontable", b"").hex()]

def function(f):
    inner = getattr(f, "__wrapped__", None)
    return [code(f.__code__), f.__name__, f.__qualname__, repr(f.__annotations__),
            repr(f.__defaults__), repr(f.__kwdefaults__), f.__doc__,
            [repr(c.cell_contents) for c in f.__closure__ or ()],
            function(inner) if inner is not None else None]

out = {}
classes = [(f"{module.__name__}.{name}", cls) for module in modules
           for name, cls in sorted(vars(module).items())
           if isinstance(cls, type) and cls.__module__ == module.__name__]
for name, cls in classes:
    if dataclasses.is_dataclass(cls):
        out[name] = {k: function(v) if isinstance(v, types.FunctionType) else repr(v)
                     for k, v in sorted(vars(cls).items())
                     if k not in ("__dict__", "__weakref__") and not k.startswith("_abc")}
        out[name]["__slots__"] = repr(getattr(cls, "__slots__", None))
loc = m.Location("a.yaml", 3, 4)
out["behaviour"] = [repr(loc), str(loc), hash(loc) == hash(m.Location("a.yaml", 3, 4)),
                    pickle.loads(pickle.dumps(loc)) == loc,
                    repr(m.Check("s", "n", "f", "raw", m.Request(), m.Expect()))]
try:
    loc.line = 5
except dataclasses.FrozenInstanceError as exc:
    out["frozen"] = str(exc)
text = json.dumps({"classes": out, "compiled": None if mode == "plain" else len(calls)})
print(re.sub(r" at 0x[0-9a-f]+", "", text))  # object addresses differ from run to run
"""


def _users() -> list[str]:
    """The modules of smoke that keep their dataclasses' code (``DataclassCode(__file__)``)."""
    found = []
    for path in sorted((REPO / "smoke").rglob("*.py")):
        if path.name != "dataclass_code.py" and "DataclassCode(__file__)" in path.read_text(
                encoding="utf-8"):
            found.append(".".join(path.relative_to(REPO).with_suffix("").parts))
    return found


def _describe(mode: str, prefix: Path) -> dict:
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(prefix), PYTHONPATH=str(REPO))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run([sys.executable, "-c", _DESCRIBE, mode, *_users()], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    found: dict = json.loads(done.stdout)
    return found


def _cache_files(prefix: Path) -> list[Path]:
    return sorted(prefix.rglob("model.*.dataclasses"))  # plan's and validate's: beside it


def test_the_methods_are_the_ones_dataclasses_compiles(tmp_path: Path) -> None:
    plain = _describe("plain", tmp_path / "plain")
    assert not _cache_files(tmp_path / "plain")
    first = _describe("cached", tmp_path / "pyc")  # an empty cache: compiled, then written
    (cache,) = _cache_files(tmp_path / "pyc")
    written = cache.read_bytes()
    second = _describe("cached", tmp_path / "pyc")  # read back: nothing compiled
    assert first["compiled"] > 20 and second["compiled"] == 0
    assert cache.read_bytes() == written  # nothing new: not written again
    assert plain["classes"] == first["classes"] == second["classes"]
    assert len(plain["classes"]) > 20 and "__init__" in plain["classes"]["smoke.model.Check"]
    assert {"smoke.loading.plan.Plan", "smoke.loading.validate.Validation",
            "smoke.runner.RunOptions", "smoke.run_events.RunStarted"} <= set(plain["classes"])
    users = _users()
    described = {name.rsplit(".", 1)[0] for name in plain["classes"] if "." in name}
    assert described == set(users)  # every module that keeps its code is compared
    kept = {path.name.split(".")[0] for path in (tmp_path / "pyc").rglob("*.dataclasses")}
    assert kept == {name.rsplit(".", 1)[1] for name in users}  # and has its file


def test_a_broken_or_foreign_cache_file_is_compiled_over(tmp_path: Path) -> None:
    prefix = tmp_path / "pyc"
    _describe("cached", prefix)
    (cache,) = _cache_files(prefix)
    good = cache.read_bytes()
    # a truncated file; another interpreter's (the same data after another magic number)
    for content in (good[:100], b"\x00\x00\r\n" + good[4:]):
        cache.write_bytes(content)
        again = _describe("cached", prefix)
        assert again["compiled"] > 20  # ignored: compiled as dataclasses would
        assert cache.read_bytes() == good  # and written again
    # a FIFO (it would block the open) and a link to /dev/zero (it would fill the memory)
    for plant in (lambda: os.mkfifo(cache), lambda: cache.symlink_to("/dev/zero")):
        cache.unlink()
        plant()
        again = _describe("cached", prefix)  # within _describe's timeout
        assert again["compiled"] > 20
        assert cache.is_file() and not cache.is_symlink() and cache.read_bytes() == good


def test_no_cache_directory_no_problem(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the bytecode directory would go")
    found = _describe("cached", blocked)  # nothing can be written under it
    assert found["compiled"] > 20 and "smoke.model.Check" in found["classes"]
