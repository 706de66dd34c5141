"""Fetching an index (``objects.inv``, a DevDocs ``index.json``) from its docs URL, once.

The request goes through the hub's HTTP stack (:func:`server.hub.http.build_client`):
proxies and the CA bundle from ``network.*``, retries for transient failures, and the RFC 9111
cache, so *Update Docs* revalidates with the stored ETag and an unchanged inventory costs a
304. The index itself is then kept as a plain file under the data directory: that copy is
what makes the set work offline, whatever the HTTP cache decides to evict. Documentation
sites are public: the client carries no credential.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

import httpx

from connectors.sdk.errors import TielineError
from connectors.sdk.manifest import Attachment, Auth, Manifest, RateLimitPolicy

from ..http import HubClient, NetworkSettings, build_client, revalidate

#: What the HTTP stack needs to know about "documentation sites": a gentle rate, no headers.
DOCS_MANIFEST = Manifest(
    id="docs",
    name="Documentation",
    capabilities=(),
    api_url="https://docs.python.org/",
    attach=Attachment(kind="account"),
    auth=Auth(methods=("token",)),
    rate_limit=RateLimitPolicy(
        requests_per_second=2.0,
        burst=4,
        remaining_header=None,
        limit_header=None,
        reset_header=None,
    ),
)
MAX_INDEX_BYTES = 64 * 1024 * 1024  # Python's objects.inv is ~130 kB; DevDocs' largest ~10 MB


def docs_client(
    cache_dir: Path | None,
    network: NetworkSettings | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> HubClient:
    """The one client every documentation fetch uses (no auth, the hub's cache)."""
    return build_client(
        DOCS_MANIFEST,
        base_url="",
        auth=None,
        cache_dir=cache_dir,
        network=network,
        transport=transport,
    )


async def fetch_index(client: httpx.AsyncClient, url: str, dest: Path, *, update: bool) -> bool:
    """Bring ``url`` to ``dest`` unless it is there already (``update``: ask the site again,
    revalidating). True when ``dest`` changed. A failure leaves a previous copy in place."""
    if not update and await asyncio.to_thread(dest.is_file):
        return False
    if not url.startswith(("https://", "http://")):
        raise TielineError(f"cannot fetch {url!r}: only http(s) URLs are fetched")
    with revalidate() if update else contextlib.nullcontext():
        response = await client.get(url)
    data = response.content
    if len(data) > MAX_INDEX_BYTES:
        raise TielineError(f"{url}: the index is larger than {MAX_INDEX_BYTES >> 20} MB")
    return await asyncio.to_thread(_keep, dest, data)


def _keep(dest: Path, data: bytes) -> bool:
    if dest.is_file() and dest.read_bytes() == data:
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, dest)  # a reader never sees half an index
    return True
