"""The note parser: what is a link, a heading, a block id or a tag, and what is not."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from server.hub.mdnotes.parse import heading_key, parse_note, slug
from tests.conftest import examples

NOTE = """---
tags: [alpha, area/sub]
aliases:
  - Nick
---
# Title
See [[Other#Part|the part]], ![[img.png]] and [o](sub/Other%20two.md#x) `[[nope]]`.
#tag1 text #123 [[#Title]] line ^blk-1
| a | [[Tab\\|alias]] |
[web](https://example.com/a.md) [rel](<my note.md>) [pic](x.png)

```md
[[incode]] #notatag
```
## Part two ##
"""


def test_links_headings_blocks_tags() -> None:
    note = parse_note(NOTE)
    got = [(k.kind, k.target, k.heading, k.block, k.alias, k.embed) for k in note.links]
    assert got == [
        ("wiki", "Other", "Part", None, "the part", False),
        ("wiki", "img.png", None, None, None, True),
        ("md", "sub/Other two.md", "x", None, None, False),
        ("wiki", "", "Title", None, None, False),
        ("wiki", "Tab", None, None, "alias", False),
        ("md", "my note.md", None, None, None, False),
    ]
    headings = [(h.level, h.text, h.line) for h in note.headings]
    assert headings == [(1, "Title", 5), (2, "Part two", 14)]
    assert note.blocks == {"blk-1": 7}
    assert [t.name for t in note.tags] == ["alpha", "area/sub", "tag1"]
    assert note.aliases == ("Nick",)
    assert note.body_line == 5


def test_columns_are_utf16_and_cover_the_target() -> None:
    note = parse_note("😀 [[Ünïcode note]]")
    (link,) = note.links
    assert (link.start, link.end) == (3, 19)  # the emoji is two UTF-16 units
    assert (link.target_start, link.target_end) == (5, 17)


def test_markdown_link_keeps_raw_and_angle() -> None:
    note = parse_note("[a](<my note.md>) [b](my%20note.md)")
    a, b = note.links
    assert a.angle and a.raw_target == "my note.md"
    assert not b.angle and b.raw_target == "my%20note.md" and b.target == "my note.md"


def test_heading_keys() -> None:
    assert heading_key("My  Part: one") == heading_key("my part one")
    assert slug("My Part 2!") == "my-part-2"


_name = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_characters="[]|#^\n\r\\", exclude_categories=("Cs", "Cc")
    ),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() == s and s != "")


@given(
    target=_name,
    heading=st.none() | _name,
    alias=st.none() | _name,
    embed=st.booleans(),
    before=st.text(alphabet="ab #`", max_size=6),
)
@settings(max_examples=examples(300))
@example(target="a", heading=None, alias=None, embed=False, before="`")
@example(target="x", heading="y", alias="z", embed=True, before="#")
@example(target="0", heading=None, alias="`0`", embed=False, before="")  # a span in the alias
def test_wikilink_round_trip(
    target: str, heading: str | None, alias: str | None, embed: bool, before: str
) -> None:
    """A wikilink written from its parts is read back as those parts, at its columns."""
    text = "!" * embed + "[[" + target + (f"#{heading}" if heading else "")
    text += (f"|{alias}" if alias else "") + "]]"
    line = before.replace("`", "") + " " + text
    (link,) = parse_note(line).links
    assert (link.target, link.heading, link.alias, link.embed) == (target, heading, alias, embed)
    assert (
        line.encode("utf-16-le")[2 * link.target_start : 2 * link.target_end].decode("utf-16-le")
        == target
    )


def _yaml_string(word: str) -> bool:
    """A word YAML reads as that string (not ``0_``, an int to YAML 1.1; not ``null``)."""
    import yaml

    return bool(yaml.safe_load(word) == word)


_word = st.text(alphabet="abcxyz/_-0", min_size=1, max_size=6).filter(
    lambda w: w[0] not in "-/" and _yaml_string(w)
)


@settings(max_examples=examples(300))
@given(
    key=st.sampled_from(["tags", "tag", "aliases", "title"]),
    values=st.lists(_word, min_size=1, max_size=4),
    form=st.sampled_from(["flow", "block", "plain"]),
)
@example(key="tags", values=["a", "b"], form="flow")
def test_simple_front_matter_reads_as_yaml_does(key: str, values: list[str], form: str) -> None:
    """The fast path for plain front matter gives what a YAML parser gives."""
    import yaml

    from server.hub.mdnotes.parse import _simple_yaml

    if form == "flow":
        lines = [f"{key}: [{', '.join(values)}]"]
    elif form == "block":
        lines = [f"{key}:", *(f"  - {v}" for v in values)]
    else:
        lines = [f"{key}: {values[0]}"]
    lines.append("other: plain words")
    fast = _simple_yaml(lines)
    assert fast is not None
    slow = yaml.safe_load("\n".join(lines))
    assert {
        k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in slow.items()
    } == fast


def test_front_matter_yaml_fallback() -> None:
    note = parse_note('---\ntags: {a: 1}\naliases: ["x, y", z]\n---\n')
    assert note.aliases == ("x, y", "z")


def test_setext_headings() -> None:
    """A paragraph line underlined with ``===``/``---`` is a heading (CommonMark's setext);
    a ``---`` after a blank line, a list item or a quote is a thematic break, and the
    underline itself is no heading."""
    text = "\n".join(
        [
            "Title",  # 0
            "=====",
            "",
            "  Part two ",  # 3
            "---",
            "",
            "---",  # a break: a blank line before
            "- item",
            "---",  # a break: a list item is no paragraph
            "> quoted",
            "---",
            "    indented code",
            "---",
            "```",
            "in code",
            "===",
            "```",
            "## ATX",  # 17
            "---",  # under a heading: a break
        ]
    )
    note = parse_note(text)
    got = [(h.line, h.level, h.text, h.start, h.end) for h in note.headings]
    assert got == [(0, 1, "Title", 0, 5), (3, 2, "Part two", 2, 10), (17, 2, "ATX", 3, 6)]


def test_setext_heading_is_a_link_target() -> None:
    """``[[#Part]]`` finds a setext heading as it finds an ATX one."""
    index_note = parse_note("Part\n----\n\nsee [[#Part]]")
    assert [h.text for h in index_note.headings] == ["Part"]
    (link,) = index_note.links
    assert link.heading == "Part"
