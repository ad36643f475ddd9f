"""Links to the CloudWatch console: a log group, one stream, filtered to one request id.

The console keeps its state in the URL's fragment, escaped twice and with ``%`` written
as ``$``: ``/aws/lambda/fn`` is ``$252Faws$252Flambda$252Ffn``; the stream view's query
(``?filterPattern=...``) is escaped once (``$3FfilterPattern$3D``). Only real AWS runs get
links (not the local runtime, nor an ``endpoint_url`` such as LocalStack or moto).
"""

from __future__ import annotations

import functools
from urllib.parse import quote

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
# escaping works character by character: an ASCII text is escaped by one table lookup each
# (a 10,000-check report links every request id)
_ASCII = str.maketrans({chr(i): chr(i) if chr(i) in _UNRESERVED else f"$25{i:02X}"
                        for i in range(128)})


def _fragment(text: str) -> str:
    if text.isascii():
        return text.translate(_ASCII)
    return quote(quote(text, safe=""), safe="").replace("%", "$")


def console_base(region: str) -> str:
    if region.startswith("cn-"):
        host = f"{region}.console.amazonaws.cn"
    elif region.startswith("us-gov-"):
        host = f"{region}.console.amazonaws-us-gov.com"
    else:
        host = f"{region}.console.aws.amazon.com"
    return f"https://{host}/cloudwatch/home?region={region}"


@functools.lru_cache(maxsize=64)
def log_group_url(region: str, group: str) -> str:
    return f"{console_base(region)}#logsV2:log-groups/log-group/{_fragment(group)}"


def log_events_url(
    region: str, group: str, stream: str | None = None, request_id: str | None = None
) -> str:
    """One stream's events, or the whole group's, filtered to ``request_id`` when given."""
    url = log_group_url(region, group) + "/log-events"
    if stream:
        url += "/" + _fragment(stream)
    if request_id:
        url += "$3FfilterPattern$3D" + _fragment(f'"{request_id}"')
    return url


def region_of_arn(arn: str | None) -> str | None:
    """``arn:aws:lambda:us-west-2:123:function:fn`` -> ``us-west-2``."""
    parts = (arn or "").split(":")
    return parts[3] if len(parts) > 3 and parts[0] == "arn" and parts[3] else None
