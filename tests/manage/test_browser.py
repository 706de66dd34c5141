"""The management pages in a real browser: Debian's Chromium driven by Playwright (no
browser download; ``scripts/test-peers.sh`` installs ``chromium`` with apt).

One person's path through them: the login link from ``tieline web manage``, an endpoint
pointed at a loopback receiver, a test event seen arrive and seen in the log, an API client
registered, a consent request allowed and the grant revoked. Forms post as the browser
posts them -- its own Origin, its own cookie handling -- which is what the CSRF and cookie
rules are for.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from server.hub.oauth_provider.admin import ApiAdmin
from server.hub.webhooks.keys import shown_url
from server.web.manage.sessions import COOKIE
from tests.webhooks.receiver import Receiver

from .conftest import Served

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

#: Debian's Chromium; ``CHROMIUM_PATH`` names another build of it.
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"

try:
    import playwright.async_api as _playwright
except ImportError:  # pragma: no cover - the test extra installs it
    _playwright = None  # type: ignore[assignment]

pytestmark = pytest.mark.skipif(
    _playwright is None or not Path(CHROMIUM).exists(),
    reason=f"needs playwright (the test extra) and Chromium at {CHROMIUM}"
    " (scripts/test-peers.sh installs Debian's chromium)",
)


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    assert _playwright is not None
    async with _playwright.async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            # root in a container has no user namespace for Chromium's sandbox
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            yield browser
        finally:
            await browser.close()


async def _notice(page: Page) -> str:
    """The page's first notice; the page's text when it has none (what went wrong)."""
    notice = page.locator(".notice")
    if await notice.count() == 0:
        return await page.locator("body").inner_text()
    return await notice.first.inner_text()


async def test_a_person_manages_webhooks_and_api_clients_in_chromium(
    served: Served, chromium: Browser, receiver: Receiver
) -> None:
    context = await chromium.new_context()
    page = await context.new_page()
    link = served.link()

    # Log in by the one-time link; the cookie is HttpOnly, strict, for /manage only.
    await page.goto(link)
    assert page.url == served.url + "/manage/"
    assert await page.locator("h1").inner_text() == "Manage"
    (cookie,) = [c for c in await context.cookies() if c["name"] == COOKIE]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/manage"
    assert await page.evaluate("document.cookie") == ""  # no script can read it

    # A webhook to a loopback receiver; its secret shows once.
    await page.click("header >> text=Webhooks")
    await page.fill("input[name=url]", receiver.url)
    await page.fill("input[name=events]", "ci.* pull_request.*")
    await page.fill("input[name=description]", "the loopback receiver")
    await page.click("#create-webhook >> button")
    secret = await page.locator("#secret").inner_text()
    assert secret.startswith("whsec_")
    (ep,) = await served.hub.webhooks.endpoints()
    assert await served.hub.webhooks.keys.url(ep.url_ref) == receiver.url
    assert ep.url == shown_url(receiver.url) and ep.event_types == ("ci.*", "pull_request.*")

    # A test event: it arrives, and the delivery log shows it.
    await page.click("#send-test")
    assert "success (200)" in await _notice(page)
    assert len(receiver.received) == 1
    assert receiver.received[0].headers["webhook-id"]
    log = page.locator("#log")
    assert "webhook.test" in await log.inner_text()
    assert "delivered" in await log.inner_text()
    assert await page.locator("#secret").count() == 0  # not again
    await page.reload()
    assert await page.locator("#secret").count() == 0
    await page.click("header >> text=Webhooks")
    assert "delivered" in await page.locator("#endpoints").inner_text()

    # An API client, registered from the form.
    await page.click("header >> text=API clients")
    await page.fill("input[name=name]", "Report script")
    await page.fill("textarea[name=redirect_uris]", "http://127.0.0.1/callback")
    await page.check("input[value='issues:read']")
    await page.click("#register-client >> button")
    assert "Registered" in await _notice(page)
    admin = ApiAdmin(Path(served.hub.store.path))
    (client,) = await admin.list_clients()
    assert client.name == "Report script" and client.scopes == ("issues:read",)
    assert "Report script" in await page.locator("#clients").inner_text()

    # It asks (as its device flow would), the person allows, then revokes the grant.
    admin.storage.create_consent(
        id="WXYZ-2345",
        kind="device",
        client_id=client.client_id,
        redirect_uri="",
        scope="issues:read",
        params={},
        expires_in=600,
    )
    await page.reload()
    assert "WXYZ-2345" in await page.locator("#pending").inner_text()
    await page.click("#pending >> text=Allow")
    assert "approved" in await _notice(page)
    grants = page.locator("#grants")
    assert "Report script" in await grants.inner_text()
    await page.click("#grants >> text=Revoke")
    assert "Grant revoked" in await _notice(page)
    assert "No client holds a grant." in await grants.inner_text()
    assert await admin.list_grants() == []

    # The link was good once: another browser cannot use it.
    other = await chromium.new_context()
    again = await (await other.new_page()).goto(link)
    assert again is not None and again.status == 401
    await other.close()
    await context.close()
