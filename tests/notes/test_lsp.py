"""OneNote import and export end to end: the real server over stdio with a Notebooks
connector installed through an entry point, whose "service" is a JSON file the test fills.
*Import OneNote Section…* from the palette asks for the section and the folder, reports its
progress and writes a hostile page as script-free Markdown with its image saved;
*Export Markdown to OneNote…* on the open Markdown document creates a sanitised page.

The shapes are the sdk's own (:mod:`connectors.sdk.notes`); no published contract is
involved, as no real service is (the Graph connector is proved in tests/microsoft)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import (
    Env,
    installed_connectors,
    queued_answer,
    run_command,
    server_env,
    start_prompted,
)
from tests.notes.connector import Notes

PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 24


@dataclass
class World:
    env: dict[str, str]
    root: Path
    file: Path

    def notes(self) -> Notes:
        return Notes.load(self.file)


@pytest.fixture
def world(tmp_path: Path, tieline_home: Path) -> Iterator[World]:
    root = tmp_path / "ws"
    (root / "docs").mkdir(parents=True)
    notes = Notes()
    design = notes.section("Work", "Design")
    notes.section("Personal", "Ideas")
    img = notes.resource(PNG)
    notes.page(
        design,
        "Kick-off",
        f'<p onclick="x()">Hello</p><script>alert(1)</script><img src="{img}" alt="chart" '
        'onerror="alert(2)"/><a href="javascript:alert(3)">bad</a>',
    )
    file = tmp_path / "notes.json"
    notes.save(file)
    site = installed_connectors(
        tmp_path / "site", "tieline-notes-fake", {"notesfake": "tests.notes.connector:NotesFake"}
    )
    env = server_env(
        Env(root=root, github=None, home=tieline_home),
        PYTHONPATH=f"{site}:{Path.cwd()}",
        NOTESFAKE_FILE=str(file),
        TIELINE_NOTESFAKE_TOKEN="tok-notesfake-abcdefgh12",
    )
    del env["TIELINE_GITHUB_TOKEN"]
    yield World(env, root, file)


async def _start(w: World) -> LanguageClient:
    return await start_prompted(w.env, w.root, answering=queued_answer, answers=[], folder="ws")


async def _until_signed_in(c: LanguageClient) -> None:
    """Until the connector's session is open (the first command asks nothing before)."""
    async with asyncio.timeout(30):
        while True:
            c.answers[:] = []  # type: ignore[attr-defined]
            try:
                got = await run_command(c, "tieline.notes.importSection", "nope")
            except Exception as exc:  # "no section 'nope'" once signed in
                if "no section" in str(exc):
                    return
            else:
                raise AssertionError(got)
            await asyncio.sleep(0.2)


async def test_import_from_the_palette_then_export_the_open_document(world: World) -> None:
    c = await _start(world)
    try:
        await _until_signed_in(c)
        c.prompts.clear()  # type: ignore[attr-defined]
        c.answers[:] = ["Work / Design", "notes/Design"]  # type: ignore[attr-defined]
        got = await run_command(c, "tieline.notes.importSection")
        asked = [p.message for p in c.prompts]  # type: ignore[attr-defined]
        assert asked[0] == "Import which OneNote section?"
        options = [a.title for a in c.prompts[1].actions]  # type: ignore[attr-defined]
        assert options == ["notes/Design", "docs/Design"]
        assert got["written"][-1] == "Kick-off.md" and got["images"] == 1
        md = (world.root / "notes" / "Design" / "Kick-off.md").read_text()
        assert "script" not in md and "alert" not in md and "onerror" not in md
        (image,) = (world.root / "notes" / "Design" / "_resources").iterdir()
        assert image.read_bytes() == PNG and f"![chart](_resources/{image.name})" in md
        (mine,) = [
            r
            for r in c.progress_reports.values()
            if r and getattr(r[0], "title", "") == "Importing Work / Design"
        ]
        assert isinstance(mine[-1], types.WorkDoneProgressEnd)
        assert any(isinstance(r, types.WorkDoneProgressReport) for r in mine)

        doc = world.root / "docs" / "plan.md"
        doc.write_text("# Plan\n\n[x](javascript:alert(1)) <script>alert(2)</script>\n")
        c.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=doc.as_uri(), language_id="markdown", version=1, text=doc.read_text()
                )
            )
        )
        c.answers[:] = ["Work / Design"]  # type: ignore[attr-defined]
        made = await run_command(c, "tieline.notes.exportMarkdown")
        assert made["title"] == "Plan"
        html = world.notes().html[made["id"]]
        assert "<h1>Plan</h1>" in html and "<script" not in html and "href" not in html
    finally:
        await c.shutdown_session()
