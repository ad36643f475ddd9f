"""The gate's reports: every phase's checks and every decision, in JSON, JUnit and console.

The JSON report is an ordinary report (``smoke schema report``): its ``checks`` are every
phase's checks (each with its ``phase``), ``log_scan`` merges the phases' scans, and
``gate`` holds the decisions (function, alias, from, to, decision, why) and the phases.
The JUnit report has one testsuite per phase and suite, and a ``gate`` testsuite with one
testcase per function (a failure when held, rolled back or restored).
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from smoke.gate.model import Decision
from smoke.model import CheckResult, FunctionRef, ScanResult
from smoke.redact import Redactor
from smoke.reporters import RunRecord, learn, totals, write_report
from smoke.run_events import RunEvent

GATE_SUITE = "gate"


class PhaseRecorder:
    """An event handler keeping one phase's events (a ``RunRecord``)."""

    def __init__(self, name: str, description: str, redactor: Redactor) -> None:
        self.name = name
        self.description = description
        self.redactor = redactor
        self.run = RunRecord()
        self.exit_code: int | None = None
        self.extra_scan: ScanResult | None = None  # the canary's scan of the candidate's streams

    def start(self) -> None:
        pass

    def handle_event(self, event: RunEvent) -> None:
        learn(self.redactor, event)
        self.run.record(event)

    def shutdown(self) -> None:
        pass

    def scans(self) -> list[ScanResult]:
        return [s for s in (self.run.scan, self.extra_scan) if s is not None]


@dataclass
class GateRecord:
    environment: str
    started_at: float
    config: str
    redactor: Redactor
    phases: list[PhaseRecorder] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # restorations, crashes
    exit_code: int | None = None
    interrupted: str | None = None
    dry_run: bool = False


def decision_entry(d: Decision) -> dict[str, Any]:
    return {
        "function": d.function, "name": d.name, "alias": d.alias, "from": d.from_version,
        "to": d.to_version, "decision": d.decision, "why": d.why, "phase": d.phase or None,
    }


def _merged_scan(scans: Sequence[ScanResult]) -> ScanResult | None:
    if not scans:
        return None
    return ScanResult(
        findings=tuple(f for s in scans for f in s.findings),
        scanned_groups=tuple(dict.fromkeys(g for s in scans for g in s.scanned_groups)),
        errors=tuple(e for s in scans for e in s.errors),
        skipped=all(s.skipped for s in scans),
        api_calls=sum(s.api_calls for s in scans),
        notes=tuple(n for s in scans for n in s.notes),
    )


def json_report(record: GateRecord) -> dict[str, Any]:
    from smoke.reporters.json_report import (
        SCHEMA_VERSION,
        check_entry,
        function_entry,
        iso,
        scan_entry,
    )
    from smoke.runner import smoke_version

    redactor = record.redactor
    checks: list[dict[str, Any]] = []
    functions: dict[str, Any] = {}
    results = []
    scans: list[ScanResult] = []
    transport = "invoke"
    for phase in record.phases:
        started = phase.run.started
        if started is None:
            continue
        transport = str(started.meta.get("transport", transport))
        for logical, ref in started.functions.items():
            functions.setdefault(logical, function_entry(ref))
        for result in phase.run.results():
            results.append(result)
            checks.append({**check_entry(result, redactor), "phase": phase.name})
        scans += phase.scans()
    scan = _merged_scan(scans)
    end = time.time()
    import platform

    return {
        "schema_version": SCHEMA_VERSION,
        "run": {
            "environment": record.environment,
            "started_at": iso(record.started_at),
            "finished_at": iso(end),
            "duration_s": round(end - record.started_at, 3),
            "smoke_version": smoke_version(),
            "python_version": platform.python_version(),
            "transport": transport,
            "config": record.config,
            "exit_code": record.exit_code,
            "interrupted": record.interrupted,
        },
        "functions": functions,
        "checks": checks,
        "log_scan": scan_entry(scan, redactor),
        "totals": totals(results, len(scan.findings) if scan else 0),
        "gate": {
            "dry_run": record.dry_run,
            "decisions": [decision_entry(d) for d in record.decisions],
            "phases": [
                {"name": p.name, "description": redactor.text(p.description),
                 "exit_code": p.exit_code,
                 "checks": len(p.run.results()) if p.run.started else 0}
                for p in record.phases
            ],
            "notes": [redactor.text(n) for n in record.notes],
        },
    }


def junit_report(record: GateRecord) -> str:
    from smoke.reporters.junit import JUnitReporter, _counts

    root = ET.Element("testsuites", {"name": f"smoke gate {record.environment}"})
    cases_all: list[ET.Element] = []
    for phase in record.phases:
        if phase.run.started is None:
            continue
        reporter = JUnitReporter(Path("unused"), record.redactor)
        reporter.run = phase.run
        for suite in reporter.suites():
            suite.set("name", f"{phase.name}: {suite.get('name')}")
            cases_all += list(suite.iter("testcase"))
            root.append(suite)
    cases = []
    for d in record.decisions:
        case = ET.Element("testcase", {
            "classname": GATE_SUITE,
            "name": f"{d.function} {d.alias} {d.from_version or '-'} -> {d.to_version or '-'}",
            "time": "0.000",
        })
        props = ET.SubElement(case, "properties")
        for name, value in (("gate.decision", d.decision), ("gate.phase", d.phase),
                            ("gate.function", d.name)):
            ET.SubElement(props, "property", {"name": name, "value": value})
        if d.failed:
            el = ET.SubElement(case, "failure", {"message": f"{d.decision}: {d.why}",
                                                 "type": d.decision})
            el.text = record.redactor.text(d.why)
        cases.append(case)
    for case in cases:
        for el in case.iter():
            for key, value in list(el.attrib.items()):
                el.set(key, record.redactor.text(value))
    gate = ET.SubElement(root, "testsuite", {"name": GATE_SUITE, **_counts(cases)})
    gate.extend(cases)
    root.attrib.update(_counts(cases_all + cases))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def html_report(record: GateRecord) -> str | None:
    """The HTML report (``reporters.html``) of every phase's checks, each named after its
    phase, with the gate's decisions on top."""
    from smoke.reporters.html import render, report_data
    from smoke.run_events import DecisionMade, RunFinished, RunStarted
    from smoke.runner import smoke_version

    results: list[CheckResult] = []
    functions: dict[str, FunctionRef] = {}
    meta: dict[str, Any] = {"command": "gate", "smoke_version": smoke_version(),
                            "config": record.config, "transport": "invoke"}
    for phase in record.phases:
        if phase.run.started is None:
            continue
        meta["transport"] = phase.run.started.meta.get("transport", "invoke")
        functions.update(phase.run.started.functions)
        for r in phase.run.results():
            results.append(replace(r, check=replace(r.check, suite=f"{phase.name}: {r.check.suite}")))
    scan = _merged_scan([s for p in record.phases for s in p.scans()])
    run = RunRecord()
    run.record(RunStarted(record.environment, tuple(r.check for r in results), record.started_at,
                          functions, meta))
    failed = [d for d in record.decisions if d.failed]
    verdict = ", ".join(dict.fromkeys(d.decision for d in record.decisions)) or "nothing to do"
    tone = "bad" if failed else ("warn" if record.exit_code not in (0, None) else "ok")
    reasons = tuple(decision_line(d) for d in record.decisions) + tuple(record.notes)
    run.record(DecisionMade("gate", verdict, tone, reasons))
    run.record(RunFinished(record.environment, tuple(results), scan, record.started_at,
                           time.time(), record.exit_code or 0, record.interrupted))
    data = report_data(run, record.redactor)
    return None if data is None else render(data)


def write_reports(record: GateRecord, json_path: Path | None, junit_path: Path | None,
                  html_path: Path | None = None) -> list[str]:
    """Write the reports; the problems (a report that could not be written), if any."""
    from smoke.reporters.paths import writing_set

    problems = []
    paths = [p for p in (json_path, junit_path, html_path) if p is not None]
    with writing_set(paths):
        problems = _write(record, json_path, junit_path, html_path)
    return problems


def _write(record: GateRecord, json_path: Path | None, junit_path: Path | None,
           html_path: Path | None) -> list[str]:
    problems = []
    for path, render in ((json_path, lambda: json.dumps(json_report(record), indent=2) + "\n"),
                         (junit_path, lambda: junit_report(record)),
                         (html_path, lambda: html_report(record) or "")):
        if path is None:
            continue
        try:
            write_report(path, render(), record.redactor)
        except OSError as exc:
            problems.append(f"could not write a report: {exc}")
    return problems


LABELS = {"held": "HELD", "promoted": "PROMOTED", "rolled back": "ROLLED BACK",
          "restored": "RESTORED", "unchanged": "UNCHANGED", "skipped": "SKIPPED",
          "planned": "PLAN"}


def decision_line(d: Decision) -> str:
    move = f"{d.from_version or '-'} -> {d.to_version or '-'}"
    return f"{LABELS.get(d.decision, d.decision.upper()):<12} {d.function} ({d.name}) alias {d.alias}: {move}  {d.why}"


def print_decisions(out: IO[str], record: GateRecord, paths: Mapping[str, Path | None]) -> None:
    lines = ["", f"Gate {record.environment}{' (dry run: nothing was changed)' if record.dry_run else ''}:"]
    lines += [f"  {decision_line(d)}" for d in record.decisions]
    lines += [f"  note: {n}" for n in record.notes]
    lines += [f"report: {p}" for p in paths.values() if p is not None]
    lines.append(f"gate exit code {record.exit_code}")
    for line in lines:
        out.write(record.redactor.final(line) + "\n")
    out.flush()
