"""RefreshingAuth against a real OAuth server: proactive and single-flight refresh, 401
handling, refresh-token rotation across processes, and no secret in errors or logs."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import pytest
from pydantic import SecretStr

from connectors.sdk.errors import ReauthRequired
from server.hub.auth import OAuthRefresher, RefreshingAuth
from server.hub.vault import Credentials, Vault
from tests.auth.conftest import OidcServer, sign_in_web

pytestmark = pytest.mark.peers


def _expired(creds: Credentials) -> Credentials:
    return creds.model_copy(update={"expires_at": time.time() - 10})


def _auth(
    oidc: OidcServer, vault: Vault, http: httpx.AsyncClient, creds: Credentials, **kw: object
) -> RefreshingAuth:
    refresher = OAuthRefresher(oidc.client(), http, service="Test OP")
    return RefreshingAuth(vault, creds.account, refresher, **kw)  # type: ignore[arg-type]


async def test_concurrent_requests_cause_one_refresh(
    oidc: OidcServer, vault: Vault, http: httpx.AsyncClient
) -> None:
    creds = await sign_in_web(oidc, vault, http)
    vault.save(_expired(creds))
    auth = _auth(oidc, vault, http, creds)
    before = (await oidc.stats())["refresh"]
    async with httpx.AsyncClient(auth=auth) as api:
        replies = await asyncio.gather(*(api.get(f"{oidc.issuer}/me") for _ in range(10)))
    assert [r.status_code for r in replies] == [200] * 10
    assert (await oidc.stats())["refresh"] - before == 1
    assert auth.refreshes == 1
    stored = vault.load(creds.account)
    assert stored is not None and stored.refresh_token != creds.refresh_token  # rotated, saved
    assert not stored.expires_within(60)


async def test_401_refreshes_once_and_retries(
    oidc: OidcServer, vault: Vault, http: httpx.AsyncClient
) -> None:
    # An access token the server no longer knows (oidc-provider's revocation endpoint would
    # revoke the whole grant, so the stale token is simply one it never issued).
    creds = (await sign_in_web(oidc, vault, http)).model_copy(
        update={"access_token": SecretStr("stale-access-token-0001")}
    )
    vault.save(creds)
    auth = _auth(oidc, vault, http, creds)
    async with httpx.AsyncClient(auth=auth) as api:
        r = await api.get(f"{oidc.issuer}/me")
    assert r.status_code == 200 and [h.status_code for h in r.history] == [401]
    assert auth.refreshes == 1


async def test_401_with_revoked_refresh_token_raises_reauth_without_looping(
    oidc: OidcServer, vault: Vault, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    creds = await sign_in_web(oidc, vault, http)
    assert creds.refresh_token is not None
    await oidc.revoke(creds.refresh_token.get_secret_value())
    await oidc.revoke(creds.access_token.get_secret_value())
    before = (await oidc.stats())["refresh"]
    auth = _auth(oidc, vault, http, creds)
    async with httpx.AsyncClient(auth=auth) as api:
        with pytest.raises(ReauthRequired, match="tieline auth login oidctest") as err:
            await api.get(f"{oidc.issuer}/me")
    assert (await oidc.stats())["refresh"] - before == 1
    for secret in (creds.access_token, creds.refresh_token):
        assert secret.get_secret_value() not in str(err.value)
        assert secret.get_secret_value() not in caplog.text


async def test_rotation_across_processes_never_reuses_an_old_refresh_token(
    oidc: OidcServer, vault: Vault, http: httpx.AsyncClient
) -> None:
    """Two holders of one account (say the CLI and the editor's server) share the vault."""
    creds = await sign_in_web(oidc, vault, http)
    assert creds.refresh_token is not None
    old_refresh = creds.refresh_token.get_secret_value()
    before = (await oidc.stats())["refresh"]

    a = _auth(oidc, vault, http, _expired(creds), credentials=_expired(creds))
    async with httpx.AsyncClient(auth=a) as api:
        assert (await api.get(f"{oidc.issuer}/me")).status_code == 200
    assert a.refreshes == 1  # rt0 -> rt1, saved to the vault

    # B still holds rt0 in memory and its clock says every token has expired. It must not
    # present rt0 (a reuse); it picks up A's rotated rt1 from the vault and refreshes with it.
    b = _auth(
        oidc, vault, http, creds, credentials=_expired(creds), clock=lambda: time.time() + 7200
    )
    async with httpx.AsyncClient(auth=b) as api:
        assert (await api.get(f"{oidc.issuer}/me")).status_code == 200
    assert b.refreshes == 1
    assert (await oidc.stats())["refresh"] - before == 2

    # The server really does reject reuse of the old token ...
    with pytest.raises(ReauthRequired) as err:
        await OAuthRefresher(oidc.client(), http).refresh(old_refresh)
    assert old_refresh not in str(err.value)
    # ... and, as reuse detection, revokes the whole grant: the next 401 ends in one
    # refresh attempt and ReauthRequired, not a loop.
    c = _auth(oidc, vault, http, creds)
    async with httpx.AsyncClient(auth=c) as api:
        with pytest.raises(ReauthRequired):
            await api.get(f"{oidc.issuer}/me")
    assert c.refreshes == 1


async def test_without_refresh_token_a_401_asks_to_sign_in_again(
    oidc: OidcServer, vault: Vault, http: httpx.AsyncClient
) -> None:
    creds = Credentials(
        connector="oidctest",
        host="127.0.0.1",
        login="pat",
        access_token=SecretStr("canary-pat-0001"),
    )
    vault.save(creds)
    auth = RefreshingAuth(vault, creds.account, None)
    async with httpx.AsyncClient(auth=auth) as api:
        with pytest.raises(ReauthRequired, match="sign in again") as err:
            await api.get(f"{oidc.issuer}/me")
    assert "canary-pat-0001" not in str(err.value)
