"""The device grant (RFC 8628) polled by authlib's client, introspection (RFC 7662), and
``verify()`` enforcing scopes and expiry."""

from __future__ import annotations

import asyncio

import pytest
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from server.hub.oauth_provider.provider import verify

from .conftest import Api
from .flows import client_for, code_flow

DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


async def _device_code(api: Api, client: AsyncOAuth2Client, scope: str) -> dict[str, object]:
    resp = await client.request(
        "POST",
        api.url("/oauth/device_authorization"),
        data={"client_id": client.client_id, "scope": scope},
        withhold_token=True,
    )
    assert resp.status_code == 200, resp.text
    body: dict[str, object] = resp.json()
    return body


async def _poll(api: Api, client: AsyncOAuth2Client, device_code: str) -> dict[str, object]:
    token = await client.fetch_token(
        api.url("/oauth/token"), grant_type=DEVICE, device_code=device_code
    )
    return dict(token)


async def _poll_error(api: Api, client: AsyncOAuth2Client, device_code: str) -> str:
    with pytest.raises(OAuthError) as err:
        await _poll(api, client, device_code)
    return str(err.value.error)


async def test_device_grant_pending_slow_down_approved(api: Api) -> None:
    api.approver.mode = "hold"
    reg = await api.public_client(["ci:read", "events:read"])
    async with client_for(api, reg.client.client_id, scope="ci:read") as client:
        code = await _device_code(api, client, "ci:read")
        assert code["verification_uri"] == api.url("/oauth/device")
        assert code["interval"] == 5
        user_code = str(code["user_code"])
        device_code = str(code["device_code"])

        assert await _poll_error(api, client, device_code) == "authorization_pending"
        # Polled again before the interval passed.
        assert await _poll_error(api, client, device_code) == "slow_down"
        api.clock.advance(11)  # the interval grew by 5 seconds
        assert await _poll_error(api, client, device_code) == "authorization_pending"

        # The person sees the code and the scopes, and approves.
        asked = await api.approver.only()
        assert asked.id == user_code and asked.kind == "device"
        assert asked.scope == "ci:read"
        page = await client.request(
            "GET", api.url(f"/oauth/device?user_code={user_code.lower()}"), withhold_token=True
        )
        assert "ci:read" in page.text and "Test CLI" in page.text
        await api.provider.decide(user_code, approve=True, by="test")

        token = await _poll(api, client, device_code)
        assert token["scope"] == "ci:read"
        assert "refresh_token" in token
        who = api.provider.verify(str(token["access_token"]), "ci:read")
        assert who is not None and who.client_id == reg.client.client_id
        assert api.provider.verify(str(token["access_token"]), "events:read") is None
        # One approval, one token response.
        assert await _poll_error(api, client, device_code) == "invalid_request"


async def test_device_code_expires(api: Api) -> None:
    api.approver.mode = "hold"
    reg = await api.public_client()
    async with client_for(api, reg.client.client_id) as client:
        code = await _device_code(api, client, "issues:read")
        api.clock.advance(601)
        assert await _poll_error(api, client, str(code["device_code"])) == "expired_token"


async def test_device_grant_denied(api: Api) -> None:
    api.approver.mode = "deny"
    reg = await api.public_client()
    async with client_for(api, reg.client.client_id) as client:
        code = await _device_code(api, client, "issues:read")
        await api.approver.answered.wait()
        assert await _poll_error(api, client, str(code["device_code"])) == "access_denied"


async def test_device_grant_refuses_unregistered_scope(api: Api) -> None:
    reg = await api.public_client(["issues:read"])
    async with client_for(api, reg.client.client_id) as client:
        resp = await client.request(
            "POST",
            api.url("/oauth/device_authorization"),
            data={"client_id": client.client_id, "scope": "prs:write"},
            withhold_token=True,
        )
        assert resp.status_code == 400
        assert resp.json()["error"] == "invalid_scope"


async def test_introspection_needs_a_confidential_client(api: Api) -> None:
    conf = await api.confidential_client(["snippets:read", "snippets:write"])
    assert conf.secret is not None and conf.secret.startswith("tlcs_")
    other = await api.confidential_client()
    public = await api.public_client()
    url = api.url("/oauth/introspect")
    async with client_for(
        api, conf.client.client_id, secret=conf.secret, scope="snippets:read"
    ) as client:
        token, _, _ = await code_flow(api, client)
        access = str(token["access_token"])
        resp = await client.introspect_token(url, token=access)
        info = resp.json()
        assert info["active"] is True
        assert info["client_id"] == conf.client.client_id
        assert info["scope"] == "snippets:read"
        assert info["token_type"] == "Bearer"
        assert info["exp"] > info["iat"]

        refresh = await client.introspect_token(
            url, token=str(token["refresh_token"]), token_type_hint="refresh_token"
        )
        assert refresh.json()["active"] is True

        # A wrong secret is refused.
        async with client_for(api, conf.client.client_id, secret="tlcs_wrong") as wrong:
            bad = await wrong.introspect_token(url, token=access)
            assert bad.status_code == 401
        # A public client cannot introspect at all.
        async with client_for(api, public.client.client_id) as pub:
            refused = await pub.introspect_token(url, token=access)
            assert refused.status_code == 401
            assert refused.json()["error"] == "invalid_client"
        # Another client learns nothing about this one's token.
        assert other.secret is not None
        async with client_for(api, other.client.client_id, secret=other.secret) as oth:
            assert (await oth.introspect_token(url, token=access)).json() == {"active": False}

        await client.revoke_token(api.url("/oauth/revoke"), token=access)
        assert (await client.introspect_token(url, token=access)).json() == {"active": False}
        api.clock.advance(3601)
        assert (await client.introspect_token(url, token="tlat_unknown")).json() == {
            "active": False
        }


async def test_verify_enforces_scopes_and_expiry(api: Api) -> None:
    reg = await api.public_client(["issues:read", "issues:write", "calendar:read"])
    async with client_for(api, reg.client.client_id, scope="issues:write calendar:read") as c:
        token, _, _ = await code_flow(api, c)
    access = str(token["access_token"])
    assert verify(access, "issues:write", api.provider) is not None
    assert verify(access, "calendar:read", api.provider) is not None
    # write does not imply read; scopes not granted are refused.
    assert verify(access, "issues:read", api.provider) is None
    assert verify(access, "prs:read", api.provider) is None
    assert verify("tlat_not-a-token", "issues:write", api.provider) is None
    assert verify(str(token["refresh_token"]), "issues:write", api.provider) is None
    with pytest.raises(ValueError, match="unknown scope"):
        verify(access, "issues:admin", api.provider)
    who = await api.provider.averify(access, "issues:write")
    assert who is not None and who.can("calendar:read") and not who.can("issues:read")
    api.clock.advance(3601)
    assert verify(access, "issues:write", api.provider) is None


async def test_a_removed_client_or_revoked_grant_stops_its_tokens(api: Api) -> None:
    reg = await api.public_client()
    async with client_for(api, reg.client.client_id) as client:
        token, _, _ = await code_flow(api, client)
        token2, _, _ = await code_flow(api, client)
    (grant,) = await api.provider.admin.list_grants()
    assert grant.client_id == reg.client.client_id
    assert grant.scopes == ("issues:read",)
    assert grant.live_tokens == 2

    assert await api.provider.admin.revoke_grant(reg.client.client_id) == 2
    assert api.provider.verify(str(token["access_token"]), "issues:read") is None
    assert await api.provider.admin.list_grants() == []

    reg2 = await api.public_client()
    async with client_for(api, reg2.client.client_id) as client:
        token3, _, _ = await code_flow(api, client)
    await api.provider.admin.remove_client(reg2.client.client_id)
    assert api.provider.verify(str(token3["access_token"]), "issues:read") is None
    assert token2 != token3


async def test_module_verify_uses_the_provider_set_with_use(api: Api) -> None:
    from server.hub.oauth_provider import provider as module

    reg = await api.public_client()
    async with client_for(api, reg.client.client_id) as client:
        token, _, _ = await code_flow(api, client)
    module.use(api.provider)
    try:
        assert verify(str(token["access_token"]), "issues:read") is not None
    finally:
        module.use(None)
    if isinstance(api.provider.target, str):
        return  # the provider is on PostgreSQL: the default database is another one
    # Without one set, verify() opens the hub's default database: the same file here.
    assert verify(str(token["access_token"]), "issues:read") is not None
    module.use(None)


async def test_token_responses_are_not_cached(api: Api) -> None:
    reg = await api.public_client()
    async with client_for(api, reg.client.client_id) as client:
        token, _, _ = await code_flow(api, client)
        resp = await client.request(
            "POST",
            api.url("/oauth/token"),
            data={
                "grant_type": "refresh_token",
                "refresh_token": str(token["refresh_token"]),
                "client_id": reg.client.client_id,
            },
            withhold_token=True,
        )
    assert resp.status_code == 200
    assert resp.headers["cache-control"] == "no-store"
    assert resp.headers["content-type"].startswith("application/json")


async def test_purge_keeps_what_replay_detection_needs(api: Api) -> None:
    reg = await api.public_client()
    async with client_for(api, reg.client.client_id) as client:
        token, _, _ = await code_flow(api, client)
        api.clock.advance(3601)  # the access token expired; the refresh token lives on
        await asyncio.to_thread(api.provider.storage.purge)  # as the provider runs it
        refreshed = await client.refresh_token(
            api.url("/oauth/token"), refresh_token=str(token["refresh_token"])
        )
        api.clock.advance(3601)
        await asyncio.to_thread(api.provider.storage.purge)  # as the provider runs it
        with pytest.raises(OAuthError):  # the spent one is still recognised
            await client.refresh_token(
                api.url("/oauth/token"), refresh_token=str(token["refresh_token"])
            )
        assert api.provider.verify(str(refreshed["access_token"]), "issues:read") is None
