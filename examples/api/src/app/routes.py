"""Path -> endpoint module, imported lazily. Module paths are relative to the task root."""

ROUTES = {
    "/api/v1/providers": "app.api.v1.providers",
    "/api/v1/dashboard/overview": "app.api.v1.dashboard",
    "/api/v1/feeds": "app.api.v1.feeds",
}
