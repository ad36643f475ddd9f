"""The read-only control plane beside the local Invoke API: what discovery and clients ask.

So that ``endpoint_url: <smoke local start URL>`` works for an ordinary environment, the
local runtime answers, in the shapes real Lambda and CloudWatch Logs use:

- Lambda (REST JSON): GetFunctionConfiguration, GetFunction, ListFunctions (``Marker`` /
  ``MaxItems`` paging) and ListTags;
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

Answer = tuple[int, dict[str, Any], str | None]
FILTER_LOG_EVENTS = "Logs_20140328.FilterLogEvents"
_FUNCTION = re.compile(r"^/2015-03-31/functions/(?P<id>[^/]+)(?P<config>/configuration)?/?$")
_TAGS = "/2017-03-31/tags/"
_STARTED = time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime())


def configuration(function: LocalFunction) -> dict[str, Any]:
    """GetFunctionConfiguration's answer for a local function."""
    definition = function.definition
    return {
        "FunctionName": function.name,
        "FunctionArn": function.arn,
        "Runtime": definition.runtime or f"python{abi.running_version()}",
        "Role": "arn:aws:iam::123456789012:role/smoke-local",
        "Handler": definition.handler,
        "CodeSize": 0,
        "Description": "smoke local runtime",
        "Timeout": math.ceil(definition.timeout_s),
        "MemorySize": definition.memory_mb,
        "LastModified": _STARTED,
        "CodeSha256": "",
        "Version": "$LATEST",
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


def lambda_get(
    path_and_query: str, functions: Mapping[str, LocalFunction], region: str
) -> Answer | None:
    """The answer to a Lambda control-plane GET, or None when it is not one of ours."""
    from smoke.local.invoke_api import function_name

    parts = urlsplit(path_and_query)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    path = parts.path
    if path.rstrip("/") == "/2015-03-31/functions":
        return 200, _list_functions(functions, query), None
    if path.startswith(_TAGS):
        arn = unquote(path[len(_TAGS) :])
        function = functions.get(function_name(arn))
        if function is None:
            return _not_found(arn)
        return 200, {"Tags": dict(function.definition.tags)}, None
    match = _FUNCTION.match(path)
    if not match:
        return None
    name = function_name(unquote(match["id"]))
    function = functions.get(name)
    if function is None:
        return _not_found(f"arn:aws:lambda:{region}:123456789012:function:{name}")
    config = configuration(function)
    if match["config"]:
        return 200, config, None
    answer: dict[str, Any] = {
        "Configuration": config,
        "Code": {"RepositoryType": "S3", "Location": function.definition.code.as_uri()},
    }
    if function.definition.tags:
        answer["Tags"] = dict(function.definition.tags)
    return 200, answer, None


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
    selected = [
        {
            "logStreamName": f"{day}/[$LATEST]smoke-local",
            "timestamp": event.timestamp_ms,
            "message": event.message,
            "ingestionTime": event.timestamp_ms,
            "eventId": str(index),
        }
        for index, (day, event) in enumerate(events)
        if matches(event.message) and f"{day}/[$LATEST]smoke-local".startswith(prefix)
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
