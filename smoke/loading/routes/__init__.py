"""Routes without hand-written checks: ``routes:`` in a suite.

A suite's ``routes: {from: template | openapi | api}`` becomes ordinary ``Check``s here,
in the loading layer, before planning: one check per route of the suite's function,
named ``GET /api/v1/providers`` and located at the suite's ``routes:`` entry (and, in
``Check.source``, at the template or OpenAPI line the route came from). The engine,
reporters and pytest plugin see only checks.

Modules: ``generate`` (routes -> checks, the rules every source shares), ``template``
(SAM events and API resources of a template), ``openapi`` (OpenAPI 3 / Swagger 2),
``deployed`` (GetTemplate, API Gateway), ``expand`` (which source, for which environment).
"""

from smoke.loading.routes.expand import expand_suites, suite_functions

__all__ = ["expand_suites", "suite_functions"]
