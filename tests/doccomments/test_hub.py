"""The hub's document comments: a Markdown file the folder sync's state says is an export
of a remote document gets that document's open threads, each at its line, read once per
:data:`~server.hub.doccomments.TTL` and again on refresh or after a reply; a file the state
does not know as an export, or a link whose service has no ``DocComments``, gets none.

The hub here is the few parts the module reads (settings' links, sessions, store, root);
the server's own wiring is driven end to end in ``test_lsp.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from connectors.sdk import Connector, ConnectorContext
from connectors.sdk.doccomments import DocComment
from connectors.sdk.errors import NoSuchRecord
from connectors.sdk.models import Comment
from server.hub.doccomments import TTL, DocCommentsHub
from server.hub.docsync.state import Base, LinkState
from server.hub.store import Store

from .book import CommentBook

MD = "# Plan\n\nWe ship on Fridays.\n\n## Risks\n"


class MemoryDocs(Connector):
    manifest_path = Path(__file__).with_name("docsfake.toml")

    def __init__(self, book: CommentBook) -> None:
        super().__init__(
            ConnectorContext(http=httpx.AsyncClient(), account="ada", api_url="https://x.test")
        )
        self.book = book

    async def doc_comments(self, file_id: str, *, resolved: bool = True) -> list[DocComment]:
        return await self.book.doc_comments(file_id, resolved=resolved)

    async def reply_doc_comment(
        self, file_id: str, comment_id: str, text: str = "", *, resolve: bool = False
    ) -> Comment:
        return await self.book.reply_doc_comment(file_id, comment_id, text, resolve=resolve)


class NoComments(Connector):
    """A drive whose manifest does not declare ``DocComments``."""

    manifest_path = Path(__file__).parents[1] / "docsync" / "drivefake.toml"


@dataclass
class FakeHub:
    root: Path
    store: Store
    sessions: list[Any] = field(default_factory=list)
    links: list[Any] = field(default_factory=list)

    @property
    def config(self) -> Any:
        return SimpleNamespace(docsync=SimpleNamespace(links=self.links))

    def sessions_with(self, capability: type) -> list[Any]:
        return list(self.sessions)


@dataclass
class World:
    hub: FakeHub
    part: DocCommentsHub
    book: CommentBook
    docs: Path
    now: list[float]


def _session(connector: Connector, service: str) -> Any:
    return SimpleNamespace(
        connector_id=service,
        account="ada",
        login="ada",
        connector=connector,
        key=f"{service}:ada",
        manifest=connector.manifest(),
    )


async def _row(hub: FakeHub, service: str, rel: str, remote_id: str, export: str | None) -> None:
    folder = (hub.root / "docs").resolve()
    key = "\x1f".join((str(folder), service, "", "/Docs"))
    state = LinkState(hub.store, key)
    await state.ensure(folder="docs", service=service, account="", remote="/Docs")
    await state.put(Base(path=rel, remote_id=remote_id, export=export))


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    root = tmp_path / "ws"
    (root / "docs").mkdir(parents=True)
    async with Store.open(tmp_path / "t.db") as store:
        book = CommentBook()
        hub = FakeHub(root, store)
        hub.sessions.append(_session(MemoryDocs(book), "docsfake"))
        hub.links.append(
            SimpleNamespace(folder="docs", service="docsfake", remote="/Docs", account="")
        )
        await _row(hub, "docsfake", "Plan.md", "doc-1", "text/markdown")
        await _row(hub, "docsfake", "notes.md", "file-2", None)
        now = [1000.0]
        part = DocCommentsHub(hub, clock=lambda: now[0])  # type: ignore[arg-type]
        yield World(hub, part, book, root / "docs", now)


async def test_an_export_gets_its_open_threads_at_their_lines(world: World) -> None:
    world.book.add("doc-1", "Still true?", by="bob@example.com", quoted="We ship on Fridays")
    done = world.book.add("doc-1", "Typo", by="cleo@example.com", quoted="Plan")
    world.book.thread("doc-1", done)["resolved"] = True
    world.book.add("doc-1", "Add a diagram?", by="bob@example.com")
    got = await world.part.placed(world.docs / "Plan.md", MD)
    assert [(p.comment.body, p.line) for p in got] == [("Add a diagram?", 0), ("Still true?", 2)]
    src = await world.part.source(world.docs / "Plan.md")
    assert src is not None and src.file_id == "doc-1" and src.service == "Paper Docs"


async def test_threads_are_kept_briefly_and_read_again_on_refresh(world: World) -> None:
    world.book.add("doc-1", "One", by="bob@example.com")
    plan = world.docs / "Plan.md"
    await world.part.placed(plan, MD)
    world.book.add("doc-1", "Two", by="bob@example.com")
    assert len(await world.part.placed(plan, MD)) == 1 and world.book.calls == ["list"]
    assert len(await world.part.placed(plan, MD, refresh=True)) == 2
    world.book.add("doc-1", "Three", by="bob@example.com")
    world.now[0] += TTL + 1
    assert len(await world.part.placed(plan, MD)) == 3 and world.book.calls.count("list") == 3


async def test_a_reply_and_a_resolve_reach_the_service_and_are_read_back(world: World) -> None:
    cid = world.book.add("doc-1", "Still true?", by="bob@example.com")
    plan = world.docs / "Plan.md"
    await world.part.placed(plan, MD)
    await world.part.reply(plan, cid, "Yes")
    [p] = await world.part.placed(plan, MD)
    assert [r.body for r in p.comment.replies] == ["Yes"]
    await world.part.reply(plan, cid, "", resolve=True)
    assert await world.part.placed(plan, MD) == []
    assert world.book.thread("doc-1", cid)["replies"][-1]["action"] == "resolve"


async def test_files_that_are_not_exports_of_a_commented_service_get_none(world: World) -> None:
    world.book.add("file-2", "On a plain file", by="bob@example.com")
    assert await world.part.placed(world.docs / "notes.md", MD) == []  # synced, not exported
    assert await world.part.placed(world.docs / "Other.md", MD) == []  # not synced
    assert await world.part.placed(world.hub.root / "Plan.md", MD) == []  # outside the link
    with pytest.raises(NoSuchRecord):
        await world.part.reply(world.docs / "notes.md", "c0", "hi")
    world.hub.sessions[:] = [_session(NoComments(world.hub.sessions[0].connector.ctx), "docsfake")]
    world.book.add("doc-1", "Hidden", by="bob@example.com")
    assert await world.part.source(world.docs / "Plan.md") is None
