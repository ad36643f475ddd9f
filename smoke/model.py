"""The model: what a run is made of. Frozen dataclasses, no I/O.

Each has ``__slots__`` (``slots=True``): a run holds every check, its request and its
result until the reports are written, and an instance without a ``__dict__`` is about
a third smaller (10,000 checks: 20 -> 15 MiB after loading). Pickling, ``copy`` and
``dataclasses.replace`` work as before (the pytest plugin pickles checks and results).

Vocabulary (the user's words):

- **Suite**: one ``suites/*.yaml`` file: a list of checks against logical functions.
- **Check**: one request and what counts as healthy (``Expect``).
- **Environment**: one entry of ``smoke.yaml``: where checks go.
- **FunctionSpec**: how an environment finds a logical function (name, stack+resource,
  prefix+tags, or a local definition).
- **FunctionRef**: what discovery found: the physical function.
- **Exchange**: what one execution of a check sent and got back.
- **Failure**: one failed expectation of a check (failures are data, never raised).
- **CheckResult**: a check, its exchange and its failures; the verdict.
- **Finding**: one log line that matched a log-scan rule.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from smoke.dataclass_code import DataclassCode

# dataclasses compiles ~130 generated methods below at every import: the code objects are
# kept beside this module's bytecode and compiled once per install (smoke.dataclass_code)
_code = DataclassCode(__file__)

EVENT_KINDS = ("apigw-rest", "apigw-http", "alb", "function-url", "raw")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SENSITIVE_HEADERS = frozenset(
    {"authorization", "cookie", "set-cookie", "x-api-key", "proxy-authorization"}
)


@dataclass(frozen=True, slots=True)
class Location:
    """Where something was written: file and 1-based line range (inclusive)."""

    file: str
    line: int = 0
    end_line: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        if self.end_line and self.end_line != self.line:
            return f"{self.file}:{self.line}-{self.end_line}"
        return f"{self.file}:{self.line}"


# --------------------------------------------------------------------------- suites


@dataclass(frozen=True, slots=True)
class StatusExpectation:
    """A set of acceptable statuses: exact codes and classes such as ``2xx``.

    ``None`` in ``Expect.status`` means the default: any status below 500.
    """

    codes: frozenset[int] = frozenset()
    classes: frozenset[int] = frozenset()  # 2 for "2xx", 4 for "4xx", ...

    def matches(self, status: int) -> bool:
        return status in self.codes or (status // 100) in self.classes

    def __str__(self) -> str:
        parts = [str(c) for c in sorted(self.codes)] + [f"{c}xx" for c in sorted(self.classes)]
        return " or ".join(parts) if parts else "(none)"


@dataclass(frozen=True, slots=True)
class Expect:
    """What counts as healthy for a check (``expect:``); every part set must hold."""

    status: StatusExpectation | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # name -> exact value
    json_schema: Mapping[str, Any] | None = None
    body_contains: tuple[str, ...] = ()
    max_ms: float | None = None
    max_init_ms: float | None = None  # a cold start's Init Duration budget


@dataclass(frozen=True, slots=True)
class Authorizer:
    """Authorizer context to put in the event when the gateway is bypassed."""

    claims: Mapping[str, Any] | None = None  # Cognito / JWT claims
    context: Mapping[str, Any] | None = None  # Lambda authorizer context
    principal_id: str | None = None


@dataclass(frozen=True, slots=True)
class Request:
    """An HTTP-shaped request (for proxy events and the HTTP transport)."""

    method: str = "GET"
    path: str = "/"
    query: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    path_parameters: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    body_is_binary: bool = False  # send base64-encoded (isBase64Encoded: true)
    authorizer: Authorizer | None = None
    stage: str | None = None  # None: the environment's `stage`, else "$default"
    # headers given more than once (a list in the suite), in order; ``headers`` holds
    # each of them comma-joined, as one header line would carry them
    header_lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Check:
    """One check of a suite: a request to a logical function and its ``Expect``."""

    suite: str
    name: str
    function: str  # logical function name from smoke.yaml
    event: str  # one of EVENT_KINDS
    request: Request
    expect: Expect
    payload: Any = None  # raw event payload (event == "raw")
    mutates: bool | None = None  # None: not declared
    tags: tuple[str, ...] = ()
    location: Location = Location("<unknown>")
    timeout_s: float | None = None
    source: str = ""  # generated from `routes:`: where the route was found (file:line, API id)
    alb_multi_value: bool | None = None  # ALB events: multi-value headers mode (None: the env's)

    @property
    def id(self) -> str:
        return f"{self.suite}::{self.name}"

    @property
    def is_raw(self) -> bool:
        return self.event == "raw"


ROUTE_SOURCES = ("template", "openapi", "api")
DEFAULT_ROUTE_METHODS = ("GET", "HEAD")


@dataclass(frozen=True, slots=True)
class RoutesSpec:
    """A suite's ``routes:``: one check per route of its function, generated before planning.

    ``event`` is None when neither the routes nor the suite name one: the source decides
    (an ``HttpApi`` event or HTTP API means ``apigw-http``, otherwise ``apigw-rest``).
    """

    source: str  # one of ROUTE_SOURCES
    function: str
    location: Location  # the `routes:` entry of the suite
    event: str | None = None
    file: str | None = None  # openapi: the document (absolute), relative to the suite
    path: str | None = None  # openapi: a path the function serves the document at
    base_path: str | None = None  # openapi: overrides servers / basePath ("" for none)
    methods: tuple[str, ...] = DEFAULT_ROUTE_METHODS
    path_parameters: Mapping[str, str] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()  # glob patterns over "METHOD /path" and "/path"
    expect: Expect = field(default_factory=Expect)
    headers: Mapping[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    mutates: bool | None = None  # applies to generated checks of non-read-only methods
    timeout_s: float | None = None
    source_location: Location | None = None  # the `file:` or `path:` entry


@dataclass(frozen=True, slots=True)
class Suite:
    """One ``suites/*.yaml`` file: its checks (and ``routes:``), as loaded."""

    name: str
    path: str
    checks: tuple[Check, ...]
    function: str | None = None
    event: str = "apigw-rest"
    tags: tuple[str, ...] = ()
    location: Location = Location("<unknown>")
    secrets: frozenset[str] = frozenset()  # values read through ${VAR}: never shown
    unset_vars: tuple[str, ...] = ()  # ${VAR}s left unset (loaded with require_env=False)
    routes: RoutesSpec | None = None  # checks generated per environment (smoke.loading.routes)
    notes: tuple[str, ...] = ()  # what generating the routes had to say (catch-alls, ...)


# --------------------------------------------------------------------- environments


@dataclass(frozen=True, slots=True)
class LayerSpec:
    """A layer for the local runtime: a directory or a .zip."""

    name: str
    path: str


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """How an environment finds one logical function.

    Exactly one way is set: ``name`` (name or ARN); ``stack`` + ``resource``;
    ``prefix`` (+ ``tags``); or, for local environments, ``resource`` in the
    template or an explicit ``handler`` + ``code``.
    """

    logical: str
    name: str | None = None
    stack: str | None = None
    resource: str | None = None
    prefix: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    qualifier: str | None = None
    api: str | None = None  # the API Gateway API (id or name) in front of it: `routes: {from: api}`
    # local runtime (explicit definition, or filled from a template)
    handler: str | None = None
    code: str | None = None
    runtime: str | None = None
    layers: tuple[LayerSpec, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    timeout_s: float | None = None
    memory_mb: int | None = None
    location: Location = Location("<unknown>")


@dataclass(frozen=True, slots=True)
class LogRule:
    """A log-scan rule: a line matching ``pattern`` (a regex) is a finding."""

    name: str
    pattern: str
    filter_term: str = ""  # a CloudWatch filter-pattern term that selects candidate lines


@dataclass(frozen=True, slots=True)
class Environment:
    """One entry of smoke.yaml's ``environments:``: where and how checks run."""

    name: str
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    protected: bool = False
    via: str = "invoke"  # invoke | http
    base_url: str | None = None
    template: str | None = None  # local: SAM/CloudFormation template path
    template_location: Location | None = None  # smoke.yaml's `template:` key
    functions: Mapping[str, FunctionSpec] = field(default_factory=dict)
    log_rules: tuple[LogRule, ...] = ()
    secrets: tuple[str, ...] = ()  # literal values that must never be shown
    location: Location = Location("<unknown>")
    log_scan: bool | None = None  # None: on for via invoke, off for via http
    python: Mapping[str, str] = field(default_factory=dict)  # local: "3.12" -> interpreter
    # local runtime: template parameters (and values for !Ref/!GetAtt/!ImportValue names),
    # layer ARN (or pattern) -> local directory/.zip/requirements file (absolute),
    # credentials for the functions ("environment": the profile or default chain; "none")
    parameters: Mapping[str, Any] = field(default_factory=dict)
    layers: Mapping[str, str] = field(default_factory=dict)
    credentials: str = "environment"
    samconfig_env: str | None = None
    local_concurrency: int | None = None  # local: sandboxes per function (None: the run's)
    # events built for direct invocation: the API's stage, the Host the gateway saw
    # (`domain`, else base_url's host), ALB target groups in multi-value headers mode
    stage: str | None = None
    domain: str | None = None
    alb_multi_value: bool = False

    @property
    def scans_logs(self) -> bool:
        """Whether runs read the functions' logs after the checks (``--no-log-scan`` aside)."""
        return self.log_scan if self.log_scan is not None else self.via != "http"

    @property
    def is_local(self) -> bool:
        return self.template is not None or any(
            f.handler is not None for f in self.functions.values()
        )


@dataclass(frozen=True, slots=True)
class Config:
    """smoke.yaml: its environments, and the ``${VAR}`` values read (secrets)."""

    path: str
    environments: Mapping[str, Environment]
    secrets: frozenset[str] = frozenset()  # every value read through ${VAR}
    unset_vars: tuple[str, ...] = ()  # ${VAR}s left unset (loaded with require_env=False)


# ---------------------------------------------------------------------- discovery


@dataclass(frozen=True, slots=True)
class FunctionRef:
    """A physical function found by discovery."""

    logical: str
    name: str  # physical name
    arn: str | None = None
    qualifier: str | None = None
    runtime: str | None = None
    last_modified: str | None = None
    log_group: str | None = None
    timeout_s: float | None = None
    memory_mb: int | None = None


# ----------------------------------------------------------------------- exchanges


@dataclass(frozen=True, slots=True)
class Response:
    """An HTTP-shaped answer, decoded from a proxy response or received over HTTP."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    multi_headers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class LambdaMetrics:
    """Numbers from a REPORT / platform.report line."""

    duration_ms: float | None = None
    billed_duration_ms: float | None = None
    memory_size_mb: int | None = None
    max_memory_used_mb: int | None = None
    init_duration_ms: float | None = None  # set: a cold start


@dataclass(frozen=True, slots=True)
class Exchange:
    """What executing one check sent and got back. Built only by transports."""

    check_id: str
    transport: str  # "http" | "invoke"
    target: str  # URL or physical function name (+ qualifier)
    request_summary: Mapping[str, Any]  # method, path/url, headers (unredacted here)
    started_at: float  # epoch seconds
    latency_ms: float
    response: Response | None = None  # HTTP-shaped answer (proxy events, http)
    payload: Any = None  # decoded raw invoke payload (raw events, function errors)
    function_error: str | None = None  # X-Amz-Function-Error value ("Unhandled")
    error_type: str | None = None  # errorType of the function error
    error_message: str | None = None
    log_tail: str = ""  # decoded X-Amz-Log-Result
    executed_version: str | None = None
    request_id: str | None = None
    metrics: LambdaMetrics | None = None
    retries: int = 0
    notes: tuple[str, ...] = ()  # e.g. "malformed proxy response: treated as 502"


class Outcome(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"  # ran, and an expectation failed
    ERROR = "error"  # could not be executed (transport/harness problem): never a pass
    REFUSED = "refused"  # the mutation guard refused it
    NOT_RUN = "not_run"  # the run was interrupted or hit its deadline first


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed expectation of a check (data, never raised)."""

    kind: str  # status | header | json_schema | body_contains | max_ms | max_init_ms | function_error | log | error
    message: str
    expected: str | None = None
    actual: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A log line that matched a log-scan rule."""

    function: str  # logical name
    log_group: str
    rule: str
    line: str
    timestamp_ms: int | None = None
    log_stream: str | None = None
    request_id: str | None = None
    check_id: str | None = None  # attached by request id when known


@dataclass(frozen=True, slots=True)
class CheckResult:
    """A check, what executing it sent and got back, and the verdict."""

    check: Check
    outcome: Outcome
    exchange: Exchange | None = None
    failures: tuple[Failure, ...] = ()
    findings: tuple[Finding, ...] = ()
    error: str | None = None  # why it could not run / was refused
    # the check could not run because AWS refused or failed the call (AccessDenied,
    # ServiceException, retries exhausted): the harness's problem, not the function's
    not_executed_by_aws: bool = False


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The log scan of one run: findings, or why it could not run."""

    findings: tuple[Finding, ...] = ()
    scanned_groups: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()  # a scan that did not happen is never a clean scan
    skipped: bool = False  # --no-log-scan
    api_calls: int = 0
    notes: tuple[str, ...] = ()  # e.g. invocations whose REPORT line never arrived
    # request id of this run's invocations -> the log stream their lines are in (console links)
    request_streams: Mapping[str, str] = field(default_factory=dict)


_code.close()  # dataclasses gets its own exec back; the cache file is written if new
del _code
