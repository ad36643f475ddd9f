from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from smoke.errors import ConfigError

DATA = Path(__file__).parent / "data"


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """write("name.yaml", text) -> the file's path (text is dedented)."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


def config_error(func: Callable[..., Any], *args: Any, **kwargs: Any) -> ConfigError:
    """Call ``func`` and return the ConfigError it raises (fails if it does not)."""
    with pytest.raises(ConfigError) as info:
        func(*args, **kwargs)
    return info.value
