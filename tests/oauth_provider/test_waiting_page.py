"""The page a browser waits on while the person decides: it reloads itself by a path on the
same origin, so behind a tunnel that ends TLS (the web face sees plain http) the browser stays
on the tunnel's https address; once approved, the reload carries the code to the client."""

from __future__ import annotations

import re
import secrets

from .conftest import Api
from .flows import authorize, client_for, query


async def test_the_waiting_page_reloads_by_a_relative_path(api: Api) -> None:
    api.approver.mode = "hold"
    api.provider.consent_wait = 0.0
    reg = await api.public_client()
    async with client_for(api, reg.client.client_id) as client:
        page = await authorize(api, client, secrets.token_urlsafe(48), state="s2")
        assert page.status_code == 200
        asked = await api.approver.only()
        refresh = re.search(r'http-equiv="refresh" content="\d+;url=([^"]+)"', page.text)
        assert refresh is not None, page.text
        again = refresh.group(1).replace("&amp;", "&")
        assert again == f"/oauth/authorize/wait?request={asked.id}"

        await api.provider.decide(asked.id, approve=True, by="test")
        done = await client.request("GET", api.url(again), withhold_token=True)
        assert done.status_code == 302
        got = query(done.headers["location"])
        assert got["state"] == "s2" and got["code"]
