"""Markdown -> Confluence storage format -> Markdown on the README corpus
(``tests/pages/corpus``, real package READMEs): the hub's Markdown reader gives blocks,
:func:`blocks_to_storage` writes them as storage-format XHTML, :func:`storage_to_blocks`
parses that back, and the structure is what it was -- headings 1-6, nested and task lists,
code macros with their language, tables, images, links, quotes, styles
(:func:`tests.pages.roundtrip.assert_roundtrip`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.confluence.mapping import blocks_to_storage, storage_to_blocks
from connectors.sdk.pages import Block
from tests.pages.roundtrip import assert_roundtrip, corpus


def _to_wire(blocks: list[Block]) -> str:
    return blocks_to_storage(blocks)


def _from_wire(wire: str) -> list[Block]:
    return storage_to_blocks(wire)


@pytest.mark.parametrize("path", corpus(), ids=lambda p: p.stem)
def test_readmes_round_trip_through_storage_format(path: Path) -> None:
    blocks = assert_roundtrip(path.read_text(encoding="utf-8"), _to_wire, _from_wire)
    assert blocks, f"{path.name} read as no blocks"
