"""Layers given by ARN (Powertools' public layer ...): the environment's ``layers:`` map.

``layers:`` maps an ARN, or an ARN pattern (``*`` and ``?`` as in shell globs), to a
local directory, ``.zip`` or requirements file (relative to smoke.yaml), or to
``download``. An exact ARN wins over a pattern; patterns are tried in the order written.
A requirements file is built into a layer by ``smoke.local.artifacts`` (for the
function's declared Python, cached), like a layer's own requirements. ``download``
fetches the layer with ``GetLayerVersionByArn`` and the environment's credentials when
the runtime starts (never for ``smoke validate``/``list``), cached by ARN and checked
against its ``CodeSha256``.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from smoke.errors import HarnessError

if TYPE_CHECKING:
    from smoke.model import Environment

LAYER_ARN = re.compile(
    r"^arn:(?P<partition>[\w-]+):lambda:(?P<region>[\w-]+):(?P<account>\d{12}):layer:"
    r"(?P<name>[\w-]+):(?P<version>\d+)$"
)
POWERTOOLS_ACCOUNTS = ("017000801446",)
DOWNLOAD = "download"
DOWNLOAD_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class LayerMap:
    entries: Mapping[str, str] = field(default_factory=dict)  # ARN or pattern -> abs path
    env_name: str = "local"
    fetch: Callable[[str], Path] | None = None  # downloads a `download` layer (runtime only)

    def find(self, arn: str) -> Path | None:
        """The local content for ``arn`` (for ``download``: where the download goes)."""
        found = self.entries.get(arn)
        if found is None:
            found = next(
                (p for pattern, p in self.entries.items() if fnmatch.fnmatchcase(arn, pattern)),
                None,
            )
        if found == DOWNLOAD:
            return downloaded_path(arn)
        return Path(found) if found is not None else None

    def downloads(self, arn: str) -> bool:
        return self.find(arn) == downloaded_path(arn)

    def suggestion(self, arn: str) -> LayerSuggestion:
        """The entry to add for ``arn``: an ARN pattern and a target (for Powertools' public
        layer, a requirements file and the line to write in it)."""
        match = LAYER_ARN.match(arn)
        if not match:
            return LayerSuggestion(arn, "layers/NAME")
        pattern = f"arn:{match['partition']}:lambda:*:{match['account']}:layer:{match['name']}:*"
        if match["account"] not in POWERTOOLS_ACCOUNTS or "Powertools" not in match["name"]:
            return LayerSuggestion(pattern, "layers/NAME")
        major = re.search(r"V(\d+)", match["name"])
        version = int(major[1]) if major else 1  # AWSLambdaPowertoolsPython: version 1
        # the public layer holds the package with its extras (Tracer, Parser ...)
        extras = "[all]" if version >= 2 else ""
        return LayerSuggestion(
            pattern, "layers/powertools-requirements.txt",
            f"aws-lambda-powertools{extras}>={version},<{version + 1}",
        )  # fmt: skip

    def missing(self, arn: str) -> tuple[str, str]:
        """The message and hint for an ARN with no entry: the exact lines to add."""
        found = self.suggestion(arn)
        lines = [
            "environments:",
            f"  {self.env_name}:",
            "    layers:",
            f"      {found.entry()}",
        ]
        hint = "Add to smoke.yaml (the layer's content: a directory, .zip or requirements file):\n"
        hint += "\n".join(lines)
        if found.requirement:
            hint += f"\nand write {found.target} with the line: {found.requirement}"
        message = f"layer {arn} is not available locally"
        if not LAYER_ARN.match(arn):
            message += " (not a layer version ARN)"
        return message, hint


@dataclass(frozen=True)
class LayerSuggestion:
    pattern: str  # the ARN, or a pattern for any region and version
    target: str  # relative to smoke.yaml
    requirement: str | None = None  # the requirements file's line, when smoke knows the layer

    def entry(self) -> str:
        """The line under ``layers:``."""
        return f'"{self.pattern}": {self.target}'


def downloaded_path(arn: str) -> Path:
    from smoke.local.packages import cache_root

    return cache_root() / "layer-arns" / f"{hashlib.sha256(arn.encode()).hexdigest()[:16]}.zip"


def download_layer(env: Environment, arn: str) -> Path:
    """The layer version ``arn`` as a .zip in the cache: ``GetLayerVersionByArn`` with the
    environment's credentials (and ``endpoint_url``), then its presigned ``Location``."""
    import httpx

    from smoke.aws import translate

    target = downloaded_path(arn)
    if target.is_file():
        return target
    match = LAYER_ARN.match(arn)
    if match is None:
        raise HarnessError(f"cannot download layer {arn}: not a layer version ARN")
    try:
        import boto3
        from botocore.config import Config

        session = boto3.Session(profile_name=env.profile, region_name=match["region"])
        client = session.client(
            "lambda", endpoint_url=env.endpoint_url,
            config=Config(retries={"total_max_attempts": 2}, connect_timeout=10, read_timeout=30),
        )  # fmt: skip
        found = client.get_layer_version_by_arn(Arn=arn)
    except Exception as exc:
        raise translate(exc, f"read layer {arn} (GetLayerVersionByArn)") from exc
    content = found.get("Content") or {}
    location = content.get("Location")
    if not location or not str(location).startswith(("https://", "http://")):
        raise HarnessError(f"layer {arn} has no downloadable Location ({location!r})")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=".layer-", suffix=".zip", dir=target.parent)
    digest = hashlib.sha256()
    try:
        with open(handle, "wb") as out, httpx.stream(
            "GET", location, timeout=DOWNLOAD_TIMEOUT_S, follow_redirects=True
        ) as answer:
            if answer.status_code != 200:
                raise HarnessError(f"downloading layer {arn} failed: HTTP {answer.status_code}")
            for block in answer.iter_bytes():
                out.write(block)
                digest.update(block)
        expected = content.get("CodeSha256")
        if expected and base64.b64encode(digest.digest()).decode() != expected:
            raise HarnessError(f"layer {arn} downloaded, but its CodeSha256 does not match")
        Path(partial).replace(target)
    except httpx.HTTPError as exc:
        raise HarnessError(f"downloading layer {arn} failed: {type(exc).__name__}") from None
    finally:
        Path(partial).unlink(missing_ok=True)
    return target
