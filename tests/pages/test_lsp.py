"""Pages end to end: the real server over stdio with a Pages connector installed through an
entry point, whose "service" is a JSON file the test fills and reads. *Search Pages* offers
the matches and imports the one picked (a tree, with an image, with progress); the page's
URL gets a hover card; the imported file, edited, exports back to its page in place (the
new version written into its front matter by a workspace edit); an export after the page
moved on the service is refused; a hostile page imports script-free.

The shapes are the sdk's own (:mod:`connectors.sdk.pages`); no published contract is
involved, as no real service is (the Notion and Confluence connectors are proved in their
own tests)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from connectors.sdk.pages import Image, PageSpace, Paragraph, Span
from server.hub.pages.markdown import page_meta, split_front_matter
from tests.lsp.conftest import (
    Env,
    installed_connectors,
    queued_answer,
    run_command,
    server_env,
    start_prompted,
)
from tests.pages.connector import HOST, Site

PNG = b"\x89PNG\r\n\x1a\n" + b"\x03" * 24


@dataclass
class World:
    env: dict[str, str]
    root: Path
    file: Path
    handbook: str
    evil: str

    def site(self) -> Site:
        return Site.load(self.file)


@pytest.fixture
def world(tmp_path: Path, tieline_home: Path) -> Iterator[World]:
    root = tmp_path / "ws"
    (root / "docs").mkdir(parents=True)
    site = Site(spaces=[PageSpace(key="ENG", name="Engineering")])
    img = site.file(PNG)
    welcome = Paragraph(spans=(Span(text="Welcome"),))
    top = site.page("Handbook", [welcome, Image(url=img, alt="logo")])
    site.page("Onboarding", [Paragraph(spans=(Span(text="Day one"),))], parent=top.id)
    evil = site.page(
        "Evil",
        [
            Paragraph(
                spans=(
                    Span(text="<script>alert(1)</script>"),
                    Span(text="click", href="javascript:alert(2)"),
                )
            ),
            Image(url="javascript:alert(3)", alt="boom"),
        ],
    )
    file = tmp_path / "site.json"
    site.save(file)
    where = installed_connectors(
        tmp_path / "site-packages",
        "tieline-pages-fake",
        {"pagesfake": "tests.pages.connector:PagesFake"},
    )
    env = server_env(
        Env(root=root, github=None, home=tieline_home),
        PYTHONPATH=f"{where}:{Path.cwd()}",
        PAGESFAKE_FILE=str(file),
        TIELINE_PAGESFAKE_TOKEN="tok-pagesfake-abcdefgh12",
    )
    del env["TIELINE_GITHUB_TOKEN"]
    yield World(env, root, file, top.id, evil.id)


async def _start(w: World) -> LanguageClient:
    c = await start_prompted(w.env, w.root, answering=queued_answer, answers=[], folder="ws")
    c.edits: list[types.ApplyWorkspaceEditParams] = []  # type: ignore[misc]

    @c.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        c.edits.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    return c


async def _until_signed_in(c: LanguageClient) -> None:
    async with asyncio.timeout(30):
        while True:
            try:
                got = await run_command(c, "tieline.searchPages", "no such page anywhere")
            except Exception as exc:  # "sign in to a page service" until the session opens
                if "sign in" not in str(exc):
                    raise
            else:
                assert got["results"] == []
                return
            await asyncio.sleep(0.2)


def _open(c: LanguageClient, path: Path, version: int = 1) -> str:
    c.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id="markdown", version=version, text=path.read_text()
            )
        )
    )
    return path.as_uri()


def _change(c: LanguageClient, uri: str, text: str, version: int) -> None:
    c.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def _edited_text(c: LanguageClient) -> str:
    (edit,) = c.edits[-1].edit.changes.values()  # type: ignore[attr-defined, union-attr]
    return edit[0].new_text


async def test_search_import_hover_export_conflict(world: World) -> None:
    c = await _start(world)
    try:
        await _until_signed_in(c)
        c.prompts.clear()  # type: ignore[attr-defined]
        c.answers[:] = ["Handbook (ENG)", "pages"]  # type: ignore[attr-defined]
        got = await run_command(c, "tieline.searchPages", "hand")
        asked = [p.message for p in c.prompts]  # type: ignore[attr-defined]
        assert asked == [
            "Import which page? (1 match “hand”)",
            "Import “Handbook” into which folder?",
        ]
        imported = got["imported"]
        assert imported["pages"] == 2 and imported["images"] == 1
        pages = world.root / "pages"
        page = pages / "Handbook.md"
        text = page.read_text()
        (image,) = (pages / "_resources").iterdir()
        assert image.read_bytes() == PNG and f"![logo](_resources/{image.name})" in text
        assert "Day one" in (pages / "Handbook" / "Onboarding.md").read_text()
        (mine,) = [
            r
            for r in c.progress_reports.values()
            if r and getattr(r[0], "title", "") == "Importing Handbook"
        ]
        assert isinstance(mine[-1], types.WorkDoneProgressEnd)
        assert any(isinstance(r, types.WorkDoneProgressReport) for r in mine)

        # A hover card on the page's URL.
        links = world.root / "docs" / "links.md"
        url = f"{HOST}/wiki/{world.handbook}"
        links.write_text(f"See {url} for more.\n")
        links_uri = _open(c, links)
        hover = await c.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=links_uri),
                position=types.Position(line=0, character=10),
            )
        )
        assert hover is not None
        card = hover.contents.value  # type: ignore[union-attr]
        assert "**Handbook**" in card and "Engineering" not in card and "ENG" in card
        assert "Last edited by Ada Lovelace" in card and f"[Open in Fake Pages]({url})" in card

        # Edit the imported file and export it back: its page is updated in place.
        uri = _open(c, page)
        edited = text.replace("Welcome", "Welcome, **new** people")
        _change(c, uri, edited, 2)
        made = await run_command(c, "tieline.exportPage", uri)
        assert made["id"] == world.handbook and not made["created"] and made["applied"]
        assert made["version"] == "2"
        after = _edited_text(c)
        assert page_meta(split_front_matter(after)[0])["version"] == "2"
        assert split_front_matter(after)[1] == split_front_matter(edited)[1]
        site = world.site()
        stored = site.blocks[world.handbook][0]
        assert isinstance(stored, Paragraph)
        assert Span(text="new", bold=True) in stored.spans
        assert site.uploads[world.handbook] == {f"_resources/{image.name}": PNG}
        _change(c, uri, after, 3)

        # Someone edits the page on the service: the next export is refused.
        site.bump(world.handbook)
        site.save(world.file)
        _change(c, uri, after.replace("new", "newer"), 4)
        with pytest.raises(Exception, match="import it again"):
            await run_command(c, "tieline.exportPage", uri)

        # A hostile page imports script-free.
        evil = await run_command(c, "tieline.importPage", f"{HOST}/wiki/{world.evil}", "pages")
        assert evil["written"] == ["Evil.md"]
        md = (pages / "Evil.md").read_text()
        assert "<script" not in md and "javascript:" not in md and "click" in md
    finally:
        await c.shutdown_session()


async def test_folder_setting_and_export_of_a_new_page(world: World) -> None:
    site = world.site()
    site.spaces.append(PageSpace(key="OPS", name="Operations"))
    site.save(world.file)
    world.env.update(TIELINE_PAGES__FOLDER="docs/wiki", TIELINE_PAGES__DEPTH="0")
    c = await _start(world)
    try:
        await _until_signed_in(c)
        c.prompts.clear()  # type: ignore[attr-defined]
        got = await run_command(c, "tieline.importPage", world.handbook)
        assert c.prompts == []  # type: ignore[attr-defined]  # the folder is the setting's
        assert got["pages"] == 1 and got["written"][-1] == "Handbook.md"
        assert (world.root / "docs" / "wiki" / "Handbook.md").is_file()
        assert not (world.root / "docs" / "wiki" / "Handbook").exists()

        (world.root / "docs" / "chart.png").write_bytes(PNG)
        doc = world.root / "docs" / "Release notes.md"
        doc.write_text("Shipped *it*.\n\n![chart](chart.png)\n")
        uri = _open(c, doc)
        c.answers[:] = ["Operations (OPS)"]  # type: ignore[attr-defined]
        made = await run_command(c, "tieline.exportPage", uri)
        asked = [p.message for p in c.prompts]  # type: ignore[attr-defined]
        assert asked == ["Create “Release notes” in which space?"]
        assert made["created"] and made["title"] == "Release notes" and made["applied"]
        site = world.site()
        assert site.pages[made["id"]].space == "OPS"
        assert site.uploads[made["id"]] == {"chart.png": PNG}
        meta, body = split_front_matter(_edited_text(c))
        assert page_meta(meta)["page_id"] == made["id"] and page_meta(meta)["space"] == "OPS"
        assert body == doc.read_text()

        # A parent page named by its URL: the new page goes under it, in its space.
        child = world.root / "docs" / "FAQ.md"
        child.write_text("# Questions\n\nAsk.\n")
        made = await run_command(
            c, "tieline.exportPage", _open(c, child), f"{HOST}/wiki/{world.handbook}"
        )
        under = world.site().pages[made["id"]]
        assert made["title"] == "Questions"
        assert (under.parent_id, under.space) == (world.handbook, "ENG")
    finally:
        await c.shutdown_session()
