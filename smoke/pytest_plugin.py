"""smoke's pytest plugin (entry point ``pytest11: smoke``): only re-exports hooks.

Collection and items: ``smoke.pytest_items``; options, state and session hooks:
``smoke.pytest_state``; the run behind them: ``smoke.pytest_session``.
"""

from smoke.pytest_items import (
    pytest_collect_file,
    pytest_collection_finish,
    pytest_collection_modifyitems,
    pytest_make_collect_report,
    pytest_report_collectionfinish,
)
from smoke.pytest_state import (
    pytest_addoption,
    pytest_configure,
    pytest_configure_node,
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
    "pytest_runtest_makereport",
    "pytest_runtest_teardown",
    "pytest_sessionfinish",
]
