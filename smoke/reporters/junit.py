"""The JUnit XML report (``reports/smoke-ENV.xml``) for GitHub Actions, GitLab and Jenkins.

One ``<testsuite>`` per suite file, one ``<testcase>`` per check; FAILED is a
``<failure>``, ERROR and REFUSED an ``<error>``, NOT_RUN ``<skipped>``. The log
scan is a separate ``log-scan`` testsuite with one testcase per function and one
``<failure>`` per finding (``smoke scan``'s report is that testsuite alone).
"""

from __future__ import annotations

import datetime as dt
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

from smoke.model import CheckResult, Exchange, Finding, Outcome, ScanResult
from smoke.reporters import FileReporter, failure_lines, write_report

LOG_SCAN_SUITE = "log-scan"
INDENT = "  "
# what XML 1.0 cannot carry, spelled as the small set it is (fast to compile)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def failure_text(result: CheckResult) -> str:
    lines = failure_lines(result.failures, indent="")
    ex = result.exchange
    if ex is not None:
        if ex.response is not None:
            lines.append(f"status: {ex.response.status}  latency: {ex.latency_ms:.0f} ms")
        if ex.error_type or ex.error_message:
            lines.append(f"function error: {ex.error_type or ''}: {ex.error_message or ''}")
        if ex.log_tail:
            lines.append("log tail:")
            lines.append(ex.log_tail.rstrip("\n"))
    for finding in result.findings:
        lines.append(f"log finding [{finding.rule}]: {finding.line}")
    return "\n".join(lines)


def exchange_properties(ex: Exchange) -> list[tuple[str, str]]:
    """What the invocation reported (REPORT metrics, version, retries), as testcase properties."""
    props: list[tuple[str, str]] = []
    if ex.request_id:
        props.append(("lambda.request_id", ex.request_id))
    if ex.executed_version:
        props.append(("lambda.executed_version", ex.executed_version))
    m = ex.metrics
    if m is not None:
        for name, value in (
            ("lambda.duration_ms", m.duration_ms),
            ("lambda.billed_duration_ms", m.billed_duration_ms),
            ("lambda.init_duration_ms", m.init_duration_ms),  # set: a cold start
            ("lambda.memory_size_mb", m.memory_size_mb),
            ("lambda.max_memory_used_mb", m.max_memory_used_mb),
        ):
            if value is not None:
                props.append((name, f"{value:g}"))
    if ex.retries:
        props.append(("smoke.retries", str(ex.retries)))
    return props


def _counts(cases: list[ET.Element]) -> dict[str, str]:
    def n(tag: str) -> str:
        return str(sum(1 for c in cases if c.find(tag) is not None))

    total = sum(float(c.get("time", "0")) for c in cases)
    return {
        "tests": str(len(cases)),
        "failures": n("failure"),
        "errors": n("error"),
        "skipped": n("skipped"),
        "time": f"{total:.3f}",
    }


class JUnitReporter(FileReporter):
    def t(self, text: str) -> str:
        """Redacted, and without characters XML 1.0 cannot carry (a file name that is not
        UTF-8 reads as undecodable bytes: surrogates, which become ``?``)."""
        return _NOT_XML.sub("?", self.redactor.text(text))

    def testcase(self, result: CheckResult) -> ET.Element:
        check = result.check
        ex = result.exchange
        case = ET.Element("testcase", {
            "classname": self.t(check.suite),
            "name": self.t(check.name),
            "file": self.t(check.location.file),
            "line": str(check.location.line),
            "time": f"{(ex.latency_ms / 1000.0) if ex else 0.0:.3f}",
        })
        properties = exchange_properties(ex) if ex else []
        local = self._local.get(check.function) if self._local is not None else None
        if local is None:
            local = self.local_runtime(check.function)
        if local.get("python"):
            properties.append(("local_python", f"{local['python']} ({local.get('interpreter')})"))
        if properties:
            props = ET.SubElement(case, "properties")
            for name, value in properties:
                ET.SubElement(props, "property", {"name": name, "value": self.t(value)})
        if result.outcome is Outcome.FAILED:
            first = result.failures[0] if result.failures else None
            el = ET.SubElement(case, "failure", {
                "message": self.t(first.message if first else "failed"),
                "type": first.kind if first else "failure",
            })
            el.text = self.t(failure_text(result))
        elif result.outcome in (Outcome.ERROR, Outcome.REFUSED, Outcome.NOT_RUN):
            # a check that did not run is never a pass, nor a quiet "skipped" in CI's tab
            el = ET.SubElement(case, "error", {
                "message": self.t(result.error or result.outcome.value),
                "type": result.outcome.value,
            })
            el.text = self.t("\n".join(x for x in (result.error or "", failure_text(result)) if x))
        if local.get("warnings"):  # e.g. no python3.X found: it ran on smoke's own Python
            err = ET.SubElement(case, "system-err")
            err.text = self.t("\n".join(f"local runtime warning: {w}" for w in local["warnings"]))
        return case

    _local: dict[str, dict[str, Any]] | None = None  # while suites are made: per function

    def local_runtime(self, function: str) -> dict[str, Any]:
        started = self.run.started
        info = dict(started.meta.get("local_runtime") or {}) if started else {}
        found = info.get(function)
        return found if isinstance(found, dict) else {}

    def scan_cases(self, scan: ScanResult) -> list[ET.Element]:
        by_function: dict[str, list[Finding]] = {}
        functions = dict(self.run.started.functions) if self.run.started else {}
        for name in functions:
            by_function[name] = []
        for finding in scan.findings:
            by_function.setdefault(finding.function, []).append(finding)
        cases: list[ET.Element] = []
        for name, findings in by_function.items():
            case = ET.Element("testcase", {"classname": LOG_SCAN_SUITE, "name": name, "time": "0.000"})
            for f in findings:  # one failure per finding: each is its own error in the logs
                first = f.line.strip().partition("\n")[0]
                el = ET.SubElement(case, "failure", {
                    "message": self.t(f"[{f.rule}] {first}"[:300]), "type": f.rule,
                })
                where = " ".join(x for x in (f.log_group, f.log_stream, f.check_id) if x)
                el.text = self.t(f"{where}\n{f.line}")
            if not findings and scan.errors:
                el = ET.SubElement(case, "error", {"message": "the log scan could not run", "type": "log-scan"})
                el.text = self.t("\n".join(scan.errors))
            cases.append(case)
        if not cases and scan.errors:
            case = ET.Element("testcase", {"classname": LOG_SCAN_SUITE, "name": "log scan", "time": "0.000"})
            el = ET.SubElement(case, "error", {"message": "the log scan could not run", "type": "log-scan"})
            el.text = self.t("\n".join(scan.errors))
            cases.append(case)
        return cases

    def suites(self) -> list[ET.Element]:
        """One ``<testsuite>`` per suite file, and the log scan's (the gate reuses them)."""
        return list(self._suites())

    def _suites(self) -> Iterator[ET.Element]:
        started, scan = self.run.started, self.run.scan
        if started is None:
            return
        results = self.run.results()
        stamp = dt.datetime.fromtimestamp(started.started_at, tz=dt.timezone.utc).isoformat(timespec="seconds")
        groups: dict[str, list[CheckResult]] = {}
        for result in results:
            groups.setdefault(result.check.suite, []).append(result)
        functions = {r.check.function for r in results}
        self._local = {f: self.local_runtime(f) for f in functions}
        try:
            for suite, members in groups.items():
                cases = [self.testcase(m) for m in members]
                el = ET.Element("testsuite", {"name": suite, **_counts(cases), "timestamp": stamp,
                                              "file": self.t(members[0].check.location.file)})
                el.extend(cases)
                yield el
        finally:
            self._local = None
        if scan is not None and not scan.skipped:
            cases = self.scan_cases(scan)
            el = ET.Element("testsuite", {"name": LOG_SCAN_SUITE, **_counts(cases), "timestamp": stamp})
            el.extend(cases)
            yield el

    def render(self) -> str | None:
        if self.run.started is None:
            return None
        return "".join(self.chunks())

    def chunks(self) -> Iterator[str]:
        """The report's text: the XML declaration and the ``<testsuites>`` element, then
        each ``<testsuite>`` in turn, indented as ``ET.indent`` indents the whole tree.

        Each suite's tree is made, written to text and dropped before the next: the
        text of every suite is held (the root's counts come first), never a tree of
        10,000 testcases."""
        started = self.run.started
        if started is None:
            return
        command = str(started.meta.get("command", "run"))
        name = f"smoke {started.environment}" if command == "run" else f"smoke {command} {started.environment}"
        texts: list[str] = []
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for el in self._suites():
            for key in counts:
                counts[key] += int(el.get(key, "0"))
            ET.indent(el, space=INDENT, level=1)
            texts.append(ET.tostring(el, encoding="unicode"))
        root = ET.Element("testsuites", {"name": name, **{k: str(v) for k, v in counts.items()},
                                         "time": f"{time.time() - started.started_at:.3f}"})
        yield '<?xml version="1.0" encoding="utf-8"?>\n'
        if not texts:
            yield ET.tostring(root, encoding="unicode") + "\n"
            return
        inner = "\n" + INDENT
        root.text = inner
        open_tag = ET.tostring(root, encoding="unicode").removesuffix(inner + "</testsuites>")
        yield open_tag + inner
        last = len(texts) - 1
        for i in range(len(texts)):
            text, texts[i] = texts[i], ""
            yield text + (inner if i < last else "\n")
        yield "</testsuites>\n"

    def shutdown(self) -> None:
        if self.run.started is not None:  # each suite through the last line of defence
            write_report(self.path, self.chunks(), self.redactor)
