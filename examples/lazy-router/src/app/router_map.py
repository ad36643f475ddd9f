"""Route (API Gateway resource) -> router module, imported on first use.

Four entries were written from the repository root's point of view (``src.app...``): in
Lambda the task root *is* ``src/``, so those four routes answer 500 with
``ModuleNotFoundError: No module named 'src'`` while ``/health`` and the rest stay green.
"""

ROUTERS = {
    "/api/v1/providers": "app.routers.providers",
    "/api/v1/providers/{provider_id}": "app.routers.provider_detail",
    "/api/v1/dashboard": "app.routers.dashboard",
    "/api/v1/feeds": "app.routers.feeds",
    "/api/v1/invoices": "src.app.routers.invoices",
    "/api/v1/invoices/{invoice_id}": "src.app.routers.invoice_detail",
    "/api/v1/reports": "app.routers.reports",
    "/api/v1/settings": "src.app.routers.settings",
    "/api/v1/users": "app.routers.users",
    "/api/v1/teams": "app.routers.teams",
    "/api/v1/audit": "src.app.routers.audit",
    "/api/v1/uploads": "app.routers.uploads",
}
