"""When Python's cyclic garbage collector runs in a smoke process (issue 14).

Three moments, measured on a 1-check run (benchmarks/README.md, "Garbage collection at
start and exit"):

- **Start-up** (:func:`pause_start`, by the ``smoke`` command for ``run``, ``gate``,
  ``validate`` and ``list``; never for a long-lived one such as ``smoke local start``): importing botocore,
  httpx, Jinja2 and PyYAML and building the plan allocate tens of thousands of objects
  that all stay alive, and each collection those allocations trigger walks them again:
  ~12 ms of a run via http, ~50 ms via invoke. No collection runs until the checks
  start (:func:`end_start`); the objects made by then are *frozen* (moved where later
  collections never walk them again: they live as long as the process anyway), and
  collection resumes for the checks, whose answers are the run's garbage.
- **Inside** (:func:`paused_gc`): building a document or writing a report keeps every
  object it makes alive until it is done; a pause there spares collections that would
  free nothing.
- **Exit** (:func:`before_exit`): the interpreter's final collection and module
  teardown walk every object left: 60-140 ms of a 1-check run. Freezing them first
  leaves that walk out; every ``atexit`` handler, ``finally`` and buffered stream flush
  still runs as before (nothing is skipped the way ``os._exit`` would skip it).

The pytest plugin and tests that call ``smoke.cli.main`` never pause: only the console
script (:func:`smoke.cli.run_main`) does.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_paused_for_start = False


def pause_start() -> None:
    """No collection until :func:`end_start` (a no-op if the collector is already off)."""
    global _paused_for_start
    if gc.isenabled():
        gc.disable()
        _paused_for_start = True


def end_start() -> None:
    """The checks start: freeze what start-up made, and collect again (only if
    :func:`pause_start` turned collection off)."""
    global _paused_for_start
    if _paused_for_start:
        _paused_for_start = False
        gc.freeze()
        gc.enable()


def before_exit() -> None:
    """The process ends now: the interpreter's last collection need not walk anything."""
    gc.freeze()


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside: for building a document and its model, or a report.

    Building 10,000 checks allocates a few hundred thousand objects (nodes, marks,
    mappings, dataclasses) that all stay alive until the document is built, and each
    collection the allocations trigger walks them again: a quarter of ``load_plan``'s
    time. Nothing is lost: cycles made meanwhile are collected after (a no-op if the
    collector was already off, e.g. a nested pause or start-up's).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
