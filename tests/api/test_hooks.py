"""REST hooks: subscribe (201 and an id), list, unsubscribe (204, then 404), each
principal seeing only its own, and a target that is not an http(s) URL refused."""

from __future__ import annotations

import httpx

from tests.api.world import ALL, EVENTS_ONLY, Served


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_subscribe_list_unsubscribe(api: Served) -> None:
    hook = {"target_url": "https://hooks.example.com/catch/1", "event": "pull_request.*"}
    r = httpx.post(api.url + "/hooks", json=hook, headers=_as(ALL))
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["target_url"] == hook["target_url"] and made["event"] == "pull_request.*"
    hook_id = made["id"]
    assert api.hooks.hooks[hook_id].subject == "alice"
    mine = httpx.get(api.url + "/hooks", headers=_as(ALL)).json()["items"]
    assert hook_id in [h["id"] for h in mine]
    theirs = httpx.get(api.url + "/hooks", headers=_as(EVENTS_ONLY)).json()["items"]
    assert hook_id not in [h["id"] for h in theirs]
    # Another principal cannot remove it.
    assert httpx.delete(f"{api.url}/hooks/{hook_id}", headers=_as(EVENTS_ONLY)).status_code == 404
    gone = httpx.delete(f"{api.url}/hooks/{hook_id}", headers=_as(ALL))
    assert gone.status_code == 204 and gone.content == b""
    assert hook_id not in api.hooks.hooks
    again = httpx.delete(f"{api.url}/hooks/{hook_id}", headers=_as(ALL))
    assert again.status_code == 404
    assert again.json()["type"] == "urn:tieline:problem:not-found"


def test_a_target_must_be_an_http_url(api: Served) -> None:
    for bad in ("ftp://example.com/x", "not a url", ""):
        r = httpx.post(api.url + "/hooks", json={"target_url": bad, "event": "*"}, headers=_as(ALL))
        assert r.status_code == 422, (bad, r.text)
        assert r.json()["errors"][0]["loc"] == ["body", "target_url"]
    r = httpx.post(api.url + "/hooks", json={"target_url": "https://x.example", "event": "a b"},
                   headers=_as(ALL))  # fmt: skip
    assert r.status_code == 422
