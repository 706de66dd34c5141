"""Authorization code + PKCE against the real server, with authlib's httpx client: tokens,
rotation on refresh, family revocation on replay, revocation, and what is refused."""

from __future__ import annotations

import asyncio
import logging
import secrets
import sqlite3
from pathlib import Path

import pytest
from authlib.integrations.base_client import OAuthError

from .conftest import Api
from .flows import REDIRECT, authorize, client_for, code_flow, query

CLIENT_LOGGERS = ("httpx", "httpcore")


async def test_code_flow_refresh_rotation_and_revocation(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    # Whatever an earlier test's uvicorn did to its loggers (its default logging config stops
    # uvicorn.access from propagating; log_level="warning" raises its level), every record
    # of the server's must reach the capture, or the check below would pass on nothing.
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error", "tieline", "tieline.oauth"):
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "propagate", True)
        monkeypatch.setattr(logger, "disabled", False)
        monkeypatch.setattr(logger, "level", logging.NOTSET)
    reg = await api.public_client(["issues:read", "prs:read"])
    async with client_for(api, reg.client.client_id, scope="issues:read prs:read") as client:
        token, code, verifier = await code_flow(api, client)
        assert token["token_type"] == "Bearer"
        assert token["scope"] == "issues:read prs:read"
        assert token["expires_in"] == 3600
        access1, refresh1 = str(token["access_token"]), str(token["refresh_token"])

        asked = await api.approver.only()
        assert asked.client_name == "Test CLI"
        assert asked.redirect_uri == REDIRECT
        assert asked.scope == "issues:read prs:read"

        who = api.provider.verify(access1, "issues:read")
        assert who is not None
        assert who.client_id == reg.client.client_id
        assert who.scopes == ("issues:read", "prs:read")

        # Refresh: a new pair; the old refresh token is spent.
        token2 = await client.refresh_token(api.url("/oauth/token"), refresh_token=refresh1)
        access2, refresh2 = str(token2["access_token"]), str(token2["refresh_token"])
        assert refresh2 != refresh1 and access2 != access1
        assert api.provider.verify(access2, "prs:read") is not None

        # Its reuse is refused and revokes the whole family, the live pair included.
        with pytest.raises(OAuthError) as reused:
            await client.refresh_token(api.url("/oauth/token"), refresh_token=refresh1)
        assert reused.value.error == "invalid_grant"
        assert api.provider.verify(access2, "issues:read") is None
        with pytest.raises(OAuthError):
            await client.refresh_token(api.url("/oauth/token"), refresh_token=refresh2)

        # Revocation (RFC 7009) of a fresh grant's access token.
        token3, code3, _ = await code_flow(api, client)
        access3 = str(token3["access_token"])
        assert api.provider.verify(access3, "issues:read") is not None
        resp = await client.revoke_token(
            api.url("/oauth/revoke"), token=access3, token_type_hint="access_token"
        )
        assert resp.status_code == 200
        assert api.provider.verify(access3, "issues:read") is None
        # Its refresh token went with it.
        with pytest.raises(OAuthError):
            await client.refresh_token(
                api.url("/oauth/token"), refresh_token=str(token3["refresh_token"])
            )
        # Revoking an unknown token is not an error (RFC 7009 §2.2).
        resp = await client.revoke_token(api.url("/oauth/revoke"), token="tlat_nonsense")
        assert resp.status_code == 200

    # Nothing secret reached the server's logs, at any level: tokens, codes, the verifier.
    # (The client library's own DEBUG logs print the redirect it received; they are the
    # client's business and left out.)
    server_side = [
        f"{r.name} {r.getMessage()} {r.exc_text or ''}"
        for r in caplog.records
        if not r.name.startswith(CLIENT_LOGGERS)
    ]
    assert any(n.startswith("tieline.oauth") for n in server_side)
    assert any(n.startswith("uvicorn.access") for n in server_side)
    text = "\n".join(server_side)
    for value in [access1, refresh1, access2, refresh2, access3, code, code3, verifier]:
        assert value not in text


async def test_revoking_a_refresh_token_revokes_its_family(api: Api) -> None:
    reg = await api.public_client()
    async with client_for(api, reg.client.client_id) as client:
        token, _, _ = await code_flow(api, client)
        token2 = await client.refresh_token(
            api.url("/oauth/token"), refresh_token=str(token["refresh_token"])
        )
        resp = await client.revoke_token(
            api.url("/oauth/revoke"),
            token=str(token2["refresh_token"]),
            token_type_hint="refresh_token",
        )
        assert resp.status_code == 200
        assert api.provider.verify(str(token["access_token"]), "issues:read") is None
        assert api.provider.verify(str(token2["access_token"]), "issues:read") is None


async def test_tokens_are_stored_hashed(api: Api) -> None:
    reg = await api.confidential_client()
    assert reg.secret is not None
    async with client_for(api, reg.client.client_id, secret=reg.secret) as client:
        token, code, _ = await code_flow(api, client)
    dump = _dump(api.provider.target)
    assert "oauth_tokens" in dump
    for value in (str(token["access_token"]), str(token["refresh_token"]), code, reg.secret):
        assert value not in dump
    if not isinstance(api.provider.target, str):
        raw = api.provider.target.read_bytes()
        assert str(token["access_token"]).encode() not in raw


def _dump(target: Path | str) -> str:
    """Every row of every table, as text (SQLite's dump; PostgreSQL's rows one by one)."""
    if isinstance(target, str):
        import psycopg

        lines: list[str] = []
        with psycopg.connect(target) as pg:
            tables = pg.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchall()
            for (table,) in tables:
                lines.append(table)
                query = psycopg.sql.SQL("SELECT * FROM {}").format(psycopg.sql.Identifier(table))
                lines.extend(repr(row) for row in pg.execute(query))
        return "\n".join(lines)
    conn = sqlite3.connect(target)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


async def test_code_without_challenge_is_refused(api: Api) -> None:
    reg = await api.public_client()
    async with client_for(api, reg.client.client_id) as client:
        resp = await authorize(api, client, verifier=None)
        assert resp.status_code == 302
        got = query(resp.headers["location"])
        assert got["error"] == "invalid_request"
        assert "PKCE" in got["error_description"]
        assert "code" not in got
    assert api.provider.storage.pending_consents() == []


async def test_plain_challenge_is_refused(api: Api) -> None:
    reg = await api.public_client()
    async with client_for(api, reg.client.client_id) as client:
        verifier = secrets.token_urlsafe(48)
        url, _ = client.create_authorization_url(
            api.url("/oauth/authorize"),
            code_challenge=verifier,
            code_challenge_method="plain",
        )
        resp = await client.request("GET", url, withhold_token=True)
        got = query(resp.headers["location"])
        assert got["error"] == "invalid_request"
        assert "S256" in got["error_description"]
    assert api.provider.storage.pending_consents() == []


async def test_wrong_or_missing_verifier_is_refused(api: Api) -> None:
    reg = await api.public_client()
    async with client_for(api, reg.client.client_id) as client:
        verifier = secrets.token_urlsafe(48)
        resp = await authorize(api, client, verifier)
        location = resp.headers["location"]
        with pytest.raises(OAuthError) as wrong:
            await client.fetch_token(
                api.url("/oauth/token"),
                authorization_response=location,
                code_verifier=secrets.token_urlsafe(48),
            )
        assert wrong.value.error == "invalid_grant"
        with pytest.raises(OAuthError) as missing:
            await client.fetch_token(api.url("/oauth/token"), authorization_response=location)
        assert missing.value.error == "invalid_request"
        # The right verifier still works: a failed guess does not help an attacker either way.
        token = await client.fetch_token(
            api.url("/oauth/token"), authorization_response=location, code_verifier=verifier
        )
        assert api.provider.verify(str(token["access_token"]), "issues:read") is not None


async def test_a_code_redeemed_twice_at_once_gives_one_token(api: Api) -> None:
    """Two token requests race with one code (two hub nodes on one PostgreSQL, or two
    threads on one file): the claim is one UPDATE, so exactly one gets a token, and the
    loser's replay revokes what the winner got."""
    reg = await api.public_client()
    async with client_for(api, reg.client.client_id) as client:
        verifier = secrets.token_urlsafe(48)
        resp = await authorize(api, client, verifier)
        location = resp.headers["location"]

        async def redeem() -> dict[str, object] | OAuthError:
            try:
                return dict(
                    await client.fetch_token(
                        api.url("/oauth/token"),
                        authorization_response=location,
                        code_verifier=verifier,
                    )
                )
            except OAuthError as exc:
                return exc

        results = await asyncio.gather(*(redeem() for _ in range(4)))
    won = [r for r in results if isinstance(r, dict)]
    lost = [r for r in results if isinstance(r, OAuthError)]
    assert len(won) == 1 and len(lost) == 3, results
    assert {e.error for e in lost} == {"invalid_grant"}


async def test_code_reuse_is_refused_and_revokes_its_tokens(api: Api) -> None:
    reg = await api.public_client()
    async with client_for(api, reg.client.client_id) as client:
        verifier = secrets.token_urlsafe(48)
        resp = await authorize(api, client, verifier)
        location = resp.headers["location"]
        token = await client.fetch_token(
            api.url("/oauth/token"), authorization_response=location, code_verifier=verifier
        )
        refreshed = await client.refresh_token(
            api.url("/oauth/token"), refresh_token=str(token["refresh_token"])
        )
        assert api.provider.verify(str(refreshed["access_token"]), "issues:read") is not None
        with pytest.raises(OAuthError) as again:
            await client.fetch_token(
                api.url("/oauth/token"), authorization_response=location, code_verifier=verifier
            )
        assert again.value.error == "invalid_grant"
        assert api.provider.verify(str(token["access_token"]), "issues:read") is None
        assert api.provider.verify(str(refreshed["access_token"]), "issues:read") is None


async def test_redirect_uri_mismatch_is_refused(api: Api) -> None:
    reg = await api.public_client()
    client_id = reg.client.client_id
    for bad in (
        "http://127.0.0.1:53682/other",  # another path
        "http://127.0.0.2:53682/callback",  # another host
        "https://evil.example/callback",
    ):
        async with client_for(api, client_id, redirect_uri=bad) as client:
            resp = await authorize(api, client, secrets.token_urlsafe(48))
            # Never redirected to an unregistered URI: the error is shown, not sent.
            assert resp.status_code == 400, bad
            assert "location" not in resp.headers
            assert resp.json()["error"] == "invalid_request"
    assert api.provider.storage.pending_consents() == []

    # At the token endpoint, the redirect URI must be the one the code was issued for.
    async with client_for(api, client_id) as client:
        verifier = secrets.token_urlsafe(48)
        resp = await authorize(api, client, verifier)
        code = query(resp.headers["location"])["code"]
        with pytest.raises(OAuthError) as other:
            await client.fetch_token(
                api.url("/oauth/token"),
                code=code,
                code_verifier=verifier,
                redirect_uri="http://127.0.0.1:9999/callback",
            )
        assert other.value.error == "invalid_grant"


async def test_unregistered_scope_is_refused(api: Api) -> None:
    reg = await api.public_client(["issues:read"])
    async with client_for(api, reg.client.client_id, scope="issues:read issues:write") as client:
        resp = await authorize(api, client, secrets.token_urlsafe(48))
        assert query(resp.headers["location"])["error"] == "invalid_scope"


async def test_denied_consent_redirects_access_denied(api: Api) -> None:
    api.approver.mode = "deny"
    reg = await api.public_client()
    async with client_for(api, reg.client.client_id) as client:
        resp = await authorize(api, client, secrets.token_urlsafe(48), state="xyz")
        got = query(resp.headers["location"])
        assert got["error"] == "access_denied"
        assert got["state"] == "xyz"


async def test_waiting_page_then_approval_elsewhere(api: Api) -> None:
    """The person has not decided yet: the browser gets a page that reloads; once they
    approve (here through the admin API, as ``tieline api approve`` does), it redirects."""
    api.approver.mode = "hold"
    api.provider.consent_wait = 0.0
    reg = await api.public_client()
    async with client_for(api, reg.client.client_id) as client:
        verifier = secrets.token_urlsafe(48)
        resp = await authorize(api, client, verifier)
        assert resp.status_code == 200
        assert "Waiting for your approval" in resp.text
        asked = await api.approver.only()
        assert f"tieline api approve {asked.id}" in resp.text
        assert "Test CLI" in resp.text and "issues:read" in resp.text
        wait_url = api.url(f"/oauth/authorize/wait?request={asked.id}")
        assert "/oauth/authorize/wait?request=" in resp.text

        still = await client.request("GET", wait_url, withhold_token=True)
        assert still.status_code == 200

        await api.provider.admin.decide(asked.id, approve=True, by="cli")
        done = await client.request("GET", wait_url, withhold_token=True)
        assert done.status_code == 302
        location = done.headers["location"]
        token = await client.fetch_token(
            api.url("/oauth/token"), authorization_response=location, code_verifier=verifier
        )
        assert api.provider.verify(str(token["access_token"]), "issues:read") is not None
        # The approved request gives one code, not two.
        twice = await client.request("GET", wait_url, withhold_token=True)
        assert twice.status_code == 400


async def test_metadata_names_the_endpoints(api: Api) -> None:
    async with client_for(api, "x") as client:
        resp = await client.request(
            "GET", api.url("/.well-known/oauth-authorization-server"), withhold_token=True
        )
    meta = resp.json()
    assert meta["token_endpoint"] == api.url("/oauth/token")
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "issues:write" in meta["scopes_supported"]
