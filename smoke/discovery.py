"""Discovery: logical function name -> the physical function (``FunctionRef``).

One pass for all the names of a run. A function is found by name or ARN
(GetFunctionConfiguration), by CloudFormation stack + logical resource id
(ListStackResources, recursing into nested stacks), or by name prefix + tags
(ListFunctions + ListTags). No match or several matches is a ``DiscoveryError``
that lists what was found, so the fix is obvious.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from smoke.aws import client, error_code, translate
from smoke.errors import ConfigError, DiscoveryError, HarnessError
from smoke.model import Environment, FunctionRef, FunctionSpec

LAMBDA_TYPE = "AWS::Lambda::Function"
STACK_TYPE = "AWS::CloudFormation::Stack"
NOT_FOUND_CODES = frozenset({"ResourceNotFoundException", "ValidationError"})


def discover(
    env: Environment, logical_names: Iterable[str] | None = None
) -> dict[str, FunctionRef]:
    """Find every named logical function of ``env`` (all of them when None)."""
    names = list(dict.fromkeys(logical_names if logical_names is not None else env.functions))
    unknown = [n for n in names if n not in env.functions]
    if unknown:
        raise ConfigError(
            f"environment '{env.name}' does not define function(s) {', '.join(unknown)}",
            env.location,
            hint=f"defined: {', '.join(sorted(env.functions)) or '(none)'}",
        )
    finder = _Finder(env)
    found: dict[str, FunctionRef] = {}
    problems: list[str] = []
    for name in names:
        try:
            found[name] = finder.find(env.functions[name])
        except DiscoveryError as exc:
            problems.append(exc.message)
    if problems:
        raise DiscoveryError("\n".join(problems))
    return found


def stack_resources(env: Environment, stack: str) -> list[tuple[str, dict[str, Any]]]:
    """Every resource of ``stack`` and its nested stacks, each with the stack holding it."""
    finder = _Finder(env)
    found: list[tuple[str, dict[str, Any]]] = []
    pending, seen = [stack], set()
    while pending:
        current = pending.pop(0)
        if current in seen:
            continue
        seen.add(current)
        for resource in finder.stack_resources(current):
            found.append((current, resource))
            nested = resource.get("PhysicalResourceId")
            if resource.get("ResourceType") == STACK_TYPE and nested:
                pending.append(nested)
    return found


def qualifier_of_arn(name: str) -> str | None:
    """``arn:aws:lambda:r:acct:function:name:alias`` -> ``alias``."""
    parts = name.split(":")
    return parts[7] if name.startswith("arn:") and len(parts) == 8 else None


class _Finder:
    """Caches what one discovery pass has listed (stacks, all functions, tags)."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self._lambda: Any = None
        self._cfn: Any = None
        self._stacks: dict[str, list[dict[str, Any]]] = {}
        self._all_functions: list[dict[str, Any]] | None = None
        self._tags: dict[str, dict[str, str]] = {}

    @property
    def lambda_client(self) -> Any:
        if self._lambda is None:
            self._lambda = client(self.env, "lambda")
        return self._lambda

    @property
    def cfn(self) -> Any:
        if self._cfn is None:
            self._cfn = client(self.env, "cloudformation")
        return self._cfn

    # ------------------------------------------------------------------ dispatch

    def find(self, spec: FunctionSpec) -> FunctionRef:
        if spec.name:
            return self.by_name(spec)
        if spec.stack and spec.resource:
            return self.by_stack(spec)
        if spec.prefix:
            return self.by_prefix(spec)
        raise ConfigError(
            f"function '{spec.logical}' says neither name, stack + resource nor prefix",
            spec.location,
            hint="write e.g. {name: my-function} or {stack: my-stack, resource: ApiFunction}",
        )

    def configuration(self, spec: FunctionSpec, name: str) -> FunctionRef:
        qualifier = spec.qualifier or qualifier_of_arn(name)
        params: dict[str, Any] = {"FunctionName": name}
        if spec.qualifier:
            params["Qualifier"] = spec.qualifier
        try:
            config = self.lambda_client.get_function_configuration(**params)
        except Exception as exc:
            if error_code(exc) in NOT_FOUND_CODES:
                what = f"{name}:{spec.qualifier}" if spec.qualifier else name
                bare = name if spec.qualifier else name.rsplit(":", 1)[0]
                if qualifier and self.exists(bare):
                    raise DiscoveryError(
                        f"function '{spec.logical}': {what}: the function exists, but has no "
                        f"alias or version {qualifier!r} (publish it, or fix the qualifier)"
                    ) from exc
                raise DiscoveryError(
                    f"function '{spec.logical}': {what} does not exist in region "
                    f"{self.region}{self.close_names(name)}"
                ) from exc
            raise translate(exc, f"read the configuration of function {name}") from exc
        return to_ref(spec.logical, config, qualifier)

    def exists(self, name: str) -> bool:
        try:
            self.lambda_client.get_function_configuration(FunctionName=name)
        except Exception:
            return False
        return True

    @property
    def region(self) -> str:
        return str(self.lambda_client.meta.region_name)

    # ------------------------------------------------------------------ by name

    def by_name(self, spec: FunctionSpec) -> FunctionRef:
        assert spec.name
        parts = spec.name.split(":")
        if spec.name.startswith("arn:") and len(parts) >= 7 and parts[3] != self.region:
            raise DiscoveryError(
                f"function '{spec.logical}': {spec.name} is in region {parts[3]}, but "
                f"environment '{self.env.name}' is in {self.region}: one environment, one "
                f"region (set region: {parts[3]}, or give the function of {self.region})"
            )
        return self.configuration(spec, spec.name)

    def all_functions(self) -> list[dict[str, Any]]:
        if self._all_functions is None:
            listed: list[dict[str, Any]] = []
            try:
                for page in self.lambda_client.get_paginator("list_functions").paginate():
                    listed.extend(page.get("Functions", []))
            except Exception as exc:
                raise translate(exc, "list the Lambda functions") from exc
            self._all_functions = listed
        return self._all_functions

    def close_names(self, name: str) -> str:
        import difflib

        try:
            names = [f["FunctionName"] for f in self.all_functions()]
        except HarnessError:
            return ""
        short = name.split(":")[6] if name.startswith("arn:") and name.count(":") >= 6 else name
        close = difflib.get_close_matches(short, names, n=5, cutoff=0.5)
        return f"; similar functions: {', '.join(close)}" if close else ""

    # ------------------------------------------------------------------ by stack

    def stack_resources(self, stack: str) -> list[dict[str, Any]]:
        if stack not in self._stacks:
            listed: list[dict[str, Any]] = []
            try:
                pages = self.cfn.get_paginator("list_stack_resources").paginate(StackName=stack)
                for page in pages:
                    listed.extend(page.get("StackResourceSummaries", []))
            except Exception as exc:
                if error_code(exc) in NOT_FOUND_CODES:
                    raise DiscoveryError(
                        f"stack {stack} does not exist in region {self.region}"
                    ) from exc
                raise translate(exc, f"list the resources of stack {stack}") from exc
            self._stacks[stack] = listed
        return self._stacks[stack]

    def search_stack(
        self, stack: str, resource: str, seen: set[str]
    ) -> tuple[list[str], list[str]]:
        """(physical ids of Lambda functions called ``resource``, all Lambda logical ids)."""
        seen.add(stack)
        resources = self.stack_resources(stack)
        matches = [
            r["PhysicalResourceId"]
            for r in resources
            if r.get("LogicalResourceId") == resource
            and r.get("ResourceType") == LAMBDA_TYPE
            and r.get("PhysicalResourceId")
        ]
        names = [
            f"{stack}/{r['LogicalResourceId']}"
            for r in resources
            if r.get("ResourceType") == LAMBDA_TYPE
        ]
        if matches:
            return matches, names
        nested_matches: list[str] = []
        for r in resources:
            nested = r.get("PhysicalResourceId")
            if r.get("ResourceType") == STACK_TYPE and nested and nested not in seen:
                found, nested_names = self.search_stack(nested, resource, seen)
                nested_matches.extend(found)
                names.extend(nested_names)
        return nested_matches, names

    def by_stack(self, spec: FunctionSpec) -> FunctionRef:
        assert spec.stack and spec.resource
        try:
            matches, names = self.search_stack(spec.stack, spec.resource, set())
        except DiscoveryError as exc:  # which function was looked for, and where
            raise DiscoveryError(
                f"function '{spec.logical}' (resource {spec.resource} of stack {spec.stack}): "
                f"{exc.message}"
            ) from exc
        if not matches:
            raise DiscoveryError(
                f"function '{spec.logical}': stack {spec.stack} (and its nested stacks) has no "
                f"Lambda function with logical id {spec.resource}; Lambda functions found: "
                f"{', '.join(names) or '(none)'}"
            )
        if len(matches) > 1:
            raise DiscoveryError(
                f"function '{spec.logical}': {spec.resource} matches several functions in "
                f"stack {spec.stack}'s nested stacks: {', '.join(matches)}"
            )
        return self.configuration(spec, matches[0])

    # ------------------------------------------------------------------ by prefix

    def tags(self, arn: str) -> dict[str, str]:
        if arn not in self._tags:
            try:
                self._tags[arn] = dict(self.lambda_client.list_tags(Resource=arn).get("Tags", {}))
            except Exception as exc:
                raise translate(exc, f"list the tags of {arn}") from exc
        return self._tags[arn]

    def by_prefix(self, spec: FunctionSpec) -> FunctionRef:
        assert spec.prefix
        candidates = [f for f in self.all_functions() if f["FunctionName"].startswith(spec.prefix)]
        wanted = dict(spec.tags)
        matches = [
            f
            for f in candidates
            if not wanted or all(self.tags(f["FunctionArn"]).get(k) == v for k, v in wanted.items())
        ]
        tags_text = f" and tags {wanted}" if wanted else ""
        if len(matches) == 1:
            if spec.qualifier:
                return self.configuration(spec, matches[0]["FunctionName"])
            return to_ref(spec.logical, matches[0], None)
        if not matches:
            seen = ", ".join(
                f"{f['FunctionName']} {self.tags(f['FunctionArn']) if wanted else ''}".strip()
                for f in candidates
            )
            raise DiscoveryError(
                f"function '{spec.logical}': no function with prefix {spec.prefix}{tags_text}; "
                f"functions with that prefix: {seen or '(none)'}"
            )
        raise DiscoveryError(
            f"function '{spec.logical}': prefix {spec.prefix}{tags_text} matches "
            f"{len(matches)} functions: {', '.join(f['FunctionName'] for f in matches)}; "
            "add tags or use a longer prefix"
        )


def to_ref(logical: str, config: dict[str, Any], qualifier: str | None) -> FunctionRef:
    name = str(config["FunctionName"])
    logging = config.get("LoggingConfig") or {}
    timeout = config.get("Timeout")
    memory = config.get("MemorySize")
    return FunctionRef(
        logical=logical,
        name=name,
        arn=config.get("FunctionArn"),
        qualifier=qualifier,
        runtime=config.get("Runtime"),
        last_modified=config.get("LastModified"),
        log_group=logging.get("LogGroup") or f"/aws/lambda/{name}",
        timeout_s=float(timeout) if timeout is not None else None,
        memory_mb=int(memory) if memory is not None else None,
    )
