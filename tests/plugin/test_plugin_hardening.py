"""Issue 12 (hardening, round two): the pytest plugin's share of it."""

from __future__ import annotations

import pytest
from plugin_project import HTTP_SUITE, write_project


def test_item_20_unclosed_ipv6_base_url_is_a_usage_error_not_internalerror(
    pytester: pytest.Pytester,
) -> None:
    write_project(pytester.path, """\
        environments:
          web:
            via: http
            base_url: "http://[::1"
            functions:
              api: {name: my-api}
        """, {"api.yaml": HTTP_SUITE})
    result = pytester.runpytest("suites", "--smoke-env", "web")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "smoke.yaml:4: base_url is not a valid URL" in err
    assert "INTERNALERROR" not in err + result.stdout.str()
