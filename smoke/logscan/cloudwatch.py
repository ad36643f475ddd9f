"""CloudWatch Logs as a ``LogSource``: FilterLogEvents, every page, politely.

Timestamps are milliseconds since the epoch. Every page is followed until
``nextToken`` is absent (a page can be empty while a token remains). Calls go
through a token bucket (at most ``max_rps`` per second, shared by all threads
using the source), and throttling is retried with exponential backoff.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from smoke.aws import ACCESS_DENIED_CODES, client, error_code, error_message, translate
from smoke.errors import LogGroupMissing, LogScanError
from smoke.logscan import LogEvent
from smoke.model import Environment

THROTTLE_CODES = frozenset({"ThrottlingException", "LimitExceededException", "Throttling"})


class TokenBucket:
    """At most ``rate`` acquisitions per second on average, bursts up to ``rate``."""

    def __init__(self, rate: float) -> None:
        self.rate = max(rate, 0.001)
        self.capacity = max(1.0, self.rate)
        self._tokens = self.capacity
        self._updated = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                wait = (1.0 - self._tokens) / self.rate
            time.sleep(wait)


class CloudWatchSource:
    def __init__(
        self,
        env: Environment,
        *,
        endpoint_url: str | None = None,
        max_rps: float = 5.0,
        page_size: int | None = None,
        max_attempts: int = 6,
        base_delay_s: float = 0.25,
        logs_client: Any = None,
    ) -> None:
        self.env = env
        self.endpoint_url = endpoint_url
        self.page_size = page_size  # FilterLogEvents ``limit``; None: the service default
        self.max_attempts = max(1, max_attempts)
        self.base_delay_s = base_delay_s
        self._client = logs_client
        self._bucket = TokenBucket(max_rps)
        self._calls = 0
        self._lock = threading.Lock()

    @property
    def api_calls(self) -> int:
        return self._calls

    @property
    def logs(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = client(self.env, "logs", endpoint_url=self.endpoint_url)
            return self._client

    def events(
        self,
        log_group: str,
        start_ms: int,
        end_ms: int,
        filter_pattern: str | None = None,
        stream_prefixes: Sequence[str] | None = None,
    ) -> Iterator[LogEvent]:
        params: dict[str, Any] = {
            "logGroupName": log_group,
            "startTime": int(start_ms),
            "endTime": int(end_ms),
        }
        if filter_pattern:
            params["filterPattern"] = filter_pattern
        prefixes = list(stream_prefixes or ())
        if len(prefixes) == 1:
            params["logStreamNamePrefix"] = prefixes[0]
        if self.page_size:
            params["limit"] = self.page_size
        token: str | None = None
        while True:
            page = self._call(log_group, dict(params, nextToken=token) if token else params)
            for event in page.get("events", []):
                stream = event.get("logStreamName")
                if len(prefixes) > 1 and not any(str(stream).startswith(p) for p in prefixes):
                    continue
                yield LogEvent(
                    int(event.get("timestamp", 0)), str(event.get("message", "")), stream
                )
            next_token = page.get("nextToken")
            if not next_token or next_token == token:
                return
            token = next_token

    def _call(self, log_group: str, params: dict[str, Any]) -> dict[str, Any]:
        from smoke.logscan import budget

        attempt = 0
        while True:
            budget.check(f"log group {log_group}")  # endless pages, a stop: never a hang
            self._bucket.acquire()
            with self._lock:
                self._calls += 1
            try:
                return dict(self.logs.filter_log_events(**params))
            except Exception as exc:
                code = error_code(exc)
                attempt += 1
                if code in THROTTLE_CODES and attempt < self.max_attempts:
                    delay = min(10.0, self.base_delay_s * (2 ** (attempt - 1)))
                    budget.wait(random.uniform(delay / 2, delay))
                    continue
                raise self._error(exc, code, log_group) from exc

    def _error(self, exc: Exception, code: str, log_group: str) -> LogScanError:
        if code == "ResourceNotFoundException":
            return LogGroupMissing(
                f"log group {log_group} does not exist ({error_message(exc)}): the function "
                "has never logged, or logs to another group (LoggingConfig)"
            )
        if code in ACCESS_DENIED_CODES:
            return LogScanError(
                f"access denied to logs:FilterLogEvents on log group {log_group}: grant "
                "logs:FilterLogEvents on it to the identity smoke runs as"
            )
        if code in THROTTLE_CODES:
            return LogScanError(
                f"log group {log_group}: still throttled after {self.max_attempts} attempts"
            )
        return LogScanError(translate(exc, f"read log group {log_group}").message)
