"""The one exception tree that smoke's code sees.

Third-party exceptions (botocore, httpx, yaml, jsonschema) are translated at the
boundary where they happen (loaders, transports, discovery, log scan), so the
rest of the code only ever catches these::

    SmokeError                      base; ``exit_code`` says how the CLI exits
    ├── ConfigError                 exit 2: a suite, smoke.yaml or template is invalid
    │                               (carries a Location; message says what to do)
    ├── GuardError                  exit 2: the mutation guard refused checks
    ├── HarnessError                exit 3: smoke could not do its job
    │   ├── CredentialsError        missing/expired credentials, unknown profile
    │   ├── DiscoveryError          no match / several matches for a function
    │   └── LogScanError            the log scan could not run (AccessDenied, no group)
    │       └── LogGroupMissing     the group does not exist (the function never logged)
    └── CheckNotExecuted            raised by a transport for one check: the check is an
                                    ERROR result (never a pass); the run goes on.
                                    ``retryable`` is True only when the function did not run.

Verdicts never raise: failed expectations are ``model.Failure`` data.
"""

from __future__ import annotations

from collections.abc import Callable

from smoke.model import Location


class SmokeError(Exception):
    exit_code = 3

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(SmokeError):
    """Invalid user input. ``str()`` renders ``file:line: message`` plus the quoted lines."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        snippet: str = "",
        hint: str = "",
    ) -> None:
        super().__init__(message)
        self.location = location
        self.snippet = snippet
        self.hint = hint
        self.count = 1  # the problems it stands for (a schema error lists the others: "also ...")

    def masked(self, redact: Callable[[str], str]) -> ConfigError:
        """The same error with ``redact`` applied to what it says (values read from ``${VAR}``
        may appear in a message such as ``got 'items?key=...'``)."""
        error = ConfigError(redact(self.message), self.location, redact(self.snippet),
                            redact(self.hint))
        error.count = self.count
        error.__cause__ = self.__cause__
        return error

    def __str__(self) -> str:
        head = f"{self.location}: {self.message}" if self.location else self.message
        parts = [head]
        if self.snippet:
            parts.append(self.snippet.rstrip("\n"))
        if self.hint:
            parts.append(self.hint)
        return "\n".join(parts)


class GuardError(SmokeError):
    exit_code = 2


class HarnessError(SmokeError):
    exit_code = 3


class CredentialsError(HarnessError):
    pass


class DiscoveryError(HarnessError):
    pass


class LogScanError(HarnessError):
    pass


class LogGroupMissing(LogScanError):
    """The log group does not exist: after an invocation, the scan could not run; for
    ``smoke scan`` on its own, the function simply has not logged yet."""


class CheckNotExecuted(SmokeError):
    """One check could not be executed. The engine records it as an ERROR result."""

    exit_code = 1

    def __init__(
        self, message: str, *, retryable: bool = False, fatal: bool = False,
        by_aws: bool = False,
    ) -> None:
        super().__init__(message)
        self.retryable = retryable  # the function certainly did not run
        self.fatal = fatal  # the whole run cannot go on (credentials, DNS of the endpoint...)
        self.by_aws = by_aws  # AWS refused or failed the call itself (AccessDenied, 5xx)
