"""What checking an API call's token costs: ``OAuthProvider.verify`` with 10,000 tokens in the
store, and a refresh at the token endpoint over HTTP (uvicorn on 127.0.0.1).

Run: ``python -m bench.oauth_verify [TOKENS]``. Issues TOKENS (10,000) access tokens straight
into a fresh database (as the token endpoint stores them: SHA-256 digests), then measures
p50 / p99 of ``verify`` for live tokens, unknown tokens and a scope the token lacks, and of
a refresh-token exchange through the real endpoint (authlib's httpx client), each one after
the other.

Figures are printed, never asserted. Goal: ``verify`` p99 <= 2 ms (it runs on every API call).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bench.client import percentiles

if TYPE_CHECKING:
    from server.hub.oauth_provider.provider import OAuthProvider

TOKENS = 10_000


def _fill(provider: OAuthProvider, client_id: str, n: int) -> list[str]:
    from server.hub.oauth_provider.tokens import ACCESS_PREFIX, hash_secret, new_value

    values = []
    for _ in range(n):
        v = new_value(ACCESS_PREFIX)
        provider.storage.save_token(
            client_id=client_id,
            subject="local-user",
            scope="issues:read prs:read",
            access_hash=hash_secret(v),
            refresh_hash=None,
            family=uuid.uuid4().hex,
            code_hash=None,
            expires_in=3600,
            refresh_expires_in=None,
        )
        values.append(v)
    return values


def _timed(fn: Callable[[str, str], object], args: list[tuple[str, str]]) -> list[float]:
    out = []
    for a in args:
        t = time.perf_counter()
        fn(*a)
        out.append(time.perf_counter() - t)
    return out


async def _refreshes(provider: OAuthProvider, client_id: str, n: int) -> list[float]:
    import uvicorn
    from authlib.integrations.httpx_client import AsyncOAuth2Client
    from starlette.applications import Starlette

    from server.hub.oauth_provider.tokens import REFRESH_PREFIX, hash_secret, new_value
    from server.web.oauth_routes import routes

    sock = socket.socket()
    # Without it each response waits ~40 ms for a delayed ACK: uvicorn writes headers and body
    # separately, and accepted connections inherit the option from this socket.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(
        uvicorn.Config(Starlette(routes=routes(provider)), log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.01)
    refresh = new_value(REFRESH_PREFIX)
    provider.storage.save_token(
        client_id=client_id,
        subject="local-user",
        scope="issues:read",
        access_hash=hash_secret(new_value("tlat_")),
        refresh_hash=hash_secret(refresh),
        family=uuid.uuid4().hex,
        code_hash=None,
        expires_in=3600,
        refresh_expires_in=86400,
    )
    times = []
    async with AsyncOAuth2Client(client_id=client_id) as client:
        for _ in range(n):
            t = time.perf_counter()
            token = await client.refresh_token(f"{base}/oauth/token", refresh_token=refresh)
            times.append(time.perf_counter() - t)
            refresh = token["refresh_token"]
    server.should_exit = True
    await task
    return times


def _line(name: str, ms: list[float]) -> None:
    p = percentiles(ms)
    print(f"{name:<34} p50 {p[0]:7.3f} ms   p99 {p[1]:7.3f} ms   (n={len(ms)})")


async def run(n: int) -> None:
    from server.hub.oauth_provider.provider import OAuthProvider

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TIELINE_HOME"] = tmp
        provider = await OAuthProvider.open(Path(tmp) / "tieline.db")
        reg = await provider.admin.add_client(
            "bench", kind="public", redirect_uris=["http://127.0.0.1/cb"], scopes=[]
        )
        cid = reg.client.client_id
        t = time.perf_counter()
        values = _fill(provider, cid, n)
        print(f"{n} tokens stored in {time.perf_counter() - t:.1f} s")
        sample = values[:: max(1, n // 1000)]
        _line("verify, live token", _timed(provider.verify, [(v, "prs:read") for v in sample]))
        _line(
            "verify, unknown token",
            _timed(provider.verify, [(v + "x", "prs:read") for v in sample]),
        )
        _line(
            "verify, scope not granted",
            _timed(provider.verify, [(v, "issues:write") for v in sample]),
        )
        _line("refresh over HTTP (rotation)", await _refreshes(provider, cid, 200))


def main(argv: list[str]) -> None:
    asyncio.run(run(int(argv[0]) if argv else TOKENS))


if __name__ == "__main__":
    main(sys.argv[1:])
