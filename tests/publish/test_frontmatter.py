"""Front matter: what a post takes from it, and the publish record written back."""

from __future__ import annotations

import pytest

from server.hub.publish.frontmatter import (
    FrontMatterError,
    PostRecord,
    meta,
    render,
    split,
    with_record,
)

DOC = """---
title: "Hello: world"
tags: python, lsp
description: A post
canonical_url: https://blog.example/hello
cover_image: img/cover.png
published: true
---
Body text.
"""


def test_the_keys_a_post_takes() -> None:
    parts = split(DOC)
    assert parts.present and parts.body == "Body text.\n" and parts.lines == 8
    m = meta(parts.data)
    assert m.title == "Hello: world" and m.tags == ("python", "lsp")
    assert m.description == "A post" and m.canonical_url == "https://blog.example/hello"
    assert m.cover_image == "img/cover.png" and m.status == "published"
    assert m.records == {}


@pytest.mark.parametrize(
    ("yaml_text", "status"),
    [
        ("status: draft", "draft"),
        ("status: Published", "published"),
        ("draft: true", "draft"),
        ("published: false", "draft"),
        ("other: 1", None),
    ],
)
def test_the_status_in_its_spellings(yaml_text: str, status: str | None) -> None:
    assert meta(split(f"---\n{yaml_text}\n---\nx").data).status == status


def test_other_names_and_a_tag_list() -> None:
    m = meta(
        split("---\nexcerpt: E\ncategories: [a, b, a]\ncover: c.png\ncanonical: u\n---\n").data
    )
    assert (m.description, m.tags) == ("E", ("a", "b"))
    assert (m.cover_image, m.canonical_url) == ("c.png", "u")


def test_no_front_matter_is_an_empty_mapping() -> None:
    for text in ("# Title\n\nBody", "---\nnot closed\n"):
        parts = split(text)
        assert not parts.present and parts.data == {} and parts.body == text and parts.end == 0


def test_front_matter_that_is_no_mapping_is_an_error() -> None:
    with pytest.raises(FrontMatterError, match="not a YAML mapping"):
        split("---\n- a\n- b\n---\n")
    with pytest.raises(FrontMatterError, match="not valid YAML"):
        split("---\na: [\n---\n")


def test_the_record_round_trips_beside_other_services() -> None:
    data = with_record(split(DOC).data, "ghost", PostRecord("abc", "https://b/x/", "2026-01-01"))
    data = with_record(data, "devto", PostRecord("12"))
    text = render(data) + "Body text.\n"
    m = meta(split(text).data)
    assert m.records == {
        "ghost": PostRecord("abc", "https://b/x/", "2026-01-01"),
        "devto": PostRecord("12"),
    }
    assert m.title == "Hello: world" and next(iter(split(text).data)) == "title"
