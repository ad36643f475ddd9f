"""The HTML report (``reports/smoke-ENV.html``): one self-contained page a person opens.

The reporter builds a plain data structure (``report_data``: dicts, lists, strings and
numbers, every string already redacted) and renders ``report.html.j2`` beside this module
with Jinja2, autoescaping on: no markup is assembled in Python. The page has no external
script, style or font, so it opens from a CI artifact or an email; the only outside links
are the CloudWatch console's, for real AWS runs.

Large runs stay usable: problems come first and open, passing checks are collapsed and
carry only what they need, and the page is rendered in one pass over the results and
written as it is rendered: the passing checks' rows and the timeline's bars are made one at
a time (``passed`` and ``timeline.bars`` are iterators), so 10,000 of them are never all
held, nor the whole page.

The data structure's ``decision`` slot is ``None`` or ``{"kind", "verdict", "tone",
"reasons"}``: what ``smoke scan`` or ``smoke gate`` decided (``run_events.DecisionMade``).
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from smoke.model import CheckResult, Exchange, Finding, FunctionRef, Outcome, ScanResult
from smoke.redact import Redactor
from smoke.reporters import (
    LABELS,
    FileReporter,
    cold_starts,
    log_lines_that_matter,
    totals,
    write_report,
)
from smoke.reporters.cloudwatch_links import log_events_url, log_group_url, region_of_arn
from smoke.reporters.timeline import Span, timeline
from smoke.verdicts import body_text, is_binary

TEMPLATE = "report.html.j2"
EXCERPT_CHARS = 2000  # problems: the response excerpt
PIECE_CHARS = 1 << 16  # the page is written (and redacted) in pieces of whole lines
PASSED_EXCERPT_CHARS = 160  # passing checks: enough to see what came back
TONES = {
    Outcome.PASSED: "ok",
    Outcome.FAILED: "bad",
    Outcome.ERROR: "bad",
    Outcome.REFUSED: "warn",
    Outcome.NOT_RUN: "warn",
}
_ORDER = {Outcome.FAILED: 0, Outcome.ERROR: 1, Outcome.REFUSED: 2, Outcome.NOT_RUN: 3,
          Outcome.PASSED: 4}
_ANCHOR = re.compile(r"[^A-Za-z0-9_-]+")


@functools.cache
def _template() -> Any:
    import jinja2

    class Environment(jinja2.Environment):
        """``row.key`` reads the dict's key first: the template's data is plain dicts,
        and Jinja2's own order (the attribute, then the key) raises and catches an
        AttributeError on each of a 10,000-check page's ~300,000 reads."""

        def getattr(self, obj: Any, attribute: str) -> Any:
            if type(obj) is dict:
                try:
                    return obj[attribute]
                except KeyError:
                    pass
            return super().getattr(obj, attribute)

    env = Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent),
        bytecode_cache=_bytecode_cache(jinja2),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template(TEMPLATE)


def _bytecode_cache(jinja2: Any) -> Any:
    """Jinja2's own cache of compiled templates, in smoke's cache directory: compiling
    the report's template costs ~40-70 ms at every run, loading it ~1 ms. Jinja2 keys
    an entry by the template's name and source checksum, and its bytecode format by its
    bytecode version and Python's version; the directory is named by this file (which
    sets the environment's options) and Jinja2's own version (whose compiler writes the
    code: an upgrade compiles afresh). No cache directory: no cache (compiled each time);
    an entry that cannot be read or written: compiled, as without one (never a failed
    report)."""
    import contextlib
    import os
    import stat

    from smoke.errors import SmokeError
    from smoke.userdirs import cache_root

    class Quiet(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket: Any) -> None:
            try:  # a regular file only: opening a FIFO planted there blocks for ever
                if not stat.S_ISREG(os.stat(self._get_cache_filename(bucket)).st_mode):
                    return
                super().load_bytecode(bucket)
            except Exception:  # missing, unreadable or corrupt: compiled
                bucket.reset()

        def dump_bytecode(self, bucket: Any) -> None:
            with contextlib.suppress(Exception):  # read-only, full, gone
                super().dump_bytecode(bucket)

    try:
        # Jinja2's key is the template's name and source; the environment's options
        # (trim_blocks, autoescape...) shape the code too: they live in this file
        import hashlib

        version = str(getattr(jinja2, "__version__", "")).encode()
        options = hashlib.sha256(Path(__file__).read_bytes() + b"\0" + version).hexdigest()[:16]
        directory = cache_root() / "jinja2" / options
        directory.mkdir(parents=True, exist_ok=True)
    except (OSError, SmokeError):
        return None
    return Quiet(str(directory))


def render(data: Mapping[str, Any]) -> str:
    """The page for ``data`` (as built by ``report_data``)."""
    return "".join(pieces(data))


def pieces(data: Mapping[str, Any]) -> Iterator[str]:
    """The page for ``data``, as Jinja2 renders it, in pieces of whole lines (about
    ``PIECE_CHARS`` each): what ``write_report`` redacts and writes one at a time."""
    return _whole_lines(_template().generate(data))


def _whole_lines(parts: Iterable[str]) -> Iterator[str]:
    buffer: list[str] = []
    add = buffer.append
    size = 0
    for part in parts:
        add(part)
        size += len(part)
        if size >= PIECE_CHARS:
            text = "".join(buffer)
            cut = text.rfind("\n") + 1
            buffer.clear()
            if cut:
                yield text[:cut]
                text = text[cut:]
            add(text)
            size = len(text) - (0 if cut else PIECE_CHARS)  # no line end yet: wait for more
    if buffer:
        yield "".join(buffer)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Builder:
    """Turns the run's records into the template's data; every string is redacted here."""

    def __init__(self, redactor: Redactor, functions: Mapping[str, FunctionRef],
                 region: str | None, scan: ScanResult | None) -> None:
        self.r = redactor
        self.functions = functions
        self.region = region
        self.streams: dict[str, str] = {}  # request id -> log stream (from the scan)
        for finding in scan.findings if scan else ():
            if finding.request_id and finding.log_stream:
                self.streams.setdefault(finding.request_id, finding.log_stream)
        self.streams.update(scan.request_streams if scan else {})
        from smoke.events.paths import sent_target

        self.sent_target = sent_target

    def t(self, text: Any) -> str:
        return self.r.text(str(text)) if text is not None else ""

    def anchor(self, check_id: str, index: int) -> str:
        return f"c{index}-{_ANCHOR.sub('-', check_id)[:60]}"

    def links(self, function: str, request_id: str | None, *,
              best: bool = False) -> list[dict[str, str]]:
        """Console links to the invocation's log lines; ``best``: only the first."""
        ref = self.functions.get(function)
        if self.region is None or ref is None or not ref.log_group or not request_id:
            return []
        stream = self.streams.get(request_id)
        links: list[dict[str, str]] = []
        if stream:
            links.append({"label": "log stream", "url": log_events_url(
                self.region, ref.log_group, stream, request_id)})
        if not (best and links):
            links.append({"label": "request id in the log group",
                          "url": log_events_url(self.region, ref.log_group, None, request_id)})
        return links

    def request(self, result: CheckResult) -> dict[str, Any]:
        check, ex = result.check, result.exchange
        req = check.request
        body = None
        if check.is_raw:
            body = json.dumps(check.payload, sort_keys=True, default=str, ensure_ascii=False)
        elif req.body is not None:
            kind = next((v for k, v in req.headers.items() if k.lower() == "content-type"), None)
            body = (f"<binary body: {len(req.body)} bytes>" if req.body_is_binary
                    or is_binary(req.body, kind) else req.body.decode("utf-8", "replace"))
        lines = ["raw invocation" if check.is_raw
                 else f"{req.method.upper()} {self.sent_target(req)}"]
        if ex is not None:
            lines.append(f"-> {ex.target}")
        lines += [f"{k}: {v}" for k, v in self.r.headers(req.headers).items()]
        if body:
            lines += ["", _cut(body, EXCERPT_CHARS)]
        return {"lines": [self.t(line) for line in lines]}

    def response(self, ex: Exchange, limit: int) -> dict[str, Any] | None:
        if ex.response is not None:
            text = body_text(ex.response)
            return {
                "status": ex.response.status,
                "content_type": self.t(ex.response.headers.get("content-type", "")),
                "excerpt": _cut(self.t(text), limit),  # redact, then cut
                "length": len(ex.response.body),
            }
        if ex.payload is not None:
            text = json.dumps(ex.payload, sort_keys=True, default=str, ensure_ascii=False)
            return {"status": None, "content_type": "payload", "length": len(text),
                    "excerpt": _cut(self.t(text), limit)}
        return None

    def finding(self, f: Finding) -> dict[str, Any]:
        url = None
        if self.region and f.log_group:
            url = (log_events_url(self.region, f.log_group, f.log_stream, f.request_id)
                   if f.log_stream else log_group_url(self.region, f.log_group))
        return {
            "function": f.function, "rule": f.rule, "log_group": f.log_group,
            "line": self.t(f.line.rstrip()), "check_id": self.t(f.check_id) if f.check_id else None,
            "request_id": f.request_id, "log_stream": f.log_stream, "url": url,
            "when": time.strftime("%H:%M:%S", time.gmtime(f.timestamp_ms / 1000))
            if f.timestamp_ms else "",
        }

    def passed(self, result: CheckResult, index: int) -> dict[str, Any]:
        """A passing check: what it sent and got back, in few words (10,000 stay light)."""
        check, ex = result.check, result.exchange
        metrics = ex.metrics if ex else None
        init = metrics.init_duration_ms if metrics else None
        response = self.response(ex, PASSED_EXCERPT_CHARS) if ex else None
        return {
            "id": self.t(check.id), "anchor": self.anchor(check.id, index), "tone": "ok",
            "location": str(check.location),
            "status": ex.response.status if ex and ex.response else None,
            "latency_ms": round(ex.latency_ms) if ex else None,
            "init_ms": round(init) if init is not None else None,
            "request_id": ex.request_id if ex else None,
            "links": self.links(check.function, ex.request_id if ex else None, best=True),
            "request": self.request(result),
            "response": response,
        }

    def check(self, result: CheckResult, index: int, problem: bool) -> dict[str, Any]:
        check, ex = result.check, result.exchange
        metrics = ex.metrics if ex else None
        entry: dict[str, Any] = {
            "id": self.t(check.id), "anchor": self.anchor(check.id, index),
            "suite": self.t(check.suite), "name": self.t(check.name),
            "function": check.function, "outcome": result.outcome.value,
            "label": LABELS[result.outcome], "tone": TONES[result.outcome],
            "location": str(check.location), "problem": problem,
            "status": ex.response.status if ex and ex.response else None,
            "latency_ms": round(ex.latency_ms) if ex else None,
            "init_ms": round(metrics.init_duration_ms) if metrics and
            metrics.init_duration_ms is not None else None,
            "duration_ms": metrics.duration_ms if metrics else None,
            "request_id": ex.request_id if ex else None,
            "version": ex.executed_version if ex else None,
            "retries": ex.retries if ex else 0,
            "error": self.t(result.error) if result.error else None,
            "failures": [{"kind": f.kind, "message": self.t(f.message),
                          "expected": self.t(f.expected) if f.expected is not None else None,
                          "actual": self.t(f.actual) if f.actual is not None else None}
                         for f in result.failures],
            "function_error": self.t(f"{ex.error_type or ex.function_error}: "
                                     f"{ex.error_message or ''}")
            if ex and ex.function_error
            and not any(f.kind == "function_error" for f in result.failures) else None,
            "notes": [self.t(n) for n in ex.notes] if ex else [],
            "request": self.request(result),
            "response": self.response(ex, EXCERPT_CHARS if problem else PASSED_EXCERPT_CHARS)
            if ex else None,
            "log_lines": [self.t(line) for line in log_lines_that_matter(ex.log_tail)]
            if problem and ex and ex.log_tail else [],
            "findings": [self.finding(f) for f in result.findings],
            "links": self.links(check.function, ex.request_id if ex else None),
        }
        return entry


def report_data(
    run: Any, redactor: Redactor, *, now: float | None = None
) -> dict[str, Any] | None:
    """The template's data for a ``RunRecord`` (None before the run started).

    ``passed`` (the passing checks' rows) and ``timeline.bars`` are iterators, made as
    the template reads them: the data renders once."""
    started, finished, scan = run.started, run.finished, run.scan
    if started is None:
        return None
    results: list[CheckResult] = run.results()
    meta = dict(started.meta)
    functions = dict(started.functions)
    region = _console_region(meta, functions)
    b = _Builder(redactor, functions, region, scan)
    order = sorted(range(len(results)), key=lambda i: _ORDER[results[i].outcome])
    problems: list[dict[str, Any]] = []
    passing: list[int] = []  # their rows are made as the page is written
    spans: list[Span] = []
    for i in order:
        result = results[i]
        problem = result.outcome is not Outcome.PASSED or bool(result.findings)
        if problem:
            entry = b.check(result, i, problem)
            problems.append(entry)
            check_id, anchor, tone = entry["id"], entry["anchor"], entry["tone"]
        else:
            passing.append(i)
            check_id, anchor, tone = b.t(result.check.id), b.anchor(result.check.id, i), "ok"
        ex = result.exchange
        if ex is not None:
            spans.append(Span(check_id, anchor, tone, ex.started_at, ex.latency_ms,
                              ex.metrics.init_duration_ms if ex.metrics else None,
                              linked=problem))
    end = finished.finished_at if finished else (now or time.time())
    t = totals(results, len(scan.findings) if scan else 0)
    colds = cold_starts(results)
    decision = run.decision
    return {
        "title": f"smoke {meta.get('command', 'run')} {started.environment}",
        "command": str(meta.get("command", "run")),
        "run": {
            "environment": started.environment,
            "started_at": _stamp(started.started_at), "finished_at": _stamp(end),
            "duration_s": round(end - started.started_at, 2),
            "transport": str(meta.get("transport", "")),
            "config": str(meta.get("config", "")),
            "smoke_version": str(meta.get("smoke_version", "")),
            "exit_code": finished.exit_code if finished else None,
            "interrupted": finished.interrupted if finished else "ended early",
            "window": str(meta.get("window", "")),
        },
        "totals": t,
        "verdict": _verdict(finished.exit_code if finished else None, t, scan),
        "decision": None if decision is None else {
            "kind": decision.kind, "verdict": b.t(decision.verdict), "tone": decision.tone,
            "reasons": [b.t(r) for r in decision.reasons],
        },
        "functions": [
            {"logical": name, "name": ref.name, "qualifier": ref.qualifier or "$LATEST",
             "runtime": ref.runtime or "", "log_group": ref.log_group or "",
             "cold_starts": len(colds.get(name, ())),
             "init_ms": [round(v) for v in colds.get(name, ())],
             "init_text": _inits(colds.get(name, [])),
             "url": log_group_url(region, ref.log_group) if region and ref.log_group else None}
            for name, ref in functions.items()
        ],
        "problems": problems,
        "passed": (b.passed(results[i], i) for i in passing),  # made as they are rendered
        "passed_count": len(passing),
        "findings": [b.finding(f) for f in scan.findings] if scan else [],
        "scan": None if scan is None else {
            "skipped": scan.skipped, "groups": list(scan.scanned_groups),
            "errors": [b.t(e) for e in scan.errors], "notes": [b.t(n) for n in scan.notes],
            "api_calls": scan.api_calls,
        },
        "timeline": timeline(spans),
    }


def _inits(values: list[float]) -> str:
    """Each Init Duration, or for many cold starts their spread."""
    if len(values) <= 8:
        return ", ".join(f"{v:.0f} ms" for v in values)
    ordered = sorted(values)
    middle = ordered[len(ordered) // 2]
    return f"min {ordered[0]:.0f} ms, median {middle:.0f} ms, max {ordered[-1]:.0f} ms"


def _console_region(meta: Mapping[str, Any], functions: Mapping[str, FunctionRef]) -> str | None:
    """The region for console links: real AWS runs only (``meta["aws_console"]``)."""
    if not meta.get("aws_console"):
        return None
    region = meta.get("region")
    if region:
        return str(region)
    return next((r for f in functions.values() if (r := region_of_arn(f.arn))), None)


def _stamp(epoch_s: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch_s))


def _verdict(exit_code: int | None, t: Mapping[str, int], scan: ScanResult | None) -> dict[str, str]:
    if exit_code is None:
        return {"label": "ENDED EARLY", "tone": "warn"}
    if exit_code == 0:
        return {"label": "HEALTHY", "tone": "ok"}
    if exit_code in (130, 143):
        return {"label": "INTERRUPTED", "tone": "warn"}
    if exit_code == 2:
        return {"label": "REFUSED" if t["refused"] else "INVALID", "tone": "warn"}
    if exit_code == 3 or (scan is not None and scan.errors):
        return {"label": "COULD NOT CHECK", "tone": "bad"}
    return {"label": "UNHEALTHY", "tone": "bad"}


class HtmlReporter(FileReporter):
    def render(self) -> str | None:
        data = report_data(self.run, self.redactor)
        return None if data is None else render(data)

    def shutdown(self) -> None:
        from smoke.gcpolicy import paused_gc

        with paused_gc():  # as write_report: no collection walks the run's objects again
            data = report_data(self.run, self.redactor)
            if data is not None:  # written as rendered, each piece through the last line of defence
                write_report(self.path, pieces(data), self.redactor)

