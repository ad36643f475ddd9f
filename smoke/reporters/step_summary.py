"""A Markdown summary appended to ``$GITHUB_STEP_SUMMARY`` (GitHub Actions job page)."""

from __future__ import annotations

import os
from pathlib import Path

from smoke.model import Outcome
from smoke.reporters import LABELS, FileReporter, cold_start_line, totals

ICONS = {
    Outcome.PASSED: "✅",
    Outcome.FAILED: "❌",
    Outcome.ERROR: "💥",
    Outcome.REFUSED: "⛔",
    Outcome.NOT_RUN: "⏭️",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def step_summary_path() -> Path | None:
    value = os.environ.get("GITHUB_STEP_SUMMARY")
    return Path(value) if value else None


class StepSummaryReporter(FileReporter):
    paired = False  # appended to GitHub's own file, beside other steps' summaries

    def cell(self, text: str) -> str:
        """A table cell: redacted first, then escaped (an escaped ``|`` would hide a secret)."""
        return _cell(self.redactor.text(text))

    def render(self) -> str | None:
        started, finished, scan = self.run.started, self.run.finished, self.run.scan
        if started is None:
            return None
        results = self.run.results()
        t = totals(results, len(scan.findings) if scan else 0)
        exit_code = finished.exit_code if finished else "?"
        command = str(started.meta.get("command", "run"))
        if command == "scan":
            out = [f"## smoke scan `{started.environment}`: exit {exit_code}", ""]
            decision = self.run.decision
            if decision is not None:
                out.append(f"**{decision.verdict}**: {len(started.functions)} function(s), "
                           f"{t['findings']} log finding(s) ({started.meta.get('window', '')})")
                out += [f"- {self.cell(r)}" for r in decision.reasons if not scan or not scan.errors]
        else:
            out = [
                f"## smoke `{started.environment}`: exit {exit_code}",
                "",
                f"{t['passed']} passed, {t['failed']} failed, {t['error']} error, "
                f"{t['refused']} refused, {t['not_run']} not run, {t['findings']} log finding(s)",
            ]
        colds = cold_start_line(results)
        if colds:
            out += ["", colds]
        if results:
            out += ["", "| | check | status | ms | detail |", "|---|---|---|---|---|"]
        for r in results:
            ex = r.exchange
            status = str(ex.response.status) if ex and ex.response else ""
            ms = f"{ex.latency_ms:.0f}" if ex else ""
            detail = r.error or "; ".join(f.message for f in r.failures)
            out.append(
                f"| {ICONS[r.outcome]} {LABELS[r.outcome]} | {self.cell(r.check.id)} | {status} | {ms} | {self.cell(detail)} |"
            )
        failing = [r for r in results if r.failures]
        if failing:
            out += ["", "### Failures", ""]
            for r in failing:
                out.append(f"- **{self.cell(r.check.id)}** ({r.check.location})")
                for f in r.failures:
                    out.append(f"  - {f.message} (expected `{f.expected}`, actual `{f.actual}`)")
        if scan and (scan.findings or scan.errors):
            out += ["", "### Log scan", ""]
            out += [f"- `{f.function}` [{f.rule}]: `{self.cell(f.line.strip())}`" for f in scan.findings]
            out += [f"- **the log scan could not run**: {self.cell(e)}" for e in scan.errors]
        return self.redactor.text("\n".join(out)) + "\n\n"

    def shutdown(self) -> None:
        text = self.render()
        if text is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(self.redactor.final(text))
