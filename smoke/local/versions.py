"""Published versions and aliases of the local runtime: the release rehearsal's state.

``PublishVersion`` snapshots a function's code and layers as they are on disk at that
moment: they are copied into a directory the server owns (what smoke built, keyed by the
requirements' hash, never changes and is shared), and the version runs from the
copy, in its own warm process, whatever happens to the files afterwards. A version is
just another ``LocalFunction``, keyed by (name, version). Aliases point at a version,
optionally with ``RoutingConfig.AdditionalVersionWeights`` (a weighted canary).
Versions and aliases live as long as the server.

Errors are ``LambdaError`` with Lambda's status and error type, so boto3 raises the
exception a real Lambda would.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from smoke.local.function import LocalFunction
from smoke.local.packages import cache_root
from smoke.local.runtime_setup import setup

ALIAS_NAME = re.compile(r"^(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}$")
_SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc")


class LambdaError(Exception):
    """An error answer: HTTP status, Lambda's error type, message."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error_type, self.message = status, error_type, message


def invalid(message: str) -> LambdaError:
    return LambdaError(400, "InvalidParameterValueException", message)


@dataclass
class Alias:
    name: str
    version: str
    weights: dict[str, float] = field(default_factory=dict)  # additional version -> weight
    description: str = ""
    revision_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class _Versions:
    """One function's published versions and aliases."""

    latest: LocalFunction
    published: dict[str, LocalFunction] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, Alias] = field(default_factory=dict)
    next_version: int = 1


def _tree_hash(digest: Any, root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if "__pycache__" in path.parts or path.suffix == ".pyc" or not path.is_file():
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")


def _immutable(path: Path, builds: set[Path]) -> bool:
    """What smoke built or unzipped (keyed by a hash): its content never changes."""
    resolved = path.resolve()
    roots = [cache_root(), *builds]
    return any(resolved == r.resolve() or resolved.is_relative_to(r.resolve()) for r in roots)


class ControlPlane:
    """Versions and aliases of every local function, and how an invocation resolves."""

    def __init__(self, functions: Mapping[str, LocalFunction], log_dir: Path | None) -> None:
        self._functions = {name: _Versions(f) for name, f in functions.items()}
        self._log_dir = log_dir
        self._lock = threading.RLock()
        self._root: Path | None = None  # the snapshots, created on the first publish
        self._closed = False

    # ------------------------------------------------------------------ lookups

    def _entry(self, name: str, region: str) -> _Versions:
        found = self._functions.get(name)
        if found is None:
            arn = f"arn:aws:lambda:{region}:123456789012:function:{name}"
            raise LambdaError(404, "ResourceNotFoundException", f"Function not found: {arn}")
        return found

    def function(self, name: str, qualifier: str | None, region: str) -> tuple[LocalFunction, Alias | None]:
        """The function a qualifier names (an alias's primary version), and the alias."""
        with self._lock:
            entry = self._entry(name, region)
            if qualifier in (None, "", "$LATEST"):
                return entry.latest, None
            assert qualifier is not None
            if qualifier in entry.published:
                return entry.published[qualifier], None
            alias = entry.aliases.get(qualifier)
            if alias is not None:
                return self._version(entry, alias.version), alias
            what = "version" if qualifier.isdigit() else "alias"
            raise LambdaError(
                404, "ResourceNotFoundException",
                f"Function not found: {entry.latest.arn}:{qualifier} (no such {what})",
            )

    def _version(self, entry: _Versions, version: str) -> LocalFunction:
        return entry.latest if version == "$LATEST" else entry.published[version]

    def resolve(self, name: str, qualifier: str | None, region: str) -> tuple[LocalFunction, str]:
        """For an invocation: the function to run (alias weights applied) and the ARN the
        caller used (what the handler sees as ``context.invoked_function_arn``)."""
        with self._lock:
            function, alias = self.function(name, qualifier, region)
            invoked = f"{function.arn}:{qualifier}" if qualifier else function.arn
            if alias is not None and alias.weights:
                ((other, weight),) = alias.weights.items()
                if random.random() < weight:
                    function = self._functions[name].published[other]
            return function, invoked

    def code_sha256(self, function: LocalFunction) -> str:
        with self._lock:
            entry = self._functions.get(function.name)
            if entry is None or function.version == "$LATEST":
                return ""
            return entry.hashes.get(function.version, "")

    def description(self, function: LocalFunction) -> str:
        with self._lock:
            entry = self._functions.get(function.name)
            return entry.descriptions.get(function.version, "") if entry else ""

    # ------------------------------------------------------------------ versions

    def publish(self, name: str, region: str, description: str = "",
                code_sha256: str | None = None) -> LocalFunction:
        """Snapshot the function's code and layers now; a new version unless nothing
        changed since the last one (Lambda then answers with that version)."""
        with self._lock:
            if self._closed:
                raise LambdaError(500, "ServiceException", "the local runtime is stopping")
            entry = self._entry(name, region)
            latest = entry.latest
            ready = setup(latest.definition, latest.python_config)  # the files as they are now
            fixed = {Path(b["directory"]) for b in ready.runtime_info.get("builds", ())}
            digest = hashlib.sha256()
            for directory in ready.import_dirs:
                if _immutable(directory, fixed):
                    digest.update(str(directory.resolve()).encode() + b"\0")
                elif directory.is_dir():
                    _tree_hash(digest, directory)
            sha = base64.b64encode(digest.digest()).decode()
            if code_sha256 and code_sha256 != sha:
                raise LambdaError(
                    412, "PreconditionFailedException",
                    f"CodeSha256 ({code_sha256}) is different from current CodeSha256 in "
                    f"$LATEST ({sha}). Please try again with the CodeSha256 in $LATEST.",
                )
            last = str(entry.next_version - 1)
            if entry.next_version > 1 and entry.hashes[last] == sha:
                return entry.published[last]
            version = str(entry.next_version)
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="smoke-versions-"))
            target = self._root / f"{name}-{version}"
            copies: dict[Path, Path] = {}
            for index, directory in enumerate(ready.import_dirs):
                if _immutable(directory, fixed) or not directory.is_dir():
                    continue
                copies[directory] = target / ("code" if directory == ready.task_root else f"dir-{index}")
                shutil.copytree(directory, copies[directory], ignore=_SKIPPED)
            snapshot = replace(
                ready,
                task_root=copies.get(ready.task_root, ready.task_root),
                import_dirs=[copies.get(d, d) for d in ready.import_dirs],
            )
            function = LocalFunction(
                replace(latest.definition, code=snapshot.task_root),
                log_dir=self._log_dir or latest.log.path.parent, region=latest.region,
                host=latest.host, redact=latest.redact, python=latest.python_config,
                version=version, ready=snapshot, concurrency=latest.concurrency,
            )  # fmt: skip
            entry.published[version] = function
            entry.hashes[version] = sha
            entry.descriptions[version] = description
            entry.next_version += 1
            return function

    def versions(self, name: str, region: str) -> list[LocalFunction]:
        with self._lock:
            entry = self._entry(name, region)
            return [entry.latest, *(entry.published[v] for v in sorted(entry.published, key=int))]

    # ------------------------------------------------------------------ aliases

    def _check_routing(self, entry: _Versions, version: str, routing: Any) -> dict[str, float] | None:
        """The additional weights of a RoutingConfig (None: not given)."""
        if routing is None:
            return None
        if not isinstance(routing, dict):
            raise invalid("RoutingConfig must be an object")
        weights = routing.get("AdditionalVersionWeights") or {}
        if not isinstance(weights, dict):
            raise invalid("AdditionalVersionWeights must be a map of version to weight")
        if len(weights) > 1:
            raise invalid("Number of items in AdditionalVersionWeights cannot be greater than 1")
        checked: dict[str, float] = {}
        for other, weight in weights.items():
            if not isinstance(weight, (int, float)) or not 0.0 <= float(weight) <= 1.0:
                raise invalid(f"Invalid weight {weight!r} for version {other}: 0.0 to 1.0")
            if other not in entry.published:
                raise LambdaError(404, "ResourceNotFoundException",
                                  f"Function not found: {entry.latest.arn}:{other}")
            if other == version:
                raise invalid("Cannot have same version in both primary and secondary routes")
            if version == "$LATEST":
                raise invalid("Alias with weights can not point to the $LATEST version")
            checked[str(other)] = float(weight)
        return checked

    def _check_version(self, entry: _Versions, version: Any) -> str:
        if not isinstance(version, str) or not version:
            raise invalid("FunctionVersion is required")
        if version != "$LATEST" and version not in entry.published:
            raise LambdaError(404, "ResourceNotFoundException",
                              f"Function not found: {entry.latest.arn}:{version}")
        return version

    def create_alias(self, name: str, region: str, request: Mapping[str, Any]) -> Alias:
        with self._lock:
            entry = self._entry(name, region)
            alias_name = request.get("Name")
            if not isinstance(alias_name, str) or not ALIAS_NAME.match(alias_name):
                raise invalid(
                    f"1 validation error detected: Value '{alias_name}' at 'name' failed to "
                    "satisfy constraint: Member must satisfy regular expression pattern: "
                    "(?!^[0-9]+$)([a-zA-Z0-9-_]+)"
                )
            if alias_name in entry.aliases:
                raise LambdaError(409, "ResourceConflictException",
                                  f"Alias already exists: {entry.latest.arn}:{alias_name}")
            version = self._check_version(entry, request.get("FunctionVersion"))
            weights = self._check_routing(entry, version, request.get("RoutingConfig")) or {}
            alias = Alias(alias_name, version, weights, str(request.get("Description") or ""))
            entry.aliases[alias_name] = alias
            return alias

    def get_alias(self, name: str, region: str, alias_name: str) -> Alias:
        with self._lock:
            entry = self._entry(name, region)
            alias = entry.aliases.get(alias_name)
            if alias is None:
                raise LambdaError(404, "ResourceNotFoundException",
                                  f"Alias not found: {entry.latest.arn}:{alias_name}")
            return alias

    def update_alias(self, name: str, region: str, alias_name: str,
                     request: Mapping[str, Any]) -> Alias:
        with self._lock:
            entry = self._entry(name, region)
            alias = self.get_alias(name, region, alias_name)
            revision = request.get("RevisionId")
            if revision and revision != alias.revision_id:
                raise LambdaError(412, "PreconditionFailedException",
                                  "The Revision Id provided does not match the latest Revision "
                                  "Id. Call the GetAlias API to retrieve the latest Revision Id")
            version = alias.version
            if request.get("FunctionVersion") is not None:
                version = self._check_version(entry, request.get("FunctionVersion"))
            weights = self._check_routing(entry, version, request.get("RoutingConfig"))
            if weights is None:  # no RoutingConfig: the routing stays, if still valid
                weights = {k: w for k, w in alias.weights.items() if k != version}
            alias.version, alias.weights = version, weights
            if request.get("Description") is not None:
                alias.description = str(request["Description"])
            alias.revision_id = str(uuid.uuid4())
            return alias

    def delete_alias(self, name: str, region: str, alias_name: str) -> None:
        with self._lock:
            self._entry(name, region).aliases.pop(alias_name, None)

    def aliases(self, name: str, region: str, version: str | None = None) -> list[Alias]:
        with self._lock:
            found = sorted(self._entry(name, region).aliases.values(), key=lambda a: a.name)
            return [a for a in found if version is None or a.version == version]

    # ------------------------------------------------------------------ lifetime

    def close(self) -> None:
        """Stop every version's process and remove the snapshots."""
        with self._lock:
            self._closed = True
            published = [f for e in self._functions.values() for f in e.published.values()]
            root, self._root = self._root, None
        for function in published:
            function.close()
        if root is not None:
            shutil.rmtree(root, ignore_errors=True)
