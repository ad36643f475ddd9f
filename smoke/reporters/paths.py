"""Where a run's reports go, and what they must never overwrite.

- ``report_path``: ``--json PATH`` / ``--junit PATH``; a directory gets the default name.
- ``refuse_collisions``: two reports at one path, or a report at the configuration, a
  suite or a template, would destroy data silently: one clear error instead (exit 2).
- ``remove_stale``: a run that failed before it started must not leave the previous run's
  reports in place, looking like this run's.
- ``pair_lock``: the reports of one run are written together, under one lock, so two
  runs at once never leave a JSON of one and a JUnit of the other.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from smoke.errors import ConfigError


def report_path(given: str | None, name: str) -> Path:
    """``--json PATH``; a directory (existing, or written with a trailing /) gets ``name``."""
    if given is None:
        return Path("reports") / name
    if Path(given).is_dir() or given.endswith(("/", os.sep)):
        return Path(given) / name
    return Path(given)


def _key(path: Path) -> str:
    return os.path.normcase(os.path.realpath(path))


def refuse_collisions(reports: Mapping[str, Path], inputs: Iterable[Path]) -> None:
    """ConfigError when two reports share a path, or a report would overwrite an input.

    ``reports`` maps the option (``--json``) to its path; ``inputs`` are the files the
    run reads (smoke.yaml, the suites, the template).
    """
    seen: dict[str, str] = {}
    for option, path in reports.items():
        key = _key(path)
        if key in seen:
            raise ConfigError(
                f"{seen[key]} and {option} both write {path}: one report would overwrite "
                "the other",
                hint="Give each report its own path (or a directory: --json reports/ "
                "--junit reports/).",
            )
        seen[key] = option
    for source in inputs:
        key = _key(source)
        if key in seen:
            raise ConfigError(
                f"{seen[key]} {reports[seen[key]]} would overwrite {source}, which this run "
                "reads",
                hint="Write reports elsewhere, e.g. under reports/.",
            )


def remove_stale(paths: Iterable[Path]) -> list[Path]:
    """Remove the reports at ``paths`` (a run that did not start); the ones removed."""
    removed: list[Path] = []
    for path in paths:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            if path.is_file():
                path.unlink()
                removed.append(path)
    return removed


@contextlib.contextmanager
def writing_set(paths: Iterable[Path]) -> Iterator[None]:
    """Held while a run writes its set of reports (JSON, JUnit, HTML).

    Two runs at once write their sets one after the other (``pair_lock``). A hard
    interrupt in the middle (a third Ctrl-C) leaves none of the set: the reports not yet
    written would be the previous run's, and could pass for this one (a green JUnit beside
    this run's red JSON).
    """
    paths = list(paths)
    with pair_lock(paths):
        try:
            yield
        except KeyboardInterrupt:
            removed = remove_stale(paths)
            if removed:
                print("smoke: interrupted while the reports were written; removed them so no "
                      "earlier run's report can pass for this one: "
                      f"{', '.join(map(str, removed))}", file=sys.stderr)
            raise


@contextlib.contextmanager
def pair_lock(paths: Iterable[Path]) -> Iterator[None]:
    """An exclusive lock (``flock``) per report directory, held while a run writes its reports.

    Two runs writing the same reports then write them one pair after the other: the JSON
    and the JUnit on disk always come from the same run. Where locks are not available the
    reports are written without one.
    """
    directories = sorted({_key(Path(p).parent) for p in paths})
    with contextlib.ExitStack() as stack:
        for directory in directories:
            stack.enter_context(_locked(Path(directory) / ".smoke-reports.lock"))
        yield


@contextlib.contextmanager
def _locked(lock: Path) -> Iterator[None]:
    try:
        import fcntl

        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o666)
    except (ImportError, OSError):
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
