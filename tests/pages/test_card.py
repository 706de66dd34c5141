"""A page's hover card, and finding the URL under the cursor."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.sdk.pages import PageInfo
from server.lsp.cards import page_card
from server.lsp.features.pages import url_at


def test_card_shows_title_space_editor_and_link() -> None:
    page = PageInfo(
        id="1",
        title="Road *map*",
        url="https://wiki.example.org/p/1",
        space="ENG",
        modified=datetime(2026, 3, 4, 5, 6, tzinfo=UTC),
        modified_by="Grace",
    )
    assert page_card(page, "Confluence") == (
        "**Road \\*map\\***\n\nConfluence · ENG\n\nLast edited by Grace on 2026-03-04 05:06 UTC"
        "\n\n[Open in Confluence](https://wiki.example.org/p/1)"
    )


def test_card_of_a_hostile_page_links_nothing_unsafe() -> None:
    page = PageInfo(id="1", title="<script>x</script>[a](javascript:y)", url="javascript:z")
    card = page_card(page, "Notion")
    assert "javascript:z" not in card and "<script>" not in card and "Open in" not in card


def test_url_at() -> None:
    line = "See https://a.example/x/1, or (https://b.example/y)."
    assert url_at(line, 6) == ("https://a.example/x/1", 4, 25)
    assert url_at(line, 35) == ("https://b.example/y", 31, 50)
    assert url_at(line, 1) is None
