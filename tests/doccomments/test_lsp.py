"""Document comments end to end: the real server over stdio with a drive-with-comments
connector installed through an entry point (its files and threads are JSON files the test
reads and edits). A linked folder's Google-Doc-like export, once opened, shows its open
threads as Information diagnostics on the quoted lines; the code actions there reply,
resolve and refresh, and the commands reach the "service" and republish the file's list.

The shapes are the sdk's own (:mod:`connectors.sdk.doccomments`); no published contract is
involved, as no real service is (Google's side is tested on its Drive stand-in)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from connectors.sdk.drive import MARKDOWN
from tests.docsync.fakedrive import FakeDrive
from tests.lsp.conftest import (
    Env,
    installed_connectors,
    run_command,
    server_env,
    start_prompted,
    until,
)
from tests.lsp.raw import raw_request

from .book import CommentBook

SOURCE = "Paper Docs"


@dataclass
class World:
    env: dict[str, str]
    root: Path
    drive_file: Path
    book_file: Path

    def book(self) -> CommentBook:
        return CommentBook.load(self.book_file)


@pytest.fixture
def world(tmp_path: Path, tieline_home: Path) -> Iterator[World]:
    root = tmp_path / "notes"
    (root / "docs").mkdir(parents=True)
    site = installed_connectors(
        tmp_path / "site",
        "tieline-doccomments-fake",
        {"docsfake": "tests.doccomments.connector:DocsFake"},
    )
    drive_file, book_file = tmp_path / "drive.json", tmp_path / "comments.json"
    FakeDrive(path=drive_file).save()
    CommentBook(path=book_file).save()
    env = server_env(
        Env(root=root, github=None, home=tieline_home),
        PYTHONPATH=f"{site}:{Path.cwd()}",
        DRIVEFAKE_FILE=str(drive_file),
        DOCSFAKE_COMMENTS=str(book_file),
        TIELINE_DOCSFAKE_TOKEN="tok-docsfake-abcdefgh12",
        TIELINE_DOCSYNC__INTERVAL="3600",
    )
    del env["TIELINE_GITHUB_TOKEN"]
    yield World(env, root, drive_file, book_file)


async def start(w: World, caps: types.ClientCapabilities | None = None) -> LanguageClient:
    return await start_prompted(w.env, w.root, caps=caps)


def ours(c: LanguageClient, uri: str) -> list[types.Diagnostic]:
    return [d for d in c.diagnostics.get(uri, []) if d.source == SOURCE]


async def test_an_exports_comments_are_shown_replied_to_and_resolved(world: World) -> None:
    d = FakeDrive.load(world.drive_file)
    doc_id = d.put("Plan", "# Plan\n\nWe ship on Fridays.\n", export=(MARKDOWN,)).id
    d.put("plain.md", "We ship on Fridays.")
    book = world.book()
    first = book.add(doc_id, "Still true?", by="bob@example.com", quoted="We ship on Fridays")
    book.add(doc_id, "Add a diagram?", by="cleo@example.com")
    c = await start(world)
    try:
        caps = c.init_result.capabilities  # type: ignore[attr-defined]
        assert {
            "tieline.docComments.reply",
            "tieline.docComments.resolve",
            "tieline.docComments.refresh",
        } <= set(caps.execute_command_provider.commands)

        async def linked() -> Any:
            with contextlib.suppress(Exception):
                return await run_command(c, "tieline.docsync.link", "docs", "", "/Documents/docs")
            return None

        assert (await until(linked))["linked"] is True
        plan = world.root / "docs" / "Plan.md"
        uri = plan.as_uri()
        for path in (plan, world.root / "docs" / "plain.md"):
            c.text_document_did_open(
                types.DidOpenTextDocumentParams(
                    text_document=types.TextDocumentItem(
                        uri=path.as_uri(), language_id="markdown", version=1, text=path.read_text()
                    )
                )
            )

        async def shown() -> Any:
            return len(ours(c, uri)) == 2 and ours(c, uri)

        diagram, quoted = await until(shown)
        assert (diagram.range.start.line, quoted.range.start.line) == (0, 3)  # under the marker
        assert quoted.message == "Bob: Still true? (0 replies)" and quoted.code == first
        assert quoted.severity == types.DiagnosticSeverity.Information
        assert quoted.data == {"uri": uri, "comment": first}  # the client declares data support
        assert ours(c, (world.root / "docs" / "plain.md").as_uri()) == []  # synced, not an export

        # raw: pygls' client would read a CodeAction with a command as a Command
        line = {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 0}}
        actions = await raw_request(
            c,
            "textDocument/codeAction",
            {"textDocument": {"uri": uri}, "range": line, "context": {"diagnostics": []}},
        )
        titles = {a["title"]: a["command"] for a in actions or []}
        assert {"Reply to comment… (Bob)", "Resolve comment (Bob)", "Refresh comments"} <= set(
            titles
        )
        assert titles["Reply to comment… (Bob)"]["command"] == "tieline.docComments.reply"
        assert titles["Reply to comment… (Bob)"]["arguments"] == [uri, first]
        assert titles["Resolve comment (Bob)"]["arguments"] == [uri, first]
        assert not any("Cleo" in t for t in titles)  # her thread is on line 1, not here

        # The shell passes the words (VS Code's input box); the list is read back.
        got = await run_command(c, "tieline.docComments.reply", uri, first, "Yes, for now.")
        assert got == {"replied": True, "comment": first}
        assert world.book().thread(doc_id, first)["replies"][0]["body"] == "Yes, for now."

        async def counted() -> Any:
            return any(d.message.endswith("(1 reply)") for d in ours(c, uri))

        await until(counted)

        # Without words, a plain editor is offered canned replies (this client takes the first).
        got = await run_command(c, "tieline.docComments.reply", uri, first)
        assert got["replied"] is True and c.prompts  # type: ignore[attr-defined]
        assert world.book().thread(doc_id, first)["replies"][1]["body"] == "Done."

        got = await run_command(c, "tieline.docComments.resolve", uri, first)
        assert got == {"resolved": True, "comment": first}
        assert world.book().thread(doc_id, first)["resolved"] is True

        async def gone() -> Any:
            return [d.code for d in ours(c, uri)] == [diagram.code]

        await until(gone)

        # A thread added in the service shows on refresh.
        b = world.book()
        b.add(doc_id, "New one", by="dan@example.com", quoted="Plan")
        got = await run_command(c, "tieline.docComments.refresh", uri)
        assert sorted(x["line"] for x in got["comments"]) == [0, 1]
        await until(lambda: _ready(len(ours(c, uri)) == 2))
        b = world.book()
        b.add(doc_id, "From the palette", by="dan@example.com")
        got = await run_command(c, "tieline.docComments.refresh")  # no uri: every open export
        assert {x["uri"] for x in got["comments"]} == {uri} and len(got["comments"]) == 3
    finally:
        with contextlib.suppress(Exception):
            await c.shutdown_session()


async def test_a_plain_client_gets_what_it_declares_and_lines_follow_the_text(
    world: World,
) -> None:
    """A client declaring neither diagnostic ``data`` nor message requests: no ``data``, and
    a reply without words is refused with why (nothing reaches the service). A new export
    (as a sync pulls it) moves the thread to where its passage now is, without a request."""
    d = FakeDrive.load(world.drive_file)
    doc_id = d.put("Plan", "# Plan\n\nWe ship on Fridays.\n", export=(MARKDOWN,)).id
    first = world.book().add(doc_id, "Still true?", by="bob@example.com", quoted="We ship")
    c = await start(world, types.ClientCapabilities())
    try:

        async def linked() -> Any:
            with contextlib.suppress(Exception):
                return await run_command(c, "tieline.docsync.link", "docs", "", "/Documents/docs")
            return None

        await until(linked)
        plan = world.root / "docs" / "Plan.md"
        uri = plan.as_uri()
        c.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="markdown", version=1, text=plan.read_text()
                )
            )
        )

        async def shown() -> Any:
            return ours(c, uri)

        (diag,) = await until(shown)
        assert diag.range.start.line == 3 and diag.data is None
        with pytest.raises(Exception, match="the editor's shell passes them"):
            await run_command(c, "tieline.docComments.reply", uri, first)
        assert "reply" not in world.book().calls
        lists = world.book().calls.count("list")

        c.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[
                    types.TextDocumentContentChangeWholeDocument(
                        text="<!-- text/markdown -->\n# Plan\n\n## Why\n\nWe ship on Fridays.\n"
                    )
                ],
            )
        )

        async def moved() -> Any:
            return [x.range.start.line for x in ours(c, uri)] == [5]

        await until(moved)
        assert world.book().calls.count("list") == lists  # placed from what was read
    finally:
        with contextlib.suppress(Exception):
            await c.shutdown_session()


async def _ready(value: bool) -> bool:
    return value
