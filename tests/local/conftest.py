"""Fixtures for the local runtime: real function processes, real boto3 against loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from localrt_helpers import FUNCTIONS, write_files


@pytest.fixture(scope="session", autouse=True)
def smoke_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep the runtime directory and unzipped packages out of the user's home."""
    cache = tmp_path_factory.mktemp("smoke-cache")
    previous = os.environ.get("SMOKE_CACHE_DIR")
    os.environ["SMOKE_CACHE_DIR"] = str(cache)
    yield cache
    if previous is None:
        os.environ.pop("SMOKE_CACHE_DIR", None)
    else:
        os.environ["SMOKE_CACHE_DIR"] = previous


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(tmp_path_factory.mktemp("fn"), FUNCTIONS)
