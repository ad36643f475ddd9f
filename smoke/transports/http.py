"""The HTTP transport: a check becomes a real HTTP request to the environment's base URL.

One ``httpx.Client`` per worker thread, each with a pool of one HTTP/1.1 keep-alive
connection: the engine's threads share no pool lock (one shared pool serialised 64
threads on it, and its housekeeping could close a connection another thread had just
been given: a ``Bad file descriptor`` on a healthy app; see benchmarks/README.md). The
clients share one TLS context, built once (none with a CA bundle for an ``http://``
base URL). Redirects are *not* followed (a 307 from the auth layer is itself the answer
a check judges); no cookie jar (each check sends the headers it was written with, never
a cookie another check was given); explicit timeouts. httpx exceptions are translated
here, so the engine only sees ``CheckNotExecuted``.
"""

from __future__ import annotations

import functools
import http.cookiejar
import sys
import threading
import time
from types import ModuleType
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


_HTTPX_CLI = "httpx._main"
_IMPORTING = threading.Lock()


def import_httpx() -> None:
    """Import ``httpx`` without its command-line client, until someone asks for that.

    httpx's ``__init__`` runs ``from ._main import main`` in a ``try``: when click and
    pygments are installed (Flask, pytest...), that imports them (~20 ms of a run's start;
    rich too, with ``httpx[cli]``) before it fails on rich or succeeds, and smoke never
    uses httpx's CLI. So for smoke's first import of httpx only, ``sys.modules`` holds
    ``None`` for ``httpx._main`` (documented: importing it then raises ``ImportError``,
    which httpx catches), and the entry is removed right after. ``httpx.main`` is then
    found on demand (a module ``__getattr__``, PEP 562): whoever reads it in smoke's
    process (the pytest plugin runs in the user's) gets what a plain ``import httpx``
    gives, the CLI if its dependencies are installed, else httpx's message of what to
    install. Already imported (by the user, or before): nothing is done. Callers then
    ``import httpx`` as usual (which also waits for an import under way in a thread).
    """
    if "httpx" in sys.modules:
        return
    with _IMPORTING:
        if "httpx" in sys.modules:
            return
        blocked = _HTTPX_CLI not in sys.modules
        if blocked:
            sys.modules[_HTTPX_CLI] = None  # type: ignore[assignment]
        try:
            import httpx
        finally:
            if blocked and _HTTPX_CLI in sys.modules and sys.modules[_HTTPX_CLI] is None:
                del sys.modules[_HTTPX_CLI]
        if blocked and "main" in vars(httpx):  # httpx's stub: the import was refused
            _cli_on_demand(httpx, vars(httpx).pop("main"))


def _cli_on_demand(module: ModuleType, stub: Any) -> None:
    """``module.main`` imported when it is first read, as ``module`` would have at import."""

    def __getattr__(name: str) -> Any:
        if name != "main":
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
        try:
            from httpx._main import main
        except ImportError:  # as httpx's own __init__: its stub that says what to install
            main = stub
        else:  # httpx names itself the module of all it exports (its Client says so)
            witness = getattr(module, "Client", None)
            if "main" in getattr(module, "__all__", ()) and \
                    getattr(witness, "__module__", None) == module.__name__:
                main.__module__ = module.__name__
        setattr(module, "main", main)  # noqa: B010 - the next read finds it as usual
        return main

    setattr(module, "__getattr__", __getattr__)  # noqa: B010


@functools.cache
def _client_class() -> type[httpx.Client]:
    """``httpx.Client`` whose ``cookies`` are an empty ``Cookies`` that extracts nothing.

    The jar above already keeps every check independent; this only spares httpx building
    urllib's compatibility request and response around each answer to hand the jar
    (~60 us per request, measured). httpx reads ``self.cookies`` for both the merge and
    the extraction; were that to change, the jar still stores nothing.
    """
    import_httpx()
    import httpx

    class _NoCookies(httpx.Cookies):
        def __bool__(self) -> bool:
            return False

        def extract_cookies(self, response: httpx.Response) -> None:
            pass

        def set_cookie_header(self, request: httpx.Request) -> None:
            pass

    class _Client(httpx.Client):
        @property
        def cookies(self) -> httpx.Cookies:
            return self._no_cookies

        @cookies.setter
        def cookies(self, cookies: Any) -> None:
            raise TypeError("smoke's HTTP client keeps no cookies")

        def __init__(self, **kwargs: Any) -> None:
            self._no_cookies = _NoCookies(_NoCookieJar())
            super().__init__(**kwargs)

    return _Client


class HttpTransport:
    name = "http"

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 10.0,
        connect_timeout_s: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        import_httpx()
        import httpx

        self.base_url = base_url
        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s
        verify: Any = True
        if transport is None:
            if urlsplit(base_url).scheme.lower() == "http":
                # every request goes to base_url (redirects are not followed): no TLS, so no
                # CA bundle to load. A context without CAs would refuse any https peer.
                import ssl

                verify = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            else:  # loading the CA bundle costs tens of ms: once, for every client
                verify = httpx.create_ssl_context(verify=True, trust_env=False)
        self._settings: dict[str, Any] = dict(
            verify=verify,
            follow_redirects=False,
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            transport=transport,
            trust_env=False,
            headers={"User-Agent": "smoke-lambda (post-deploy smoke tests)"},
        )
        # the engine's worker threads (the run's concurrency), one connection each, bound
        # the connections without a shared pool
        self._local = threading.local()
        self._lock = threading.Lock()
        self._clients: dict[threading.Thread, httpx.Client] = {}
        self._closed = False
        # a transport given by the caller (a MockTransport in tests) is one object: all
        # threads share one client over it, which only close() closes
        self._shared = self._make_client() if transport is not None else None

    def _client(self) -> httpx.Client:
        """This thread's client, made on its first check."""
        if self._closed:
            raise _over()
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._new_client()
        return client

    def _make_client(self) -> httpx.Client:
        import httpx

        return _client_class()(
            **self._settings,
            cookies=_NoCookieJar(),
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )

    def _new_client(self) -> httpx.Client:
        if self._shared is not None:
            return self._shared
        client = self._make_client()
        with self._lock:
            closed = self._closed
            if not closed:  # a finished thread's client (an earlier round's pool) is closed
                gone = [t for t in self._clients if not t.is_alive()]
                stale = [self._clients.pop(t) for t in gone]
                self._clients[threading.current_thread()] = client
        if closed:  # a worker still running when the run ended: nothing left open
            client.close()
            raise _over()
        for old in stale:
            old.close()
        return client

    def send(self, check: Check, function: FunctionRef | None = None) -> Exchange:
        if check.is_raw:
            raise CheckNotExecuted(
                f"{check.id}: a raw invocation cannot go over HTTP; use an environment with via: invoke"
            )
        client = self._client()
        request = check.request
        method = request.method.upper()
        url = build_url(self.base_url, check)
        query = request.query
        params: list[tuple[str, str | int | float | bool | None]] | None = (
            [(k, v) for k, values in query.items() for v in values] if query else None
        )
        headers = dict(request.headers)
        started_at = time.time()
        t0 = time.perf_counter()
        try:
            if check.timeout_s:
                answer, body = self._within(
                    client, check.timeout_s, t0, method, url, params, headers, request.body
                )
            else:  # the client's timeouts
                answer = client.request(
                    method, url, params=params, headers=headers, content=request.body
                )
                body = answer.content
        except _TooSlow as slow:
            raise CheckNotExecuted(
                f"no complete answer from {url} within {check.timeout_s:g}s ({slow})"
            ) from None
        except Exception as exc:
            problem = self._not_executed(exc, check, url)
            if problem is None:
                raise
            raise problem from exc
        latency_ms = (time.perf_counter() - t0) * 1000.0
        multi: dict[str, list[str]] = {}
        for name, value in answer.headers.multi_items():  # names come lower-cased
            values = multi.get(name)
            if values is None:
                multi[name] = [value]
            else:
                values.append(value)
        response = Response(
            status=answer.status_code,
            headers={k: v[0] if len(v) == 1 else ", ".join(v) for k, v in multi.items()},
            body=body,
            multi_headers={k: tuple(v) for k, v in multi.items()},
        )
        return Exchange(
            check_id=check.id,
            transport=self.name,
            target=str(answer.request.url),
            request_summary={
                "method": method,
                "path": request.path,
                "url": url,
                "query": {k: list(v) for k, v in query.items()},
                "headers": headers,
            },
            started_at=started_at,
            latency_ms=latency_ms,
            response=response,
        )

    def _within(
        self, client: Any, total_s: float, t0: float, method: str, url: str, params: Any,
        headers: dict[str, str], content: bytes | None,
    ) -> tuple[Any, bytes]:
        """The answer and its body, all of it within a check's ``timeout``.

        httpx's timeouts bound each read, not the whole answer: a server that trickles
        its body a byte at a time would pass a ``timeout: 1`` check after a minute. The
        body is read as it arrives, and the check ends once the time is up (at the first
        read after it: each read waits at most ``timeout`` too)."""
        import httpx

        deadline = t0 + total_s
        timeout = httpx.Timeout(total_s, connect=self.connect_timeout_s)
        answer = client.send(
            client.build_request(method, url, params=params, headers=headers,
                                 content=content, timeout=timeout),
            stream=True,
        )
        try:
            chunks: list[bytes] = []
            try:
                for chunk in answer.iter_bytes():
                    chunks.append(chunk)
                    if time.perf_counter() > deadline and not _all_read(answer):
                        raise _TooSlow("the body was still arriving")
            except httpx.TimeoutException:  # the headers came; the body stopped
                raise _TooSlow("the headers came, then the body stopped arriving") from None
            took = time.perf_counter() - t0
            if took > total_s:
                raise _TooSlow(f"the whole answer took {took:.2f}s")
        finally:
            answer.close()
        return answer, b"".join(chunks)

    def _not_executed(self, exc: Exception, check: Check, url: str) -> CheckNotExecuted | None:
        """httpx's exception as the one the engine knows; None for anything else."""
        import httpx

        if self._closed:  # closed under this request (httpx: "the client has been closed")
            return _over()

        if isinstance(exc, httpx.ConnectTimeout):
            return CheckNotExecuted(
                f"could not connect to {_where(url)} within {self.connect_timeout_s:g}s", retryable=True
            )
        if isinstance(exc, httpx.TimeoutException):
            limit = check.timeout_s or self.timeout_s
            return CheckNotExecuted(f"no answer from {url} within {limit:g}s")
        if isinstance(exc, httpx.ConnectError):
            return CheckNotExecuted(
                f"cannot reach {_where(url)}: {_reason(exc)}", retryable=True, fatal=True
            )
        if isinstance(exc, httpx.HTTPError):
            return CheckNotExecuted(f"HTTP request to {url} failed: {_reason(exc)}")
        return None

    def close(self) -> None:
        """Close every client (each worker thread's); a worker that asks for one later
        is told the run is over instead of opening a connection nobody closes."""
        with self._lock:
            self._closed = True
            clients, self._clients = list(self._clients.values()), {}
        if self._shared is not None:
            clients.append(self._shared)
        for client in clients:
            client.close()


def _over() -> CheckNotExecuted:
    return CheckNotExecuted("not sent: the run is over (the HTTP transport is closed)")


def _all_read(answer: Any) -> bool:
    """Whether the body's declared length has arrived (False when none is declared)."""
    length = answer.headers.get("content-length", "")
    return bool(length.isdigit() and answer.num_bytes_downloaded >= int(length))


class _TooSlow(Exception):
    """A check's whole answer took longer than its ``timeout``."""


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    reason = text[-1] if text else type(exc).__name__
    if "refused" in reason.lower():
        return "connection refused"
    if "name or service not known" in reason.lower() or "nodename nor servname" in reason.lower():
        return "DNS lookup failed (name or service not known)"
    return reason
