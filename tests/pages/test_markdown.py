"""Markdown <-> page blocks: the README corpus round-trips, generated block trees survive
Markdown, and each construct maps as documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
from server.hub.pages.markdown import (
    blocks_to_markdown,
    markdown_to_blocks,
    page_meta,
    split_front_matter,
    with_front_matter,
)

from .roundtrip import assert_roundtrip, corpus, normalise

CORPUS = corpus()


def test_corpus_is_there() -> None:
    assert len(CORPUS) >= 15


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_round_trips(path: Path) -> None:
    blocks = assert_roundtrip(path.read_text(encoding="utf-8"))
    assert blocks


def test_identity_wire_mapping_is_accepted() -> None:
    md = (CORPUS[0]).read_text(encoding="utf-8")
    assert_roundtrip(md, to_wire=lambda b: [x.model_dump() for x in b], from_wire=_load)


def _load(wire: list[dict[str, object]]) -> list[Block]:
    from pydantic import TypeAdapter

    return TypeAdapter(list[Block]).validate_python(wire)


def test_constructs() -> None:
    md = """# Title

Some **bold**, *italic*, `code`, ~~gone~~ and a [link](https://example.com/a).

- one
- [ ] todo
- [x] done
  1. nested
  2. ordered

> quoted
> text

```python
print("hi")
```

| a | b |
| --- | --- |
| 1 | 2 |

![alt text](https://example.com/i.png)

---

###### six
"""
    blocks = markdown_to_blocks(md)
    kinds = [b.kind for b in blocks]
    assert kinds == [
        "heading", "paragraph", "list", "quote", "code", "table", "image", "divider", "heading"
    ]  # fmt: skip
    para = blocks[1]
    assert isinstance(para, Paragraph)
    styles = {s.text: s for s in para.spans}
    assert styles["bold"].bold and styles["italic"].italic and styles["code"].code
    assert styles["gone"].strike and styles["link"].href == "https://example.com/a"
    lst = blocks[2]
    assert isinstance(lst, ListBlock)
    assert [i.checked for i in lst.items] == [None, False, True]
    nested = lst.items[2].blocks[1]
    assert isinstance(nested, ListBlock) and nested.ordered
    code = blocks[4]
    assert code == Code(text='print("hi")', language="python")
    table = blocks[5]
    assert isinstance(table, Table) and table.rows[1][1] == (Span(text="2"),)
    assert blocks[6] == Image(url="https://example.com/i.png", alt="alt text")
    assert blocks[8] == Heading(level=6, spans=(Span(text="six"),))
    assert_roundtrip(md)


def test_raw_html_becomes_text() -> None:
    blocks = markdown_to_blocks(
        '<div onclick="x()"><b>Hello</b> <script>alert(1)</script>world</div>\n\n'
        "Inline <span>kept</span> <script>evil()</script>text\n"
    )
    assert blocks[0] == Paragraph(spans=(Span(text="Hello world"),))
    text = "".join(s.text for s in blocks[1].spans)  # type: ignore[union-attr]
    assert text == "Inline kept text"
    assert "<" not in blocks_to_markdown(blocks).replace("\\<", "")


def test_unsafe_links_stay_text() -> None:
    [para] = markdown_to_blocks("[click](javascript:alert(1))")
    assert isinstance(para, Paragraph)
    assert all(s.href is None for s in para.spans)


def test_images_in_links_and_text() -> None:
    blocks = markdown_to_blocks(
        "[![build](https://ci/badge.svg)](https://ci/job) text ![pic](p.png) after"
    )
    first = blocks[0]
    assert isinstance(first, Paragraph)
    assert first.spans[0] == Span(text="build", href="https://ci/job")
    assert blocks[1] == Image(url="p.png", alt="pic")
    assert isinstance(blocks[2], Paragraph)


def test_adjacent_lists_stay_apart() -> None:
    blocks = [
        ListBlock(items=(ListItem(blocks=(Paragraph(spans=(Span(text="a"),)),)),)),
        ListBlock(items=(ListItem(blocks=(Paragraph(spans=(Span(text="b"),)),)),)),
    ]
    assert markdown_to_blocks(blocks_to_markdown(blocks)) == blocks


def test_escapes_markup_in_text() -> None:
    text = "1. not a list *or* _emphasis_ [x](y) <b> # | & ~~"
    blocks = [Paragraph(spans=(Span(text=text),))]
    assert normalise(markdown_to_blocks(blocks_to_markdown(blocks))) == blocks


def test_front_matter() -> None:
    meta = {"tieline": {"service": "notion", "page_id": "abc", "version": "3", "url": None}}
    text = with_front_matter(meta, "# Body\n")
    got, body = split_front_matter(text)
    assert body == "# Body\n"
    assert page_meta(got) == {"service": "notion", "page_id": "abc", "version": "3"}
    assert split_front_matter("# no meta\n") == ({}, "# no meta\n")
    assert split_front_matter("---\n- a list\n---\nx") == ({}, "---\n- a list\n---\nx")
    assert split_front_matter("---\n: bad: [\n---\nx")[0] == {}
    assert with_front_matter({}, "x") == "x"
    assert page_meta({"tieline": "nope"}) == {}


# -- generated trees ---------------------------------------------------------------------

_words = st.text(alphabet="abcdefghij XYZ0123456789", min_size=1, max_size=12).filter(
    lambda s: s.strip() != ""
)
_punct = st.text(alphabet="abc *_[]<>#|&~!`\\-+.()", min_size=1, max_size=10).filter(
    lambda s: s.strip() != ""
)
_url = st.from_regex(r"https://example\.com/[a-z0-9/]{0,10}", fullmatch=True)


@st.composite
def _span(draw: st.DrawFn) -> Span:
    code = draw(st.booleans())
    styled = draw(st.booleans())
    if not styled and not code:
        return Span(text=draw(st.one_of(_words, _punct)))
    return Span(
        text=draw(_words).strip(),
        bold=draw(st.booleans()),
        italic=draw(st.booleans()),
        strike=draw(st.booleans()),
        code=code,
        href=draw(st.one_of(st.none(), _url)),
    )


@st.composite
def _spans(draw: st.DrawFn) -> tuple[Span, ...]:
    # Words apart: Markdown cannot mark up half a word next to punctuation.
    spans = draw(st.lists(_span(), min_size=1, max_size=5))
    out: list[Span] = []
    for n, s in enumerate(spans):
        if n:
            out.append(Span(text=" "))
        out.append(s)
    return tuple(out)


_leaf = st.one_of(
    st.builds(Paragraph, spans=_spans()),
    st.builds(Heading, level=st.integers(1, 6), spans=_spans()),
    st.builds(
        Code,
        text=st.text(alphabet="ab `~\n{}", max_size=20).map(lambda t: t.strip("\n")),
        language=st.sampled_from(["", "python", "js"]),
    ),
    st.builds(Image, url=_url, alt=_words),
    st.just(Divider()),
    st.builds(
        Table,
        rows=st.integers(1, 3).flatmap(
            lambda w: st.lists(st.tuples(*[_spans()] * w), min_size=1, max_size=3).map(tuple)
        ),
    ),
)


def _containers(children: st.SearchStrategy[Block]) -> st.SearchStrategy[Block]:
    blocks = st.lists(children, min_size=1, max_size=3).map(tuple)
    item = st.builds(
        ListItem,
        blocks=st.tuples(st.builds(Paragraph, spans=_spans())).flatmap(
            lambda head: st.lists(children, max_size=2).map(lambda rest: (*head, *rest))
        ),
        checked=st.sampled_from([None, False, True]),
    )
    return st.one_of(
        st.builds(Quote, blocks=blocks),
        st.builds(
            ListBlock,
            ordered=st.booleans(),
            items=st.lists(item, min_size=1, max_size=3).map(tuple),
        ),
    )


_block = st.recursive(_leaf, _containers, max_leaves=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_block, min_size=1, max_size=6))
def test_generated_blocks_survive_markdown(blocks: list[Block]) -> None:
    md = blocks_to_markdown(blocks)
    assert normalise(markdown_to_blocks(md)) == normalise(blocks), md


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_block, min_size=1, max_size=4))
def test_the_sanitiser_keeps_what_the_hub_writes(blocks: list[Block]) -> None:
    """The import sends what it writes through ``sanitize_markdown``: written Markdown is
    already safe, so the sanitiser changes nothing a reader sees (``&``/``<`` are entities,
    which it keeps, not backslash escapes, which it would read as tags)."""
    from server.hub.sanitize import sanitize_markdown

    md = blocks_to_markdown(blocks)
    assert normalise(markdown_to_blocks(sanitize_markdown(md))) == normalise(blocks), md


_TABLE = "| a | b |\n| - | - |\n"
_pieces = st.sampled_from([*"ab \n*_`[]()!#->|~1.<x:/\\&;", "http://x.y/", "- [ ] ", "```", _TABLE])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_pieces, max_size=30).map("".join))
def test_any_text_reads_and_survives_a_rewrite(text: str) -> None:
    """Whatever a user's file holds: it reads as blocks, and the hub's Markdown of them
    reads back as the same blocks."""
    blocks = markdown_to_blocks(text)
    md = blocks_to_markdown(blocks)
    assert normalise(markdown_to_blocks(md)) == normalise(blocks), (text, md)
