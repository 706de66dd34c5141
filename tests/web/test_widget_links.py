"""Widgets through the hub's own web face: the token shows them, and so does a signed link to
one address (an ``<img>`` in a README preview sends no header), which shows nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest

from server.hub.hub import Hub
from server.web.widget_links import sign
from tests.widgets import data

ENV = {"TIELINE_VAULT_BACKEND": "file", "TIELINE_VAULT_PASSPHRASE": "widget link test"}
CARD = "/widgets/pr/github/octo/app/7"
BADGE = "/widgets/ci/github/octo/app@main.svg"


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[Hub]:
    hub = await Hub.open(root=tmp_path, store_path=tmp_path / "t.db", environ=ENV)
    await data.mirror(hub.store, [data.pull(7)], branch_checks={"octo/app@main": data.checks()})
    try:
        yield hub
    finally:
        await hub.close()


async def test_a_card_and_a_badge_by_token_and_by_signed_link(hub: Hub) -> None:
    url = await hub.web.start()
    token = hub.web.secrets.token()
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        assert (await http.get(CARD)).status_code == 401
        by_token = await http.get(CARD, headers={"Authorization": f"Bearer {token}"})
        assert by_token.status_code == 200 and "#7" in by_token.text
        card = await http.get(sign(token, CARD))
        assert card.status_code == 200 and card.text == by_token.text
        assert card.headers["cross-origin-resource-policy"] == "cross-origin"
        badge = await http.get(sign(token, BADGE + "?label=build"))
        assert badge.status_code == 200
        assert badge.headers["content-type"].startswith("image/svg+xml")
        assert ">build<" in badge.text


async def test_a_signed_link_vouches_for_its_own_address_only(hub: Hub) -> None:
    url = await hub.web.start()
    token = hub.web.secrets.token()
    signed = sign(token, CARD)
    sig = dict(parse_qsl(urlsplit(signed).query))["sig"]
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        # the same signature on another widget, another route, a changed query, or a POST
        assert (await http.get(f"/widgets/pr/github/octo/app/8?sig={sig}")).status_code == 401
        assert (await http.get(f"/healthz?sig={sig}")).status_code == 401
        assert (await http.get(f"{CARD}?theme=dark&sig={sig}")).status_code == 401
        assert (await http.post(signed)).status_code == 401
        assert (await http.get(CARD + "?" + urlencode({"sig": sig[:-2] + "AA"}))).status_code == 401
        # and a rotated token voids every link made before
        hub.web.secrets.rotate_token()
        assert (await http.get(signed)).status_code == 401
        assert (await http.get(sign(hub.web.secrets.token(), CARD))).status_code == 200


def test_only_widget_addresses_are_signed() -> None:
    for address in ("/healthz", "/hooks/github", "http://127.0.0.1:1/widgets/pr/g/o/r/7"):
        with pytest.raises(ValueError, match="not a widget address"):
            sign("tlw_token", address)
    a = sign("tlw_token", "/widgets/agenda?day=2026-12-03&sig=old")
    assert a.count("sig=") == 1 and a.startswith("/widgets/agenda?day=2026-12-03&sig=")
