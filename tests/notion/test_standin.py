"""The Notion stand-in refuses what Notion would: requests its contract (Notion's OpenAPI
description with the documented block shapes filled in) rejects, appends nested more than
two levels, and requests without the token or the Notion-Version header; and it pages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.notion.client import NOTION_VERSION
from tests.standin.notion import NotionStandIn

from .wiring import CANARY, World

HEADERS = {"authorization": f"Bearer {CANARY}", "notion-version": NOTION_VERSION}


def para(text: str, children: list[Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"rich_text": [{"type": "text", "text": {"content": text}}]}
    if children:
        body["children"] = children
    return {"type": "paragraph", "paragraph": body}


@pytest.fixture
def page(world: World) -> dict[str, Any]:
    return world.standin.state.add_page("P", by=world.ada["id"])


def append(s: NotionStandIn, block_id: str, children: list[Any]) -> httpx.Response:
    return httpx.patch(
        f"{s.url}/v1/blocks/{block_id}/children", json={"children": children}, headers=HEADERS
    )


@pytest.mark.parametrize(
    "children",
    [
        [para("x")] * 101,
        [para("x" * 2001)],
        [{"type": "heading_4", "heading_4": {"rich_text": []}}],
        [
            {
                "type": "paragraph",
                "paragraph": {"rich_text": [{"text": {"content": "x"}, "bold": 1}]},
            }
        ],
    ],
    ids=["101 blocks", "2001 characters", "no heading_4", "annotations misplaced"],
)
def test_the_contract_refuses(world: World, page: dict[str, Any], children: list[Any]) -> None:
    r = append(world.standin, page["id"], children)
    assert r.status_code == 400
    assert r.json()["object"] == "error" and r.json()["code"] == "validation_error"
    assert world.standin.violations
    world.standin.violations.clear()  # seen on purpose


def test_three_levels_of_nesting_are_refused(world: World, page: dict[str, Any]) -> None:
    r = append(world.standin, page["id"], [para("1", [para("2", [para("3")])])])
    assert r.status_code == 400 and "two levels" in r.json()["message"]
    r = append(world.standin, page["id"], [para("1", [para("2")])])
    assert r.status_code == 200 and r.json()["results"][0]["has_children"]


def test_the_token_and_the_version_are_required(world: World, page: dict[str, Any]) -> None:
    url = f"{world.standin.url}/v1/pages/{page['id']}"
    r = httpx.get(url, headers={"notion-version": NOTION_VERSION})
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    r = httpx.get(url, headers={"authorization": f"Bearer {CANARY}"})
    assert r.status_code == 400
    world.standin.violations.clear()  # seen on purpose
    assert httpx.get(url, headers=HEADERS).json()["id"] == page["id"]


def test_children_are_cursor_paged(world: World, page: dict[str, Any]) -> None:
    world.standin.state.insert(page["id"], [para(str(n)) for n in range(7)], by=world.ada["id"])
    url = f"{world.standin.url}/v1/blocks/{page['id']}/children"
    first = httpx.get(url, params={"page_size": 5}, headers=HEADERS).json()
    assert len(first["results"]) == 5 and first["has_more"]
    rest = httpx.get(
        url, params={"page_size": 5, "start_cursor": first["next_cursor"]}, headers=HEADERS
    ).json()
    assert len(rest["results"]) == 2 and not rest["has_more"] and rest["next_cursor"] is None
