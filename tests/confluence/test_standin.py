"""The stand-in refuses what Confluence would: requests outside the documented shapes are
recorded as violations (and answered 400), so a connector cannot pass by sending them."""

from __future__ import annotations

import httpx

from tests.standin.confluence import ConfluenceDCStandIn, ConfluenceStandIn

from .wiring import CANARY, EMAIL


def _client(standin: ConfluenceStandIn) -> httpx.Client:
    return httpx.Client(base_url=standin.url, auth=(EMAIL, CANARY))


def test_cloud_shapes_are_enforced() -> None:
    with ConfluenceStandIn() as s:
        s.api_token(EMAIL, CANARY)
        page = s.state.add_page("DOCS", "P")
        with _client(s) as c:
            assert c.get("/wiki/api/v2/spaces", params={"limit": 5}).status_code == 200
            bad = c.get("/wiki/api/v2/spaces", params={"limti": 5})
            assert bad.status_code == 400 and bad.json()["errors"][0]["status"] == 400
            # A v2 update must name the new version; a v2 create its space.
            r = c.put(f"/wiki/api/v2/pages/{page.id}", json={"id": page.id, "title": "x"})
            assert r.status_code == 400
            r = c.post("/wiki/api/v2/pages", json={"title": "x", "body": {"value": "<p/>"}})
            assert r.status_code == 400
            # Uploads: multipart with the XSRF header and minorEdit.
            url = f"/wiki/rest/api/content/{page.id}/child/attachment"
            r = c.put(url, files={"file": ("a.png", b"x", "image/png")})
            assert r.status_code == 400
            r = c.put(
                url,
                files={"file": ("a.png", b"x", "image/png")},
                data={"minorEdit": "true"},
                headers={"X-Atlassian-Token": "no-check"},
            )
            assert r.status_code == 200 and r.json()["results"][0]["title"] == "a.png"
            # A stale version is Confluence's 409.
            body = {"representation": "storage", "value": "<p>x</p>"}
            stale = {"id": page.id, "status": "current", "title": "x", "body": body}
            r = c.put(f"/wiki/api/v2/pages/{page.id}", json={**stale, "version": {"number": 1}})
            assert r.status_code == 409 and r.json()["errors"][0]["code"] == "CONFLICT"
        said = "\n".join(s.violations)
        for expected in (
            "undocumented query parameter 'limti'",
            "'version' is a required property",
            "'spaceId' is a required property",
            "'representation' is a required property",
            "X-Atlassian-Token: no-check is required",
            "the 'minorEdit' part is required",
        ):
            assert expected in said
        assert "409" not in said  # the conflict was the service's answer, not a violation


def test_data_center_lives_under_its_context_path() -> None:
    with ConfluenceDCStandIn() as s:
        s.pat("pat")
        with httpx.Client(base_url=s.url, headers={"authorization": "Bearer pat"}) as c:
            assert c.get("/confluence/rest/api/space").status_code == 200
            r = c.get("/rest/api/space")
            assert r.status_code == 400 and r.json()["statusCode"] == 400
            assert c.get("/confluence/wiki/api/v2/spaces").status_code == 400
        assert s.violations == [
            "GET /rest/api/space: outside the context path /confluence",
            "GET /confluence/wiki/api/v2/spaces: not a documented operation",
        ]
