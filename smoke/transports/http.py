"""The HTTP transport: a check becomes a real HTTP request to the environment's base URL.

One pooled ``httpx.Client`` per run, its HTTP/1.1 pool sized to the run's concurrency
(a smaller pool makes checks queue for a connection); redirects are *not* followed (a
307 from the auth layer is itself the answer a check judges); no cookie jar (each check
sends the headers it was written with, never a cookie another check was given);
explicit timeouts. httpx exceptions are translated here, so the engine only sees
``CheckNotExecuted``.
"""

from __future__ import annotations

import http.cookiejar
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from smoke.errors import CheckNotExecuted
from smoke.model import Check, Exchange, FunctionRef, Response

if TYPE_CHECKING:
    import httpx


def build_url(base_url: str, check: Check) -> str:
    """``base_url`` + the request path with ``{name}`` placeholders filled in (no query)."""
    path = check.request.path or "/"
    for name, value in check.request.path_parameters.items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    if not path.startswith("/"):
        path = "/" + path
    return base_url.rstrip("/") + path


def _where(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


class _NoCookieJar(http.cookiejar.CookieJar):
    """A cookie jar that never stores a cookie and never adds one to a request.

    httpx's Client keeps every response's Set-Cookie in its jar and sends it with every
    later request: one check's cookie would change what the next check is answered (a
    false verdict), and the jar's lock is shared by all worker threads. Here each check
    sends exactly the headers it was written with (its own ``Cookie`` header included),
    and a response's Set-Cookie stays in that response's headers, for its verdicts.
    """

    def extract_cookies(self, response: Any, request: Any) -> None:
        pass

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        pass

    def add_cookie_header(self, request: Any) -> None:
        pass


class HttpTransport:
    name = "http"

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 10.0,
        connect_timeout_s: float = 5.0,
        max_connections: int = 32,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        import httpx

        self.base_url = base_url
        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s
        verify: Any = True
        if transport is None and urlsplit(base_url).scheme.lower() == "http":
            # every request goes to base_url (redirects are not followed): no TLS, so no
            # CA bundle to load. A context without CAs would refuse any https peer.
            import ssl

            verify = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self._client = httpx.Client(
            verify=verify,
            follow_redirects=False,
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            transport=transport,
            trust_env=False,
            cookies=_NoCookieJar(),
            headers={"User-Agent": "smoke-lambda (post-deploy smoke tests)"},
        )

    def send(self, check: Check, function: FunctionRef | None = None) -> Exchange:
        import httpx

        if check.is_raw:
            raise CheckNotExecuted(
                f"{check.id}: a raw invocation cannot go over HTTP; use an environment with via: invoke"
            )
        request = check.request
        url = build_url(self.base_url, check)
        params: list[tuple[str, str | int | float | bool | None]] = [
            (k, v) for k, values in request.query.items() for v in values
        ]
        headers = dict(request.headers)
        timeout: Any = httpx.USE_CLIENT_DEFAULT
        if check.timeout_s:
            timeout = httpx.Timeout(check.timeout_s, connect=self.connect_timeout_s)
        summary: dict[str, Any] = {
            "method": request.method.upper(),
            "path": request.path,
            "url": url,
            "query": {k: list(v) for k, v in request.query.items()},
            "headers": headers,
        }
        started_at = time.time()
        t0 = time.perf_counter()
        try:
            answer = self._client.request(
                request.method.upper(),
                url,
                params=params or None,
                headers=headers,
                content=request.body,
                timeout=timeout,
            )
            body = answer.content
        except httpx.ConnectTimeout as exc:
            raise CheckNotExecuted(
                f"could not connect to {_where(url)} within {self.connect_timeout_s:g}s", retryable=True
            ) from exc
        except httpx.TimeoutException as exc:
            limit = check.timeout_s or self.timeout_s
            raise CheckNotExecuted(f"no answer from {url} within {limit:g}s") from exc
        except httpx.ConnectError as exc:
            raise CheckNotExecuted(
                f"cannot reach {_where(url)}: {_reason(exc)}", retryable=True, fatal=True
            ) from exc
        except httpx.HTTPError as exc:
            raise CheckNotExecuted(f"HTTP request to {url} failed: {_reason(exc)}") from exc
        latency_ms = (time.perf_counter() - t0) * 1000.0
        multi: dict[str, tuple[str, ...]] = {}
        for name, value in answer.headers.multi_items():
            multi.setdefault(name.lower(), ())
            multi[name.lower()] = (*multi[name.lower()], value)
        response = Response(
            status=answer.status_code,
            headers={k: ", ".join(v) for k, v in multi.items()},
            body=body,
            multi_headers=multi,
        )
        return Exchange(
            check_id=check.id,
            transport=self.name,
            target=str(answer.request.url),
            request_summary=summary,
            started_at=started_at,
            latency_ms=latency_ms,
            response=response,
        )

    def close(self) -> None:
        self._client.close()


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    reason = text[-1] if text else type(exc).__name__
    if "refused" in reason.lower():
        return "connection refused"
    if "name or service not known" in reason.lower() or "nodename nor servname" in reason.lower():
        return "DNS lookup failed (name or service not known)"
    return reason
