"""The one-time token page for editors without an input box: the form, and everything it
refuses (another Host, a stale or missing nonce, a second paste)."""

from __future__ import annotations

import asyncio
import re

import httpx

from server.hub.auth.paste import TokenForm

SECRET = "lin_api_" + "p" * 40


async def test_the_form_takes_one_paste_and_refuses_the_rest() -> None:
    form = TokenForm("Jira", secret_label="API token", username_label="email")
    async with form, httpx.AsyncClient() as http:
        page = await http.get(form.url)
        assert page.status_code == 200 and 'type="password"' in page.text
        assert "Email" in page.text and page.headers["cache-control"] == "no-store"
        assert "form-action 'self'" in page.text and page.headers["x-frame-options"] == "DENY"
        nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)
        assert nonce is not None

        other_host = await http.get(form.url, headers={"host": "evil.test"})
        assert other_host.status_code == 404  # DNS rebinding gets nothing
        elsewhere = await http.get(form.url.rsplit("/", 1)[0] + "/guess")
        assert elsewhere.status_code == 404
        forged = await http.post(form.url, data={"nonce": "forged", "token": SECRET})
        assert forged.status_code == 400
        no_user = await http.post(form.url, data={"nonce": nonce.group(1), "token": SECRET})
        assert no_user.status_code == 400 and "email" in no_user.text

        done = await http.post(
            form.url,
            data={"nonce": nonce.group(1), "token": f" {SECRET} ", "username": "a@b.test"},
        )
        assert done.status_code == 200 and SECRET not in done.text
        pasted = await form.wait(5)
        assert (pasted.token, pasted.username) == (SECRET, "a@b.test")
        again = http.post(form.url, data={"nonce": nonce.group(1), "token": "x" * 20})
        try:
            second = await asyncio.wait_for(again, 2)
        except (httpx.HTTPError, TimeoutError):
            second = None  # the listener has closed: nothing takes a second paste
        assert second is None or second.status_code in (400, 404)
