"""The plan of a run: which environment, which suites, which checks.

``find_suites`` picks the suite files, ``load_suites`` reads them, and
``build_plan`` checks them against one environment of smoke.yaml (every check's
function must be defined there) and applies ``--tag`` selection.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from smoke.dataclass_code import DataclassCode
from smoke.errors import ConfigError
from smoke.loading.suites import load_suite
from smoke.loading.yamlload import quote_lines
from smoke.model import Check, Config, Environment, Location, Suite
from smoke.suggest import valid_values

SUITES_DIR = "suites"
SUITE_SUFFIXES = (".yaml", ".yml")


_code = DataclassCode(__file__)  # Plan's methods compiled once per install (smoke.dataclass_code)


@dataclass(frozen=True)
class Plan:
    """What a run of one environment executes: its checks, and the suites they are from."""

    environment: Environment
    suites: tuple[Suite, ...]  # the suites with at least one selected check
    checks: tuple[Check, ...]


_code.close()
del _code


def suites_dir(config_path: str | Path) -> Path:
    return Path(config_path).parent / SUITES_DIR


def find_suites(config_path: str | Path, names: Sequence[str] = ()) -> list[Path]:
    """Suite files: every ``suites/*.yaml`` beside the config, or the ones named.

    A name is a path to a file, or the stem of a file in ``suites/``.
    """
    directory = suites_dir(config_path)
    available = (
        sorted(p for p in directory.glob("*") if p.suffix in SUITE_SUFFIXES and p.is_file())
        if directory.is_dir()
        else []
    )
    if not names:
        unreadable = _unreadable_suites(directory)
        if unreadable:
            path, why = unreadable[0]
            more = [f"also {p}: {w}" for p, w in unreadable[1:]]
            raise ConfigError(
                f"suite file {path} cannot be read: {why}",
                Location(str(path)),
                hint="\n".join(["Fix or remove it, or name the suites to run on the command "
                                 "line.", *more]),
            )
        if not available:
            raise ConfigError(
                f"no suites found: {directory}/*.yaml matches no file",
                hint=f"Create {directory}/NAME.yaml (a `suite:` name and a list of `checks:`), "
                "or name suite files on the command line.",
            )
        return available
    by_stem = {p.stem: p for p in available}
    found: list[Path] = []
    for name in names:
        as_path = Path(name)
        if as_path.is_file():
            found.append(as_path)
        elif name in by_stem:
            found.append(by_stem[name])
        elif Path(name).stem in by_stem and Path(name).suffix in SUITE_SUFFIXES:
            found.append(by_stem[Path(name).stem])
        else:
            raise ConfigError(
                f"no suite {name!r}: not a file, and not a suite in {directory}",
                hint=valid_values(name, list(by_stem), "available suites"),
            )
    return list(dict.fromkeys(found))


def _unreadable_suites(directory: Path) -> list[tuple[Path, str]]:
    """Suite-looking entries of ``suites/`` that cannot be read as files: never skipped
    silently (a run that quietly checks less is a false green)."""
    found: list[tuple[Path, str]] = []
    if not directory.is_dir():
        return found
    for path in sorted(directory.glob("*")):
        if path.suffix not in SUITE_SUFFIXES:
            continue
        try:
            mode = path.stat().st_mode  # follows symbolic links
        except OSError as exc:
            if path.is_symlink():
                what = "a symbolic link loop" if exc.errno == errno.ELOOP else (
                    f"a broken symbolic link (to {os.readlink(path)})")
                found.append((path, what))
            else:
                found.append((path, exc.strerror or str(exc)))
            continue
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            kind = "a FIFO" if stat.S_ISFIFO(mode) else "not a regular file"
            found.append((path, f"{kind}, not a suite file"))
    return found


def suite_notes(config_path: str | Path, names: Sequence[str] = ()) -> list[str]:
    """What ``suites/`` holds that is not read as a suite but looks like one (``.YAML``)."""
    directory = suites_dir(config_path)
    if names or not directory.is_dir():
        return []
    return [
        f"{p} is not read: suite files end in .yaml or .yml (lower case); rename it"
        for p in sorted(directory.glob("*"))
        if p.suffix.lower() in SUITE_SUFFIXES and p.suffix not in SUITE_SUFFIXES
    ]


def load_suites(
    paths: Iterable[str | Path],
    env: Mapping[str, str] | None = None,
    *,
    require_env: bool = True,
) -> list[Suite]:
    """Load each suite; two suites may not share a name (check ids would collide).

    With ``require_env=False`` unset ``${VAR}``s become placeholders; each suite
    lists its own in ``Suite.unset_vars`` (see ``unset_vars(suites)``).
    """
    suites: list[Suite] = []
    seen: dict[str, Suite] = {}
    for path in paths:
        suite = load_suite(path, env, require_env=require_env)
        if suite.name in seen:
            first = seen[suite.name]
            raise ConfigError(
                f"duplicate suite name {suite.name!r} (also used by {first.location})",
                suite.location,
                quote_lines(suite.path, suite.location.line),
                hint="Suite names must be unique; rename one of them.",
            )
        seen[suite.name] = suite
        suites.append(suite)
    return suites


def unset_vars(*loaded: Suite | Config | Iterable[Suite]) -> tuple[str, ...]:
    """The unset ``${VAR}`` names of suites and configs, in order, each once."""
    names: list[str] = []
    for item in loaded:
        group = [item] if isinstance(item, (Suite, Config)) else list(item)
        for one in group:
            names.extend(one.unset_vars)
    return tuple(dict.fromkeys(names))


def build_plan(
    config: Config, env_name: str, suites: Sequence[Suite], tags: Sequence[str] = ()
) -> Plan:
    """The checks to run in ``env_name``; with ``tags``, only checks having any of them."""
    environment = config.environments.get(env_name)
    if environment is None:
        raise ConfigError(
            f"no environment {env_name!r} in {config.path}",
            Location(config.path),
            hint=valid_values(env_name, list(config.environments), "environments"),
        )
    checks = [c for s in suites for c in s.checks]
    if tags:
        wanted = set(tags)
        selected = [c for c in checks if wanted & set(c.tags)]
        if not selected:
            known = sorted({t for c in checks for t in c.tags})
            raise ConfigError(
                f"no check has the tag{'s' if len(tags) > 1 else ''} {', '.join(tags)}",
                hint=valid_values(tags[0], known, "tags in these suites"),
            )
        checks = selected
    defined = list(environment.functions)
    if environment.template is not None and not defined:
        # a template-only environment: suites address its functions by logical id
        from smoke.local import template_function_names

        defined = template_function_names(environment)
    for check in checks:
        if check.function not in defined:
            raise ConfigError(
                f"check {check.name!r} uses function {check.function!r}, "
                f"which environment {env_name!r} does not define",
                check.location,
                quote_lines(check.location.file, check.location.line, check.location.end_line),
                hint=valid_values(check.function, defined, "functions")
                + (
                    f" (under `environments: {env_name}: functions:` in {config.path})"
                    if environment.functions or environment.template is None
                    else f" (the functions of {environment.template})"
                ),
            )
    used = {c.suite for c in checks}
    return Plan(
        environment=environment,
        suites=tuple(s for s in suites if s.name in used),
        checks=tuple(checks),
    )
