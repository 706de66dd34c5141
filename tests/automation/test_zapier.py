"""The Zapier app (``integrations/zapier``) against a real Tieline: a hub with its web face on
127.0.0.1, the app's operations run by zapier-platform-core's ``createAppTester`` in Node.

- Signing in: the app's authorize URL, with the PKCE challenge Zapier adds, gets a code from
  Tieline's provider (the consent approved as the editor would); its getAccessToken and
  refreshAccessToken exchange and rotate tokens at ``/oauth/token``; its test and connection
  label work with the token; a token Tieline does not know asks Zapier to refresh.
- New Event (REST hook), with that OAuth token: performSubscribe registers the hook URL; an
  event on the hub's bus reaches the receiver standing in for Zapier's hook URL, signed;
  perform turns that delivery into a record whose id is its ``webhook-id``; performList gives
  samples of the same shape; performUnsubscribe removes the hook; a target answering 410 Gone
  is dropped by Tieline, and unsubscribing it afterwards is no error.
- Create Issue and Find Issue, with the local token, through the GitHub stand-in.
- The definition passes the schema's validation (``zapier validate``'s local check).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client
from standardwebhooks import Webhook

from server.hub.events import Event
from server.hub.hub import Hub
from server.hub.oauth_provider.admin import ApiAdmin
from server.hub.oauth_provider.consent import EVENT as CONSENT_REQUESTED
from tests.automation.zapier_driver import (
    Driver,
    ZapierError,
    install,
    require_node,
    zapier_headers,
)
from tests.cli.conftest import clone
from tests.hubs import file_vault_env, running_hub
from tests.scenarios import GITHUB_TOKEN, seed_github
from tests.standin.github import GitHubStandIn
from tests.webhooks.receiver import Action, Receiver, sequence

PASSPHRASE = "zapier e2e"
#: The redirect URL Zapier gives a CLI app (its app id in the middle).
REDIRECT = "https://zapier.com/dashboard/auth/oauth/return/App123456CLIAPI/"
SCOPES = ["events:read", "issues:read", "issues:write"]
AUTH = "authentication.oauth2Config"
HOOK = "triggers.new_event.operation"


@pytest.fixture(scope="module")
def node() -> str:
    """Node, with the app's npm dependencies installed (once; again when the lockfile
    changes)."""
    node, npm = require_node()
    install(npm)
    return node


async def _until(what: str, check: Callable[[], Any]) -> None:
    """Wait (up to 10 s) for ``check``; deliveries run in the hub's background."""
    for _ in range(400):
        done = check()
        if done if isinstance(done, bool) else await done:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"never happened: {what}")


def _pkce() -> tuple[str, str]:
    """A verifier and its S256 challenge, as Zapier makes them with ``enablePkce``."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# -- signing in and REST hooks, with an OAuth token ---------------------------------------------


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    async with running_hub(tmp_path, PASSPHRASE) as hub:
        yield hub


async def _client(hub: Hub) -> tuple[str, str]:
    """Register Zapier as a confidential client, and approve every request for consent it
    makes (as the person would, in the editor): its id and secret."""
    admin = ApiAdmin(Path(hub.store.path))
    reg = await admin.add_client(
        "Zapier", kind="confidential", redirect_uris=[REDIRECT], scopes=SCOPES
    )
    assert reg.secret is not None

    async def approve(event: Event) -> None:
        await admin.decide(event.subject, approve=True, by="test")

    hub.bus.subscribe(CONSENT_REQUESTED, approve)
    return reg.client.client_id, reg.secret


async def _authorize(zap: Driver, base: str, typed: str | None = None) -> tuple[str, str]:
    """What Zapier does when a person connects (typing ``typed``, else ``base``, as the
    address): open the app's authorize URL with the PKCE challenge Zapier adds, and take the
    code from the redirect. The code and verifier."""
    entered = {"base_url": typed or base, "state": "st4te", "redirect_uri": REDIRECT}
    url = await zap.call(f"{AUTH}.authorizeUrl", {"inputData": entered})
    assert url.startswith(base + "/oauth/authorize?")
    asked = _query(url)
    assert asked["scope"] == " ".join(SCOPES) and asked["response_type"] == "code"
    verifier, challenge = _pkce()
    pkce = urlencode({"code_challenge": challenge, "code_challenge_method": "S256"})
    async with httpx.AsyncClient(timeout=30) as browser:
        resp = await browser.get(f"{url}&{pkce}")
    assert resp.status_code == 302, resp.text
    location = resp.headers["location"]
    assert location.startswith(REDIRECT)
    back = _query(location)
    assert back["state"] == "st4te"
    return back["code"], verifier


async def _narrow_token(hub: Hub, base: str) -> str:
    """An access token of another client that was allowed ``events:read`` only."""
    reg = await ApiAdmin(Path(hub.store.path)).add_client(
        "Narrow", kind="public", redirect_uris=["http://127.0.0.1/cb"], scopes=["events:read"]
    )
    verifier = _pkce()[0]
    async with AsyncOAuth2Client(
        client_id=reg.client.client_id, scope="events:read", redirect_uri="http://127.0.0.1:9/cb",
        code_challenge_method="S256",
    ) as client:  # fmt: skip
        url, _ = client.create_authorization_url(base + "/oauth/authorize", code_verifier=verifier)
        resp = await client.request("GET", url, withhold_token=True)
        assert resp.status_code == 302, resp.text
        token = await client.fetch_token(
            base + "/oauth/token",
            authorization_response=resp.headers["location"],
            code_verifier=verifier,
        )
    return str(token["access_token"])


async def test_sign_in_and_rest_hooks(hub: Hub, node: str) -> None:
    base = (await hub.web.start()).rstrip("/")
    client_id, client_secret = await _client(hub)
    zap = await Driver.start(node, {"CLIENT_ID": client_id, "CLIENT_SECRET": client_secret})
    try:
        assert await zap.validate() == []

        # -- OAuth: code + PKCE, exchange, test, label, refresh with rotation ---------------
        code, verifier = await _authorize(zap, base, typed=f" {base}/api/v1/ ")  # pasted
        exchange = {"base_url": base, "code": code, "redirect_uri": REDIRECT,
                    "state": "st4te", "code_verifier": verifier}  # fmt: skip
        tokens = await zap.call(f"{AUTH}.getAccessToken", {"inputData": exchange})
        assert tokens["access_token"].startswith("tlat_")
        assert tokens["base_url"] == base and tokens["refresh_token"]
        assert set(tokens["scope"].split()) == set(SCOPES)

        other, _ = await _authorize(zap, base)  # PKCE is required: a wrong verifier fails
        with pytest.raises(ZapierError) as refused:
            wrong = {**exchange, "code": other, "code_verifier": _pkce()[0]}
            await zap.call(f"{AUTH}.getAccessToken", {"inputData": wrong})
        assert refused.value.code == "invalid_grant" and refused.value.status == 400

        auth = {k: tokens[k] for k in ("base_url", "access_token", "refresh_token")}
        tested = await zap.call("authentication.test", {"authData": auth})
        assert tested == {"base_url": base, "api_version": "1.0.0"}
        label = await zap.call(
            "authentication.connectionLabel", {"authData": auth, "inputData": tested}
        )
        assert label == f"Tieline at {urlsplit(base).netloc}"

        refreshed = await zap.call(f"{AUTH}.refreshAccessToken", {"authData": auth})
        assert refreshed["access_token"] != auth["access_token"]
        assert refreshed["refresh_token"] != auth["refresh_token"]
        spent = auth
        auth = {**auth, **{k: refreshed[k] for k in ("access_token", "refresh_token")}}
        await zap.call("authentication.test", {"authData": auth})

        with pytest.raises(ZapierError) as stale:
            unknown = {**auth, "access_token": "tlat_" + "x" * 43}
            await zap.call("authentication.test", {"authData": unknown})
        assert stale.value.name == "RefreshAuthError"

        # -- New Event: subscribe, a signed delivery, perform, samples, unsubscribe ---------
        bearer = {"Authorization": f"Bearer {auth['access_token']}"}
        with Receiver(sequence(Action())) as target:
            sub = await zap.call(
                f"{HOOK}.performSubscribe",
                {"authData": auth, "targetUrl": target.url, "inputData": {"event": "ci.*"}},
            )
            assert sub["target_url"] == target.url and sub["event"] == "ci.*"
            async with httpx.AsyncClient(base_url=base + "/api/v1", headers=bearer) as api:
                listed = (await api.get("/hooks")).json()["items"]
            assert [h["id"] for h in listed] == [sub["id"]]

            await hub.bus.publish(Event("issue.opened", "github", "octo", "octo/app#1"))
            failed = Event("ci.failed", "github", "octo", "octo/app@main", {"title": "build"})
            await hub.bus.publish(failed)
            await _until("the delivery", lambda: len(target.received) == 1)
            got = target.received[0]
            endpoint = await hub.webhooks.get(sub["id"])
            key = (await hub.webhooks.keys.keys([endpoint.secret_ref]))[0]
            envelope = Webhook(key).verify(got.body, got.headers)  # signed, Standard Webhooks
            assert envelope["type"] == "ci.failed"

            records = await zap.call(
                f"{HOOK}.perform",
                {
                    "authData": auth,
                    "inputData": {"event": "ci.*"},
                    "cleanedRequest": json.loads(got.body),
                    "rawRequest": {"method": "POST", "headers": zapier_headers(got.headers),
                                   "content": got.body.decode()},
                },
            )  # fmt: skip
            assert records == [
                {
                    "id": got.headers["webhook-id"],
                    "type": "ci.failed",
                    "timestamp": failed.time.isoformat(),
                    "data": {"connector": "github", "account": "octo",
                             "subject": "octo/app@main", "payload": {"title": "build"}},
                }
            ]  # fmt: skip

            samples = await zap.call(
                f"{HOOK}.performList", {"authData": auth, "inputData": {"event": "ci.*"}}
            )
            assert [s["type"] for s in samples] == ["ci.failed"]
            assert samples[0]["id"].startswith("event-")
            assert samples[0]["data"] == records[0]["data"]
            assert set(samples[0]) == set(records[0])

            gone = await zap.call(
                f"{HOOK}.performUnsubscribe", {"authData": auth, "subscribeData": sub}
            )
            assert gone == {"id": sub["id"], "removed": True}
            async with httpx.AsyncClient(base_url=base + "/api/v1", headers=bearer) as api:
                assert (await api.get("/hooks")).json()["items"] == []

        # A deleted Zap's hook URL answers 410: Tieline drops the hook, and the unsubscribe
        # Zapier still sends finds nothing to remove, which is no error.
        with Receiver(sequence(Action(status=410))) as deleted:
            sub = await zap.call(
                f"{HOOK}.performSubscribe",
                {"authData": auth, "targetUrl": deleted.url, "inputData": {"event": "ci.*"}},
            )
            await hub.bus.publish(failed)
            await _until("the refused delivery", lambda: len(deleted.received) == 1)

            async def dropped() -> bool:
                async with httpx.AsyncClient(base_url=base + "/api/v1", headers=bearer) as api:
                    return bool((await api.get("/hooks")).json()["items"] == [])

            await _until("the hook to be dropped", dropped)
            again = await zap.call(
                f"{HOOK}.performUnsubscribe", {"authData": auth, "subscribeData": sub}
            )
            assert again == {"id": sub["id"], "removed": False}

        # A token without issues:write (another client's, allowed events:read only): Create
        # Issue fails with Tieline's 403 problem, naming the scope to allow.
        narrow = {**auth, "access_token": await _narrow_token(hub, base)}
        with pytest.raises(ZapierError) as scope:
            new = {"connector": "github", "scope": "octo/app", "title": "x"}
            await zap.call(
                "creates.create_issue.operation.perform", {"authData": narrow, "inputData": new}
            )
        assert (scope.value.code, scope.value.status) == ("insufficient-scope", 403)
        assert "issues:write" in scope.value.message

        # A spent refresh token is refused, and ends that sign-in: the person reconnects.
        with pytest.raises(ZapierError) as expired:
            await zap.call(f"{AUTH}.refreshAccessToken", {"authData": spent})
        assert expired.value.name == "ExpiredAuthError"
        with pytest.raises(ZapierError) as ended:
            await zap.call("authentication.test", {"authData": auth})
        assert ended.value.name == "RefreshAuthError"
    finally:
        await zap.close()


# -- Create Issue and Find Issue, with the local token --------------------------------------


@pytest.fixture
async def connected(github: GitHubStandIn, tmp_path: Path) -> AsyncIterator[Hub]:
    seed_github(github)
    app = clone(tmp_path / "app", "https://github.com/octo/app.git")
    env = {**file_vault_env(PASSPHRASE), "TIELINE_GITHUB_TOKEN": GITHUB_TOKEN,
           "TIELINE_CONNECTORS__GITHUB__API_URL": github.url}  # fmt: skip
    hub = await Hub.open(root=app, store_path=tmp_path / "t.db", environ=env)
    try:
        for session in await hub.connect():
            await hub.sync_now(session)
        yield hub
    finally:
        await hub.close()


async def test_create_and_find_issues(connected: Hub, github: GitHubStandIn, node: str) -> None:
    base = (await connected.web.start()).rstrip("/")
    auth = {"base_url": base, "access_token": connected.web.secrets.token()}
    zap = await Driver.start(node, {"CLIENT_ID": "unused"})
    try:
        trackers = await zap.call("triggers.tracker.operation.perform", {"authData": auth})
        assert {"id": "github", "name": "github"} in trackers

        new = {"connector": "github", "scope": "octo/app", "title": "Made in a Zap",
               "body": "from Zapier"}  # fmt: skip
        made = await zap.call(
            "creates.create_issue.operation.perform", {"authData": auth, "inputData": new}
        )
        assert made["title"] == "Made in a Zap" and made["scope"] == "octo/app"
        assert made["service"] == "github" and made["body"] == "from Zapier"
        assert any(
            i["title"] == "Made in a Zap" for i in github.state.repo("octo/app").issues.values()
        )

        find = "searches.find_issue.operation.perform"
        by_title = await zap.call(find, {"authData": auth, "inputData": {"title": "zap MADE"}})
        assert [i["id"] for i in by_title] == [made["id"]]
        seeded = await zap.call(
            find,
            {"authData": auth,
             "inputData": {"title": "crash", "scope": "octo/app", "state": "open"}},
        )  # fmt: skip
        assert [i["title"] for i in seeded] == ["Crash on start"]
        by_id = await zap.call(find, {"authData": auth, "inputData": {"id": made["id"]}})
        assert [(i["id"], i["body"]) for i in by_id] == [(made["id"], "from Zapier")]
        missing = {"id": "github:github.com:octo/app#999"}
        assert await zap.call(find, {"authData": auth, "inputData": missing}) == []

        create = "creates.create_issue.operation.perform"
        with pytest.raises(ZapierError) as nobody:
            elsewhere = {**new, "connector": "gitlab", "scope": "group/tool"}
            await zap.call(create, {"authData": auth, "inputData": elsewhere})
        assert (nobody.value.code, nobody.value.status) == ("not-connected", 409)
        assert "gitlab" in nobody.value.message
        with pytest.raises(ZapierError) as unknown:
            await zap.call(create, {"authData": auth, "inputData": {**new, "connector": "nope"}})
        assert (unknown.value.code, unknown.value.status) == ("validation", 422)
        assert GITHUB_TOKEN not in nobody.value.message + unknown.value.message
    finally:
        await zap.close()
