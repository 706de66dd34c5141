"""The stand-in's answers against the documented shapes of WordPress' REST API answers:
the ``wp-types`` interfaces (``tests/contracts/wordpress/wp-types.ts``; see PROVENANCE),
as no contract is published. Each answer has every field the interface requires and only
fields it names."""

from __future__ import annotations

from typing import Any

import httpx

from tests.standin.wordpress import API, POST_PARTS, WordPressStandIn, documented

from .conftest import APP_PASSWORD, USER


def _fits(answer: dict[str, Any], *interfaces: str) -> None:
    required: set[str] = set()
    allowed: set[str] = set()
    for name in interfaces:
        req, opt = documented(name)
        required |= req
        allowed |= req | opt
    assert required <= answer.keys(), sorted(required - answer.keys())
    assert answer.keys() <= allowed | {"_embedded"}, sorted(answer.keys() - allowed)


def test_answers_have_the_documented_fields(wordpress: WordPressStandIn) -> None:
    auth = (USER, APP_PASSWORD)
    base = f"{wordpress.url}{API}"
    with httpx.Client(auth=auth) as h:
        _fits(h.get(f"{base}/users/me").json(), "WP_REST_API_User")
        tag = h.post(f"{base}/tags", json={"name": "python"}).json()
        _fits(tag, "WP_REST_API_Term")
        media = h.post(
            f"{base}/media",
            content=b"\x89PNG",
            headers={
                "content-type": "image/png",
                "content-disposition": 'attachment; filename="a.png"',
            },
        ).json()
        _fits(media, "WP_REST_API_Attachment")
        post = h.post(
            f"{base}/posts",
            json={
                "title": "T",
                "content": "<p>x</p>",
                "tags": [tag["id"]],
                "featured_media": media["id"],
            },
        ).json()
        _fits(post, *POST_PARTS)
        _fits(h.get(f"{base}/posts/{post['id']}", params={"context": "edit"}).json(), *POST_PARTS)
        error = h.get(f"{base}/posts/9999").json()
        _fits(error, "WP_REST_API_Error")
        assert error["data"]["status"] == 404


def test_requests_are_checked_against_the_handbook(wordpress: WordPressStandIn) -> None:
    r = httpx.post(
        f"{wordpress.url}{API}/posts",
        json={"title": "T", "status": "published", "tags": ["python"]},
        auth=(USER, APP_PASSWORD),
    )
    assert r.status_code == 400 and r.json()["code"] == "rest_invalid_param"
    assert any("status 'published'" in v for v in wordpress.violations)
    assert any("tags must be term ids" in v for v in wordpress.violations)
    wordpress.violations.clear()
