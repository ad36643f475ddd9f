"""Load ``smoke.yaml`` into a ``Config``: environments and how they find functions.

Steps: read the YAML with line marks, replace ``${VAR}`` references, validate
against ``config.schema.json``, then build the model. Paths (template, local code,
layers) are resolved relative to the directory of smoke.yaml and stored absolute.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from smoke.errors import ConfigError
from smoke.loading.interpolate import has_placeholder, interpolate
from smoke.loading.yamlload import load_yaml_text, node_location, quote_lines
from smoke.model import Config, Environment, FunctionSpec, LayerSpec, Location, LogRule
from smoke.redact import masked_error
from smoke.schema import validate

CONFIG_FILE = "smoke.yaml"
WAYS = "name | stack + resource | prefix (+ tags) | resource (with template) | handler + code"
LOCAL_KEYS = ("runtime", "layers", "environment", "timeout", "memory")
DOWNLOAD = "download"  # layers: {ARN: download}: fetched with GetLayerVersionByArn
_URL_HINT = "Write the full address, e.g. https://api.example.com or http://127.0.0.1:3001."
_EXAMPLE = """\
environments:
  prod:
    region: us-west-2
    functions:
      api: {name: my-api-function}"""


def find_config(start: Path) -> Path | None:
    """``smoke.yaml`` in ``start`` or the nearest parent directory that has one.

    Anything by that name counts (a FIFO, a link loop, a broken link): reading it then
    says what is wrong with it, instead of a silent search further up."""
    here = start.resolve()
    for directory in (here, *here.parents):
        candidate = directory / CONFIG_FILE
        if os.path.lexists(candidate):
            return candidate
    return None


def load_config(
    path: str | Path, env: Mapping[str, str] | None = None, *, require_env: bool = True
) -> Config:
    """Read, validate and build smoke.yaml; ``env`` defaults to os.environ.

    With ``require_env=False`` an unset ``${VAR}`` reads as ``<unset:VAR>`` and is
    listed in ``Config.unset_vars`` instead of being a ConfigError.
    """
    file = str(path)
    if not os.path.lexists(path):  # a broken link or a link loop: read_text says which
        raise ConfigError(
            f"no configuration file: looked for {os.path.abspath(path)}",
            Location(file),
            hint=f"Create {CONFIG_FILE} beside your suites/ directory, for example:\n{_EXAMPLE}\n"
            "or point to it with --config PATH.",
        )
    data, text = load_yaml_text(path)
    unset: list[str] = []
    env = os.environ if env is None else env
    secrets = interpolate(data, env, file, text, require_env=require_env, unset=unset)
    try:
        validate(data, "config", file, text, secrets)
        builder = _ConfigBuilder(file, text, Path(path).resolve().parent)
        environments = {
            name: builder.environment(name, data["environments"], secrets)
            for name in data["environments"]
        }
    except ConfigError as exc:  # a message may quote a value read from ${VAR}
        raise masked_error(exc, secrets) from None
    return Config(
        path=file,
        environments=environments,
        secrets=frozenset(secrets),
        unset_vars=tuple(unset),
    )


class _ConfigBuilder:
    def __init__(self, file: str, text: str, base: Path) -> None:
        self.file, self.text, self.base = file, text, base

    def error(self, message: str, loc: Location, hint: str = "") -> ConfigError:
        return ConfigError(message, loc, quote_lines(self.text, loc.line, loc.end_line), hint)

    def path(self, value: str) -> str:
        return str((self.base / os.path.expanduser(value)).resolve())

    def environment(self, name: str, parent: Any, all_secrets: set[str]) -> Environment:
        data = parent[name]
        loc = node_location(parent, name, self.file)
        via = data.get("via", "invoke")
        if via == "http" and not data.get("base_url"):
            raise self.error(
                f"environment {name!r} has `via: http` but no `base_url`",
                node_location(data, "via", self.file),
                hint="Add `base_url: https://...` (the API's address), or use `via: invoke`.",
            )
        for key in ("base_url", "endpoint_url"):
            if key in data:
                self.url(data, key)
        template = data.get("template")
        functions = {
            logical: self.function(name, logical, data["functions"], template is not None)
            for logical in data.get("functions", {})
        }
        listed = [str(s) for s in data.get("secrets", ())]
        used = sorted(s for s in all_secrets if s in _strings(data))
        return Environment(
            name=name,
            region=data.get("region"),
            profile=data.get("profile"),
            endpoint_url=data.get("endpoint_url"),
            protected=bool(data.get("protected", False)),
            log_scan=bool(data["log_scan"]) if "log_scan" in data else None,
            via=via,
            base_url=data.get("base_url"),
            template=self.path(template) if template is not None else None,
            template_location=(node_location(data, "template", self.file)
                               if template is not None else None),
            functions=functions,
            log_rules=tuple(
                self.log_rule(data["log_rules"], i) for i in range(len(data.get("log_rules", ())))
            ),
            secrets=tuple(dict.fromkeys([*listed, *used])),
            location=loc,
            python=self.interpreters(data),
            parameters={str(k): _parameter(v) for k, v in (data.get("parameters") or {}).items()},
            layers={
                str(k): str(v) if str(v) == DOWNLOAD else self.path(str(v))
                for k, v in (data.get("layers") or {}).items()
            },
            credentials=str(data.get("credentials", "environment")),
            samconfig_env=data.get("samconfig_env"),
            local_concurrency=data.get("local_concurrency"),
            stage=data.get("stage"),
            domain=data.get("domain"),
            alb_multi_value=bool(data.get("alb_multi_value", False)),
        )

    def interpreters(self, data: Any) -> dict[str, str]:
        """``python:``: version -> interpreter path (``~`` expanded, relative to smoke.yaml)."""
        found = {}
        for key, value in (data.get("python") or {}).items():
            path = str(value)
            if os.sep in path or path.startswith("~"):
                path = self.path(path)
                if not Path(path).is_file():
                    raise self.error(
                        f"python: {key}: {value!r} does not exist ({path})",
                        node_location(data["python"], key, self.file),
                        hint="Give the path of a python3.X executable, e.g. "
                        "~/.pyenv/versions/3.12.1/bin/python3.12.",
                    )
            found[str(key).removeprefix("python")] = path
        return found

    def url(self, data: Any, key: str) -> None:
        """``base_url`` and ``endpoint_url`` must be http(s) URLs with a host."""
        from urllib.parse import urlsplit

        value = str(data[key]).strip()
        if has_placeholder(value):
            return
        loc = node_location(data, key, self.file)
        if "://" not in value:
            host = value.split("/", 1)[0].split(":", 1)[0]
            local = host in ("localhost", "") or host.replace(".", "").isdigit()
            guess = f"{'http' if local else 'https'}://{value.lstrip('/')}"
            raise self.error(f"{key} needs a scheme: {guess}?", loc, hint=_URL_HINT)
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
        except ValueError as exc:  # "http://[::1": an unclosed IPv6 bracket
            raise self.error(f"{key} is not a valid URL: {exc}", loc, _URL_HINT) from None
        if parts.scheme.lower() not in ("http", "https"):
            raise self.error(
                f"{key} must be an http:// or https:// URL; got {parts.scheme}://", loc, _URL_HINT
            )
        if not parts.hostname:
            raise self.error(f"{key} has no host: {value!r}", loc, _URL_HINT)

    def function(self, env: str, logical: str, parent: Any, has_template: bool) -> FunctionSpec:
        data = parent[logical]
        loc = node_location(parent, logical, self.file)
        what = f"function {logical!r} of environment {env!r}"
        ways = [w for w in ("name", "stack", "prefix") if w in data]
        if "handler" in data or "code" in data:
            ways.append("handler + code")
        if "resource" in data and "stack" not in data:
            ways.append("resource")
        if len(ways) != 1:
            problem = (
                "gives no way to find it"
                if not ways
                else f"gives {len(ways)} ways: " + ", ".join(ways)
            )
            raise self.error(f"{what} {problem}", loc, hint=f"Give exactly one of: {WAYS}.")
        way = ways[0]
        missing = ""
        if way == "stack" and "resource" not in data:
            missing = "`stack` but no `resource`"
        elif way == "handler + code":
            missing = "`code` but no `handler`" if "code" in data else "`handler` but no `code`"
            missing = missing if not ("code" in data and "handler" in data) else ""
        if missing:
            raise self.error(f"{what} has {missing}", loc, hint=f"Give exactly one of: {WAYS}.")
        if way == "resource" and not has_template:
            raise self.error(
                f"{what} gives `resource` alone, which needs a `template:` in the environment",
                loc,
                hint="Add `stack: STACK` to find it in a deployed CloudFormation stack, or "
                "`template: template.yaml` to run it locally.",
            )
        if "tags" in data and way != "prefix":
            raise self.error(
                f"{what}: `tags` only narrows a `prefix` search",
                node_location(data, "tags", self.file),
            )
        local = [k for k in LOCAL_KEYS if k in data]
        if local and way not in ("handler + code", "resource"):
            raise self.error(
                f"{what}: {', '.join(local)} {'apply' if len(local) > 1 else 'applies'} only to "
                "local functions (handler + code, or a template resource)",
                node_location(data, local[0], self.file),
            )
        self.qualifiers_agree(what, data)
        timeout, memory = data.get("timeout"), data.get("memory")
        return FunctionSpec(
            logical=logical,
            name=data.get("name"),
            stack=data.get("stack"),
            resource=data.get("resource"),
            prefix=data.get("prefix"),
            tags={str(k): str(v) for k, v in data.get("tags", {}).items()},
            qualifier=data.get("qualifier"),
            api=data.get("api"),
            handler=data.get("handler"),
            code=self.path(data["code"]) if "code" in data else None,
            runtime=data.get("runtime"),
            layers=tuple(LayerSpec(Path(p).stem, self.path(p)) for p in data.get("layers", ())),
            environment={str(k): _text(v) for k, v in data.get("environment", {}).items()},
            timeout_s=float(timeout) if timeout is not None else None,
            memory_mb=int(memory) if memory is not None else None,
            location=loc,
        )

    def qualifiers_agree(self, what: str, data: Any) -> None:
        """An ARN (or ``name:alias``) that carries a qualifier and a different ``qualifier:``
        is an error: which one a run invokes must never be a silent choice."""
        name, given = data.get("name"), data.get("qualifier")
        if not isinstance(name, str) or given is None or has_placeholder(name):
            return
        parts = name.split(":")
        if name.startswith("arn:"):
            in_name = parts[7] if len(parts) == 8 else None
        else:  # "fn:alias" and "123456789012:function:fn:alias" name a qualifier too
            in_name = parts[-1] if len(parts) in (2, 4) else None
        if in_name is not None and in_name != str(given) and not has_placeholder(str(given)):
            raise self.error(
                f"{what}: {name} names the qualifier {in_name!r}, but `qualifier:` says "
                f"{given!r}",
                node_location(data, "qualifier", self.file),
                hint=f"Give the qualifier once: drop `:{in_name}` from the name, or drop "
                "`qualifier:`.",
            )

    def log_rule(self, rules: Any, index: int) -> LogRule:
        data = rules[index]
        try:
            re.compile(data["pattern"])
        except re.error as exc:
            raise self.error(
                f"log rule {data['name']!r}: the pattern is not a valid regular expression ({exc})",
                node_location(data, "pattern", self.file),
            ) from None
        return LogRule(
            name=data["name"], pattern=data["pattern"], filter_term=data.get("filter", "")
        )


def _parameter(value: Any) -> Any:
    """A template parameter value: text, or a list of texts (CommaDelimitedList)."""
    if isinstance(value, list):
        return [_text(v) for v in value]
    return _text(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _strings(data: Any) -> str:
    """Every string in ``data``, joined (to find which secrets an environment uses)."""
    if isinstance(data, dict):
        return "\n".join(_strings(v) for v in data.values())
    if isinstance(data, list):
        return "\n".join(_strings(v) for v in data)
    return data if isinstance(data, str) else ""
