"""The mutation guard: smoke checks never change production unless doubly allowed.

Pure functions of a check, an environment and the ``--allow-mutations`` flag.
In a ``protected`` environment a check that may mutate (a method other than
GET/HEAD/OPTIONS, a raw invocation not declared ``mutates: false``, or anything
declared ``mutates: true``) is refused unless it says ``mutates: true`` *and*
the run passes ``--allow-mutations``. Unprotected environments allow
everything, but mutating checks are still reported as such.
"""

from __future__ import annotations

from collections.abc import Iterable

from smoke.model import SAFE_METHODS, Check, Environment

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
