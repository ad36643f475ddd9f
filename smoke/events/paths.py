"""Path templates: ``/users/{id}/items`` plus ``path_parameters`` -> the path a client sent.

API Gateway routes a request to a resource (REST) or route (HTTP API) whose path
is a template; the event carries both the template and the concrete path. A
``{name}`` placeholder matches one path segment, so its value is percent-encoded
as a client would send it (a ``/`` in the value becomes ``%2F``). A greedy
``{name+}`` placeholder matches the rest of the path, so slashes in its value
stay slashes. A placeholder with no value is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from smoke.dataclass_code import DataclassCode

if TYPE_CHECKING:
    from smoke.model import Request

PLACEHOLDER = re.compile(r"\{([^{}/]+?)(\+?)\}")
SEGMENT_SAFE = "!$&'()*,;=:@-._~+"  # sub-delims and ":@": legal in a path segment as they are
GREEDY_SAFE = SEGMENT_SAFE + "/"


_code = DataclassCode(__file__)  # FilledPath's methods: compiled once per install


@dataclass(frozen=True)
class FilledPath:
    """A request path with its template and the values put into it."""

    template: str  # as the check wrote it: /users/{id}/items
    sent: str  # the values percent-encoded, as a client sends them: /users/a%20b/items
    decoded: str  # the values as they are: /users/a b/items
    parameters: dict[str, str]  # pathParameters: name (without "+") -> value

    @property
    def is_template(self) -> bool:
        return PLACEHOLDER.search(self.template) is not None


_code.close()
del _code


def _value_of(name: str, greedy: str, given: Mapping[str, str]) -> str | None:
    if name in given:
        return str(given[name])
    if greedy and name + "+" in given:
        return str(given[name + "+"])
    return None


def fill_path(template: str, given: Mapping[str, str]) -> FilledPath:
    """Fill the placeholders of ``template`` with ``given`` values.

    ``parameters`` holds every given value (names without a trailing ``+``), the
    ones the template does not mention included: the check asked for them.
    """
    sent: list[str] = []
    decoded: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(template):
        name, greedy = match.group(1), match.group(2)
        sent.append(template[position : match.start()])
        decoded.append(template[position : match.start()])
        value = _value_of(name, greedy, given)
        if value is None:
            sent.append(match.group(0))
            decoded.append(match.group(0))
        else:
            sent.append(quote(value, safe=GREEDY_SAFE if greedy else SEGMENT_SAFE))
            decoded.append(value)
        position = match.end()
    sent.append(template[position:])
    decoded.append(template[position:])
    parameters = {name.removesuffix("+"): str(value) for name, value in given.items()}
    return FilledPath(template, "".join(sent), "".join(decoded), parameters)


def query_text(request: Request) -> str:
    """``?a=1&b=2`` of the request's query (values as written, so redaction sees them), or ""."""
    query = "&".join(f"{k}={v}" for k, vs in request.query.items() for v in vs)
    return "?" + query if query else ""


def sent_target(request: Request) -> str:
    """The path a client sent, placeholders filled, with its query: ``/users/smoke-test?a=1``."""
    return fill_path(request.path or "/", request.path_parameters).sent + query_text(request)
