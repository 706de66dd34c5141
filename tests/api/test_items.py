"""Issues and pull requests over HTTP: every page walked by its Link header, the filters,
an item with its body, conditional GETs (ETag, 304), and a cursor the server never gave."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx

from tests.api.world import REPO, Served, issue

LINK = re.compile(r'<([^>]+)>; rel="next"')


def _walk(client: httpx.Client, url: str) -> list[dict[str, object]]:
    seen: list[dict[str, object]] = []
    pages = 0
    while True:
        r = client.get(url)
        assert r.status_code == 200, r.text
        doc = r.json()
        seen += doc["items"]
        pages += 1
        link = r.headers.get("link")
        if doc["next_cursor"] is None:
            assert link is None
            return seen
        m = LINK.fullmatch(link or "")
        assert m is not None, link
        assert f"cursor={doc['next_cursor']}" in m.group(1)
        url = m.group(1)
        assert pages < 100


def test_pagination_walks_every_issue_once_newest_first(client: httpx.Client) -> None:
    every = _walk(client, "/issues?limit=7")
    ids = [i["id"] for i in every]
    assert len(ids) == len(set(ids)) == 35  # 30 GitHub issues and 5 GitLab ones
    assert all(i["kind"] == "issue" for i in every)
    stamps = [i["updated_at"] for i in every]
    assert stamps == sorted(stamps, reverse=True)
    whole = client.get("/issues?limit=200").json()
    assert [i["id"] for i in whole["items"]] == ids and whole["next_cursor"] is None


def test_filters_page_through_what_they_keep(client: httpx.Client) -> None:
    closed = _walk(client, "/issues?state=closed&limit=2")
    assert sorted(i["number"] for i in closed) == [4, 8, 12, 16, 20, 24, 28]
    assert {i["state"] for i in closed} == {"closed"}
    gitlab = _walk(client, "/issues?connector=gitlab&limit=2")
    assert len(gitlab) == 5 and {i["scope"] for i in gitlab} == {"group/tool"}
    mine = _walk(client, "/issues?assignee=ALICE&scope=octo/app")
    assert sorted(i["number"] for i in mine) == list(range(3, 31, 3))
    assert client.get("/issues?connector=nobody").json() == {"items": [], "next_cursor": None}


def test_pull_requests_have_their_own_list_and_shape(client: httpx.Client) -> None:
    prs = _walk(client, "/prs?limit=2")
    assert len(prs) == 5 and {p["kind"] for p in prs} == {"pull_request"}
    one = client.get("/prs/" + quote(str(prs[0]["id"]), safe=":/"))
    assert one.status_code == 200
    assert one.json()["head"].startswith("feature-") and one.json()["base"] == "main"
    # A pull request is not listed or served as an issue.
    assert client.get("/issues/" + quote(str(prs[0]["id"]), safe=":/")).status_code == 404


def test_one_issue_carries_its_body(client: httpx.Client) -> None:
    r = client.get("/issues/github:github.com:octo/app%2312")
    assert r.status_code == 200
    doc = r.json()
    assert doc["ref"] == "octo/app#12" and doc["body"] == "Body of 12" and doc["comments"] == 0
    missing = client.get("/issues/github:github.com:octo/app%23999")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_etag_gives_304_until_the_mirror_changes(api: Served, client: httpx.Client) -> None:
    first = client.get("/issues?connector=github&limit=3")
    tag = first.headers["etag"]
    again = client.get("/issues?connector=github&limit=3", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert client.get("/issues/github:github.com:octo/app%2330",
                      headers={"If-None-Match": "*"}).status_code == 304  # fmt: skip
    changed = issue(REPO, 30).model_copy(update={"title": "Renamed"})
    api.run(api.hub.mirror.save("github", "octocat@github.com", [changed]))
    after = client.get("/issues?connector=github&limit=3", headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["etag"] != tag
    assert after.json()["items"][0]["title"] == "Renamed"


def test_a_cursor_the_server_never_gave_is_422(client: httpx.Client) -> None:
    for cursor in ("not-a-cursor", "bm9wZQ", "%%%"):
        r = client.get("/issues", params={"cursor": cursor})
        assert r.status_code == 422, r.text
        assert r.json()["type"] == "urn:tieline:problem:validation"


def test_bad_query_names_the_field(client: httpx.Client) -> None:
    r = client.get("/issues?limit=0&state=maybe")
    assert r.status_code == 422
    locs = sorted(tuple(e["loc"]) for e in r.json()["errors"])
    assert locs == [("query", "limit"), ("query", "state")]
    assert client.get("/issues?colour=red").status_code == 422
