"""The log scan: after the checks, read each log group once and match every line.

One scan per distinct log group over [start - clock skew, end]. CloudWatch
ingestion lags, so when the run's request ids are known the scan polls until each
has its REPORT line (or ``wait_s`` runs out), re-reading only a recent stretch and
dropping events already seen. Findings belong to the function and, through the
request id in the line or the START..REPORT block around it, to the check.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from smoke.errors import HarnessError, LogGroupMissing
from smoke.logscan import LogEvent, LogSource
from smoke.logscan.budget import ScanBudget, ScanInterrupted, ScanOverdue, installed
from smoke.logscan.rules import DEFAULT_RULES, filter_pattern, match_line
from smoke.logtail import classify
from smoke.model import Environment, Finding, FunctionRef, LogRule, ScanResult

REWIND_MS = 60_000  # later polls re-read this much before the newest stretch already read
MARKER_TERMS = ("RequestId", "platform.start", "platform.report", "INIT_START")


@dataclass
class _Group:
    name: str
    function: str  # logical name the findings go to
    stream_tags: set[str] | None = field(default_factory=set)  # "[3]", "[$LATEST]"; None: all


def _stream_tag(ref: FunctionRef) -> str | None:
    if ref.qualifier is None:
        return "[$LATEST]"
    if ref.qualifier.isdigit():
        return f"[{ref.qualifier}]"
    return None  # an alias: any version may have run


def _groups(functions: Sequence[FunctionRef], all_streams: bool = False) -> list[_Group]:
    groups: dict[str, _Group] = {}
    for ref in functions:
        name = ref.log_group or f"/aws/lambda/{ref.name}"
        group = groups.setdefault(name, _Group(name, ref.logical))
        tag = None if all_streams else _stream_tag(ref)
        if tag is None or group.stream_tags is None:
            group.stream_tags = None
        else:
            group.stream_tags.add(tag)
    return list(groups.values())


class _Attributor:
    """Follows START..REPORT blocks per stream to give each line its request id."""

    def __init__(self) -> None:
        self.current: dict[str | None, str | None] = {}
        self.orphans: dict[str | None, list[int]] = {}  # init-phase findings waiting for START
        self.reports: set[str] = set()
        self.streams: dict[str, str] = {}  # request id -> the log stream its lines are in

    def request_id(
        self, event: LogEvent, index: int, is_finding: bool
    ) -> tuple[str | None, str | None]:
        """(request id of this line, request id to give earlier init-phase findings)."""
        info = classify(event.message)
        stream = event.log_stream
        backfill = None
        if info.kind == "init_start":
            self.current[stream] = None
            self.orphans[stream] = []
        elif info.kind == "start":
            self.current[stream] = info.request_id
            backfill = info.request_id
        if info.kind in ("start", "report") and info.request_id and stream:
            self.streams[info.request_id] = stream
        rid = info.request_id or self.current.get(stream)
        if info.kind == "report":
            if info.request_id:
                self.reports.add(info.request_id)
            self.current[stream] = None
        if is_finding and rid is None and stream in self.orphans:
            self.orphans[stream].append(index)
        return rid, backfill


def _scan_group(
    group: _Group,
    events: list[LogEvent],
    rules: Sequence[LogRule],
    request_ids: Mapping[str, str],
    attributor: _Attributor,
) -> list[Finding]:
    by_stream: dict[str | None, list[LogEvent]] = {}
    for event in events:
        by_stream.setdefault(event.log_stream, []).append(event)
    findings: list[Finding] = []
    for stream_events in by_stream.values():
        for event in sorted(stream_events, key=lambda e: e.timestamp_ms):
            rule = match_line(event.message, rules)
            rid, backfill = attributor.request_id(event, len(findings), rule is not None)
            if backfill:
                for i in attributor.orphans.pop(event.log_stream, []):
                    findings[i] = replace(
                        findings[i], request_id=backfill, check_id=request_ids.get(backfill)
                    )
            if rule is not None:
                findings.append(
                    Finding(
                        function=group.function,
                        log_group=group.name,
                        rule=rule.name,
                        line=event.message.rstrip("\n"),
                        timestamp_ms=event.timestamp_ms,
                        log_stream=event.log_stream,
                        request_id=rid,
                        check_id=request_ids.get(rid) if rid else None,
                    )
                )
    return findings


def collapse(findings: Sequence[Finding]) -> list[Finding]:
    """One finding per invocation and rule: the first line that said it.

    A failed init logs the same error three times (``[ERROR] Runtime.ImportModuleError``,
    ``INIT_REPORT ... Status: error``, ``REPORT ... Status: error``); an invocation's
    request id ties them together. Lines with no request id are all kept.
    """
    seen: set[tuple[str, str, str]] = set()
    kept: list[Finding] = []
    for finding in findings:
        if finding.request_id is not None:
            key = (finding.log_group, finding.request_id, finding.rule)
            if key in seen:
                continue
            seen.add(key)
        kept.append(finding)
    return kept


def _saw_the_run(events: Sequence[LogEvent]) -> bool:
    """Whether a group's lines include an invocation's START or REPORT (any request)."""
    return any(classify(e.message).kind in ("start", "report") for e in events)


def _wanted_stream(event: LogEvent, tags: set[str] | None) -> bool:
    if not tags or event.log_stream is None:
        return True
    return any(tag in event.log_stream for tag in tags)


def scan_logs(
    functions: Sequence[FunctionRef],
    source: LogSource,
    *,
    start_ms: int,
    end_ms: int | None,
    rules: Sequence[LogRule],
    request_ids: Mapping[str, str],
    wait_s: float,
    clock_skew_ms: int = 5000,
    poll_interval_s: float = 2.0,
    all_streams: bool = False,
    missing_ok: bool = False,
    budget: ScanBudget | None = None,
    invoked: Collection[str] = (),
) -> ScanResult:
    """Scan the log groups of ``functions``; ``request_ids`` maps request id -> check id.

    Only the streams of the version that ran are read (``[$LATEST]`` without a qualifier,
    ``[7]`` for version 7, every stream for an alias), unless ``all_streams``: a scan on
    its own (``smoke scan``) cannot know which version served the traffic. With
    ``missing_ok`` a log group that does not exist is a note (the function never logged),
    not a scan that could not run. ``budget`` ends the scan at its deadline or when the run
    stops (a stop raises ``ScanInterrupted``); by default it follows ``wait_s``.
    ``invoked``: logical functions that ran without a request id to wait for (``via:
    http``, an answer without ``x-amzn-RequestId``): a group of theirs with no START or
    REPORT line in the window is a scan that saw nothing of the run (an error, exit 3).
    """
    budget = budget or ScanBudget.for_wait(wait_s)
    with installed(budget):
        return _scan_logs(functions, source, start_ms=start_ms, end_ms=end_ms, rules=rules,
                          request_ids=request_ids, wait_s=wait_s, clock_skew_ms=clock_skew_ms,
                          poll_interval_s=poll_interval_s, all_streams=all_streams,
                          missing_ok=missing_ok, budget=budget, invoked=set(invoked))


def _scan_logs(
    functions: Sequence[FunctionRef],
    source: LogSource,
    *,
    start_ms: int,
    end_ms: int | None,
    rules: Sequence[LogRule],
    request_ids: Mapping[str, str],
    wait_s: float,
    clock_skew_ms: int,
    poll_interval_s: float,
    all_streams: bool,
    missing_ok: bool,
    budget: ScanBudget,
    invoked: set[str],
) -> ScanResult:
    calls_before = source.api_calls
    groups = _groups(functions, all_streams)
    pattern = filter_pattern(rules, MARKER_TERMS if request_ids or invoked else ()) or None
    lo = start_ms - clock_skew_ms
    seen: dict[str, set[tuple[str | None, int, str]]] = {g.name: set() for g in groups}
    events: dict[str, list[LogEvent]] = {g.name: [] for g in groups}
    errors: dict[str, str] = {}
    absent: dict[str, str] = {}  # missing_ok: groups that do not exist (yet)
    deadline = time.monotonic() + max(0.0, wait_s)
    read_to: dict[str, int] = {}
    overdue = False
    while True:
        hi = end_ms + clock_skew_ms if end_ms is not None else int(time.time() * 1000)
        for group in groups:
            if group.name in errors or group.name in absent:
                continue
            frm = max(lo, read_to[group.name] - REWIND_MS) if group.name in read_to else lo
            try:
                # Streams are named ``YYYY/MM/DD/[version]id`` after the day their sandbox
                # started, which may be before the window: no server-side stream prefix;
                # the version is checked here, on every returned event.
                for event in source.events(group.name, frm, hi, pattern, None):
                    budget.check(f"{group.function} ({group.name})")
                    key = (event.log_stream, event.timestamp_ms, event.message)
                    if key in seen[group.name] or not _wanted_stream(event, group.stream_tags):
                        continue
                    seen[group.name].add(key)
                    events[group.name].append(event)
            except ScanInterrupted:
                raise
            except ScanOverdue as exc:
                errors[group.name] = exc.message
                overdue = True
            except LogGroupMissing as exc:
                if not missing_ok:
                    errors[group.name] = f"{group.function} ({group.name}): {exc.message}"
                else:
                    absent[group.name] = f"{group.function}: no log group {group.name} (never logged)"
            except HarnessError as exc:
                errors[group.name] = f"{group.function} ({group.name}): {exc.message}"
            read_to[group.name] = hi
        findings: list[Finding] = []
        reports: set[str] = set()
        streams: dict[str, str] = {}
        for group in groups:
            attributor = _Attributor()
            findings.extend(_scan_group(group, events[group.name], rules, request_ids, attributor))
            reports |= attributor.reports
            streams.update(attributor.streams)
        findings = collapse(findings)
        missing = set(request_ids) - reports
        blind = [g for g in groups if g.function in invoked and g.name not in errors
                 and g.name not in absent and not _saw_the_run(events[g.name])]
        if (not missing and not blind) or overdue or time.monotonic() + poll_interval_s > deadline:
            break
        if budget.wait(poll_interval_s):
            raise ScanInterrupted("the log scan was interrupted while waiting for the logs")
    notes: tuple[str, ...] = tuple(absent.values())
    wanted = set(request_ids)
    if wanted and missing == wanted and not errors:
        # not one line of this run's invocations arrived: the scan saw nothing of the run,
        # and a scan that did not happen is never a clean scan
        errors["*"] = (
            f"none of the {len(wanted)} invocation(s) of this run appeared in the logs within "
            f"{wait_s:g}s (no REPORT line): raise --log-wait, or check that the functions "
            "can write their logs (logs:CreateLogStream/PutLogEvents, LoggingConfig)"
        )
    for group in blind if not errors else ():
        errors[group.name] = (
            f"{group.function} ({group.name}): no line of this run's invocations in the logs "
            f"(no START or REPORT line in the window after waiting): the scan saw nothing "
            "of the run; raise --log-wait, or check that this is the function behind the "
            "checks and that it can write its logs"
        )
    if missing and "*" not in errors:
        notes += (
            f"{len(missing)} of {len(request_ids)} invocation(s) had no REPORT line in the logs "
            f"after waiting {wait_s:g}s: the logs may not be ingested yet, so errors of those "
            "invocations may be missing from this scan (raise --log-wait)",
        )
    return ScanResult(
        findings=tuple(findings),
        scanned_groups=tuple(g.name for g in groups if g.name not in errors and g.name not in absent),
        errors=tuple(errors.values()),
        api_calls=source.api_calls - calls_before,
        notes=notes,
        request_streams={rid: s for rid, s in streams.items() if rid in request_ids},
    )


def scan_environment(
    env: Environment,
    functions: Sequence[FunctionRef],
    *,
    since_s: float,
    rules: Sequence[LogRule] | None = None,
    source: LogSource | None = None,
) -> ScanResult:
    """``smoke scan ENV --since 30m``: the last ``since_s`` seconds, no waiting."""
    if source is None:
        from smoke.logscan.cloudwatch import CloudWatchSource

        source = CloudWatchSource(env)
    now_ms = int(time.time() * 1000)
    return scan_logs(
        functions,
        source,
        start_ms=now_ms - int(since_s * 1000),
        end_ms=None,
        rules=tuple(rules) if rules is not None else DEFAULT_RULES + env.log_rules,
        request_ids={},
        wait_s=0,
        clock_skew_ms=0,
        all_streams=True,
        missing_ok=True,
    )
