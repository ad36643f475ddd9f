"""botocore sessions and clients for an environment, and botocore errors -> smoke.errors.

Every AWS call in smoke goes through a client made here: botocore's own retries are
off (``total_max_attempts=1``) because a retried Invoke may run the function twice;
callers retry themselves, and only where that is safe. botocore is imported inside the
functions, so importing this module stays cheap.

The sessions are botocore's own, not ``boto3.Session``: a boto3 session is a wrapper
that makes the same botocore clients, and importing boto3 also imports s3transfer
(~35-60 ms of CPU at every ``smoke run`` via invoke, for nothing smoke uses; see
benchmarks/README.md). One session per profile and region, shared by every client of
the process: botocore caches the service models, the endpoint rulesets and the
credentials per session.
"""

from __future__ import annotations

import threading
from typing import Any

from smoke.errors import CredentialsError, HarnessError, SmokeError
from smoke.model import Environment

_lock = threading.Lock()  # botocore sessions are not safe to create clients from concurrently
_sessions: dict[tuple[str | None, str | None, bool], Any] = {}
_regions: dict[tuple[int, str], frozenset[str]] = {}  # (id(session), service) -> its regions
LOCAL_KEY = "smoke-local"
LOCAL_REGION = "us-east-1"

CREDENTIALS_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "RequestExpired",
        "AuthFailure",
    }
)
ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "AuthorizationError", "UnauthorizedOperation"}
)


def session(env: Environment) -> Any:
    """A botocore ``Session`` for the environment's profile and region (one per pair).

    Made as ``boto3.Session(profile_name=..., region_name=...)`` makes its own: the
    profile, then the region when the environment names one (else ``AWS_REGION``,
    ``AWS_DEFAULT_REGION`` or the profile's). The profile is read here, so an unknown
    profile is reported when the session is opened, as before.
    """
    key = (env.profile, env.region, env.is_local)
    with _lock:
        found = _sessions.get(key)
        if found is not None:
            return found
        import botocore.session

        from smoke.awsdata import install

        try:
            if env.is_local:
                # smoke's local runtime checks no signature: a machine without AWS
                # credentials (a CI runner, a laptop) can still run local environments,
                # and the caller's real credentials are never sent to it.
                made = botocore.session.Session()
                made.set_credentials(LOCAL_KEY, LOCAL_KEY)
                made.set_config_variable("region", env.region or LOCAL_REGION)
            else:
                made = botocore.session.Session(profile=env.profile)
                if env.region:
                    made.set_config_variable("region", env.region)
                made.get_scoped_config()  # an unknown profile: ProfileNotFound now
        except Exception as exc:
            raise translate(exc, f"open the AWS session of environment '{env.name}'") from exc
        install(made)  # botocore's data (models, endpoints) loaded for half the CPU
        _sessions[key] = made
        return made


def client(
    env: Environment,
    service: str,
    *,
    endpoint_url: str | None = None,
    read_timeout_s: float = 30,
    connect_timeout_s: float = 5,
    max_pool: int = 32,
) -> Any:
    """A botocore client with retries off and explicit timeouts.

    The endpoint is ``endpoint_url``, else ``env.endpoint_url``, else whatever botocore
    resolves (it honours ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_<SERVICE>``).
    """
    from botocore.config import Config

    config = Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        read_timeout=read_timeout_s,
        connect_timeout=connect_timeout_s,
        max_pool_connections=max_pool,
    )
    endpoint = endpoint_url or env.endpoint_url
    made_session = session(env)
    if endpoint is None and not env.is_local:
        _check_region(env, made_session, service)
    dummy: dict[str, str] = {}
    if endpoint is not None and not env.is_local and _no_credentials(env, made_session, endpoint):
        dummy = {"aws_access_key_id": LOCAL_KEY, "aws_secret_access_key": LOCAL_KEY}
    with _lock:
        try:
            return made_session.create_client(
                service, endpoint_url=endpoint, config=config, **dummy
            )
        except Exception as exc:
            raise translate(exc, f"create the {service} client") from exc


def is_loopback(url: str) -> bool:
    """True when ``url``'s host is this machine (127.0.0.0/8, ::1, localhost)."""
    import ipaddress
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_said_dummy: set[str] = set()
_no_creds: dict[int, bool] = {}  # id(session) -> found no credentials (looked up once)


def _no_credentials(env: Environment, made_session: Any, endpoint: str) -> bool:
    """True when ``endpoint`` is loopback and the session finds no credentials.

    A loopback endpoint is smoke's local runtime or moto's server, which check no
    signature: a rehearsal (``smoke local start`` + ``endpoint_url``) runs on a machine
    without AWS credentials with dummy static ones, and says so once. Never for any other
    endpoint: a real (or remote) one gets the usual "no AWS credentials found".
    """
    if not is_loopback(endpoint):
        return False
    with _lock:
        missing = _no_creds.get(id(made_session))
        if missing is None:
            try:
                missing = made_session.get_credentials() is None
            except Exception:  # a broken profile is reported when the call is made
                missing = False
            _no_creds[id(made_session)] = missing
        if not missing:
            return False
        if endpoint not in _said_dummy:
            _said_dummy.add(endpoint)
            import sys

            print(
                f"smoke: note: environment '{env.name}': no AWS credentials found; using dummy "
                f"ones for the loopback endpoint {endpoint} (the local runtime and moto check "
                "no signature)",
                file=sys.stderr,
            )
        return True


def _check_region(env: Environment, made_session: Any, service: str) -> None:
    """An unknown region is one clear line, not a DNS failure for a made-up host."""
    import os

    if os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}") or os.environ.get("AWS_ENDPOINT_URL"):
        return
    region = made_session.get_config_variable("region")
    if region is None:
        raise HarnessError(
            f"environment '{env.name}' has no AWS region: set 'region:' in smoke.yaml "
            "or export AWS_REGION"
        )
    known = _known_regions(made_session, service)
    if known and region not in known:
        from smoke.suggest import did_you_mean

        guess = did_you_mean(region, sorted(known))
        raise HarnessError(
            f"unknown AWS region {region!r} in environment '{env.name}'"
            + (f": did you mean {guess!r}?" if guess else " (see `aws ec2 describe-regions`)")
        )


def _known_regions(made_session: Any, service: str) -> frozenset[str]:
    """The regions botocore knows for ``service``, in every partition; listed once per
    session and service (a run makes two Lambda clients, and a Logs client to scan)."""
    key = (id(made_session), service)
    with _lock:
        found = _regions.get(key)
        if found is None:
            known: set[str] = set()
            for partition in made_session.get_available_partitions():
                known.update(made_session.get_available_regions(service, partition_name=partition))
            found = _regions[key] = frozenset(known)
        return found


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` ('' for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def error_message(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Message", "")) or str(exc)
    return str(exc)


def translate(exc: Exception, what: str) -> SmokeError:
    """Turn a botocore/boto3 exception into one line of smoke.errors.

    ``what`` says what smoke was doing, e.g. "invoke function api (orders-prod)".
    """
    if isinstance(exc, SmokeError):
        return exc
    import botocore.exceptions as bx

    name = type(exc).__name__
    if isinstance(exc, bx.ProfileNotFound):
        return CredentialsError(
            f"could not {what}: {exc}. Check the profile name in smoke.yaml "
            "or run `aws configure list-profiles`."
        )
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return CredentialsError(
            f"could not {what}: no AWS credentials found. Set a profile in smoke.yaml, "
            "export AWS_PROFILE, or log in (e.g. `aws sso login`)."
        )
    if isinstance(
        exc, (bx.TokenRetrievalError, bx.SSOError, bx.CredentialRetrievalError, bx.NoAuthTokenError)
    ):
        return CredentialsError(
            f"could not {what}: the AWS credentials could not be loaded or have expired "
            f"({exc}). Log in again (e.g. `aws sso login`)."
        )
    if isinstance(exc, bx.NoRegionError):
        return HarnessError(
            f"could not {what}: no AWS region. Set `region:` for the environment in "
            "smoke.yaml or export AWS_DEFAULT_REGION."
        )
    if isinstance(exc, (bx.InvalidRegionError, bx.UnknownEndpointError)):
        return HarnessError(f"could not {what}: unknown AWS region ({exc}).")
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError)):
        endpoint = getattr(exc, "kwargs", {}).get("endpoint_url", "?")
        return HarnessError(
            f"could not {what}: cannot connect to {endpoint}. Check the region, "
            "endpoint_url and network (DNS, proxy, VPN)."
        )
    if isinstance(exc, bx.ReadTimeoutError):
        endpoint = getattr(exc, "kwargs", {}).get("endpoint_url", "?")
        return HarnessError(f"could not {what}: no answer from {endpoint} in time.")
    if isinstance(exc, bx.ClientError):
        code = error_code(exc)
        operation = getattr(exc, "operation_name", "") or "the call"
        message = error_message(exc)
        if code in CREDENTIALS_CODES:
            return CredentialsError(
                f"could not {what}: the AWS credentials were refused ({code}: {message}). "
                "Refresh them (e.g. `aws sso login`) and run again."
            )
        if code in ACCESS_DENIED_CODES:
            return HarnessError(
                f"could not {what}: access denied to {operation} ({message}). "
                f"Grant the permission for {operation} to the identity smoke runs as."
            )
        return HarnessError(f"could not {what}: {operation} failed with {code}: {message}")
    if isinstance(exc, bx.BotoCoreError):
        return HarnessError(f"could not {what}: {exc}")
    return HarnessError(f"could not {what}: {name}: {exc}")


def forget_sessions() -> None:
    """Drop cached sessions (credentials are re-read on the next client)."""
    with _lock:
        _sessions.clear()
        _no_creds.clear()
        _regions.clear()
