"""The management pages over real HTTP: login by a one-time ticket, the session cookie, CSRF,
secrets shown once, hostile values escaped, and each webhook and API-client operation."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from server.hub.oauth_provider.admin import ApiAdmin
from server.web.manage import sessions as manage_sessions
from server.web.manage.sessions import COOKIE, IDLE, mint
from tests.webhooks.receiver import Receiver

from .conftest import Browser, Served, csrf_of


async def test_without_a_session_nothing_is_shown(served: Served) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        for path in ("/manage/", "/manage/webhooks", "/manage/api", "/manage/webhooks/x"):
            r = await http.get(served.url + path)
            assert r.status_code == 401, path
        r = await http.post(served.url + "/manage/webhooks", data={"url": "http://127.0.0.1/"})
        assert r.status_code == 401
        # The bearer token reaches the path, but a page needs a session (for its CSRF token).
        r = await http.get(
            served.url + "/manage/webhooks", headers={"Authorization": f"Bearer {served.token()}"}
        )
        assert r.status_code == 403
        assert "Log in first" in r.text
    assert await served.hub.webhooks.endpoints() == []


async def test_a_ticket_logs_in_once_and_sets_a_strict_cookie(served: Served) -> None:
    link = served.link()
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.get(link)
        assert r.status_code == 303
        assert r.headers["location"] == "/manage/"
        cookie = r.headers["set-cookie"]
        flags = {f.strip().lower() for f in cookie.split(";")}
        assert {"httponly", "samesite=strict", "path=/manage"} <= flags
        assert not any(f.startswith("domain") for f in flags)
        assert r.cookies[COOKIE] and len(r.cookies[COOKIE]) >= 40
        http.cookies.set(COOKIE, r.cookies[COOKIE])
        page = await http.get(served.url + "/manage/")
        assert page.status_code == 200
        assert "Outgoing webhooks" in page.text
        csp = page.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert page.headers["x-frame-options"] == "DENY"
    async with httpx.AsyncClient(timeout=10) as other:
        again = await other.get(link)
        assert again.status_code == 401
        assert COOKIE not in again.cookies


async def test_expired_forged_and_rotated_tickets_are_refused(served: Served) -> None:
    token = served.token()
    stale = mint(token, now=time.time() - 3600)
    nonce, expires, mac = mint(token).split(".")
    forged = f"{nonce}.{int(expires) + 30}.{mac}"  # a longer life, same MAC
    foreign = mint("tlw_not-this-machine's-token")
    async with httpx.AsyncClient(timeout=10) as http:
        for ticket in (stale, forged, foreign, "", "x", "a.b.c", "a.1." + "0" * 64):
            r = await http.get(served.url + "/manage/login", params={"ticket": ticket})
            assert r.status_code == 401, ticket
            assert COOKIE not in r.cookies
        unused = served.link()
        served.face.secrets.rotate_token()
        assert (await http.get(unused)).status_code == 401


async def test_the_session_ends_when_idle_or_at_logout(served: Served, browser: Browser) -> None:
    await browser.login()
    assert (await browser.get("/manage/api")).status_code == 200
    sessions = served.sessions
    start = time.time()
    sessions.clock = lambda: start + IDLE + 10
    assert (await browser.get("/manage/api")).status_code == 401
    sessions.clock = time.time
    await browser.login()
    r = await browser.post("/manage/logout")
    assert r.status_code == 200 and "Logged out" in r.text
    assert (await browser.get("/manage/")).status_code == 401


async def test_the_cookie_opens_only_the_management_pages(served: Served, browser: Browser) -> None:
    await browser.login()
    value = browser.http.cookies[COOKIE]
    async with httpx.AsyncClient(timeout=10, cookies={COOKIE: value}) as http:
        r = await http.get(served.url + "/healthz")
        assert r.status_code == 401
        r = await http.get(served.url + "/manager")
        assert r.status_code == 401


async def test_posts_without_the_token_or_from_elsewhere_are_refused(
    served: Served, browser: Browser
) -> None:
    await browser.login()
    form = {"url": "http://127.0.0.1:9/hook"}
    refused = [
        await browser.post("/manage/webhooks", {**form, "csrf": ""}),
        await browser.post("/manage/webhooks", {**form, "csrf": "x" * 43}),
        await browser.post("/manage/webhooks", form, Origin="http://evil.example"),
        await browser.post("/manage/webhooks", form, Origin="null"),
    ]
    # Neither Origin nor Referer: refused too.
    url = served.url + "/manage/webhooks"
    refused.append(await browser.http.post(url, data={**form, "csrf": browser.csrf}))
    refused.append(
        await browser.http.post(
            url,
            data={**form, "csrf": browser.csrf},
            headers={"Referer": "http://evil.example/manage/webhooks"},
        )
    )
    for r in refused:
        assert r.status_code == 403, r.text
    assert await served.hub.webhooks.endpoints() == []
    # A token of another session does not do either.
    other = Browser(served, httpx.AsyncClient(timeout=10, follow_redirects=True))
    async with other.http:
        await other.login()
        assert other.csrf != browser.csrf
        r = await browser.post("/manage/webhooks", {**form, "csrf": other.csrf})
        assert r.status_code == 403
    # With a same-origin Referer (no Origin) and the token, it goes through.
    r = await browser.http.post(
        url,
        data={**form, "csrf": browser.csrf},
        headers={"Referer": served.url + "/manage/webhooks"},
    )
    assert r.status_code == 200
    assert len(await served.hub.webhooks.endpoints()) == 1


async def test_a_webhook_secret_is_shown_once(served: Served, browser: Browser) -> None:
    await browser.login()
    r = await browser.post("/manage/webhooks", {"url": "http://127.0.0.1:9/hook"})
    assert r.status_code == 200
    (ep,) = await served.hub.webhooks.endpoints()
    assert r.url.path == f"/manage/webhooks/{ep.id}"
    secret = _secret_in(r.text)
    assert secret.startswith("whsec_")
    for path in (f"/manage/webhooks/{ep.id}", "/manage/webhooks", "/manage/"):
        assert secret not in (await browser.get(path)).text, path
    rotated = await browser.post(f"/manage/webhooks/{ep.id}/rotate")
    new = _secret_in(rotated.text)
    assert new.startswith("whsec_") and new != secret
    assert new not in (await browser.get(f"/manage/webhooks/{ep.id}")).text
    db = await asyncio.to_thread(Path(served.hub.store.path).read_bytes)
    assert secret.encode() not in db and new.encode() not in db


def _secret_in(page: str) -> str:
    start = page.index('<code class="secret" id="secret">') + len(
        '<code class="secret" id="secret">'
    )
    return page[start : page.index("</code>", start)]


async def test_hostile_urls_descriptions_and_names_are_escaped(
    served: Served, browser: Browser
) -> None:
    await browser.login()
    url = "http://127.0.0.1:9/<script>alert(1)</script>?a=\"'><img/src=x/onerror=alert(2)>"
    desc = "<img src=x onerror=alert(3)>"
    r = await browser.post(
        "/manage/webhooks", {"url": url, "description": desc, "events": "<b>ci.*</b>"}
    )
    assert r.status_code == 200
    listing = (await browser.get("/manage/webhooks")).text
    for page in (r.text, listing):
        assert "<script>" not in page and "<img" not in page and "<b>" not in page
        assert "alert(1)" not in page  # the URL's path is shown only by its last characters
        assert "127.0.0.1:9/***(2)&gt;" in page  # and those escaped
        assert "&lt;img src=x onerror=alert(3)&gt;" in page
    await browser.post(
        "/manage/api/clients",
        {"name": "</td><script>alert(4)</script>", "redirect_uris": "http://127.0.0.1/cb"},
    )
    page = (await browser.get("/manage/api")).text
    assert "<script>" not in page and "&lt;/td&gt;&lt;script&gt;alert(4)" in page


async def test_a_refused_value_is_said_and_nothing_is_made(
    served: Served, browser: Browser
) -> None:
    await browser.login()
    r = await browser.post("/manage/webhooks", {"url": "ftp://example.com/x"})
    assert r.status_code == 200 and r.url.path == "/manage/webhooks"
    assert "must start with http:// or https://" in r.text
    r = await browser.post(
        "/manage/webhooks", {"url": "http://127.0.0.1:9/", "template": "{{{ not jmespath"}
    )
    assert 'class="error"' in r.text
    r = await browser.post("/manage/api/clients", {"name": "x", "redirect_uris": "http://a.b/"})
    assert "loopback" in r.text
    assert await served.hub.webhooks.endpoints() == []


async def test_test_event_log_replay_disable_enable_delete(
    served: Served, browser: Browser, receiver: Receiver
) -> None:
    await browser.login()
    r = await browser.post("/manage/webhooks", {"url": receiver.url, "events": "ci.*"})
    (ep,) = await served.hub.webhooks.endpoints()
    r = await browser.post(f"/manage/webhooks/{ep.id}/test")
    assert r.status_code == 200
    assert "success (200)" in r.text
    assert len(receiver.received) == 1
    assert receiver.received[0].headers["webhook-signature"].startswith("v1,")
    (entry,) = await served.hub.webhooks.log(ep.id)
    assert entry.message.id in r.text and "webhook.test" in r.text
    assert '<tr class="attempt">' in r.text and "delivered" in r.text
    listing = (await browser.get("/manage/webhooks")).text
    assert "delivered" in listing and "HTTP 200" in listing and "ci.*" in listing

    r = await browser.post(f"/manage/webhooks/messages/{entry.message.id}/replay")
    assert f"Replayed {entry.message.id}: success" in r.text
    assert len(receiver.received) == 2
    assert receiver.ids() == [entry.message.id, entry.message.id]  # the same webhook-id
    assert r.text.count('<tr class="attempt">') == 2

    r = await browser.post(f"/manage/webhooks/{ep.id}/recover", {"since": "2h"})
    assert "0 failed message(s) queued" in r.text
    r = await browser.post(f"/manage/webhooks/{ep.id}/recover", {"since": "yesterday"})
    assert 'class="error"' in r.text

    r = await browser.post(f"/manage/webhooks/{ep.id}/disable")
    assert "disabled on the management page" in r.text
    assert not (await served.hub.webhooks.get(ep.id)).enabled
    r = await browser.post(f"/manage/webhooks/{ep.id}/enable")
    assert (await served.hub.webhooks.get(ep.id)).enabled

    r = await browser.post(f"/manage/webhooks/{ep.id}/delete")
    assert r.url.path == "/manage/webhooks" and f"Deleted {ep.id}" in r.text
    assert await served.hub.webhooks.endpoints() == []
    assert (await browser.get(f"/manage/webhooks/{ep.id}")).status_code == 404


async def test_clients_consent_and_grants(served: Served, browser: Browser) -> None:
    await browser.login()
    admin = ApiAdmin(Path(served.hub.store.path))
    r = await browser.post(
        "/manage/api/clients",
        {
            "name": "Script",
            "redirect_uris": "http://127.0.0.1/cb\nhttp://[::1]/cb",
            "scope": ["issues:read", "ci:read"],
        },
    )
    (public,) = await admin.list_clients()
    assert public.kind == "public" and public.scopes == ("issues:read", "ci:read")
    assert public.redirect_uris == ("http://127.0.0.1/cb", "http://[::1]/cb")
    assert 'id="secret"' not in r.text  # a public client has none

    r = await browser.post(
        "/manage/api/clients",
        {"name": "Server", "confidential": "1", "redirect_uris": "https://app.example/cb"},
    )
    secret = _secret_in(r.text)
    assert secret and secret not in (await browser.get("/manage/api")).text
    confidential = next(c for c in await admin.list_clients() if c.name == "Server")
    assert confidential.check_client_secret(secret)

    admin.storage.create_consent(
        id="ABCD-EFGH",
        kind="device",
        client_id=public.client_id,
        redirect_uri="",
        scope="issues:read",
        params={},
        expires_in=600,
    )
    page = (await browser.get("/manage/api")).text
    assert "ABCD-EFGH" in page and "Script" in page
    r = await browser.post("/manage/api/consents/ABCD-EFGH/approve")
    assert "approved" in r.text
    (grant,) = await admin.list_grants()
    assert grant.client_id == public.client_id and grant.scopes == ("issues:read",)
    assert "No request is waiting." in r.text
    r = await browser.post("/manage/api/consents/ABCD-EFGH/deny")
    assert "decided already" in r.text or "approved already" in r.text

    r = await browser.post(f"/manage/api/grants/{public.client_id}/revoke")
    assert "Grant revoked" in r.text
    assert await admin.list_grants() == []
    r = await browser.post(f"/manage/api/clients/{confidential.client_id}/remove")
    assert "Removed &#39;Server&#39;" in r.text
    assert [c.name for c in await admin.list_clients()] == ["Script"]
    csrf_of(r.text)


def test_tickets_expire_and_sessions_do_not_outlive_their_lifetime() -> None:
    """The constants the pages promise: a short ticket, a bounded session."""
    assert manage_sessions.TICKET_TTL <= 300
    assert manage_sessions.IDLE <= manage_sessions.LIFETIME <= 24 * 3600


async def test_a_hostile_answer_is_shown_escaped_and_cut_in_the_log(
    served: Served, browser: Browser
) -> None:
    from tests.webhooks.receiver import Action, always

    body = b"<script>alert(5)</script>" + b"x" * 2000
    with Receiver(always(Action(status=500, body=body))) as hostile:
        await browser.login()
        await browser.post("/manage/webhooks", {"url": hostile.url})
        (ep,) = await served.hub.webhooks.endpoints()
        r = await browser.post(f"/manage/webhooks/{ep.id}/test")
    assert "http_error (500)" in r.text
    assert "<script>" not in r.text
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in r.text
    assert "x" * 2000 not in r.text  # an excerpt, not the whole answer
    listing = (await browser.get("/manage/webhooks")).text
    assert "HTTP 500" in listing and "pending" in listing  # to be tried again
