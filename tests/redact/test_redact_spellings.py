"""A secret is masked however the output spells it: URL-encoded, JSON-escaped, cut short."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from smoke.model import Check, Expect, Finding, Request, ScanResult
from smoke.redact import Redactor
from smoke.reporters.step_summary import StepSummaryReporter
from smoke.run_events import RunStarted, ScanFinished
from smoke.verdicts import excerpt

SECRET = 'Zq"7\\w+K/9=|x&y'


@pytest.mark.parametrize(
    "spelled",
    [
        SECRET,
        quote(SECRET, safe=""),  # a query string or a URL in the report
        quote_plus(SECRET),  # form-encoded
        json.dumps(SECRET)[1:-1],  # a function that logs its event as JSON
    ],
    ids=["plain", "url-encoded", "form-encoded", "json-escaped"],
)
def test_every_spelling_is_masked(spelled: str) -> None:
    redactor = Redactor([SECRET])
    assert redactor.text(f"before {spelled} after") == "before *** after"


def test_an_excerpt_cut_inside_a_secret_masks_the_part_that_remains() -> None:
    token = "sk_live_ABCDEFGHIJKLMNOP"
    body = "x" * 190 + token + "y" * 50
    cut = excerpt(body, 200)  # what a verdict's failure message carries
    assert cut.endswith("...") and token[:5] in cut
    shown = Redactor([token]).text(cut)
    assert token[:5] not in shown and shown.endswith("***...")


def test_the_step_summary_masks_before_escaping_table_pipes(tmp_path: Path) -> None:
    secret = "hunter|2024"
    path = tmp_path / "summary.md"
    reporter = StepSummaryReporter(path, Redactor([secret]))
    check = Check("s", "c", "api", "apigw-rest", Request(), Expect())
    reporter.handle_event(RunStarted("prod", (check,), time.time()))
    finding = Finding("api", "/aws/lambda/x", "import-error", f"ImportError: token {secret}")
    reporter.handle_event(ScanFinished(ScanResult(findings=(finding,))))
    reporter.shutdown()
    text = path.read_text()
    assert "hunter" not in text and "token ***" in text
