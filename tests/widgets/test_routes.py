"""The widget routes over real HTTP (uvicorn on 127.0.0.1, httpx): content types, the
Content-Security-Policy, ETag and 304, and 404s that say what is missing."""

from __future__ import annotations

import httpx
import pytest

from connectors.sdk.chat import Availability
from server.hub.store import Store
from server.web.widgets_routes import BADGE_CSP, CARD_CSP, etag_of
from tests.widgets import data
from tests.widgets.conftest import Live
from tests.widgets.parse import audit_badge, audit_card, parse, parse_svg, svg_texts

CARDS = [
    "/widgets/pr/github/octo/app/7",
    "/widgets/pr/github/octo/app/%237?host=github.com",
    "/widgets/issue/github/octo/app/12",
    "/widgets/issue/jira/PROJ/PROJ-7",
    "/widgets/agenda",
    "/widgets/agenda?day=2026-12-04",
    "/widgets/presence",
]


@pytest.mark.parametrize("path", CARDS)
async def test_cards_are_html_with_a_strict_policy(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-security-policy"] == CARD_CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["etag"] == etag_of(r.text)
    assert r.headers["cache-control"] == "no-cache"
    assert audit_card(r.text) == []


async def test_the_cards_show_their_items(client: httpx.AsyncClient) -> None:
    pr = parse((await client.get("/widgets/pr/github/octo/app/7")).text)
    assert pr.find("h1", "title").text() == "Speed up the cache"
    jira = parse((await client.get("/widgets/issue/jira/PROJ/PROJ-7")).text)
    assert jira.find("span", "ref").text() == "PROJ-7"
    agenda = parse((await client.get("/widgets/agenda")).text)
    assert [li.find("span", "what").text() for li in agenda.find("ul", "rows").find_all("li")] == [
        "Stand-up"
    ]
    tomorrow = parse((await client.get("/widgets/agenda?day=2026-12-04")).text)
    assert "Tomorrow" in tomorrow.find("ul", "rows").text()
    people = parse((await client.get("/widgets/presence")).text)
    assert people.find("span", "who").text() == "amy@example.test"


async def test_etag_and_304(client: httpx.AsyncClient, store: Store) -> None:
    path = "/widgets/pr/github/octo/app/7"
    first = await client.get(path)
    etag = first.headers["etag"]
    again = await client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["content-security-policy"] == CARD_CSP
    for header in (f"W/{etag}", f'"other", {etag}', "*"):
        r = await client.get(path, headers={"If-None-Match": header})
        assert r.status_code == 304, header
    stale = await client.get(path, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200
    # The next sync changes the item: a new body, a new validator, and the old one misses.
    await data.mirror(store, [data.pull(7, title="Speed up the cache, take two")])
    changed = await client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert "take two" in parse(changed.text).find("h1", "title").text()


async def test_the_agenda_and_presence_follow_what_the_hub_knows(
    client: httpx.AsyncClient, live: Live
) -> None:
    first = await client.get("/widgets/presence")
    live.presence["bob@example.test"] = data.presence(Availability.BUSY)
    second = await client.get("/widgets/presence", headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200 and "bob@example.test" in second.text


async def test_head_answers_like_get(client: httpx.AsyncClient) -> None:
    r = await client.head("/widgets/issue/github/octo/app/12")
    assert r.status_code == 200 and r.content == b""
    assert (
        r.headers["etag"] == (await client.get("/widgets/issue/github/octo/app/12")).headers["etag"]
    )


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/widgets/pr/github/octo/app/99", "No pull request 99 of octo/app on github"),
        ("/widgets/issue/github/octo/app/7", "No issue 7 of octo/app on github"),
        ("/widgets/issue/linear/ENG/ENG-1", "No issue ENG-1 of ENG on linear"),
        ("/widgets/pr/github/octo/app/7?host=ghe.example.test", "has not been synced"),
    ],
)
async def test_unknown_items_are_a_404_that_says_why(
    client: httpx.AsyncClient, path: str, says: str
) -> None:
    r = await client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-security-policy"] == CARD_CSP
    assert r.headers["cache-control"] == "no-store" and "etag" not in r.headers
    doc = parse(r.text)
    assert doc.find("h1").text() == "Not mirrored"
    assert says in doc.find("p").text()


@pytest.mark.parametrize("path", ["/widgets/pr/github/7", "/widgets/agenda?day=soon"])
async def test_a_malformed_address_is_a_400(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path)
    assert r.status_code == 400
    assert parse(r.text).find("h1").text() == "Not a widget address"


async def test_badges(client: httpx.AsyncClient) -> None:
    for path, status in (
        ("/widgets/ci/github/octo/app@main.svg", "passing"),
        ("/widgets/ci/github/octo/app@feature/x.svg", "failing"),
        ("/widgets/ci/github/octo/app.svg?branch=feature/x&label=build", "failing"),
    ):
        r = await client.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"] == "image/svg+xml; charset=utf-8"
        assert r.headers["content-security-policy"] == BADGE_CSP
        assert svg_texts(r.text)[2] == status
        assert audit_badge(r.text) == []
    labelled = await client.get("/widgets/ci/github/octo/app.svg?branch=main&label=build")
    assert svg_texts(labelled.text)[0] == "build"
    title = parse_svg(labelled.text).find("{http://www.w3.org/2000/svg}title")
    assert title is not None and title.text == "build: passing, 4 of 4 passed (octo/app@main)"
    again = await client.get(
        "/widgets/ci/github/octo/app@main.svg", headers={"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 200  # another badge's validator
    r = await client.get("/widgets/ci/github/octo/app@main.svg")
    cached = await client.get(
        "/widgets/ci/github/octo/app@main.svg", headers={"If-None-Match": r.headers["etag"]}
    )
    assert cached.status_code == 304


async def test_an_unknown_badge_is_a_grey_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/widgets/ci/github/octo/app@gone.svg")
    assert r.status_code == 404
    assert r.headers["content-type"] == "image/svg+xml; charset=utf-8"
    assert svg_texts(r.text)[2] == "unknown"
    title = parse_svg(r.text).find("{http://www.w3.org/2000/svg}title")
    assert title is not None and "No CI of octo/app at gone on github" in (title.text or "")
    bad = await client.get("/widgets/ci/github/octo/app@main.png")
    assert bad.status_code == 400 and svg_texts(bad.text)[2] == "bad address"


async def test_a_hostile_label_parameter_stays_text(client: httpx.AsyncClient) -> None:
    r = await client.get(
        "/widgets/ci/github/octo/app@main.svg",
        params={"label": "</text><script>alert(1)</script>]]>"},
    )
    assert audit_badge(r.text) == []
    assert svg_texts(r.text)[0] == "</text><script>alert(1)</script>]]>"


async def test_a_card_can_be_asked_for_in_a_scheme(client: httpx.AsyncClient) -> None:
    dark = await client.get("/widgets/pr/github/octo/app/7?theme=dark")
    html_tag = parse(dark.text).find("html")
    assert html_tag.attrs["class"] == "dark"
    plain = await client.get("/widgets/pr/github/octo/app/7")
    assert "class" not in parse(plain.text).find("html").attrs
    assert dark.headers["etag"] != plain.headers["etag"]
    bad = await client.get("/widgets/presence?theme=<script>")
    assert bad.status_code == 400
    assert "light or dark" in parse(bad.text).find("p").text()
