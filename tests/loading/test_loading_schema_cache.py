"""Verdicts remembered between runs (smoke.schema.known_valid, issue 14): a document
jsonschema found valid is not validated again, and nothing else changes.

Each case runs the loaders in a fresh ``python`` (whether jsonschema was imported is
the observable: it is imported exactly when jsonschema validates something)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from smoke.schema import known_valid

SUITE = """\
suite: cached
function: api
checks:
  - name: health
    get: /health
    expect: {status: 200, json_schema: {type: object, required: [status]}}
  - name: token
    get: /me
    headers: {X-Region: "${REGION:-eu}"}
"""
CONFIG = "environments:\n  prod:\n    functions:\n      api: {name: fn}\n"

_LOAD = """\
import json, sys
from smoke.errors import ConfigError
from smoke.loading.config import load_config
from smoke.loading.suites import load_suite
out = {}
try:
    suite = load_suite(sys.argv[1])
    load_config(sys.argv[2])
    out["checks"] = [c.name for c in suite.checks]
except ConfigError as exc:
    out["error"] = str(exc)
out["jsonschema"] = "jsonschema" in sys.modules
print(json.dumps(out))
"""


def _load(tmp_path: Path, cache: Path | str, **env: str) -> dict[str, object]:
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("SMOKE_")}
    run_env.update(SMOKE_CACHE_DIR=str(cache), **env)
    proc = subprocess.run(
        [sys.executable, "-c", _LOAD, str(tmp_path / "suite.yaml"), str(tmp_path / "smoke.yaml")],
        capture_output=True, text=True, env=run_env, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout)
    return result


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "suite.yaml").write_text(SUITE)
    (tmp_path / "smoke.yaml").write_text(CONFIG)
    return tmp_path


def _entries(cache: Path) -> list[Path]:
    directory = cache / "validated"
    return sorted(directory.iterdir()) if directory.is_dir() else []


def test_a_valid_document_is_validated_once_then_remembered(project: Path) -> None:
    cache = project / "cache"
    first = _load(project, cache)
    assert first == {"checks": ["health", "token"], "jsonschema": True}
    # the suite, smoke.yaml and the check's json_schema against the metaschema
    assert len(_entries(cache)) == 3
    assert all(p.read_text() == f"valid {p.name}\n" for p in _entries(cache))
    assert _load(project, cache) == {"checks": ["health", "token"], "jsonschema": False}
    # one value changed (still valid): a new document, validated by jsonschema
    (project / "suite.yaml").write_text(SUITE.replace("/health", "/healthz"))
    assert _load(project, cache)["jsonschema"] is True
    assert len(_entries(cache)) == 4
    # the validated data is the interpolated one: another default, another document; an
    # empty value read from the environment is no secret (it is remembered)
    (project / "suite.yaml").write_text(SUITE.replace("eu}", "us}"))
    assert _load(project, cache)["jsonschema"] is True
    assert _load(project, cache, REGION="")["jsonschema"] is True
    assert _load(project, cache, REGION="")["jsonschema"] is False
    assert len(_entries(cache)) == 6


def test_an_error_is_never_remembered(project: Path) -> None:
    cache = project / "cache"
    (project / "suite.yaml").write_text(SUITE.replace("status: 200", "status: 99"))
    first = _load(project, cache)
    assert "must be" in str(first["error"]) and "suite.yaml:6" in str(first["error"])
    assert first["jsonschema"] is True
    assert _entries(cache) == []
    assert _load(project, cache) == first  # the same error, from jsonschema again
    # a valid suite whose json_schema is not a schema: the suite is remembered, the
    # metaschema's verdict is not
    (project / "suite.yaml").write_text(SUITE.replace("type: object", "type: 12"))
    again = _load(project, cache)
    assert "not a valid JSON Schema" in str(again["error"])
    assert _load(project, cache) == again


def test_a_document_with_a_secret_is_never_remembered(project: Path) -> None:
    cache = project / "cache"
    assert _load(project, cache, REGION="hunter2")["jsonschema"] is True
    assert len(_entries(cache)) == 1  # smoke.yaml (no secret in it); not the suite or its schema
    assert _load(project, cache, REGION="hunter2")["jsonschema"] is True
    assert len(_entries(cache)) == 1


def test_the_cache_can_be_turned_off(project: Path) -> None:
    cache = project / "cache"
    for _ in range(2):
        assert _load(project, cache, SMOKE_VALIDATION_CACHE="0")["jsonschema"] is True
    assert _entries(cache) == []


def test_a_corrupt_or_unwritable_cache_is_ignored(project: Path) -> None:
    cache = project / "cache"
    _load(project, cache)
    for entry in _entries(cache):
        entry.write_text("valid but not this key\n")
    assert _load(project, cache) == {"checks": ["health", "token"], "jsonschema": True}
    assert all(p.read_text() == f"valid {p.name}\n" for p in _entries(cache))  # rewritten
    blocked = project / "a-file"
    blocked.write_text("not a directory")
    for _ in range(2):  # SMOKE_CACHE_DIR under a regular file: nothing can be written
        assert _load(project, blocked / "cache") == {"checks": ["health", "token"],
                                                     "jsonschema": True}


def test_concurrent_writers_leave_whole_entries_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMOKE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv(known_valid.ENV_SWITCH, raising=False)
    keys = [known_valid.document_key("suite", {"suite": f"s{i}"}) for i in range(8)]
    assert None not in keys and len(set(keys)) == 8

    def write() -> None:
        for _ in range(20):
            for key in keys:
                known_valid.remember_valid(key)

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(p.name for p in (tmp_path / "validated").iterdir()) == sorted(map(str, keys))
    assert all(known_valid.is_known_valid(key) for key in keys)


def test_the_key_is_the_exact_data_and_what_judged_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(known_valid.ENV_SWITCH, raising=False)
    key = known_valid.document_key
    assert key("suite", {"a": 1}) == key("suite", {"a": 1})
    different = [{"a": 1.0}, {"a": True}, {"a": "1"}, {"a": [1]}, {"a": 1, "b": None}]
    assert len({key("suite", {"a": 1}), *(key("suite", d) for d in different)}) == 6
    assert key("suite", {"a": 1}) != key("config", {"a": 1}) != key("metaschema", {"a": 1})
    assert key("suite", {"a": float("nan")}) != key("suite", {"a": float("inf")})
    assert key("suite", {"a": object()}) is None  # not JSON: never remembered
    # another jsonschema (or a changed schema file) is another key
    before = key("suite", {"a": 1})
    known_valid._fingerprint.cache_clear()
    monkeypatch.setattr(known_valid, "_installed_validator", lambda: b"jsonschema-9.9.9")
    try:
        assert key("suite", {"a": 1}) != before
    finally:
        monkeypatch.undo()
        known_valid._fingerprint.cache_clear()
    assert key("suite", {"a": 1}) == before
    monkeypatch.setenv(known_valid.ENV_SWITCH, "off")
    assert key("suite", {"a": 1}) is None


def test_old_entries_are_pruned_and_recent_ones_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMOKE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv(known_valid.ENV_SWITCH, raising=False)
    old, new = (known_valid.document_key("suite", {"suite": name}) for name in ("old", "new"))
    assert old is not None and new is not None
    known_valid.remember_valid(old)
    known_valid.remember_valid(new)
    directory = tmp_path / "validated"
    leftover = directory / ".x.1.ab.tmp"  # a writer killed between write and rename
    leftover.write_text("valid")
    month_ago = time.time() - known_valid.MAX_AGE_S - 60
    for path in (directory / old, leftover):
        os.utime(path, (month_ago, month_ago))
    known_valid.prune(directory)
    assert sorted(p.name for p in directory.iterdir()) == [new]
    assert known_valid.is_known_valid(new) and not known_valid.is_known_valid(old)
    known_valid.prune(tmp_path / "missing")  # nothing there: nothing happens


_NO_HOME = """\
import pwd, sys
def _no_entry(*args):
    raise KeyError("no passwd entry")
pwd.getpwuid = _no_entry  # a uid without a passwd entry, as in some containers and cron
from smoke.cli import run_main
sys.argv = ["smoke", *sys.argv[1:]]
run_main()
"""


def test_a_process_without_a_home_directory_validates_and_caches_nothing(
    project: Path, tmp_path: Path
) -> None:
    """HOME unset and no passwd entry: Path.home() raises RuntimeError, which was a
    traceback (exit 1) out of every smoke command (first-time-user trial)."""
    (project / "suites").mkdir(exist_ok=True)
    (project / "suites" / "s.yaml").write_text((project / "suite.yaml").read_text())
    env = {k: v for k, v in os.environ.items()
           if k not in ("HOME", "XDG_CACHE_HOME") and not k.startswith("SMOKE_")}
    proc = subprocess.run([sys.executable, "-c", _NO_HOME, "validate"], cwd=project,
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "OK" in proc.stdout


def test_no_home_directory_is_one_clear_error_where_a_cache_is_needed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pwd

    from smoke.errors import HarnessError
    from smoke.userdirs import cache_root, home

    for name in ("HOME", "XDG_CACHE_HOME", "SMOKE_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)

    def no_entry(*args: object) -> object:
        raise KeyError("no passwd entry")

    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    assert home() is None
    with pytest.raises(HarnessError, match="set SMOKE_CACHE_DIR"):
        cache_root()
    assert known_valid.is_known_valid("0" * 64) is False
    known_valid.remember_valid("0" * 64)  # silently nothing
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert cache_root() == Path("/somewhere/smoke")


def test_a_fifo_planted_in_the_cache_is_no_entry_and_never_blocks(tmp_path: Path) -> None:
    """Opening a FIFO for reading blocks until a writer comes (and a Ctrl-C with it):
    the run hung for ever at its first load (second trial)."""
    key = "f" * 64
    (tmp_path / "validated").mkdir()
    os.mkfifo(tmp_path / "validated" / key)
    found: list[bool] = []
    env = dict(os.environ, SMOKE_CACHE_DIR=str(tmp_path))
    worker = threading.Thread(target=lambda: found.append(_in_env(env, key)), daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "is_known_valid blocked on a FIFO"
    assert found == [False]


def _in_env(env: dict[str, str], key: str) -> bool:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return known_valid.is_known_valid(key)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_the_keys_are_sha256_without_loading_openssl(project: Path) -> None:
    import hashlib

    data = b"suite\0" + bytes(range(256)) * 40
    assert known_valid.sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    cache = project / "cache"
    _load(project, cache)  # remembered
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("SMOKE_")}
    run_env.update(SMOKE_CACHE_DIR=str(cache))
    code = _LOAD.replace('out["jsonschema"] =', 'out["hashlib"] = "hashlib" in sys.modules\n'
                         'out["jsonschema"] =')
    proc = subprocess.run([sys.executable, "-c", code, str(project / "suite.yaml"),
                           str(project / "smoke.yaml")],
                          capture_output=True, text=True, env=run_env, timeout=60)
    assert json.loads(proc.stdout) == {"checks": ["health", "token"], "hashlib": False,
                                       "jsonschema": False}
