"""RFC 9111 caching (hishel 2.0, ``rfc=True`` as a *private* cache), keyed per account.

Why a private cache: GitHub marks API answers ``Cache-Control: private, max-age=60``; a shared
cache would refuse to store them. Why our own key: hishel keys an entry by URL and relies on
``Vary: Authorization`` to keep accounts apart. We also fold a fingerprint of the credential
headers into the key, so one account's cached body can never answer another account even if a
service forgets ``Vary`` (the fingerprint is a truncated SHA-256). The credential headers are
``Authorization`` plus whichever headers the manifest's auth templates name (CircleCI's
``Circle-Token``, GitLab's ``PRIVATE-TOKEN``): a secret in a header of its own must key the
cache just the same, or two accounts of that service would share entries.

The credential itself never reaches the cache file: hishel stores the request it is given,
headers and all, so the credential headers are taken off before the request enters the
cache and put back on a copy only on its way to the network.
A key sent in the URL (a manifest's ``?param: {token}`` template) is treated the same way:
the parameter is taken out of the URL the cache keys and stores, folded into the account
fingerprint, and put back only on the network's copy.

Revalidation: within ``max-age`` a GET is answered from the cache without any request. A
poller that wants the service's current answer wraps the call in :func:`revalidate`, which
sends ``Cache-Control: no-cache``: hishel then sends ``If-None-Match`` with the stored ETag, and
an unchanged resource costs a 304 -- free of GitHub's primary rate limit.

A request that says ``Cache-Control: no-store`` (``connectors.sdk.NO_STORE``: job logs) goes
round the cache: hishel would store it regardless, rewriting several MB into the cache file on
every read of a growing log.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import anysqlite
import httpx
from hishel import AsyncSqliteStorage, CacheOptions
from hishel.httpx import AsyncCacheTransport

_revalidate: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "tieline_revalidate", default=False
)
_credential: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "tieline_credential", default=None
)
_credential_params: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "tieline_credential_params", default=None
)
#: Headers that carry a credential when a manifest names no other.
DEFAULT_CREDENTIAL_HEADERS = ("authorization",)

CACHE_FILE = "http-cache.sqlite"


@contextlib.contextmanager
def revalidate() -> Iterator[None]:
    """Within this block, cached GETs are revalidated with the service (ETag → 304)."""
    token = _revalidate.set(True)
    try:
        yield
    finally:
        _revalidate.reset(token)


def make_storage(cache_dir: Path | None) -> AsyncSqliteStorage:
    """An on-disk store under ``cache_dir`` (0700; bodies are private data), or in memory."""
    if cache_dir is None:
        # Handed a connection of its own: given a path (even ":memory:") hishel would open a
        # file under ./.cache/ relative to the process's cwd -- the user's checkout.
        memory = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        return AsyncSqliteStorage(connection=anysqlite.Connection(memory))
    cache_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(cache_dir, 0o700)
    return AsyncSqliteStorage(database_path=str(cache_dir / CACHE_FILE))


def account_fingerprint(
    request: httpx.Request,
    headers: tuple[str, ...] = DEFAULT_CREDENTIAL_HEADERS,
    params: dict[str, str] | None = None,
) -> str:
    # Values only: with Authorization alone the key is what it always was (no cache turns
    # cold on upgrade).
    values = [request.headers[h] for h in headers if h in request.headers]
    auth = "\n".join([*values, *(params or {}).values()])
    return hashlib.sha256(auth.encode()).hexdigest()[:16] if auth else "anonymous"


class AccountKeyedCache(httpx.AsyncBaseTransport):
    """hishel's RFC transport with a per-account key and opt-in forced revalidation."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        storage: AsyncSqliteStorage,
        *,
        credential_headers: tuple[str, ...] = DEFAULT_CREDENTIAL_HEADERS,
        credential_params: tuple[str, ...] = (),
    ) -> None:
        self.credential_headers = tuple(dict.fromkeys(h.lower() for h in credential_headers))
        self.credential_params = credential_params
        self.inner = inner
        self.cache = AsyncCacheTransport(
            _Reattach(inner),
            storage=storage,
            rfc=CacheOptions(shared=False, supported_methods=["GET", "HEAD"]),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if _no_store(request):
            # RFC 9111 §5.2.1.5: nothing of this exchange may be stored. hishel 2.0 stores it
            # anyway, so such a request goes round the cache: a job log of several MB, read
            # again and again while it grows, would otherwise be rewritten into the cache
            # file on every read (and a stored copy could answer for a log still growing).
            return await self.inner.handle_async_request(request)
        params = {
            p: request.url.params[p] for p in self.credential_params if p in request.url.params
        }
        request = _detached(request, without=tuple(params))  # the credential comes off a copy
        # In RFC mode every method shares one key per URL, so a PATCH finds (and invalidates)
        # the entries its GETs stored; the account fingerprint keeps accounts apart.
        fingerprint = account_fingerprint(request, self.credential_headers, params)
        identity = f"RFC {request.url} {fingerprint}"
        key = hashlib.sha256(identity.encode()).hexdigest()
        request.extensions = {**request.extensions, "caching": {"key": key}}
        if _revalidate.get() and request.method == "GET" and "cache-control" not in request.headers:
            request.headers["cache-control"] = "no-cache"
        taken = {h: request.headers.pop(h) for h in self.credential_headers if h in request.headers}
        token = _credential.set(taken or None)
        param_token = _credential_params.set(params or None)
        try:
            response = await self.cache.handle_async_request(request)
        finally:
            _credential_params.reset(param_token)
            _credential.reset(token)
        caching = response.extensions.get("caching") or {}
        if request.method == "GET" and caching.get("revalidated") and caching.get("stored"):
            await self._drop_superseded(key, response.headers.get("etag"))
        return response

    async def _drop_superseded(self, key: str, etag: str | None) -> None:
        """After a revalidation answered with a new body, forget the stored answers it replaced.

        hishel stores the new answer beside the last old one and builds the next conditional
        request from the *first* stored entry, so every change cost two more full answers
        (an old ETag sent again, then none) before polls were free 304s again: two rate-limit
        points per change on GitHub. An entry whose ETag is not the new one is stale by
        definition."""
        if not etag:
            return
        storage = self.cache.config["storage"]
        for entry in await storage.get_entries(key):
            if entry.response.headers.get("etag") != etag:
                await storage.remove_entry(entry.id)

    async def aclose(self) -> None:
        await self.cache.aclose()


def _no_store(request: httpx.Request) -> bool:
    directives = request.headers.get("cache-control", "").lower().split(",")
    return any(d.strip() == "no-store" for d in directives)


def _detached(request: httpx.Request, *, without: tuple[str, ...] = ()) -> httpx.Request:
    """The request with headers of its own. The cache takes the credential off the request
    it hands hishel; done on the caller's request, that once stripped it from every redirect
    httpx built from it, a same-origin one too (a renamed repository's 301 then answered 404
    for a private repository). Cross-origin hops lose credentials in
    ``HubClient._redirect_headers`` instead."""
    url = request.url
    for name in without:
        url = url.copy_remove_param(name)
    return httpx.Request(
        request.method,
        url,
        headers=request.headers.copy(),
        stream=request.stream,
        extensions=request.extensions,
    )


class _Reattach(httpx.AsyncBaseTransport):
    """Below the cache: put the credential back, on a copy hishel never sees."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        credential = _credential.get()
        params = _credential_params.get()
        if credential or params:
            headers = request.headers.copy()
            headers.update(credential or {})
            url = request.url.copy_merge_params(params) if params else request.url
            request = httpx.Request(
                request.method,
                url,
                headers=headers,
                stream=request.stream,
                extensions=request.extensions,
            )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
