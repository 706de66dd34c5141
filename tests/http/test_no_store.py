"""``Cache-Control: no-store`` requests (job logs) go round the hub's HTTP cache.

hishel 2.0 stores an answer to a request that says ``no-store`` (RFC 9111 §5.2.1.5 forbids
it), so every read of a growing multi-MB log was rewritten into the cache file. The cache
now hands such a request straight to the layers below, credential and all.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from connectors.github.connector import GitHubConnector
from connectors.sdk import NO_STORE
from server.hub.auth.headers import SecretAuth
from server.hub.http import HubClient, NetworkSettings, build_client

BODY = b"job log line CANARY-LOG-7f3a\n" * 1000


def _client(cache_dir: Path, seen: list[httpx.Request]) -> HubClient:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, content=BODY, headers={"cache-control": "private, max-age=60", "etag": '"v1"'}
        )

    return build_client(
        GitHubConnector.manifest(),
        base_url="https://ci.example",
        auth=SecretAuth("tok-secret-1", header=("Authorization", "Bearer {token}")),
        cache_dir=cache_dir,
        network=NetworkSettings(trust_env=False),
        transport=httpx.MockTransport(answer),
    )


def _cache_file(cache_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in cache_dir.glob("http-cache.sqlite*"))


async def test_a_no_store_read_is_neither_stored_nor_answered_from_the_cache(
    tmp_path: Path,
) -> None:
    seen: list[httpx.Request] = []
    async with _client(tmp_path, seen) as http:
        for _ in range(3):
            r = await http.get("/jobs/7/log", headers=NO_STORE)
            assert r.content == BODY
    assert len(seen) == 3  # every read reached the service
    assert all(r.headers["authorization"] == "Bearer tok-secret-1" for r in seen)
    assert b"CANARY-LOG-7f3a" not in _cache_file(tmp_path)


async def test_without_no_store_the_same_answer_is_stored_and_served(tmp_path: Path) -> None:
    """The control: the same answer, asked for plainly, is kept and served within max-age
    (so the test above would fail if ``no-store`` were ignored)."""
    seen: list[httpx.Request] = []
    async with _client(tmp_path, seen) as http:
        for _ in range(3):
            assert (await http.get("/jobs/7/log")).content == BODY
    assert len(seen) == 1
    assert b"CANARY-LOG-7f3a" in _cache_file(tmp_path)
