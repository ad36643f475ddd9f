"""What the AWS side of a run via invoke costs at start, step by step (CPU, fresh processes).

Each process does what ``smoke run`` via invoke does in its discovery thread, against a
loopback Lambda API (``_server.py``): import botocore, the session and the first Lambda
client (``smoke.aws.client``), the first call (GetFunctionConfiguration), a second Lambda
client (the transport's read timeout) and its Invoke, then the CloudWatch Logs client of
the log scan. In-process ``time.process_time()`` per step, with the collector off as in
the ``smoke`` command's start-up (``smoke.gcpolicy``), median over interleaved processes:

- ``botocore loader``: the sessions load their data with botocore's own ``Loader``
  (``smoke.awsdata.install`` made a no-op): smoke before the third session;
- ``first run``: smoke's loader, with an empty cache directory (it parses the JSON and
  writes the parsed copies);
- ``later runs``: smoke's loader, the parsed copies read back;
- ``later, https``: the same against the loopback API over TLS (a self-signed certificate
  appended to certifi's bundle, given as ``AWS_CA_BUNDLE``, as a real endpoint's CA is in
  that bundle): what each new HTTPS connection adds (botocore has urllib3 load the whole
  CA bundle into the client's TLS context again for every new connection).

    .venv/bin/python benchmarks/bench_aws_start.py [--runs 9]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _common import subprocess_env
from _server import _Protocol, loopback_server

CHILD = r"""
import gc, json, sys, time
gc.disable()
import smoke.errors, smoke.userdirs, smoke.model, smoke.schema.known_valid  # a run has them
from smoke import aws
from smoke.model import Environment
env = Environment(name="bench", region="us-east-1", endpoint_url=sys.argv[1])
out, clock = {}, time.process_time()
def step(name):
    global clock
    now = time.process_time(); out[name] = (now - clock) * 1000; clock = now
import botocore.config, botocore.session, smoke.awsdata; step("import botocore")
if sys.argv[2] == "botocore":
    smoke.awsdata.install = lambda session: None
aws.session(env); step("session")
lam = aws.client(env, "lambda"); step("first Lambda client")
lam.get_function_configuration(FunctionName="bench-fn"); step("GetFunctionConfiguration")
again = aws.client(env, "lambda", read_timeout_s=915); step("second Lambda client")
again.invoke(FunctionName="bench-fn", Payload=b"{}")["Payload"].read(); step("Invoke")
aws.client(env, "logs"); step("Logs client")
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    env = subprocess_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=os.devnull,
               AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    variants = {"botocore loader": "botocore", "first run": "smoke", "later runs": "smoke",
                "later, https": "smoke"}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    with (tempfile.TemporaryDirectory() as tmp, loopback_server(0) as url,
          tls_loopback_server(Path(tmp)) as (tls_url, bundle)):
        warm, fresh = Path(tmp) / "warm", Path(tmp) / "fresh"

        def run(name: str) -> dict[str, float]:
            if name == "first run":
                shutil.rmtree(fresh, ignore_errors=True)
            cache = fresh if name == "first run" else warm
            child_env = dict(env, SMOKE_CACHE_DIR=str(cache))
            if name == "later, https":
                child_env["AWS_CA_BUNDLE"] = str(bundle)
            done = subprocess.run(
                [sys.executable, "-c", CHILD, tls_url if "https" in name else url,
                 variants[name]],
                env=child_env, capture_output=True, text=True, check=True,
            )
            return dict(json.loads(done.stdout))
        for name in variants:  # warm-up: bytecode, the file cache, the warm directory
            run(name)
        for _ in range(args.runs):
            for name in variants:
                results[name].append(run(name))
    steps = list(results["botocore loader"][0])
    print(f"CPU ms per step, median of {args.runs} interleaved processes (collector off)")
    print(f"  {'step':<26}" + "".join(f"{name:>17}" for name in variants))
    for step in [*steps, "total"]:
        row = []
        for name in variants:
            values = [sum(r.values()) if step == "total" else r[step] for r in results[name]]
            row.append(f"{statistics.median(values):17.1f}")
        print(f"  {step:<26}" + "".join(row))


@contextmanager
def tls_loopback_server(directory: Path) -> Iterator[tuple[str, Path]]:
    """``_server.py``'s Lambda API over TLS on localhost (in a thread of this process), and
    a CA bundle to trust it: certifi's bundle (botocore's default) plus its certificate."""
    import certifi
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    (directory / "cert.pem").write_bytes(cert_pem)
    (directory / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    bundle = directory / "bundle.pem"
    bundle.write_bytes(Path(certifi.where()).read_bytes() + cert_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    loop = asyncio.new_event_loop()
    _Protocol.delay_s = 0.0
    server = loop.run_until_complete(
        loop.create_server(_Protocol, "127.0.0.1", 0, ssl=context))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"https://localhost:{server.sockets[0].getsockname()[1]}", bundle
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


if __name__ == "__main__":
    main()
