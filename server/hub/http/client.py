"""``build_client``: the per-connector (and per-account) HTTP stack, as one ``httpx.AsyncClient``.

Layers, outermost first::

    HubClient.send        auth (httpx.Auth, may refresh once on 401) · error mapping · health
      AccountKeyedCache   RFC 9111 private cache, per-account key, ETag revalidation (hishel)
        RetryTransport    jittered exponential backoff for 5xx / resets / timeouts (stamina)
          RateLimitTransport  token bucket + the service's x-ratelimit-* / retry-after
            _WireCounter  counts what really reaches the network (health, benchmarks)
              httpx.AsyncHTTPTransport   TLS (CA bundle); proxy from settings or env

The cache sits above the limiter so a fresh hit spends no token; the retry sits above the
limiter so every attempt waits its turn. Errors are mapped in ``send`` -- after the auth flow
-- so the auth layer still sees a 401 and can refresh once; a 401 that survives that becomes
:class:`~connectors.sdk.errors.ReauthRequired`, and nothing here resends it (no loop).

Proxies: httpx builds one transport per proxy mount (from ``proxy=`` or, with ``trust_env``,
from HTTPS_PROXY/HTTP_PROXY/ALL_PROXY minus NO_PROXY); :class:`HubClient` wraps each of them in
the same layers, sharing one limiter and one cache store.
"""

from __future__ import annotations

import os
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import certifi
import httpx
from hishel import AsyncSqliteStorage

from connectors.sdk.connector import FROM_CACHE
from connectors.sdk.errors import RateLimited, TielineError
from connectors.sdk.manifest import Manifest
from connectors.sdk.redact import redact

from ..health import CallSample, MetricsRecorder
from .cache import AccountKeyedCache, make_storage
from .errors import error_for_exception, error_for_response
from .ratelimit import RateLimiter, RateLimitTransport
from .retry import RetryPolicy, RetryTransport

USER_AGENT = "Tieline/0.1 (+https://github.com/tieline)"
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


@dataclass(frozen=True)
class NetworkSettings:
    """Corporate-network settings. ``ca_bundle`` adds to (not replaces) the default roots."""

    proxy: str | None = None
    ca_bundle: Path | None = None
    verify: bool = True
    trust_env: bool = True  # HTTPS_PROXY / NO_PROXY / SSL_CERT_FILE
    timeout: float = 30.0
    connect_timeout: float = 10.0


@dataclass
class HttpStack:
    """The shared state behind one client, for the hub (health, poll intervals, benchmarks)."""

    manifest: Manifest
    limiter: RateLimiter
    retry: RetryPolicy
    metrics: MetricsRecorder | None
    ssl_context: ssl.SSLContext | bool
    transports: list[httpx.AsyncBaseTransport] = field(default_factory=list)
    #: The connector's hook for errors inside 2xx JSON answers (GraphQL ``errors``).
    body_error: BodyCheck | None = None
    #: The RFC 9111 cache's store (what ``doctor`` and the tests look into).
    storage: AsyncSqliteStorage | None = None


BodyCheck = Callable[[httpx.Response], TielineError | None]


def ssl_context(settings: NetworkSettings) -> ssl.SSLContext | bool:
    """Default roots (certifi), plus SSL_CERT_FILE when trusted, plus the configured bundle.

    Contexts are shared between clients built from the same files while those files are
    unchanged (same size and mtime): each one holds ~3.5 MB of parsed certificates and costs
    ~100 ms to build, and the hub builds a client per account plus a probe for env tokens.
    """
    if not settings.verify:
        return False
    env_file = os.environ.get("SSL_CERT_FILE") if settings.trust_env else None
    bundle = str(settings.ca_bundle) if settings.ca_bundle is not None else None
    files = (certifi.where(), env_file or None, bundle)
    key = tuple((f, _stamp(f)) for f in files)
    ctx = _SSL_CONTEXTS.get(key)
    if ctx is None:
        ctx = ssl.create_default_context(cafile=files[0])
        if env_file:
            ctx.load_verify_locations(cafile=env_file)
        if bundle is not None:
            ctx.load_verify_locations(cafile=bundle)
        _SSL_CONTEXTS.clear()  # keep only the current one; an old one lives on in its clients
        _SSL_CONTEXTS[key] = ctx
    return ctx


_SSL_CONTEXTS: dict[tuple[tuple[str | None, tuple[int, int] | None], ...], ssl.SSLContext] = {}


def _stamp(path: str | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None  # loading it fails below, as it always did
    return st.st_mtime_ns, st.st_size


_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default


def _https_upgrade(old: httpx.URL, new: httpx.URL) -> bool:
    """``http://host/`` to ``https://host/`` on the default ports: the same server, now
    encrypted, keeps the credential (as httpx's own rule for ``Authorization``)."""
    return (
        old.host == new.host
        and (old.scheme, _origin(old)[2]) == ("http", 80)
        and (new.scheme, _origin(new)[2]) == ("https", 443)
    )


class _WireCounter(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, metrics: MetricsRecorder | None) -> None:
        self.inner = inner
        self.metrics = metrics
        self.sent = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        try:
            response = await self.inner.handle_async_request(request)
        except httpx.HTTPError:
            if self.metrics is not None:
                self.metrics.on_wire(None)
            raise
        if self.metrics is not None:
            self.metrics.on_wire(response.status_code)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


class HubClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` whose transports are the hub's stack and whose ``send`` raises
    sdk errors instead of returning non-2xx responses."""

    def __init__(
        self,
        *,
        wrap: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport],
        stack: HttpStack,
        **kwargs: Any,
    ) -> None:
        self._wrap = wrap  # set before super().__init__, which builds the transports
        self.stack = stack
        super().__init__(**kwargs)

    def _init_transport(
        self,
        verify: ssl.SSLContext | str | bool = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = _LIMITS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> httpx.AsyncBaseTransport:
        inner = transport or httpx.AsyncHTTPTransport(
            verify=verify, cert=cert, trust_env=trust_env, http1=http1, http2=http2, limits=limits
        )
        return self._wrap(inner)

    def _init_proxy_transport(
        self,
        proxy: httpx.Proxy,
        verify: ssl.SSLContext | str | bool = True,
        cert: Any = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        limits: httpx.Limits = _LIMITS,
    ) -> httpx.AsyncBaseTransport:
        return self._wrap(
            httpx.AsyncHTTPTransport(
                verify=verify,
                cert=cert,
                trust_env=trust_env,
                http1=http1,
                http2=http2,
                limits=limits,
                proxy=proxy,
            )
        )

    def _redirect_headers(
        self, request: httpx.Request, url: httpx.URL, method: str
    ) -> httpx.Headers:
        """Headers for the next hop of a redirect: httpx's, minus every credential when the
        hop leaves the origin.

        httpx drops only ``Authorization`` there; a secret sent in a header of its own
        (``PRIVATE-TOKEN``, ``Circle-Token``, an API key) would follow a redirect to any
        host, such as the short-lived blob URL a CI log download answers with. Any header
        whose value holds a registered secret or a token shape goes, as do cookies and
        proxy credentials the request carried. (An override of httpx's own hook:
        ``tests/http/test_redirects.py`` fails should httpx rename it.)"""
        headers: httpx.Headers = super()._redirect_headers(request, url, method)
        if _origin(url) != _origin(request.url) and not _https_upgrade(request.url, url):
            for name in list(headers.keys()):
                lower = name.lower()
                if lower in _CREDENTIAL_HEADERS or redact(headers[name]) != headers[name]:
                    del headers[name]
        return headers

    @property
    def requests_sent(self) -> int:
        """Requests that reached the network through this client (all mounts)."""
        return sum(t.sent for t in self.stack.transports if isinstance(t, _WireCounter))

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        service = self.stack.manifest.name
        started = time.monotonic()
        status: int | None = None
        caching: dict[str, Any] = {}
        error: TielineError | None = None
        try:
            try:
                response = await super().send(request, **kwargs)
            except httpx.HTTPError as exc:
                raise error_for_exception(exc, request, service=service) from exc
            status = response.status_code
            caching = dict(response.extensions.get("caching") or {})
            response.extensions[FROM_CACHE] = bool(caching.get("from_cache"))
            check = self.stack.body_error
            if check is not None and "json" in response.headers.get("content-type", ""):
                # The connector reads its service's error bodies better than a status can
                # (GraphQL answers a rate limit as 200 or 400 with extensions.code).
                await response.aread()
                found = check(response)
                if found is not None:
                    await response.aclose()
                    if isinstance(found, RateLimited):
                        self.stack.limiter.block(found.retry_at)
                    raise found
            if status >= 400:
                await response.aread()
                await response.aclose()
                raise error_for_response(
                    response, service=service, budgets=self.stack.limiter.budgets
                )
            return response
        except TielineError as exc:
            error = exc
            raise
        finally:
            if self.stack.metrics is not None:
                self.stack.metrics.on_call(
                    CallSample(
                        method=request.method,
                        path=request.url.path,
                        status=status,
                        latency=time.monotonic() - started,
                        from_cache=bool(caching.get("from_cache")),
                        revalidated=bool(caching.get("revalidated")),
                        error=error,
                    )
                )


def credential_headers(manifest: Manifest) -> tuple[str, ...]:
    """``authorization`` and every header the manifest's auth templates send a secret in
    (lower-cased): what the cache keys accounts by and keeps out of its file."""
    named = [t.partition(":")[0].strip().lower() for t in manifest.auth.headers.values()]
    return tuple(dict.fromkeys(["authorization", *(n for n in named if not n.startswith("?"))]))


def credential_params(manifest: Manifest) -> tuple[str, ...]:
    """The query parameters the manifest's auth templates send a secret in (``?api_key:
    {token}``): kept out of the cache's file and folded into its account key like headers."""
    named = [t.partition(":")[0].strip() for t in manifest.auth.headers.values()]
    return tuple(dict.fromkeys(n[1:] for n in named if n.startswith("?") and n[1:]))


def build_client(
    manifest: Manifest,
    *,
    base_url: str,
    auth: httpx.Auth | None,
    cache_dir: Path | None,
    metrics: MetricsRecorder | None = None,
    network: NetworkSettings | None = None,
    retry: RetryPolicy | None = None,
    max_rate_wait: float = 10.0,
    headers: dict[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    body_error: BodyCheck | None = None,
) -> HubClient:
    """The HTTP client a connector's context carries. One per connector+account.

    ``cache_dir=None`` keeps the cache in memory. ``transport`` replaces the network layer
    (tests use ``httpx.MockTransport``); the cache, retry and rate-limit layers stay.
    """
    net = network or NetworkSettings()
    retry = retry or RetryPolicy()
    limiter = RateLimiter(
        manifest.rate_limit, service=manifest.name, max_wait=max_rate_wait, metrics=metrics
    )
    storage = make_storage(cache_dir)
    verify = ssl_context(net)
    stack = HttpStack(
        manifest=manifest,
        limiter=limiter,
        retry=retry,
        metrics=metrics,
        ssl_context=verify,
        body_error=body_error,
        storage=storage,
    )

    def wrap(network_transport: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        counter = _WireCounter(network_transport, metrics)
        stack.transports.append(counter)
        return AccountKeyedCache(
            RetryTransport(RateLimitTransport(counter, limiter), retry),
            storage,
            credential_headers=credential_headers(manifest),
            credential_params=credential_params(manifest),
        )

    return HubClient(
        wrap=wrap,
        stack=stack,
        base_url=base_url,
        auth=auth,
        headers={"user-agent": USER_AGENT, **(headers or {})},
        timeout=httpx.Timeout(net.timeout, connect=net.connect_timeout),
        verify=verify,
        proxy=net.proxy,
        trust_env=net.trust_env,
        transport=transport,
        follow_redirects=True,
    )
