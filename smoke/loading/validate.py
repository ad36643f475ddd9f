"""``smoke validate``: every problem of smoke.yaml and the suites, without calling AWS.

- Without a smoke.yaml, the suites are validated alone (their function names cannot be
  checked, and the output says so).
- With one, each suite is validated against the environments that map all of its
  functions, not against every environment: projects whose environments run different
  suites are valid.
- Every problem is reported, not only the first: each file is loaded on its own, and each
  environment is planned on its own.

No secrets are needed: an unset ``${VAR}`` is a note (``require_env=False``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smoke.dataclass_code import DataclassCode
from smoke.errors import ConfigError, SmokeError
from smoke.loading.yamlload import quote_lines
from smoke.model import Config, Environment, Location, Suite

_code = DataclassCode(__file__)  # its methods compiled once per install (smoke.dataclass_code)


@dataclass
class Validation:
    """What ``smoke validate`` found: the lines to print, and what could be read."""

    ok: list[str] = field(default_factory=list)  # "OK   ..." lines
    notes: list[str] = field(default_factory=list)
    problems: list[SmokeError] = field(default_factory=list)
    config: Config | None = None  # what could be read (the CLI learns their secrets)
    suites: list[Suite] = field(default_factory=list)


_code.close()
del _code


def suite_functions(suite: Suite) -> set[str]:
    """The logical functions a suite's checks (and its ``routes:``) use."""
    used = {c.function for c in suite.checks}
    if suite.routes is not None:
        used.add(suite.routes.function)
    return used


def environment_functions(env: Environment) -> set[str]:
    """The logical names an environment defines (a template-only one: its template's)."""
    if env.functions or env.template is None:
        return set(env.functions)
    from smoke.local import template_function_names

    try:
        return set(template_function_names(env))
    except SmokeError:  # a broken template is reported by the local checks below
        return set()


def validate_project(
    config_path: Path, names: Sequence[str], *, config_found: bool,
    local_catalog: Callable[[Config, Environment], Any],
) -> Validation:
    """Validate smoke.yaml (when ``config_found``) and the suites; collects every problem."""
    from smoke.loading.config import load_config
    from smoke.loading.plan import find_suites, suite_notes, unset_vars

    out = Validation()
    config: Config | None = None
    if config_found:
        try:
            config = load_config(config_path, require_env=False)
            out.ok.append(f"OK   {config.path} ({len(config.environments)} environment(s))")
        except ConfigError as exc:
            out.problems.append(exc)
    try:
        paths = find_suites(config_path, tuple(names))
    except ConfigError as exc:
        out.problems.append(exc)
        return out
    suites, failed = _load_each(paths, out)
    out.config, out.suites = config, suites
    if config is not None and failed:  # their function too, beside their errors
        known = {f for e in config.environments.values() for f in environment_functions(e)}
        for path in failed:
            key = _function_key(path)
            if key is not None and key[0] not in known:
                out.problems.append(_unmapped(config, key[0], "function:", key[1]))
    if config is None and not config_found:
        out.notes.append("no smoke.yaml here or in a parent directory: the suites were "
                         "validated alone; their function names were not checked")
    if config is not None:
        _against_environments(config, suites, out, local_catalog)
    else:
        for suite in suites:
            out.ok.append(f"OK   {suite.path} ({len(suite.checks)} check(s))")
    for name in unset_vars(*([config] if config else []), suites):
        out.notes.append(f"{name} is not set (smoke run needs it)")
    out.notes += suite_notes(config_path, tuple(names))
    if config is not None and any(
        isinstance(p, ConfigError) and p.location is not None and p.location.file == config.path
        for p in out.problems
    ):
        out.ok = [line for line in out.ok if not line.startswith(f"OK   {config.path} ")]
    return out


def _load_each(paths: Sequence[Path], out: Validation) -> tuple[list[Suite], list[Path]]:
    """Every suite file on its own, so one broken file does not hide the others (the
    files that could not be read are returned too)."""
    from smoke.loading.suites import load_suite

    suites: list[Suite] = []
    failed: list[Path] = []
    seen: dict[str, Suite] = {}
    for path in paths:
        try:
            suite = load_suite(path, require_env=False)
        except ConfigError as exc:
            out.problems.append(exc)
            failed.append(path)
            continue
        if suite.name in seen:
            out.problems.append(ConfigError(
                f"duplicate suite name {suite.name!r} (also used by {seen[suite.name].location})",
                suite.location, quote_lines(suite.path, suite.location.line),
                hint="Suite names must be unique; rename one of them.",
            ))
            continue
        seen[suite.name] = suite
        suites.append(suite)
    return suites, failed


def _function_key(path: Path) -> tuple[str, Location] | None:
    """A suite's top-level ``function:`` and where, read from the YAML alone."""
    from smoke.loading.yamlload import load_yaml_text, node_location

    try:
        data, _ = load_yaml_text(path)
    except ConfigError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("function"), str):
        return None
    return data["function"], node_location(data, "function", str(path))


def _against_environments(
    config: Config, suites: list[Suite], out: Validation,
    local_catalog: Callable[[Config, Environment], Any],
) -> None:
    from smoke.loading.plan import build_plan

    where: dict[str, list[str]] = {s.name: [] for s in suites}
    blocked: set[str] = set()  # suites a reported problem stopped somewhere: no note, no OK
    generated: dict[str, list[str]] = {}
    refused: set[str] = set()  # suites an environment maps but cannot run (see below)
    functions = {name: environment_functions(env) for name, env in config.environments.items()}
    for name, env in config.environments.items():
        mapped = [s for s in suites if suite_functions(s) <= functions[name]]
        mine = _without_template(name, env, mapped, out)
        refused.update(s.name for s in mapped if s not in mine)
        expanded: list[Suite] = []
        for suite in mine:  # one by one: a broken routes source stops its suite alone
            try:
                expanded += _expand(config, name, env, suite, generated, out)
            except ConfigError as exc:
                _report(out, exc)
                blocked.add(suite.name)
        try:
            if expanded:
                build_plan(config, name, expanded)
            for suite in expanded:
                where[suite.name].append(name)
        except ConfigError as exc:
            _report(out, exc)
            blocked.update(s.name for s in expanded)
        if env.is_local:  # the template too: every problem with file and line, nothing run
            _local_environment(config, name, env, out, local_catalog)
    defined = {f: [n for n in config.environments if f in functions[n]]
               for s in suites for f in suite_functions(s)}
    for suite in suites:
        unmapped = [c for c in suite.checks if not defined.get(c.function)]
        key = _function_key(Path(suite.path)) if unmapped else None
        for check in unmapped:
            if key is not None and check.function == key[0] == suite.function:
                _report(out, _unmapped(config, check.function, "function:", key[1]))
            else:
                out.problems.append(_unmapped(config, check.function, check.name, check.location))
        if suite.routes is not None and not defined.get(suite.routes.function):
            out.problems.append(_unmapped(config, suite.routes.function, "routes:",
                                          suite.routes.location))
        if unmapped or (suite.routes is not None and not defined.get(suite.routes.function)):
            continue
        envs = where[suite.name]
        if suite.name in blocked and not envs:
            continue
        if not envs and suite.name not in refused:
            spread = "; ".join(f"{f} in {', '.join(defined[f])}" for f in
                               sorted(suite_functions(suite)))
            out.notes.append(f"{suite.path}: no environment defines all of its functions "
                             f"({spread}): `smoke run ENV` refuses it in every environment")
        parts = [f"{len(suite.checks)} check(s)"] if suite.checks or not suite.routes else []
        if suite.routes is not None:
            made = generated.get(suite.name)
            parts.append(f"routes from {suite.routes.source}"
                         + (f": {', '.join(made)}" if made else ""))
        summary = "; ".join(parts)
        out.ok.append(f"OK   {suite.path} ({summary}) in {', '.join(envs) or 'no environment'}")


def _without_template(
    name: str, env: Environment, suites: list[Suite], out: Validation
) -> list[Suite]:
    """The suites ``env`` can run: a ``routes: {from: template}`` suite whose function has
    no template there (an ``endpoint_url`` or ``name:`` function) is a note, not a pass:
    ``smoke run`` and ``smoke gate`` refuse it in that environment."""
    if all(suite.routes is None for suite in suites):  # nothing to import for
        return suites
    from smoke.loading.routes.expand import has_template

    kept = []
    for suite in suites:
        spec = suite.routes
        if spec is None or spec.source != "template" or has_template(
                env, env.functions.get(spec.function)):
            kept.append(suite)
            continue
        out.notes.append(
            f"{suite.path}:{spec.location.line}: `routes: {{from: template}}` has no template "
            f"for function {spec.function!r} in environment {name!r}: `smoke run {name}` and "
            f"`smoke gate {name}` refuse this suite; name the suites to run there (e.g. "
            f"`smoke gate {name} suites/api.yaml`), or use `routes: {{from: openapi, file: "
            "...}` (README: Rehearse a release locally)")
    return kept


def _expand(
    config: Config, name: str, env: Environment, suite: Suite,
    generated: dict[str, list[str]], out: Validation,
) -> list[Suite]:
    """The suite with its routes' checks (files only: no AWS, nothing run)."""
    if suite.routes is None:
        return [suite]
    from smoke.loading.routes import expand_suites

    (after,) = expand_suites(config, env, [suite], offline=True)
    if len(after.checks) > len(suite.checks):
        generated.setdefault(after.name, []).append(
            f"{len(after.checks) - len(suite.checks)} check(s) in {name}")
    out.notes.extend(n for n in after.notes if n not in out.notes)
    return [after]


def _report(out: Validation, error: SmokeError) -> None:
    """A problem, once (a broken template is met by every suite that reads it)."""
    if all(str(error) != str(p) for p in out.problems):
        out.problems.append(error)


def _local_environment(
    config: Config, name: str, env: Environment, out: Validation,
    local_catalog: Callable[[Config, Environment], Any],
) -> None:
    from smoke.local.template import NotSupportedLocally

    try:
        catalog = local_catalog(config, env)
    except SmokeError as exc:
        _report(out, exc)
        return
    failed = False
    for logical, error in catalog.refused.items():
        if isinstance(error, NotSupportedLocally):
            at = f"{error.location}: " if error.location is not None else ""
            hint = ("; d" + error.hint.split("? ")[0][1:] + "?"
                    if error.hint.startswith("Did you mean") else "")
            out.notes.append(f"{logical} does not run locally (its checks are errors): "
                             f"{at}{error.message}{hint}")
        else:
            _report(out, error)  # a mistake: file, line and what to write
            failed = True
    if not failed:
        where = f" ({env.template})" if env.template else ""
        out.ok.append(f"OK   environment {name}{where}: "
                      f"{len(catalog.definitions)} local function(s)")


def _unmapped(config: Config, function: str, what: str, location: Any) -> ConfigError:
    from smoke.suggest import valid_values

    known = sorted({f for e in config.environments.values() for f in environment_functions(e)})
    who = {"routes:": "`routes:` uses", "function:": "`function:` names"}.get(
        what, f"check {what!r} uses")
    return ConfigError(
        f"{who} function {function!r}, which no environment of {config.path} defines",
        location,
        quote_lines(location.file, location.line, location.end_line),
        hint=valid_values(function, known, "functions"),
    )
