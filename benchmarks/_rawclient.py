"""Reference client: N GETs over C keep-alive connections, stdlib asyncio, nothing judged.

``python benchmarks/_rawclient.py URL N C`` is what the network and the loopback
server allow on this machine: the floor a whole-process ``smoke run`` is compared with.
"""

from __future__ import annotations

import asyncio
import sys
from urllib.parse import urlsplit


async def _worker(host: str, port: int, paths: list[str]) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    ok = 0
    for path in paths:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        ok += head.startswith(b"HTTP/1.1 200")
    writer.close()
    return ok


async def main(url: str, n: int, concurrency: int) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    paths = [f"/item/{i}" for i in range(n)]
    shares = [paths[i::concurrency] for i in range(concurrency)]
    done = await asyncio.gather(*(_worker(host, port, share) for share in shares if share))
    if sum(done) != n:
        raise SystemExit(f"only {sum(done)} of {n} answers were 200")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
