"""The pure Block tree <-> Notion block mapping: hand-written cases for each block type and
rich-text annotation, Notion's answer shapes (developers.notion.com/reference/block), and a
round trip over hypothesis-generated trees in the form the mapping keeps (headings 1-3,
non-empty paragraphs of spans whose neighbours differ in style, lists not side by side)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.notion.mapping import (
    MAX_TEXT,
    blocks_to_notion,
    merge_spans,
    notion_language,
    notion_to_blocks,
)
from connectors.sdk.pages import (
    Block,
    Code,
    Divider,
    Heading,
    Image,
    ListBlock,
    ListItem,
    Paragraph,
    Quote,
    Span,
    Table,
)


def trip(blocks: list[Block] | tuple[Block, ...]) -> tuple[Block, ...]:
    return notion_to_blocks(blocks_to_notion(blocks))


def test_paragraph_with_every_annotation_and_a_link() -> None:
    spans = (
        Span(text="plain "),
        Span(text="bold", bold=True),
        Span(text=" it", italic=True),
        Span(text="code", code=True),
        Span(text="gone", strike=True),
        Span(text="link", href="https://example.com/x", bold=True),
    )
    wire = blocks_to_notion([Paragraph(spans=spans)])
    assert wire[0]["type"] == "paragraph"
    texts = wire[0]["paragraph"]["rich_text"]
    assert texts[1] == {"type": "text", "text": {"content": "bold"}, "annotations": {"bold": True}}
    assert texts[4]["annotations"] == {"strikethrough": True}
    assert texts[5]["text"]["link"] == {"url": "https://example.com/x"}
    assert trip([Paragraph(spans=spans)]) == (Paragraph(spans=spans),)


def test_long_text_is_cut_at_2000_and_read_back_whole() -> None:
    text = "x" * 4500 + "\U0001f600" * 10
    wire = blocks_to_notion([Paragraph(spans=(Span(text=text, bold=True),))])
    pieces = wire[0]["paragraph"]["rich_text"]
    assert [len(p["text"]["content"]) for p in pieces[:2]] == [MAX_TEXT, MAX_TEXT]
    assert all(len(p["text"]["content"].encode("utf-16-le")) // 2 <= MAX_TEXT for p in pieces)
    assert "".join(p["text"]["content"] for p in pieces) == text
    assert trip([Paragraph(spans=(Span(text=text, bold=True),))]) == (
        Paragraph(spans=(Span(text=text, bold=True),)),
    )
    code = Code(text="y" * 2500, language="python")
    assert len(blocks_to_notion([code])[0]["code"]["rich_text"]) == 2
    assert trip([code]) == (code,)


def test_text_longer_than_one_block_continues_in_the_next() -> None:
    spans = tuple(Span(text=f"w{n} ", bold=n % 2 == 0) for n in range(150))
    wire = blocks_to_notion([Paragraph(spans=spans), Code(text="z" * 250_000)])
    assert [b["type"] for b in wire] == ["paragraph", "paragraph", "code", "code"]
    assert all(len(b[b["type"]]["rich_text"]) <= 100 for b in wire)
    back = notion_to_blocks(wire)
    assert back[0].spans + back[1].spans == spans  # type: ignore[union-attr]
    assert back[2:] == (Code(text="z" * 200_000), Code(text="z" * 50_000))


def test_headings_4_to_6_become_heading_3() -> None:
    for level in (4, 5, 6):
        wire = blocks_to_notion([Heading(level=level, spans=(Span(text="h"),))])
        assert wire[0]["type"] == "heading_3"
        assert trip([Heading(level=level, spans=(Span(text="h"),))]) == (
            Heading(level=3, spans=(Span(text="h"),)),
        )


def test_code_languages_map_to_notions_enum() -> None:
    assert notion_language("py") == "python"
    assert notion_language("C++") == "c++"
    assert notion_language("klingon") == "plain text"
    assert notion_language("") == "plain text"
    assert blocks_to_notion([Code(text="x", language="ts")])[0]["code"]["language"] == "typescript"
    assert trip([Code(text="x", language="klingon")]) == (Code(text="x", language=""),)


def test_nested_lists_and_task_lists() -> None:
    inner = ListBlock(
        ordered=True, items=(ListItem(blocks=(Paragraph(spans=(Span(text="a1"),)),)),)
    )
    tree = (
        ListBlock(
            items=(
                ListItem(blocks=(Paragraph(spans=(Span(text="a"),)), inner)),
                ListItem(blocks=(Paragraph(spans=(Span(text="b"),)),)),
            )
        ),
        Paragraph(spans=(Span(text="between"),)),
        ListBlock(
            items=(
                ListItem(blocks=(Paragraph(spans=(Span(text="done"),)),), checked=True),
                ListItem(blocks=(Paragraph(spans=(Span(text="todo"),)),), checked=False),
            )
        ),
    )
    wire = blocks_to_notion(tree)
    assert [b["type"] for b in wire] == [
        "bulleted_list_item",
        "bulleted_list_item",
        "paragraph",
        "to_do",
        "to_do",
    ]
    assert wire[0]["bulleted_list_item"]["children"][0]["type"] == "numbered_list_item"
    assert wire[3]["to_do"]["checked"] is True
    assert trip(tree) == tree


def test_table_quote_image_divider() -> None:
    table = Table(
        rows=(
            (((Span(text="h1"),)), (Span(text="h2", bold=True),)),
            ((Span(text="c1"),), ()),
        ),
        header=True,
    )
    quote = Quote(blocks=(Paragraph(spans=(Span(text="said"),)), Code(text="x = 1")))
    tree = (table, quote, Image(url="https://img.test/a.png", alt="A"), Divider())
    wire = blocks_to_notion(tree)
    assert wire[0]["table"]["table_width"] == 2 and wire[0]["table"]["has_column_header"]
    assert [r["type"] for r in wire[0]["table"]["children"]] == ["table_row", "table_row"]
    assert wire[2]["image"]["external"] == {"url": "https://img.test/a.png"}
    assert trip(tree) == tree


def test_an_attachment_image_points_at_its_file_upload() -> None:
    wire = blocks_to_notion([Image(url="pics/a.png")], {"pics/a.png": "up-1"})
    assert wire[0]["image"] == {"type": "file_upload", "file_upload": {"id": "up-1"}}


def _rt(text: str, **notes: bool) -> dict[str, Any]:
    return {
        "type": "text",
        "text": {"content": text, "link": None},
        "annotations": {
            "bold": False,
            "italic": False,
            "strikethrough": False,
            "underline": False,
            "code": False,
            "color": "default",
            **notes,
        },
        "plain_text": text,
        "href": None,
    }


def test_notions_answer_shapes() -> None:
    """Block objects as Notion answers them: callout, toggle, bookmark, hosted file image,
    mention, child page, an unsupported block."""
    answer = [
        {
            "object": "block",
            "id": "b1",
            "type": "callout",
            "has_children": False,
            "callout": {"rich_text": [_rt("note")], "icon": {"emoji": "💡"}, "color": "default"},
        },
        {
            "object": "block",
            "id": "b2",
            "type": "toggle",
            "has_children": True,
            "toggle": {
                "rich_text": [_rt("more")],
                "children": [{"type": "paragraph", "paragraph": {"rich_text": [_rt("inside")]}}],
            },
        },
        {"type": "bookmark", "bookmark": {"url": "https://example.com", "caption": []}},
        {
            "type": "image",
            "image": {
                "type": "file",
                "file": {
                    "url": "https://prod-files-secure.s3.us-west-2.amazonaws.com/x.png",
                    "expiry_time": "2026-12-03T08:00:00.000Z",
                },
                "caption": [_rt("cap")],
            },
        },
        {
            "type": "paragraph",
            "paragraph": {
                "rich_text": [
                    {
                        "type": "mention",
                        "mention": {"type": "user", "user": {"id": "u1"}},
                        "annotations": {"bold": True},
                        "plain_text": "@Ada",
                        "href": None,
                    }
                ]
            },
        },
        {"type": "child_page", "child_page": {"title": "Sub"}},
        {"type": "equation", "equation": {"expression": "e=mc^2"}},
        {"type": "unsupported", "unsupported": {}},
        {
            "type": "link_to_page",
            "link_to_page": {"type": "page_id", "page_id": "01234567-89ab-cdef-0123-456789abcdef"},
        },
        {"type": "child_database", "child_database": {"title": "Tasks"}},
    ]
    link = "https://www.notion.so/0123456789abcdef0123456789abcdef"
    assert notion_to_blocks(answer) == (
        Quote(blocks=(Paragraph(spans=(Span(text="note"),)),)),
        ListBlock(
            items=(
                ListItem(
                    blocks=(
                        Paragraph(spans=(Span(text="more"),)),
                        Paragraph(spans=(Span(text="inside"),)),
                    )
                ),
            )
        ),
        Paragraph(spans=(Span(text="https://example.com", href="https://example.com"),)),
        Image(url="https://prod-files-secure.s3.us-west-2.amazonaws.com/x.png", alt="cap"),
        Paragraph(spans=(Span(text="@Ada", bold=True),)),
        Paragraph(spans=(Span(text="e=mc^2"),)),
        Paragraph(spans=(Span(text=link, href=link),)),
        Paragraph(spans=(Span(text="Tasks"),)),
    )


# -- round trip over generated trees ------------------------------------------------------
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)
SPAN = st.builds(
    Span,
    text=TEXT,
    bold=st.booleans(),
    italic=st.booleans(),
    code=st.booleans(),
    strike=st.booleans(),
    href=st.none() | st.sampled_from(["https://example.com/a", "https://notion.so/b"]),
)
SPANS = st.lists(SPAN, min_size=1, max_size=4).map(merge_spans)
PARAGRAPH = st.builds(Paragraph, spans=SPANS)
LEAVES: st.SearchStrategy[Block] = st.one_of(
    PARAGRAPH,
    st.builds(Heading, level=st.integers(1, 3), spans=SPANS),
    st.builds(Code, text=st.text(max_size=40), language=st.sampled_from(["", "python", "go"])),
    st.builds(Divider),
    st.builds(Image, url=st.just("https://img.test/i.png"), alt=st.text(max_size=10)),
    st.integers(1, 3).flatmap(
        lambda w: st.builds(
            Table,
            rows=st.lists(
                st.tuples(*[SPANS | st.just(()) for _ in range(w)]), min_size=1, max_size=3
            ).map(tuple),
            header=st.booleans(),
        )
    ),
)


def _apart(blocks: list[Block]) -> bool:
    """No two lists side by side (Notion has no boundary between them)."""
    return not any(
        isinstance(a, ListBlock) and isinstance(b, ListBlock) for a, b in itertools.pairwise(blocks)
    )


def _containers(children: st.SearchStrategy[list[Block]]) -> st.SearchStrategy[Block]:
    item_blocks = st.tuples(PARAGRAPH, children).map(lambda t: (t[0], *t[1]))
    plain_items = st.lists(st.builds(ListItem, blocks=item_blocks), min_size=1, max_size=3)
    tasks = st.lists(
        st.builds(ListItem, blocks=item_blocks, checked=st.booleans()), min_size=1, max_size=3
    )
    return st.one_of(
        st.builds(Quote, blocks=item_blocks),
        st.builds(ListBlock, ordered=st.booleans(), items=plain_items.map(tuple)),
        st.builds(ListBlock, ordered=st.just(False), items=tasks.map(tuple)),
    )


TREES = st.recursive(
    st.lists(LEAVES, max_size=3),
    lambda inner: st.lists(LEAVES | _containers(inner.filter(_apart)), max_size=4),
    max_leaves=12,
).filter(_apart)


# Hypothesis describes the recursive strategy once, at length; the description is not used.
@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TREES)
def test_round_trip_over_generated_trees(blocks: list[Block]) -> None:
    assert trip(blocks) == tuple(blocks)
