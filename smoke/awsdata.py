"""botocore's data loader (service models, endpoint rulesets, ``endpoints.json``), cheaper.

Every botocore session of smoke loads its JSON data through a ``Loader`` made here,
registered as the session's ``data_loader`` component (``Session.lazy_register_component``,
as botocore registers its own, with the same search path: ``AWS_DATA_PATH`` / the
``data_path`` setting, then ``~/.aws/models``, then botocore's data). It loads the same
files and gives the same data and the same errors; two things it does not do, measured
on the first Lambda client of a run (``benchmarks/README.md``, "Third session: start of a
run via invoke"):

- parse JSON into ``OrderedDict``\\ s (``object_pairs_hook``): a Python pair list and an
  ``OrderedDict`` per JSON object, ~2x the CPU of ``json.loads`` into plain dicts, which
  keep their order too. botocore reads the data by key and iterates it; it never relies
  on the ``OrderedDict`` type (its model classes make their own);
- list every service directory of botocore's data (~430 ``listdir``, ~1,300 ``stat``)
  each time a model type is first loaded, to check that the service exists: listing the
  service's own directory tells the same. A service botocore does not know still gets
  botocore's own ``UnknownServiceError``, from botocore's own code.

And it keeps botocore's own files parsed between runs, in smoke's cache directory (see
"the parsed files, kept" below).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
import marshal
import os
import sys
from pathlib import Path
from typing import Any

from botocore import __version__ as botocore_version
from botocore.exceptions import DataNotFoundError
from botocore.loaders import ExtrasProcessor, JSONFileLoader, Loader, instance_cache

from smoke.cachefiles import read_file, write_file

# botocore's own order (``botocore.loaders``): plain JSON first, then gzipped
_OPENERS: dict[str, Any] = {".json": open, ".json.gz": gzip.open}
_log = logging.getLogger("botocore.loaders")


class JSONFiles(JSONFileLoader):
    """botocore's ``JSONFileLoader`` (the ``file_loader`` of a ``Loader``): its two
    methods, the same files in the same order, with plain dicts."""

    def exists(self, file_path: str) -> bool:
        return any(os.path.isfile(file_path + ext) for ext in _OPENERS)

    def load_file(self, file_path: str) -> Any:
        for ext, opener in _OPENERS.items():
            full_path = file_path + ext
            if not os.path.isfile(full_path):
                continue
            _log.debug("Loading JSON file: %s", full_path)  # botocore's own debug line
            key = _key(full_path)
            data = _remembered(key)
            if data is _MISSING:
                with opener(full_path, "rb") as fp:
                    data = json.loads(fp.read().decode("utf-8"))
                _remember(key, data)
            return data
        return None


# ---------------------------------------------------------------- the parsed files, kept
#
# botocore's own data files (never AWS_DATA_PATH's or ~/.aws/models') are kept parsed,
# as ``marshal`` data (a third to a half of the CPU of their JSON, and no gunzip), in
# ``<cache>/botocore-data/KEY``. KEY is a SHA-256 over the file's path, size and mtime
# (a reinstalled botocore has new ones), botocore's version and the interpreter's
# (marshal's format is the interpreter's). An entry holds a header and a SHA-256 of its
# payload, checked before the payload is read. An entry that is missing, cannot be read
# or does not match is ignored (the JSON is parsed); one that cannot be written is not
# written. Writers write a temporary file and rename it into place.

_MISSING: Any = object()
_HEADER = b"smoke botocore-data 1\n"
_DIRECTORY = "botocore-data"
_MAX_BYTES = 64 * 1024 * 1024  # an entry larger than any of botocore's files: not ours
_MAX_AGE_S = 30 * 24 * 3600  # entries older than this are removed when one is written


def _key(full_path: str) -> str | None:
    if not full_path.startswith(Loader.BUILTIN_DATA_PATH + os.sep):
        return None
    try:
        found = os.stat(full_path)
    except OSError:
        return None
    what = "\0".join(
        (full_path, str(found.st_size), str(found.st_mtime_ns), botocore_version, sys.version,
         str(marshal.version))
    )
    return hashlib.sha256(what.encode("utf-8", "surrogateescape")).hexdigest()


def _directory() -> Path:
    from smoke.userdirs import cache_dir

    return cache_dir(_DIRECTORY)


def _remembered(key: str | None) -> Any:
    if key is None:
        return _MISSING
    try:
        blob = read_file(_directory() / key, _MAX_BYTES)
    except OSError:
        return _MISSING
    if blob is None:
        return _MISSING
    header_end = len(_HEADER)
    digest_end = header_end + 32
    body = memoryview(blob)[digest_end:]
    if blob[:header_end] != _HEADER or hashlib.sha256(body).digest() != blob[header_end:digest_end]:
        return _MISSING  # not an entry of ours, or a damaged one
    try:
        return marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return _MISSING


def _remember(key: str | None, data: Any) -> None:
    if key is None:
        return
    try:
        payload = marshal.dumps(data)
        directory = _directory()
    except (OSError, ValueError):
        return
    if not write_file(directory / key, _HEADER + hashlib.sha256(payload).digest() + payload):
        return
    from smoke.schema.known_valid import prune

    prune(directory, _MAX_AGE_S)


class DataLoader(Loader):
    FILE_LOADER_CLASS = JSONFiles

    @instance_cache
    def load_service_model(
        self, service_name: str, type_name: str, api_version: str | None = None
    ) -> Any:
        """botocore's ``load_service_model``, without listing every service first."""
        version = None
        if api_version is None and self._listed(service_name):
            with contextlib.suppress(DataNotFoundError):
                # lists only this service's directories; a service is known for this type
                # exactly when one of them has the file (botocore's own test, per service)
                version = self.determine_latest_version(service_name, type_name)
        if version is None:  # botocore's own path (and its own UnknownServiceError)
            return super().load_service_model(service_name, type_name, api_version)
        model = self.load_data(os.path.join(service_name, version, type_name))
        extras: list[Any] = []
        for extras_type in self.extras_types:
            name = os.path.join(service_name, version, f"{type_name}.{extras_type}-extras")
            with contextlib.suppress(DataNotFoundError):
                extras.append(self.load_data(name))
        ExtrasProcessor().process(model, extras)
        return model

    def _listed(self, service_name: str) -> bool:
        """True when a search path lists ``service_name`` (by its exact name, as botocore's
        list of services has it, also on a case-insensitive file system)."""
        return any(
            service_name in os.listdir(path) for path in self.search_paths if os.path.isdir(path)
        )


def create_loader(search_path_string: str | None = None) -> DataLoader:
    """botocore's ``create_loader`` (``AWS_DATA_PATH``: paths joined by ``os.pathsep``)."""
    if search_path_string is None:
        return DataLoader()
    paths = [os.path.expanduser(os.path.expandvars(p)) for p in search_path_string.split(os.pathsep)]
    return DataLoader(extra_search_paths=paths)


def install(session: Any) -> None:
    """Make ``session`` load its data with :class:`DataLoader` (before its first client)."""
    session.lazy_register_component(
        "data_loader", lambda: create_loader(session.get_config_variable("data_path"))
    )
