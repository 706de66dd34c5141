"""``RefreshingAuth``: the ``httpx.Auth`` that keeps an account's bearer token valid.

- Proactive: a token that expires within ``margin`` seconds is refreshed before the request.
- Single-flight: one ``asyncio.Lock`` per account; requests that find the token already
  renewed while they waited use the new one, so N concurrent requests cause one refresh.
- Rotation-safe: before refreshing, the vault is read again. Another process (the CLI, a
  second editor) may have rotated the refresh token already; presenting the old one would be
  a reuse, which servers such as oidc-provider treat as theft and answer by revoking the
  whole grant. Rotated tokens are written back to the vault at once.
- No loops: a 401 causes at most one refresh and one retry; a second 401, a missing refresh
  token, or ``invalid_grant`` raise :class:`ReauthRequired`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Protocol

import httpx
from pydantic import SecretStr

from connectors.sdk.errors import AuthError, ReauthRequired
from connectors.sdk.redact import register_secret
from server.hub.vault import AccountRef, Credentials, Vault

from .headers import render
from .oauth import OAuthClientConfig, TokenSet, raise_for_token_error, token_request

DEFAULT_MARGIN = 120.0
log = logging.getLogger("tieline.auth")


class TokenRefresher(Protocol):
    """Exchanges a refresh token for new tokens; raises ReauthRequired on invalid_grant."""

    async def refresh(self, refresh_token: str) -> TokenSet: ...


class OAuthRefresher:
    """Refresh against a token endpoint, on an HTTP client of its own (never the client that
    carries this auth, which would recurse into the lock)."""

    def __init__(
        self, client: OAuthClientConfig, http: httpx.AsyncClient, *, service: str = "the service"
    ) -> None:
        self.client = client
        self.http = http
        self.service = service

    async def refresh(self, refresh_token: str) -> TokenSet:
        form = {
            **self.client.client_auth(),
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        }
        result = await token_request(
            self.http,
            self.client.token_url,
            form,
            service=self.service,
            token_field=self.client.token_field,
            headers=self.client.client_headers(),
        )
        if isinstance(result, TokenSet):
            return result
        raise_for_token_error(
            result,
            service=self.service,
            doing="renewing the access token",
            help=self.client.error_help,
        )


def merge_tokens(old: Credentials, new: TokenSet) -> Credentials:
    """Credentials after a refresh: a server that does not rotate keeps the old refresh token."""
    refresh = new.refresh_token or (
        old.refresh_token.get_secret_value() if old.refresh_token else None
    )
    return old.model_copy(
        update={
            "access_token": SecretStr(new.access_token),
            "refresh_token": SecretStr(refresh) if refresh else None,
            "expires_at": new.expires_at,
            "token_type": new.token_type,
            "scopes": new.scopes or old.scopes,
        }
    )


class RefreshingAuth(httpx.Auth):
    """Auth for one account (Bearer unless the manifest says otherwise), with proactive,
    single-flight, rotation-safe refresh."""

    def __init__(
        self,
        vault: Vault,
        account: AccountRef,
        refresher: TokenRefresher | None,
        *,
        credentials: Credentials | None = None,
        margin: float = DEFAULT_MARGIN,
        clock: Callable[[], float] = time.time,
        header: tuple[str, str] = ("Authorization", "Bearer {token}"),
    ) -> None:
        self.vault = vault
        self.header = header
        self.account = account
        self.refresher = refresher
        self.margin = margin
        self._clock = clock
        self._creds = credentials.register() if credentials is not None else None
        self._lock = asyncio.Lock()
        #: How many refresh requests this instance sent (health metrics, tests).
        self.refreshes = 0

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        raise RuntimeError("RefreshingAuth is for httpx.AsyncClient only")
        yield request  # pragma: no cover -- makes this a generator

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        creds = await self.current()
        self._apply(request, creds)
        response = yield request
        if response.status_code != 401:
            return
        renewed = await self._renew_after_401(creds)
        self._apply(request, renewed)
        response = yield request
        if response.status_code == 401:
            raise self._reauth("rejected the renewed credentials too")

    # -- internals ---------------------------------------------------------------------------
    def _expiring(self, creds: Credentials) -> bool:
        return creds.expires_within(self.margin, now=self._clock())

    def _apply(self, request: httpx.Request, creds: Credentials) -> None:
        name, template = self.header
        request.headers[name] = render(
            template, creds.access_token.get_secret_value(), creds.username
        )

    def _reauth(self, what: str) -> ReauthRequired:
        a = self.account
        return ReauthRequired(
            f"{a.connector} {what} for {a.label}; sign in again:"
            f" tieline auth login {a.connector} --host {a.host}"
        )

    async def _load(self) -> Credentials | None:
        return await asyncio.to_thread(self.vault.load, self.account)

    async def current(self) -> Credentials:
        """Credentials valid for at least ``margin`` seconds (refreshing if needed)."""
        creds = self._creds
        if creds is not None and not self._expiring(creds):
            return creds
        async with self._lock:
            if self._creds is None:
                self._creds = await self._load()
                if self._creds is None:
                    a = self.account
                    raise AuthError(
                        f"not signed in to {a.connector} as {a.label}:"
                        f" tieline auth login {a.connector} --host {a.host}"
                    )
            if not self._expiring(self._creds):
                return self._creds
            return await self._refresh_locked(self._creds)

    async def _renew_after_401(self, used: Credentials) -> Credentials:
        async with self._lock:
            cur = self._creds
            if cur is not None and cur.access_token != used.access_token:
                return cur  # another request renewed it while this one was in flight
            return await self._refresh_locked(used, rejected=used)

    async def _refresh_locked(
        self, stale: Credentials, *, rejected: Credentials | None = None
    ) -> Credentials:
        stored = await self._load()
        if (
            stored is not None
            and stored.access_token != stale.access_token
            and (rejected is None or stored.access_token != rejected.access_token)
            and not self._expiring(stored)
        ):
            self._creds = stored  # renewed elsewhere (another process): no refresh needed
            return stored
        base = stored or stale
        if base.refresh_token is None or self.refresher is None:
            raise self._reauth("rejected the credentials" if rejected else "credentials expired")
        try:
            tokens = await self._refresh_with(base)
        except ReauthRequired:
            # Did someone rotate between our read and our request? Then theirs is valid.
            again = await self._load()
            if again is None or again.refresh_token in (None, base.refresh_token):
                log.warning("token renewal refused for %s; sign-in needed", self.account.label)
                raise self._reauth("no longer accepts the saved sign-in") from None
            base = again
            tokens = await self._refresh_with(base)
        new = merge_tokens(base, tokens)
        register_secret(new.access_token.get_secret_value())
        await asyncio.to_thread(self.vault.save, new)
        self._creds = new
        log.info("renewed the access token for %s", self.account.label)
        return new

    async def _refresh_with(self, base: Credentials) -> TokenSet:
        assert self.refresher is not None and base.refresh_token is not None
        self.refreshes += 1
        return await self.refresher.refresh(base.refresh_token.get_secret_value())
