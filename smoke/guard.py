"""The mutation guard: smoke checks never change production unless doubly allowed.

Pure functions of a check, an environment and the ``--allow-mutations`` flag.
In a ``protected`` environment a check that may mutate (a method other than
GET/HEAD/OPTIONS, a method-override header or ``_method`` query parameter naming
another method, a read-only method with a body, a raw invocation not declared
``mutates: false``, or anything declared ``mutates: true``) is refused unless it says ``mutates: true`` *and*
the run passes ``--allow-mutations``. Unprotected environments allow
everything, but mutating checks are still reported as such.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl

from smoke.model import SAFE_METHODS, Check, Environment, Request

# headers and the query parameter that frameworks (Rails, Laravel, Express's
# method-override, Spring's HiddenHttpMethodFilter, ...) read as the real method
OVERRIDE_HEADERS = ("x-http-method-override", "x-method-override", "x-http-method")
OVERRIDE_PARAM = "_method"

SAFE = "safe"
ALLOWED = "allowed"
REFUSED = "refused"


def mutation_reason(check: Check) -> str | None:
    """Why ``check`` may change something, or None when it is read-only."""
    if check.mutates is True:
        return "declared mutates: true"
    if check.is_raw:
        if check.mutates is False:
            return None
        return "raw invocation not declared mutates: false"
    method = check.request.method.upper()
    if method not in SAFE_METHODS:
        return f"{method} is not a read-only method (GET, HEAD, OPTIONS)"
    override = _override(check.request)
    if override is not None:
        return override
    if check.request.body is not None:
        return f"a {method} with a body (a body is what a write sends)"
    return None


def _override(request: Request) -> str | None:
    """A method-override header or ``_method`` parameter that names a non-read-only method."""
    for name, value in request.headers.items():
        if name.lower() in OVERRIDE_HEADERS and str(value).strip().upper() not in SAFE_METHODS:
            return f"header {name}: {value} overrides the method"
    values = [v for k, vs in request.query.items() if k == OVERRIDE_PARAM for v in vs]
    _, _, query = request.path.partition("?")
    values += [v for k, v in parse_qsl(query, keep_blank_values=True) if k == OVERRIDE_PARAM]
    for value in values:
        if value.strip().upper() not in SAFE_METHODS:
            return f"query parameter {OVERRIDE_PARAM}={value} overrides the method"
    return None


def mutation_status(check: Check, env: Environment, allow_mutations: bool) -> tuple[str, str | None]:
    """``("safe" | "allowed" | "refused", reason)`` for one check in one environment."""
    reason = mutation_reason(check)
    if reason is None:
        return SAFE, None
    if not env.protected:
        return ALLOWED, f"mutates ({reason}); environment {env.name!r} is not protected"
    if check.mutates is True and allow_mutations:
        return ALLOWED, f"mutates ({reason}); allowed by --allow-mutations"
    if check.mutates is True:
        hint = "pass --allow-mutations to run it"
    else:
        hint = "if it really must run here, declare mutates: true and pass --allow-mutations"
    return REFUSED, (
        f"refused in protected environment {env.name!r}: {reason}; {hint}"
    )


def refused_checks(
    checks: Iterable[Check], env: Environment, allow_mutations: bool
) -> list[tuple[Check, str]]:
    """The checks the guard refuses, each with the reason."""
    out: list[tuple[Check, str]] = []
    for check in checks:
        status, reason = mutation_status(check, env, allow_mutations)
        if status == REFUSED:
            out.append((check, reason or "refused"))
    return out
