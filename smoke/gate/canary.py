"""The canary window of the gate: part of the alias's traffic on the candidate, the suites
re-run through the alias, and the candidate's own log streams scanned, until the window
ends or something fails on the candidate (then every alias goes back as it was)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from smoke.errors import SmokeError
from smoke.gate.model import Target
from smoke.model import ScanResult
from smoke.runner import RunOutcome

if TYPE_CHECKING:
    from smoke.gate.flow import Gate


def run_canary(gate: Gate, targets: list[Target]) -> int:
    """The canary window; 0 when it passed, 1 when it rolled back."""
    from smoke.gate.flow import Interrupted, first_problem
    from smoke.logscan.cloudwatch import CloudWatchSource

    assert gate.keeper is not None and gate.env is not None
    opts = gate.options
    weight = float(opts.canary_percent or 0) / 100.0
    started = time.time()
    for t in targets:
        gate.keeper.point(t, t.current, {str(t.candidate): weight})
    end = started + opts.canary_s
    candidates = {str(t.candidate) for t in targets}
    round_no = 0
    while True:
        gate._check_stop()
        round_no += 1
        phase = gate._phase(f"canary-{round_no}",
                            f"{opts.canary_percent:g}% of the alias's traffic on the "
                            "candidate; the suites through the alias", {}, log_scan=False)
        gate._check_stop()
        scan = canary_scan(gate, phase, targets, started, CloudWatchSource(gate.env))
        gate.record.phases[-1].extra_scan = scan
        if scan is not None:
            gate.out.write(gate.redactor.final(
                f"canary log scan of the candidate's streams: {len(scan.findings)} finding(s)"
                + (f"; could not run: {'; '.join(scan.errors)}" if scan.errors else "")) + "\n")
        failed = {t.logical: first_problem(phase.results, scan, t.logical, candidates)
                  for t in targets}
        if scan is not None and scan.errors and not any(failed.values()):
            failed = {t.logical: "the canary's log scan could not run: "
                      + "; ".join(scan.errors) for t in targets}
        if any(failed.values()):
            gate._roll_back(targets, failed, f"canary-{round_no}")
            return 1
        left = end - time.time()
        if left <= 0:
            return 0
        if gate.stop.wait(min(opts.canary_interval_s, left)):
            raise Interrupted()


def canary_scan(gate: Gate, phase: RunOutcome, targets: list[Target], since: float,
                source: Any) -> ScanResult | None:
    """The candidates' own log streams since the canary began: the checks' invocations
    that ran there, and whatever real traffic the weights sent there."""
    from smoke.logscan.rules import DEFAULT_RULES
    from smoke.logscan.scan import scan_logs
    from smoke.runner import clock_skew_ms, request_ids_of

    assert gate.env is not None
    if not gate.options.log_scan or not gate.env.scans_logs:
        return None
    refs = [replace(phase.functions[t.logical], qualifier=str(t.candidate))
            for t in targets if t.logical in phase.functions]
    candidates = {str(t.candidate) for t in targets}
    on_candidate = [r for r in phase.results
                    if r.exchange is not None and r.exchange.executed_version in candidates]
    ids = request_ids_of(on_candidate)
    try:
        return scan_logs(refs, source, start_ms=int(since * 1000), end_ms=None,
                         clock_skew_ms=clock_skew_ms(gate.env),
                         rules=(*DEFAULT_RULES, *gate.env.log_rules), request_ids=ids,
                         wait_s=gate.options.log_wait_s if ids else 0)
    except SmokeError as exc:
        return ScanResult(errors=(str(exc),))
