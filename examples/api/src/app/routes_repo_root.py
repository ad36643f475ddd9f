"""The same table written from the repository root's point of view: ``src.app...``.

It works when you run the code from the repository with ``src`` importable, and fails in
Lambda, where the task root *is* ``src``: ``ModuleNotFoundError: No module named 'src'``.
Used by ``examples/broken-router``.
"""

ROUTES = {
    "/api/v1/providers": "src.app.api.v1.providers",
    "/api/v1/dashboard/overview": "src.app.api.v1.dashboard",
    "/api/v1/feeds": "src.app.api.v1.feeds",
}
