"""The loading layer: YAML with line marks, suites, smoke.yaml, plans, routes, validate."""
