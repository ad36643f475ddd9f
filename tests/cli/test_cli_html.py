"""`smoke run` writes the HTML report: beside the JSON by default, or where --html says."""

from __future__ import annotations

from pathlib import Path

from cli_support import BROKEN_SUITE, HEALTHY_SUITE, ProjectFactory

from smoke.cli import main


def test_the_html_report_goes_beside_the_json_or_where_html_says(
    project: ProjectFactory, tmp_path: Path
) -> None:
    config = project({"api": HEALTHY_SUITE, "lazy": BROKEN_SUITE})
    out = tmp_path / "out"
    assert main(["run", "dev", "--config", str(config), "--json", f"{out}/"]) == 1
    page = (out / "smoke-dev.html").read_text()
    for check_id in ("backend-api::health", "backend-api::login redirects",
                     "lazy-endpoints::broken endpoint", "lazy-endpoints::health again"):
        assert check_id in page
    assert "No module named &#39;src&#39;" in page  # the response excerpt, escaped
    assert "UNHEALTHY" in page and "<svg" in page
    assert "console.aws.amazon.com" not in page  # a run via http to loopback: no AWS links
    elsewhere = tmp_path / "html" / "report.html"
    assert main(["run", "dev", "api", "--config", str(config), "--json", f"{out}/",
                 "--html", str(elsewhere)]) == 0
    assert "HEALTHY" in elsewhere.read_text()
