"""The control plane beside the local Invoke API: what discovery, clients and the gate ask.

So that ``endpoint_url: <smoke local start URL>`` works for an ordinary environment (and
a release can be rehearsed with ``smoke gate``), the local runtime answers, in the shapes
real Lambda and CloudWatch Logs use:

- Lambda (REST JSON): GetFunctionConfiguration and GetFunction (with ``Qualifier``),
  ListFunctions (``Marker`` / ``MaxItems`` paging), ListTags, PublishVersion,
  ListVersionsByFunction, CreateAlias, GetAlias, UpdateAlias (``RoutingConfig``),
  DeleteAlias and ListAliases (state in ``versions.ControlPlane``);
- CloudWatch Logs (JSON 1.1, ``X-Amz-Target: Logs_20140328.FilterLogEvents``): the
  function log files, read through ``LocalLogSource``.

Each answer is ``(status, body, error type or None)``; ``invoke_api`` writes it out.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from smoke.local import abi
from smoke.local.function import LocalFunction
from smoke.local.versions import Alias, ControlPlane, LambdaError, invalid

Answer = tuple[int, dict[str, Any], str | None]
FILTER_LOG_EVENTS = "Logs_20140328.FilterLogEvents"
_FUNCTION = re.compile(
    r"^/2015-03-31/functions/(?P<id>[^/]+)"
    r"(?:/(?P<sub>configuration|versions|aliases)(?:/(?P<alias>[^/]+))?)?/?$"
)
_TAGS = "/2017-03-31/tags/"
_STARTED = time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime())


def configuration(
    function: LocalFunction, plane: ControlPlane | None = None, qualifier: str | None = None
) -> dict[str, Any]:
    """GetFunctionConfiguration's answer for a local function (a version: its snapshot)."""
    definition = function.definition
    version = function.version
    arn = function.arn
    if qualifier:
        arn = f"{arn}:{qualifier}"
    elif version != "$LATEST":
        arn = f"{arn}:{version}"
    return {
        "FunctionName": function.name,
        "FunctionArn": arn,
        "Runtime": definition.runtime or f"python{abi.running_version()}",
        "Role": "arn:aws:iam::123456789012:role/smoke-local",
        "Handler": definition.handler,
        "CodeSize": 0,
        "Description": (plane.description(function) if plane else "") or "smoke local runtime",
        "Timeout": math.ceil(definition.timeout_s),
        "MemorySize": definition.memory_mb,
        "LastModified": _STARTED,
        "CodeSha256": plane.code_sha256(function) if plane else "",
        "Version": version,
        "Environment": {"Variables": dict(definition.environment)},
        "TracingConfig": {"Mode": "PassThrough"},
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": [definition.architecture],
        "EphemeralStorage": {"Size": 512},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": function.log_group},
    }


def _not_found(function_arn: str) -> Answer:
    message = f"Function not found: {function_arn}"
    return 404, {"Type": "User", "Message": message, "message": message}, "ResourceNotFoundException"


def _error(exc: LambdaError) -> Answer:
    body = {"Type": "User", "Message": exc.message, "message": exc.message}
    return exc.status, body, exc.error_type


def alias_configuration(function: LocalFunction, alias: Alias) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "AliasArn": f"{function.arn}:{alias.name}",
        "Name": alias.name,
        "FunctionVersion": alias.version,
        "Description": alias.description,
        "RevisionId": alias.revision_id,
    }
    if alias.weights:
        answer["RoutingConfig"] = {"AdditionalVersionWeights": dict(alias.weights)}
    return answer


def lambda_request(
    method: str, path_and_query: str, body: bytes, plane: ControlPlane,
    functions: Mapping[str, LocalFunction], region: str,
) -> Answer | None:
    """The answer to a Lambda control-plane request, or None when it is not one of ours.

    Reads (GetFunction[Configuration] with ``Qualifier``, ListFunctions, ListTags,
    ListVersionsByFunction, GetAlias, ListAliases) and the release operations
    (PublishVersion, CreateAlias, UpdateAlias, DeleteAlias)."""
    parts = urlsplit(path_and_query)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        request = json.loads(body) if body.strip() else {}
    except ValueError:
        return _error(invalid("Could not parse request body into json"))
    if not isinstance(request, dict):
        return _error(invalid("the request body must be a JSON object"))
    try:
        return _route(method, parts.path, query, request, plane, functions, region)
    except LambdaError as exc:
        return _error(exc)


def _route(
    method: str, path: str, query: Mapping[str, str], request: Mapping[str, Any],
    plane: ControlPlane, functions: Mapping[str, LocalFunction], region: str,
) -> Answer | None:
    from smoke.local.invoke_api import function_name

    if method == "GET" and path.rstrip("/") == "/2015-03-31/functions":
        return 200, _list_functions(functions, query), None
    if method == "GET" and path.startswith(_TAGS):
        arn = unquote(path[len(_TAGS) :])
        function = functions.get(function_name(arn))
        if function is None:
            return _not_found(arn)
        return 200, {"Tags": dict(function.definition.tags)}, None
    match = _FUNCTION.match(path)
    if not match:
        return None
    identifier = unquote(match["id"])
    name = function_name(identifier)
    qualifier = query.get("Qualifier") or _qualifier_in(identifier)
    sub, alias_name = match["sub"], match["alias"]
    if sub is None and method == "GET":
        function, _ = plane.function(name, qualifier, region)
        answer: dict[str, Any] = {
            "Configuration": configuration(function, plane, qualifier),
            "Code": {"RepositoryType": "S3", "Location": function.definition.code.as_uri()},
        }
        if function.definition.tags:
            answer["Tags"] = dict(function.definition.tags)
        return 200, answer, None
    if sub == "configuration" and method == "GET":
        function, _ = plane.function(name, qualifier, region)
        return 200, configuration(function, plane, qualifier), None
    if sub == "versions" and method == "GET":
        found = plane.versions(name, region)
        page, marker = _page(found, query)
        answer = {"Versions": [configuration(f, plane) for f in page]}
        if marker:
            answer["NextMarker"] = marker
        return 200, answer, None
    if sub == "versions" and method == "POST":
        sha = request.get("CodeSha256")
        function = plane.publish(name, region, str(request.get("Description") or ""),
                                 str(sha) if sha else None)
        return 201, configuration(function, plane), None
    latest, _ = plane.function(name, None, region)
    if sub == "aliases" and alias_name is None:
        if method == "POST":
            return 201, alias_configuration(latest, plane.create_alias(name, region, request)), None
        if method == "GET":
            found_aliases = plane.aliases(name, region, query.get("FunctionVersion"))
            page_aliases, marker = _page(found_aliases, query)
            answer = {"Aliases": [alias_configuration(latest, a) for a in page_aliases]}
            if marker:
                answer["NextMarker"] = marker
            return 200, answer, None
    if sub == "aliases" and alias_name is not None:
        if method == "GET":
            return 200, alias_configuration(latest, plane.get_alias(name, region, alias_name)), None
        if method == "PUT":
            alias = plane.update_alias(name, region, alias_name, request)
            return 200, alias_configuration(latest, alias), None
        if method == "DELETE":
            plane.delete_alias(name, region, alias_name)
            return 204, {}, None
    return None


def _qualifier_in(identifier: str) -> str | None:
    """``name:live`` or ``arn:aws:lambda:r:a:function:name:live`` -> ``live``."""
    parts = identifier.split(":")
    if identifier.startswith("arn:"):
        return parts[7] if len(parts) >= 8 else None
    if len(parts) >= 3 and parts[1] == "function":
        return parts[3] if len(parts) >= 4 else None
    return parts[1] if len(parts) == 2 else None


def _page(items: list[Any], query: Mapping[str, str]) -> tuple[list[Any], str | None]:
    start = int(query["Marker"]) if query.get("Marker", "").isdigit() else 0
    size = int(query["MaxItems"]) if query.get("MaxItems", "").isdigit() else 50
    size = max(1, min(size, 10000))
    marker = str(start + size) if start + size < len(items) else None
    return items[start : start + size], marker


def _list_functions(functions: Mapping[str, LocalFunction], query: Mapping[str, str]) -> dict[str, Any]:
    ordered = sorted(functions.values(), key=lambda f: f.name)
    start = int(query["Marker"]) if query.get("Marker", "").isdigit() else 0
    size = int(query["MaxItems"]) if query.get("MaxItems", "").isdigit() else 50
    size = max(1, min(size, 50))
    page = ordered[start : start + size]
    answer: dict[str, Any] = {"Functions": [configuration(f) for f in page]}
    if start + size < len(ordered):
        answer["NextMarker"] = str(start + size)
    return answer


# ----------------------------------------------------------------- CloudWatch Logs


def _logs_error(error_type: str, message: str) -> Answer:
    return 400, {"__type": error_type, "message": message}, error_type


def _term_matcher(pattern: str) -> Any:
    """A predicate for CloudWatch's text filter patterns (``a b``, ``?a ?b``, quoted terms);
    JSON and space-delimited patterns are not evaluated (every line matches)."""
    pattern = pattern.strip()
    if not pattern or pattern.startswith(("{", "[")):
        return lambda message: True
    tokens = re.findall(r'(\??)(?:"((?:[^"\\]|\\.)*)"|(\S+))', pattern)
    any_of = [quoted or bare for optional, quoted, bare in tokens if optional]
    all_of = [quoted or bare for optional, quoted, bare in tokens if not optional]
    any_of = [t.replace('\\"', '"') for t in any_of]
    all_of = [t.replace('\\"', '"') for t in all_of]

    def matches(message: str) -> bool:
        if any_of and not any(term in message for term in any_of):
            return False
        return all(term in message for term in all_of)

    return matches


def filter_log_events(body: bytes, log_dir: Path | None) -> Answer:
    """FilterLogEvents over the local log files (one stream per function and day)."""
    from smoke.errors import LogScanError
    from smoke.local.logs import LocalLogSource

    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return _logs_error("SerializationException", "the request body is not JSON")
    group = request.get("logGroupName") or request.get("logGroupIdentifier")
    if not isinstance(group, str) or log_dir is None:
        return _logs_error("InvalidParameterException", "logGroupName is required")
    start = int(request.get("startTime") or 0)
    end = int(request.get("endTime") or 2**62)
    matches = _term_matcher(str(request.get("filterPattern") or ""))
    prefix = str(request.get("logStreamNamePrefix") or "")
    try:
        events = [
            (time.strftime("%Y/%m/%d", time.gmtime(e.timestamp_ms / 1000)), e)
            for e in LocalLogSource(log_dir).events(group, start, end)
        ]
    except LogScanError:
        return _logs_error("ResourceNotFoundException", "The specified log group does not exist.")
    events.sort(key=lambda pair: pair[1].timestamp_ms)  # CloudWatch interleaves streams by time
    selected = [
        {
            "logStreamName": event.log_stream or f"{day}/[$LATEST]smoke-local",
            "timestamp": event.timestamp_ms,
            "message": event.message,
            "ingestionTime": event.timestamp_ms,
            "eventId": str(index),
        }
        for index, (day, event) in enumerate(events)
        if matches(event.message) and (event.log_stream or "").startswith(prefix)
    ]
    token = str(request.get("nextToken") or "0")
    offset = int(token) if token.isdigit() else 0
    limit = max(1, min(int(request.get("limit") or 10000), 10000))
    answer: dict[str, Any] = {
        "events": selected[offset : offset + limit],
        "searchedLogStreams": [],
    }
    if offset + limit < len(selected):
        answer["nextToken"] = str(offset + limit)
    return 200, answer, None
