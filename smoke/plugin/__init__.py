"""smoke's pytest plugin (entry point ``pytest11: smoke``): only re-exports hooks.

Collection and items: ``smoke.plugin.items``; options, state and session hooks:
``smoke.plugin.state``; the run behind them: ``smoke.plugin.session``.
"""

from smoke.plugin.items import (
    pytest_collect_file,
    pytest_collection_finish,
    pytest_collection_modifyitems,
    pytest_make_collect_report,
    pytest_report_collectionfinish,
)
from smoke.plugin.state import (
    pytest_addoption,
    pytest_configure,
    pytest_configure_node,
    pytest_report_from_serializable,
    pytest_runtest_makereport,
    pytest_runtest_teardown,
    pytest_sessionfinish,
)

__all__ = [
    "pytest_addoption",
    "pytest_collect_file",
    "pytest_collection_finish",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_configure_node",
    "pytest_make_collect_report",
    "pytest_report_collectionfinish",
    "pytest_report_from_serializable",
    "pytest_runtest_makereport",
    "pytest_runtest_teardown",
    "pytest_sessionfinish",
]
