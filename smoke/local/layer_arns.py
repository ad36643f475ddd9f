"""Layers given by ARN (Powertools' public layer ...): the environment's ``layers:`` map.

``layers:`` maps an ARN, or an ARN pattern (``*`` and ``?`` as in shell globs), to a
local directory, ``.zip`` or requirements file (relative to smoke.yaml). An exact ARN
wins over a pattern; patterns are tried in the order written. A requirements file is
built into a layer by ``smoke.local.artifacts`` (for the function's declared Python,
cached), like a layer's own requirements.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

LAYER_ARN = re.compile(
    r"^arn:(?P<partition>[\w-]+):lambda:(?P<region>[\w-]+):(?P<account>\d{12}):layer:"
    r"(?P<name>[\w-]+):(?P<version>\d+)$"
)
POWERTOOLS_ACCOUNTS = ("017000801446",)
BUILD_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class LayerMap:
    entries: Mapping[str, str] = field(default_factory=dict)  # ARN or pattern -> abs path
    env_name: str = "local"

    def find(self, arn: str) -> Path | None:
        if arn in self.entries:
            return Path(self.entries[arn])
        for pattern, path in self.entries.items():
            if fnmatch.fnmatchcase(arn, pattern):
                return Path(path)
        return None

    def missing(self, arn: str) -> tuple[str, str]:
        """The message and hint for an ARN with no entry: the exact lines to add."""
        match = LAYER_ARN.match(arn)
        pattern = arn
        is_powertools = False
        if match:
            pattern = (
                f"arn:{match['partition']}:lambda:*:{match['account']}:layer:{match['name']}:*"
            )
            is_powertools = (
                match["account"] in POWERTOOLS_ACCOUNTS and "Powertools" in match["name"]
            )
        target = "layers/powertools-requirements.txt" if is_powertools else "layers/NAME"
        lines = [
            "environments:",
            f"  {self.env_name}:",
            "    layers:",
            f'      "{pattern}": {target}',
        ]
        hint = "Add to smoke.yaml (the layer's content: a directory, .zip or requirements file):\n"
        hint += "\n".join(lines)
        if is_powertools:
            major = re.search(r"V(\d+)", match["name"]) if match else None
            version = int(major[1]) if major else 1  # AWSLambdaPowertoolsPython: version 1
            # the public layer holds the package with its extras (Tracer, Parser ...)
            extras = "[all]" if version >= 2 else ""
            spec = f"aws-lambda-powertools{extras}>={version},<{version + 1}"
            hint += f"\nand write {target} with the line: {spec}"
        message = f"layer {arn} is not available locally"
        if not match:
            message += " (not a layer version ARN)"
        return message, hint
