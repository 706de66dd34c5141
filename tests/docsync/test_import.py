"""Markdown going back to the service as its documents (``docsync.import_docs`` and
``docsync.import_new``), against the in-memory drive's :class:`DocImport`.

The fake converts as Google Drive does in the one way that matters to the engine: the
document's Markdown export is the service's rendering, not the bytes imported, so a round
that compared bytes after an import would take its own write for an edit made there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from connectors.sdk.drive import MARKDOWN
from server.hub.docsync.engine import DocSync, LinkSpec
from server.hub.docsync.localfs import Ignore
from server.hub.store import Store
from tests.docsync.conftest import WHEN, World
from tests.docsync.fakedrive import FakeDrive
from tests.docsync.test_engine import settled

EXPORTED = f"<!-- {MARKDOWN} -->\n"


def importing(world: World, store: Store, *, docs: bool = True, new: bool = False) -> World:
    """The same link (same agreement in the store), with the import settings given."""
    spec = LinkSpec(folder="docs", service="fakedrive", remote=FakeDrive.ROOT.path)
    sync = DocSync(
        store,
        world.drive,
        spec,
        world.docs.parent,
        ignore=Ignore([".git"]),
        now=lambda: WHEN,
        importer=world.drive,
        import_docs=docs,
        import_new=new,
    )
    return World(world.drive, sync, world.docs)


async def edited_export(world: World) -> None:
    """A Doc pulled as Markdown, then edited here."""
    world.drive.put("Plan", "# Plan", export=FakeDrive.DOC_EXPORTS)
    await settled(world)
    assert world.read("Plan.md") == EXPORTED + "# Plan"
    os.chmod(world.docs / "Plan.md", 0o644)
    world.write("Plan.md", "# Plan\n\nedited here")


async def test_an_edited_export_is_imported_into_its_document(world: World, store: Store) -> None:
    w = importing(world, store)
    await edited_export(w)
    doc = w.drive.at("Plan")
    assert doc is not None
    r = await w.sync.sync()
    assert r.pushed == ["Plan.md"] and r.held_back == [] and r.conflicts == []
    after = w.drive.at("Plan")
    assert after is not None and after.id == doc.id  # replaced in place, not a new file
    assert after.data == b"# Plan\n\nedited here" and after.export_formats
    assert w.drive.calls["upload"] == 0 and w.drive.calls["import_document"] == 1
    assert w.drive.files().keys() == {"Plan"}


async def test_no_ping_pong_after_an_import(world: World, store: Store) -> None:
    """The import's answer is the agreement: the export the next look lists is no edit
    there (though its Markdown differs from the file), and the file is no edit here."""
    w = importing(world, store)
    await edited_export(w)
    await w.sync.sync()
    w.drive.calls.clear()
    for _ in range(2):
        r = await w.sync.sync()
        assert not r.changed and r.held_back == [] and r.stopped is None
    assert w.drive.calls["download"] == 0 and w.drive.calls["import_document"] == 0
    assert w.read("Plan.md") == "# Plan\n\nedited here"
    # and an edit made at the service later is pulled as usual
    w.drive.put("Plan", "# Plan v3", export=FakeDrive.DOC_EXPORTS)
    r = await w.sync.sync()
    assert r.pulled == ["Plan.md"] and w.read("Plan.md") == EXPORTED + "# Plan v3"


async def test_off_the_edit_is_held_back(world: World, store: Store) -> None:
    w = importing(world, store, docs=False)
    await edited_export(w)
    r = await w.sync.sync()
    assert r.held_back == ["Plan.md"] and r.pushed == []
    assert w.drive.calls["import_document"] == 0
    assert w.drive.files() == {"Plan": b"# Plan"}


async def test_a_drive_without_import_holds_it_back(world: World, store: Store) -> None:
    """``import_docs`` on, but the link's connector cannot import: as if it were off."""
    spec = LinkSpec(folder="docs", service="fakedrive", remote=FakeDrive.ROOT.path)
    sync = DocSync(store, world.drive, spec, world.docs.parent, importer=None, import_docs=True)
    w = World(world.drive, sync, world.docs)
    await edited_export(w)
    r = await w.sync.sync()
    assert r.held_back == ["Plan.md"] and w.drive.calls["import_document"] == 0


async def test_the_doc_changed_before_the_round_is_a_conflict(world: World, store: Store) -> None:
    w = importing(world, store)
    await edited_export(w)
    w.drive.put("Plan", "# Plan v2", export=FakeDrive.DOC_EXPORTS)
    r = await w.sync.sync()
    assert [(c.path, c.kind) for c in r.conflicts] == [("Plan.md", "edit")]
    assert w.drive.calls["import_document"] == 0
    assert w.drive.files() == {"Plan": b"# Plan v2"}
    copy = "Plan (conflict fakedrive 2026-12-02 1430).md"
    assert w.local() == {"Plan.md": "# Plan\n\nedited here", copy: EXPORTED + "# Plan v2"}


async def test_the_doc_changed_meanwhile_is_a_conflict(world: World, store: Store) -> None:
    """Someone edits the Doc between the round's look and its import: the version check
    refuses the import, the round looks again, and the path becomes a conflict."""
    w = importing(world, store)
    await edited_export(w)

    def edit_there_first(name: str) -> None:
        if name == "import_document":
            w.drive.fail = None
            w.drive.put("Plan", "# Plan v2", export=FakeDrive.DOC_EXPORTS)

    w.drive.fail = edit_there_first
    r = await w.sync.sync()
    assert r.stopped is None and r.pushed == []
    assert [c.path for c in r.conflicts] == ["Plan.md"]
    assert w.drive.files() == {"Plan": b"# Plan v2"}
    assert w.read("Plan.md") == "# Plan\n\nedited here"


async def test_keep_mine_imports_it(world: World, store: Store) -> None:
    w = importing(world, store)
    await edited_export(w)
    w.drive.put("Plan", "# Plan v2", export=FakeDrive.DOC_EXPORTS)
    await w.sync.sync()
    await w.sync.resolve("Plan.md", "mine")
    assert w.drive.files() == {"Plan": b"# Plan\n\nedited here"}
    w.drive.calls.clear()
    await settled(w)
    assert w.drive.calls["import_document"] == 0 and w.drive.calls["download"] == 0
    assert w.local() == {"Plan.md": "# Plan\n\nedited here"}


async def test_an_edit_of_a_doc_deleted_there_makes_it_anew(world: World, store: Store) -> None:
    """As any edit meeting a delete: the edit wins (here, a document again), and the
    conflict is recorded so the person sees it. Off, the export goes with its document."""
    w = importing(world, store)
    await edited_export(w)
    w.drive.remove("Plan")
    r = await w.sync.sync()
    assert [(c.path, c.kind) for c in r.conflicts] == [("Plan.md", "deleted_there")]
    doc = w.drive.at("Plan")
    assert doc is not None and doc.export_formats and doc.data == b"# Plan\n\nedited here"
    assert w.local() == {"Plan.md": "# Plan\n\nedited here"}
    r = await w.sync.sync()
    assert not r.changed


@pytest.mark.parametrize("new", [False, True])
async def test_a_new_markdown_file(world: World, store: Store, new: bool) -> None:
    """Off: uploaded as the file it is (``import_docs`` alone does not change that); on:
    it becomes a document, and later edits of it are imported too."""
    w = importing(world, store, new=new)
    w.write("notes/Idea.md", "# Idea")
    w.write("notes/data.txt", "plain")
    await settled(w)
    files = w.drive.files()
    if not new:
        assert files == {"notes/Idea.md": b"# Idea", "notes/data.txt": b"plain"}
        assert w.drive.calls["import_document"] == 0
        return
    assert files == {"notes/Idea": b"# Idea", "notes/data.txt": b"plain"}
    doc = w.drive.at("notes/Idea")
    assert doc is not None and doc.export_formats
    assert w.local() == {"notes/Idea.md": "# Idea", "notes/data.txt": "plain"}
    w.drive.calls.clear()
    w.write("notes/Idea.md", "# Idea\n\nmore")
    r = await w.sync.sync()
    assert r.pushed == ["notes/Idea.md"] and w.drive.calls["upload"] == 0
    assert w.drive.files()["notes/Idea"] == b"# Idea\n\nmore"
    r = await w.sync.sync()
    assert not r.changed


async def test_the_setting_reaches_the_engine(tmp_path: Path) -> None:
    """``docsync.import_docs`` / ``import_new`` default off."""
    from server.hub.config import DocSyncSettings

    s = DocSyncSettings()
    assert (s.import_docs, s.import_new) == (False, False)
    assert DocSyncSettings.model_validate({"import_docs": True}).import_docs
