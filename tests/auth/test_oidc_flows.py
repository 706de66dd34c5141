"""Sign-in flows end to end against a real OAuth server (oidc-provider 9)."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.sdk.errors import AuthError, ConsentRequired
from server.hub.auth import (
    ConsentRequest,
    DeviceFlow,
    MemoryGrants,
    login_device,
    login_web,
    pkce_login,
)
from server.hub.vault import AccountRef, Vault
from tests.auth.conftest import (
    OidcServer,
    oidc_whoami,
    sign_in_web,
    user_approves_browser,
    user_enters_device_code,
)

pytestmark = pytest.mark.peers


async def test_pkce_loopback_flow_end_to_end(
    oidc: OidcServer, vault: Vault, http: httpx.AsyncClient
) -> None:
    creds = await sign_in_web(oidc, vault, http, login="alice")
    assert creds.login == "alice" and creds.method == "pkce"
    assert creds.refresh_token is not None and creds.expires_at is not None
    assert vault.load(AccountRef("oidctest", "127.0.0.1", "alice")) == creds
    me = await http.get(
        f"{oidc.issuer}/me",
        headers={"Authorization": f"Bearer {creds.access_token.get_secret_value()}"},
    )
    assert me.json()["sub"] == "alice"


async def test_pkce_authorize_url_and_one_shot_listener(
    oidc: OidcServer, http: httpx.AsyncClient
) -> None:
    seen: list[str] = []
    answered: list[httpx.Response] = []

    async def browser_then_replay(url: str) -> None:
        seen.append(url)
        page = await user_approves_browser(url)
        answered.append(page)

    tasks: list[asyncio.Task[None]] = []
    tokens = await pkce_login(
        oidc.client(), http, lambda u: tasks.append(asyncio.create_task(browser_then_replay(u))),
        wait_seconds=30,
    )  # fmt: skip
    await tasks[0]
    q = parse_qs(urlsplit(seen[0]).query)
    assert q["code_challenge_method"] == ["S256"] and len(q["code_challenge"][0]) == 43
    redirect = urlsplit(q["redirect_uri"][0])
    assert redirect.hostname == "127.0.0.1" and redirect.port and redirect.port > 0
    assert tokens.access_token
    # The listener answered once and is gone: replaying the callback is refused.
    with pytest.raises(httpx.ConnectError):
        await http.get(q["redirect_uri"][0], params={"code": "x", "state": q["state"][0]})


async def test_pkce_state_mismatch_is_rejected(oidc: OidcServer, http: httpx.AsyncClient) -> None:
    async def forged(url: str) -> None:
        q = parse_qs(urlsplit(url).query)
        async with httpx.AsyncClient() as c:
            r = await c.get(q["redirect_uri"][0], params={"code": "stolen", "state": "forged"})
            assert r.status_code == 400

    tasks: list[asyncio.Task[None]] = []
    with pytest.raises(AuthError, match="state mismatch"):
        await pkce_login(
            oidc.client(), http, lambda u: tasks.append(asyncio.create_task(forged(u))),
            wait_seconds=30,
        )  # fmt: skip
    await tasks[0]


async def test_device_flow_with_pending_and_slow_down(
    oidc: OidcServer, vault: Vault, http: httpx.AsyncClient
) -> None:
    shown: list[str] = []
    sleeps: list[float] = []
    before = await oidc.stats()

    async def sleep(seconds: float) -> None:
        # Time is ours to control: the second wait is when the user confirms the code, and
        # the server is told to answer the next poll with slow_down (as GitHub does).
        sleeps.append(seconds)
        if len(sleeps) == 2:
            await user_enters_device_code(oidc.issuer, shown[0], "dora")
            await oidc.arrange("slow_down")

    creds = await login_device(
        oidc.service(), http=http, vault=vault, grants=(grants := MemoryGrants()),
        prompter=None, assume_yes=True, whoami=oidc_whoami, sleep=sleep,
        show=lambda code: shown.append(code.user_code),
    )  # fmt: skip
    assert sleeps == [5.0, 5.0, 10.0]  # interval, interval, interval + 5 after slow_down
    assert (await oidc.stats())["device_polls"] - before["device_polls"] == 3
    assert creds.login == "dora" and creds.method == "device"
    assert await grants.get_grant("oidctest", "dora@127.0.0.1") is not None


async def test_device_flow_denied_and_expired(
    oidc: OidcServer, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    flow = DeviceFlow(oidc.client(), http, service="Test OP", sleep=lambda s: asyncio.sleep(0))
    code = await flow.start()
    await user_enters_device_code(oidc.issuer, code.user_code, abort=True)
    with pytest.raises(AuthError, match="declined") as err:
        await flow.poll(code)
    assert code.device_code not in str(err.value) and code.device_code not in caplog.text
    assert "access_denied" in caplog.text  # the failure is logged, the secret is not

    code = await flow.start()
    await oidc.arrange("expired_token")
    with pytest.raises(AuthError, match="expired before it was confirmed"):
        await flow.poll(code)


async def test_consent_refused_stops_before_any_request(
    oidc: OidcServer, vault: Vault, http: httpx.AsyncClient
) -> None:
    asked: list[ConsentRequest] = []

    class No:
        async def ask(self, request: ConsentRequest) -> bool:
            asked.append(request)
            return False

    opened: list[str] = []
    with pytest.raises(ConsentRequired):
        await login_web(
            oidc.service(), http=http, vault=vault, grants=MemoryGrants(), prompter=No(),
            open_browser=opened.append, whoami=oidc_whoami,
        )  # fmt: skip
    assert asked and not opened
