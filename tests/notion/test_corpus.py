"""Markdown -> Notion -> Markdown on the README corpus (``tests/pages/corpus``, real package
READMEs): the hub's Markdown reader gives blocks, :func:`blocks_to_notion` writes them as
Notion block objects, :func:`notion_to_blocks` reads those back, and the structure is what
it was -- headings, nested and task lists, code with its language, tables, images, links,
quotes, styles (:func:`tests.pages.roundtrip.assert_roundtrip`).

Two losses are Notion's and documented: Notion has three heading levels, so levels 4-6 are
written (and read back) as level 3; and a code block's language is one of Notion's fixed
list, so ``sh`` comes back as ``shell`` and a language Notion lacks (``pycon``) as none. The
corpus documents are compared with their deeper headings made level 3 and each fence's
language as Notion names it, and both losses are pinned on their own."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from connectors.notion.mapping import blocks_to_notion, notion_to_blocks
from connectors.sdk.pages import Block, Code, Heading
from server.hub.pages.markdown import markdown_to_blocks
from tests.pages.roundtrip import assert_roundtrip, corpus

_FENCE = re.compile(r"^(\s{0,3}(?:`{3,}|~{3,}))[ \t]*([^\s`]+)", re.M)


def _as_notion_names(language: str) -> str:
    """A fence's language as it comes back from Notion."""
    (code,) = notion_to_blocks(blocks_to_notion([Code(text="x", language=language)]))
    assert isinstance(code, Code)
    return code.language


def _notion_losses(text: str) -> str:
    text = re.sub(r"^(\s{0,3})#{4,6}(?=\s)", r"\1###", text, flags=re.M)
    return _FENCE.sub(lambda m: m.group(1) + _as_notion_names(m.group(2)), text)


def _to_wire(blocks: list[Block]) -> Any:
    return blocks_to_notion(blocks)


def _from_wire(wire: Any) -> list[Block]:
    return list(notion_to_blocks(wire))


@pytest.mark.parametrize("path", corpus(), ids=lambda p: p.stem)
def test_readmes_round_trip_through_notion(path: Path) -> None:
    text = _notion_losses(path.read_text(encoding="utf-8"))
    blocks = assert_roundtrip(text, _to_wire, _from_wire)
    assert blocks, f"{path.name} read as no blocks"


def test_deep_headings_come_back_as_level_three() -> None:
    blocks = markdown_to_blocks("#### Four\n\n###### Six\n")
    back = notion_to_blocks(blocks_to_notion(blocks))
    assert [(b.level, b.spans[0].text) for b in back if isinstance(b, Heading)] == [
        (3, "Four"),
        (3, "Six"),
    ]


def test_code_languages_as_notion_names_them() -> None:
    blocks = [Code(text="ls", language="sh"), Code(text=">>> 1", language="pycon")]
    back = notion_to_blocks(blocks_to_notion(blocks))
    assert [b.language for b in back if isinstance(b, Code)] == ["shell", ""]
