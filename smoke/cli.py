"""The command line: ``smoke run | validate | list | discover | scan | local start``.

Only the standard library is imported at module level, so ``smoke --help`` and
``smoke validate`` start fast and never import boto3. Every ``SmokeError``
becomes one clear message on stderr and its exit code; no tracebacks for user
mistakes.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smoke.local import LocalCatalog
    from smoke.logscan import LogSource
    from smoke.model import Config, Environment, FunctionRef

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


_INTERRUPTED = threading.Event()  # the last run was cut short (signal or deadline)


MAX_DURATION_S = 366 * 86400.0  # a year: more is a typo (and overflows a timer)
MAX_LOG_WAIT_S = 3600.0  # CloudWatch's ingestion lag is seconds, rarely minutes


def parse_duration(text: str, limit: float = MAX_DURATION_S) -> float:
    """``"90s"``, ``"30m"``, ``"2h"``, ``"1d"``, ``"1h30m"`` or plain seconds -> seconds."""
    value = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        seconds = float(value)
    else:
        parts = re.findall(r"(\d+(?:\.\d+)?)([smhd])", value)
        if not parts or "".join(n + u for n, u in parts) != value:
            raise argparse.ArgumentTypeError(
                f"invalid duration {text!r}: use a number with a unit, e.g. 90s, 30m, 2h, 1d"
            )
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds > limit:
        raise argparse.ArgumentTypeError(
            f"{text!r} is too long: at most {_spell(limit)}"
        )
    return seconds


def _spell(seconds: float) -> str:
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("m", 60.0)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def _log_wait(text: str) -> float:
    return parse_duration(text, MAX_LOG_WAIT_S)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _percent(text: str) -> float:
    value = _positive_float(text.rstrip("%"))
    if value >= 100:
        raise argparse.ArgumentTypeError("a canary is less than 100% of the traffic (0 < PERCENT < 100)")
    return value


class _VersionAction(argparse.Action):
    """``--version``, computed only when asked (no import cost for ``--help``)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        from smoke.runner import smoke_version

        print(f"smoke {smoke_version()}")
        parser.exit()


_Arguments = Callable[[argparse.ArgumentParser], None]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line: every command, or with ``only`` that command's parser alone
    (``parse_args``, when the command comes first: each ``add_parser`` and
    ``add_argument`` costs argparse a parser or a help formatter, ~3 ms for the commands
    a run does not use)."""
    parser = argparse.ArgumentParser(
        prog="smoke", description="Post-deploy smoke tests for AWS Lambda functions."
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, *, config: bool = True,
                description: str | None = None) -> Callable[[_Arguments], _Arguments]:
        """The command ``name``; the function it decorates adds its arguments."""

        def arguments(add: _Arguments) -> _Arguments:
            if only is None or name == only:
                p = sub.add_parser(name, help=help_text, description=description or help_text)
                if config:
                    p.add_argument("--config", default=None, help="smoke.yaml to use (default: "
                                   "smoke.yaml here, else in the nearest parent directory that "
                                   "has one)")
                add(p)
            return add

        return arguments

    def run_options(p: argparse.ArgumentParser, stem: str) -> None:
        """The options `smoke run` and `smoke gate` share: reports, selection, log scan, guard."""
        p.add_argument("--json", metavar="PATH", help=f"JSON report (default: reports/{stem}.json)")
        p.add_argument("--junit", metavar="PATH", help=f"JUnit XML report (default: reports/{stem}.xml)")
        p.add_argument("--html", metavar="PATH",
                       help=f"HTML report (default: {stem}.html beside the JSON report)")
        p.add_argument("--tag", action="append", default=[], metavar="T", help="only checks with this tag (repeatable)")
        p.add_argument("--concurrency", type=_positive_int, metavar="N", help="checks in flight at once (default: 16)")
        p.add_argument("--no-log-scan", action="store_true", help="skip the CloudWatch / local log scan")
        p.add_argument("--log-wait", type=_log_wait, default=10.0, metavar="SECONDS",
                       help="how long to wait for logs to arrive (default: 10s)")
        p.add_argument("--allow-mutations", action="store_true",
                       help="run checks declared mutates: true in protected environments")

    @command("run", "run the suites' checks against an environment")
    def _run_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("environment", metavar="ENV")
        p.add_argument("suites", nargs="*", metavar="SUITE", help="suite files or names (default: suites/*.yaml)")
        run_options(p, "smoke-ENV")
        p.add_argument("--deadline", type=parse_duration, metavar="SECONDS",
                       help="stop starting checks after this long; the rest are reported as not run")
        p.add_argument("--qualifier", action="append", default=[], metavar="Q|FN=Q",
                       help="run against this version or alias (every function, or FN=Q for one), "
                       "instead of smoke.yaml's qualifier")

    @command("gate", "release gate: check the new version by number, move the alias, "
             "check again, roll back on failure")
    def _gate_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("environment", metavar="ENV")
        p.add_argument("suites", nargs="*", metavar="SUITE", help="suite files or names (default: suites/*.yaml)")
        p.add_argument("--version", dest="gate_version", action="append", default=[], metavar="N|FN=N",
                       help="the candidate version (default: the newest published one the alias is not on)")
        p.add_argument("--canary", type=_percent, metavar="PERCENT",
                       help="first send PERCENT of the alias's traffic to the candidate for --canary-minutes")
        p.add_argument("--canary-minutes", type=_positive_float, metavar="M",
                       help="how long the canary lasts (fractions allowed: 0.5 is 30 s)")
        p.add_argument("--canary-interval", type=parse_duration, default=60.0, metavar="SECONDS",
                       help="how often the checks run during the canary (default: 60s)")
        p.add_argument("--dry-run", action="store_true", help="print the plan; change nothing, invoke nothing")
        run_options(p, "smoke-gate-ENV")

    @command("package-hook", "build the CodeDeploy hook's zip: smoke, its dependencies for "
             "Lambda, smoke.yaml and the suites")
    def _package_hook_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("--output", default="build/smoke-hook.zip", metavar="ZIP",
                       help="where to write the zip (default: %(default)s)")
        p.add_argument("--python", default="3.12", metavar="X.Y",
                       help="the hook function's Python (its Runtime: python3.12 -> 3.12; default %(default)s)")
        p.add_argument("--architecture", default="x86_64", choices=["x86_64", "arm64"])
        p.add_argument("--env", metavar="ENV", help="the environment the hook checks (default: every non-local one is validated)")

    @command("validate", "check smoke.yaml and the suites without calling AWS")
    def _validate_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("suites", nargs="*", metavar="SUITE")

    @command("list", "show the plan: checks, functions, transport, mutation status")
    def _list_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("environment", metavar="ENV")
        p.add_argument("suites", nargs="*", metavar="SUITE")
        p.add_argument("--tag", action="append", default=[], metavar="T")

    @command("init", "write a starter smoke.yaml and suites from a SAM template or OpenAPI")
    def _init_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("--template", metavar="PATH",
                       help="SAM/CloudFormation template (default: template.yaml beside smoke.yaml)")
        p.add_argument("--openapi", metavar="PATH",
                       help="an OpenAPI document: the routes of an API behind a catch-all route "
                       "(with a template), or of an API reached over HTTP (without one)")

    @command("discover", "show logical name -> physical function, qualifier, log group")
    def _discover_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("environment", metavar="ENV")

    @command("scan", "scan the functions' logs alone, e.g. after a manual deploy")
    def _scan_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("environment", metavar="ENV")
        p.add_argument("--since", type=parse_duration, default=1800.0, metavar="DURATION",
                       help="how far back to look: 90s, 30m, 2h (default: 30m)")
        p.add_argument("--log-dir", default="reports/logs", metavar="DIR",
                       help="local environments: where `smoke run` wrote the function logs")
        p.add_argument("--json", metavar="PATH", help="JSON report (default: reports/scan-ENV.json)")
        p.add_argument("--junit", metavar="PATH", help="JUnit XML report (default: reports/scan-ENV.xml)")
        p.add_argument("--html", metavar="PATH",
                       help="HTML report (default: scan-ENV.html beside the JSON report)")

    @command("schema", "print the path of a JSON Schema shipped with smoke", config=False,
             description="Print the path of a JSON Schema shipped with smoke, e.g. for "
             "a `# yaml-language-server: $schema=PATH` comment in your suites.")
    def _schema_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("name", choices=["suite", "config", "report"])
        p.add_argument("--show", action="store_true", help="print the schema itself")

    @command("local", "the local runtime")
    def _local_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("action", choices=["start"])
        p.add_argument("environment", nargs="?", metavar="ENV", help="default: the first local environment")
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=3001)

    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Arguments; suite names may also come after options (``run prod --tag x api.yaml``).

    ``smoke COMMAND ...`` is parsed by that command's parser alone (``build_parser``): all
    it can print is that parser's help, usage and errors, and the top-level usage (for an
    unrecognized argument), none of which lists the other commands (``COMMAND``). Only
    ``smoke --help`` and a missing or unknown command do: anything else first is parsed
    with every command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv[0] if argv and argv[0] in _COMMANDS else None)
    args, extra = parser.parse_known_args(argv)
    if extra:
        if hasattr(args, "suites") and not any(e.startswith("-") for e in extra):
            args.suites = [*args.suites, *extra]
        else:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _resolve_config(args: argparse.Namespace) -> None:
    """``--config``, or smoke.yaml here or in the nearest parent (as git and pytest find their
    roots); ``smoke init`` writes one here. ``args.config_found``: whether the file exists."""
    if not hasattr(args, "config"):
        return
    args.config_explicit = args.config is not None
    if args.config is None and args.command != "init":
        from smoke.loading.config import find_config

        found = find_config(Path.cwd())
        args.config = os.path.relpath(found) if found is not None else None
    if args.config is None:
        args.config = "smoke.yaml"
    # anything by that name (a FIFO, a link loop) is read, and says what is wrong with it
    args.config_found = os.path.lexists(args.config)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    _resolve_config(args)
    from smoke.errors import SmokeError
    from smoke.redact import Redactor

    args.redactor = Redactor()  # every secret the command reads; all it prints goes through
    try:
        handler = _COMMANDS[args.command]
        return handler(args)
    except SmokeError as exc:
        print(args.redactor.final(f"smoke: {exc}"), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("smoke: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `smoke run prod | head`: the reader left; reports are written
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - nothing more to print
        return 1
    except OSError as exc:  # a file smoke had to read or write: one line, never a traceback
        print(f"smoke: {exc}", file=sys.stderr)
        return 3


# the commands whose start-up runs without garbage collection (smoke.gcpolicy): each
# either runs checks (collection resumes then) or ends soon after its start. Never a
# server (``smoke local start`` serves for hours: its collector stays on)
_PAUSED_START = frozenset({"run", "gate", "validate", "list"})


def run_main() -> None:
    """The console script: ``main()``, then exit at once after an interrupted run.

    An interrupted run (Ctrl-C, SIGTERM, --deadline) has written its reports and closed
    the transport and local runtime; a check still stuck in I/O must not hold the exit.
    """
    from smoke import gcpolicy

    if sys.argv[1:2] and sys.argv[1] in _PAUSED_START:
        gcpolicy.pause_start()  # collection resumes when the checks start: see gcpolicy
    code = main()
    if code in (130, 143) or _INTERRUPTED.is_set():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    gcpolicy.before_exit()
    sys.exit(code)


# ------------------------------------------------------------------------ commands


def _run(args: argparse.Namespace) -> int:
    from smoke.errors import SmokeError
    from smoke.redact import Redactor
    from smoke.reporters import build_reporters
    from smoke.reporters.paths import refuse_collisions, remove_stale, report_path
    from smoke.reporters.step_summary import step_summary_path
    from smoke.runner import Runner, RunOptions

    env = args.environment
    json_path = report_path(args.json, f"smoke-{env}.json")
    junit_path = report_path(args.junit, f"smoke-{env}.xml")
    html_path = report_path(args.html or str(json_path.parent) + os.sep, f"smoke-{env}.html")
    summary_path = step_summary_path()
    reports = {"--json": json_path, "--junit": junit_path, "--html": html_path}
    if summary_path is not None:
        reports["$GITHUB_STEP_SUMMARY"] = summary_path
    refuse_collisions(reports, _inputs(args))
    for note in _suite_notes(args):
        print(f"smoke: note: {note}", file=sys.stderr)
    redactor: Redactor = args.redactor
    handlers = build_reporters(
        redactor, json_path=json_path, junit_path=junit_path, html_path=html_path,
        console=sys.stdout, step_summary_path=summary_path,
    )
    options = RunOptions(
        environment=env, suites=tuple(args.suites), config_path=args.config,
        tags=tuple(args.tag), concurrency=args.concurrency, log_scan=not args.no_log_scan,
        log_wait_s=args.log_wait, allow_mutations=args.allow_mutations, deadline_s=args.deadline,
        log_dir=str(Path(json_path).parent / "logs"), qualifiers=tuple(args.qualifier),
    )
    runner = Runner(options, handlers, redactor=redactor)
    try:
        outcome = runner.run()
    except SmokeError:
        if not runner.started:  # nothing of this run was written: no stale green reports
            _say_removed(remove_stale([json_path, junit_path, html_path]))
        raise
    for note in outcome.notes:
        print(redactor.text(f"note: {note}"), file=sys.stderr)
    if outcome.interrupted:
        _INTERRUPTED.set()
    if outcome.message:
        print(redactor.final(f"smoke: {outcome.message}"), file=sys.stderr)
    return outcome.exit_code


def _say_removed(removed: Sequence[Path]) -> None:
    if removed:
        print("smoke: this run did not start; removed the previous run's reports so they "
              f"cannot pass for this one: {', '.join(map(str, removed))}", file=sys.stderr)


def _inputs(args: argparse.Namespace) -> list[Path]:
    """The files a run reads (smoke.yaml, the suites, the templates): never a report path."""
    from smoke.loading.plan import SUITE_SUFFIXES, suites_dir

    found = [Path(args.config)]
    directory = suites_dir(args.config)
    if directory.is_dir():
        found += [p for p in directory.iterdir() if p.suffix.lower() in SUITE_SUFFIXES]
    found += [Path(s) for s in args.suites if Path(s).exists()]
    with contextlib.suppress(Exception):  # an unreadable config is reported by the run itself
        from smoke.loading.config import load_config

        config = load_config(args.config, require_env=False)
        found += [Path(e.template) for e in config.environments.values() if e.template]
    return found


def _suite_notes(args: argparse.Namespace) -> list[str]:
    from smoke.loading.plan import suite_notes

    return suite_notes(args.config, tuple(args.suites))


def _package_hook(args: argparse.Namespace) -> int:
    from smoke.hooks.package import HANDLER, package_hook

    output = Path(args.output)
    count, suites = package_hook(args.config, output, python=args.python,
                                 architecture=args.architecture, environment=args.env)
    print(f"wrote {output} ({count} files: smoke, its dependencies for Python {args.python} "
          f"{args.architecture}, {args.config} and {len(suites)} suite file(s))")
    print(f"handler: {HANDLER}   runtime: python{args.python}   architectures: [{args.architecture}]")
    print("set SMOKE_ENV on the hook function, and every ${VAR} smoke.yaml and the suites read; "
          "see README: Release gate")
    return 0


def _gate(args: argparse.Namespace) -> int:
    from smoke.errors import ConfigError
    from smoke.gate.flow import run_gate
    from smoke.gate.model import GateOptions
    from smoke.qualifiers import parse_qualifiers
    from smoke.reporters.paths import refuse_collisions, report_path

    if (args.canary is None) != (args.canary_minutes is None):
        raise ConfigError("--canary PERCENT and --canary-minutes M go together",
                          hint="e.g. smoke gate prod --canary 10 --canary-minutes 5")
    versions = parse_qualifiers(args.gate_version, "--version")
    bad = [v for v in versions.values() if not v.isdigit()]
    if bad:
        raise ConfigError(f"--version {bad[0]!r}: the candidate is a published version number",
                          hint="e.g. --version 42, or --version api=42 for one function")
    env = args.environment
    json_path = report_path(args.json, f"smoke-gate-{env}.json")
    junit_path = report_path(args.junit, f"smoke-gate-{env}.xml")
    html_path = report_path(args.html or str(json_path.parent) + os.sep, f"smoke-gate-{env}.html")
    refuse_collisions({"--json": json_path, "--junit": junit_path, "--html": html_path},
                      _inputs(args))
    options = GateOptions(
        environment=env, suites=tuple(args.suites), config_path=args.config,
        tags=tuple(args.tag), versions=versions, canary_percent=args.canary,
        canary_s=(args.canary_minutes or 0.0) * 60.0, canary_interval_s=args.canary_interval,
        dry_run=args.dry_run, allow_mutations=args.allow_mutations,
        log_scan=not args.no_log_scan, log_wait_s=args.log_wait, concurrency=args.concurrency,
        json_path=str(json_path), junit_path=str(junit_path), html_path=str(html_path),
    )
    code = run_gate(options, sys.stdout, redactor=args.redactor)
    if code in (130, 143):
        _INTERRUPTED.set()
    return code


def _load(args: argparse.Namespace) -> Config:
    from smoke.loading.config import load_config

    config = load_config(args.config)
    _learn(args, config)
    return config


def _learn(args: argparse.Namespace, config: Config, *more: Any) -> None:
    """Teach the command's redactor the secrets of ``config`` (and suites, checks)."""
    redactor = args.redactor
    redactor.add(*config.secrets)
    for env in config.environments.values():
        redactor.add(*env.secrets)
    for item in more:
        redactor.add(*getattr(item, "secrets", ()))
        request = getattr(item, "request", None)
        if request is not None:
            redactor.add_headers(request.headers)


def _learn_suites(args: argparse.Namespace, config: Config) -> None:
    """The secrets of the suites beside the configuration, as far as they can be read."""
    from smoke.errors import ConfigError
    from smoke.loading.plan import find_suites
    from smoke.loading.suites import load_suite

    with contextlib.suppress(ConfigError):
        for path in find_suites(args.config):
            with contextlib.suppress(ConfigError):
                suite = load_suite(path, require_env=False)
                _learn(args, config, suite, *suite.checks)


def _out(args: argparse.Namespace, line: str = "") -> None:
    """One line of a command's output, through the last line of defence."""
    print(args.redactor.final(line))


def _environment(config: Config, name: str) -> Environment:
    from smoke.errors import ConfigError
    from smoke.suggest import valid_values

    if name not in config.environments:
        raise ConfigError(
            f"no environment {name!r} in {config.path}",
            hint=valid_values(name, config.environments, "environments"),
        )
    return config.environments[name]


def _validate(args: argparse.Namespace) -> int:
    from smoke.errors import ConfigError
    from smoke.loading.validate import validate_project

    if args.config_explicit and not args.config_found:
        from smoke.loading.config import load_config

        load_config(args.config)  # the "no configuration file" error, with what to write
    if not args.config_found and not args.suites and not Path("suites").is_dir():
        raise ConfigError(
            "nothing to validate: no smoke.yaml here or in a parent directory, no suites/ "
            "directory and no suite files named",
            hint="Name suite files (`smoke validate suites/api.yaml`), run it in a project "
            "with a smoke.yaml, or create one with `smoke init`.",
        )
    # no secrets needed to validate: an unset ${VAR} is a note, not an error
    result = validate_project(Path(args.config), tuple(args.suites),
                              config_found=args.config_found, local_catalog=_local_catalog)
    redactor = args.redactor
    for suite in result.suites:
        redactor.add(*suite.secrets)
        for check in suite.checks:
            redactor.add_headers(check.request.headers)
    if result.config is not None:
        _learn(args, result.config)
    for line in result.ok:
        _out(args, line)
    for note in dict.fromkeys(result.notes):
        _out(args, f"note: {note}")
    for problem in result.problems:
        print(redactor.final(f"smoke: {problem}"), file=sys.stderr)
    if result.problems:
        count = sum(getattr(p, "count", 1) for p in result.problems)
        print(f"smoke: {count} problem(s)", file=sys.stderr)
        return 2
    return 0


def _list(args: argparse.Namespace) -> int:
    from smoke.guard import mutation_status
    from smoke.runner import RunOptions, load_plan

    options = RunOptions(args.environment, tuple(args.suites), args.config, tuple(args.tag))
    config, plan = load_plan(options)
    _learn(args, config, *plan.suites, *plan.checks)
    env = plan.environment
    transport = env.via
    refused: dict[str, str] = {}
    mistakes: list[Exception] = []  # functions of the plan it cannot resolve: exit 2
    if env.is_local:
        from smoke.local import refusal
        from smoke.local.template import NotSupportedLocally

        catalog = _local_catalog(config, env)
        refused = {name: refusal(error) for name, error in catalog.refused.items()}
        used = {c.function for c in plan.checks}
        mistakes = [error for name, error in catalog.refused.items()
                    if name in used and not isinstance(error, NotSupportedLocally)]
    _out(args, f"{len(plan.checks)} check(s) in {env.name} via {transport}"
         f"{' (protected)' if env.protected else ''}")
    for check in plan.checks:
        status, reason = mutation_status(check, env, allow_mutations=False)
        what = "raw" if check.is_raw else f"{check.request.method.upper()} {check.request.path}"
        event = "http" if transport == "http" else check.event  # no Lambda event over HTTP
        _out(args, f"  {check.id:<40} {check.function:<12} {event:<12} {what:<32} {status}"
             f"{'  ' + reason if reason and status != 'safe' else ''}")
        _out(args, f"      {check.location}" + (f"  from {check.source}" if check.source else ""))
        if check.function in refused:
            _out(args, f"      error: {check.function} does not run locally: "
                 f"{refused[check.function]}")
    for note in dict.fromkeys(n for s in plan.suites for n in s.notes):
        _out(args, f"note: {note}")
    for error in mistakes:  # a mistake to fix (file, line, what to write), not a limitation
        print(args.redactor.final(f"smoke: {error}"), file=sys.stderr)
    return 2 if mistakes else 0


def _init(args: argparse.Namespace) -> int:
    from smoke.scaffold import describe, init_project

    template = Path(args.template) if args.template else None
    openapi = Path(args.openapi) if args.openapi else None
    written = init_project(Path(args.config), template=template, openapi=openapi)
    for line in describe(written, local=openapi is None or template is not None):
        print(line)
    return 0


def _discover(args: argparse.Namespace) -> int:
    from smoke.discovery import discover

    config = _load(args)
    env = _environment(config, args.environment)
    found = _local_functions(config, env) if env.is_local else discover(env)
    for logical, ref in found.items():
        _out(args, f"{logical}: {ref.name}")
        _out(args, f"    qualifier: {ref.qualifier or '$LATEST'}  runtime: {ref.runtime or '?'}"
             f"  last modified: {ref.last_modified or '?'}")
        _out(args, f"    log group: {ref.log_group or '?'}")
    return 0


def _scan(args: argparse.Namespace) -> int:
    import time

    from smoke.discovery import discover
    from smoke.logscan.cloudwatch import CloudWatchSource
    from smoke.logscan.scan import scan_environment
    from smoke.reporters.paths import refuse_collisions, report_path
    from smoke.reporters.scan_reports import (
        ScanReportPaths,
        scan_events,
        scan_exit_code,
        write_scan_reports,
    )
    from smoke.reporters.step_summary import step_summary_path
    from smoke.runner import run_meta

    env_name = args.environment
    json_path = report_path(args.json, f"scan-{env_name}.json")
    paths = ScanReportPaths(
        json=json_path,
        junit=report_path(args.junit, f"scan-{env_name}.xml"),
        html=report_path(args.html or str(json_path.parent) + os.sep, f"scan-{env_name}.html"),
        step_summary=step_summary_path(),
    )
    refuse_collisions(paths.files(), [Path(args.config)])
    config = _load(args)
    env = _environment(config, env_name)
    redactor = args.redactor
    _learn_suites(args, config)  # a function may log the token a check sent it
    source: LogSource
    started = time.time()
    if env.is_local:  # the local runtime's log files, as `smoke run` wrote them
        from smoke.local.logs import LocalLogSource

        functions = _local_functions(config, env)
        source = LocalLogSource(Path(args.log_dir))
    else:
        functions = discover(env)
        source = CloudWatchSource(env)
    scan = scan_environment(env, list(functions.values()), since_s=args.since, source=source)
    for finding in scan.findings:
        first, _, more = finding.line.strip().partition("\n")
        line = first + (" [...]" if more.strip() else "")
        print(redactor.final(f"{finding.function} [{finding.rule}] {finding.log_group}: {line}"))
    for note in scan.notes:
        print(redactor.final(f"note: {note}"))
    print(f"{len(scan.findings)} finding(s) in {len(scan.scanned_groups)} log group(s)"
          + (f"; {len(scan.errors)} log group(s) could not be scanned" if scan.errors else ""))
    meta = {**run_meta(config, env), "window": f"the last {_since(args.since)}"}
    events = scan_events(env.name, functions, scan, started=started, finished=time.time(),
                         meta=meta)
    for path in write_scan_reports(paths, events, redactor):
        print(f"report: {path}")
    if scan.errors:
        for error in scan.errors:
            print(redactor.final(f"smoke: THE LOG SCAN COULD NOT RUN: {error}"), file=sys.stderr)
    return scan_exit_code(scan)


def _since(seconds: float) -> str:
    for unit, size in (("d", 86400.0), ("h", 3600.0), ("m", 60.0)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def _schema(args: argparse.Namespace) -> int:
    from smoke.schema import schema_path

    path = schema_path(args.name)
    print(path.read_text(encoding="utf-8") if args.show else path, end="\n" if not args.show else "")
    return 0


def _local_functions(config: Config, env: Environment) -> dict[str, FunctionRef]:
    """The functions of a local environment (read from its template; nothing is started)."""
    from smoke.local import local_functions

    return local_functions(env, base_dir=Path(config.path).resolve().parent)


def _local_catalog(config: Config, env: Environment) -> LocalCatalog:
    from smoke.local import local_catalog

    return local_catalog(env, base_dir=Path(config.path).resolve().parent)


def _local(args: argparse.Namespace) -> int:
    from smoke.errors import ConfigError
    from smoke.local import serve_forever

    config = _load(args)
    name = args.environment
    if name is None:
        local = [n for n, e in config.environments.items() if e.is_local]
        if not local:
            raise ConfigError(f"no local environment (with template: or handler:) in {config.path}")
        name = local[0]
    env = _environment(config, name)
    base = Path(config.path).resolve().parent
    return serve_forever(env, base_dir=base, log_dir=Path("reports") / "logs",
                         host=args.host, port=args.port, redact=args.redactor.final,
                         learn=args.redactor.add_event)


_COMMANDS = {
    "run": _run, "gate": _gate, "package-hook": _package_hook, "validate": _validate,
    "list": _list, "init": _init,
    "discover": _discover, "scan": _scan, "local": _local, "schema": _schema,
}
