"""Markdown imported as Google Docs on the stand-in (the DocImport capability): a new Doc
made by ``files.create`` with the Doc type in the metadata and ``text/markdown`` media, its
content replaced by ``files.update`` with Markdown media on the Doc's id, under the version
check of every write; large Markdown through a resumable session. Every request is validated
against drive.v3.json as the other Drive tests' are. The contract says nothing of
conversions: the stand-in's (the Markdown export is the imported text) is built from the
upload guide's "Import to Google Docs types" (see tests/standin/google_drive.py).

Last, the folder sync over the real connector: an edit of a Doc's Markdown export goes back
into the Doc, and the next round neither pulls it nor pushes it again."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from connectors.google.connector import GoogleConnector
from connectors.google.drive_client import SIMPLE_LIMIT
from connectors.sdk import InvalidRequest
from connectors.sdk.capabilities import DocImport, provides
from connectors.sdk.drive import MARKDOWN, PDF, DriveFolder
from connectors.sdk.errors import SyncConflict
from server.hub.docsync.engine import DocSync, LinkSpec
from server.hub.http import HubClient
from server.hub.store import Store
from tests.standin.google_drive import GOOGLE, DriveState

from .helpers import World

Conn = tuple[GoogleConnector, HubClient]
DOC = GOOGLE + "document"


async def _folder(world: World, conn: Conn) -> tuple[DriveState, str, DriveFolder]:
    st = world.standin.drive
    docs = st.add("Docs")["id"]
    return st, docs, await conn[0].find_folder("/Docs")


def test_the_connector_declares_and_implements_doc_import() -> None:
    assert provides(GoogleConnector, DocImport)


async def test_markdown_becomes_a_new_doc(world: World, conn: Conn) -> None:
    st, _, folder = await _folder(world, conn)
    connector, _ = conn
    made = await connector.import_document(folder, "notes/Plan", b"# Plan\n\nShip it.\n")
    assert made.path == "notes/Plan" and made.mime_type == DOC
    assert made.export_formats and MARKDOWN in made.export_formats and made.etag
    stored = st.find("Docs/notes/Plan")
    assert stored is not None and stored["mimeType"] == DOC and made.id not in st.data
    (create,) = [r for r in world.standin.log if r.path == "/upload/drive/v3/files"]
    assert create.method == "POST" and dict(create.query)["uploadType"] == "multipart"
    # The Doc's Markdown export is what was imported; it has no bytes of its own.
    assert await connector.download(made, export=MARKDOWN) == b"# Plan\n\nShip it.\n"
    with pytest.raises(InvalidRequest, match="export it"):
        await connector.download(made)
    with pytest.raises(SyncConflict, match="created in Google Drive meanwhile"):
        await connector.import_document(folder, "notes/Plan", b"again")


async def test_a_doc_is_replaced_in_place_at_its_version(world: World, conn: Conn) -> None:
    st, docs, folder = await _folder(world, conn)
    connector, _ = conn
    st.add_doc("Plan", docs, {MARKDOWN: b"# Plan\n", PDF: b"%PDF-1.7"})
    (doc,) = (await connector.changes(folder)).items
    world.standin.reset_log()
    new = await connector.import_document(
        folder, "Plan", b"# Plan\n\nedited\n", replace=doc, if_match=doc.etag
    )
    assert new.id == doc.id and new.path == "Plan" and new.etag != doc.etag
    assert st.exports[doc.id][MARKDOWN] == b"# Plan\n\nedited\n"
    (update,) = [r for r in world.standin.log if r.path.startswith("/upload/")]
    assert update.method == "PATCH" and update.path == f"/upload/drive/v3/files/{doc.id}"
    assert dict(update.query)["uploadType"] == "media"
    assert update.headers["content-type"] == MARKDOWN


async def test_a_doc_changed_meanwhile_is_a_conflict(world: World, conn: Conn) -> None:
    st, docs, folder = await _folder(world, conn)
    connector, _ = conn
    st.add_doc("Plan", docs, {MARKDOWN: b"# Plan\n"})
    (doc,) = (await connector.changes(folder)).items
    st.edit(doc.id)  # someone types in the Doc: version 2
    st.exports[doc.id] = {MARKDOWN: b"# Plan, theirs\n"}
    world.standin.reset_log()
    with pytest.raises(SyncConflict, match="changed in Google Drive meanwhile"):
        await connector.import_document(folder, "Plan", b"mine", replace=doc, if_match=doc.etag)
    assert not [r for r in world.standin.log if r.method in ("PATCH", "POST", "PUT")]
    assert st.exports[doc.id][MARKDOWN] == b"# Plan, theirs\n"


async def test_only_a_doc_is_imported_into(world: World, conn: Conn) -> None:
    st, docs, folder = await _folder(world, conn)
    connector, _ = conn
    st.add("plain.md", docs, mime="text/markdown", data=b"x")
    (plain,) = (await connector.changes(folder)).items
    with pytest.raises(InvalidRequest, match="not a Google Doc"):
        await connector.import_document(folder, "plain", b"y", replace=plain)
    with pytest.raises(InvalidRequest, match="imports no application/pdf"):
        await connector.import_document(folder, "x", b"%PDF", source=PDF)


async def test_the_stand_in_refuses_media_it_cannot_convert(world: World, conn: Conn) -> None:
    """The check the tests above lean on: media Drive does not convert into a Doc is 400."""
    _, docs, _ = await _folder(world, conn)
    _, http = conn
    meta = json.dumps({"name": "x", "parents": [docs], "mimeType": DOC})
    body = (
        f"--b\r\ncontent-type: application/json\r\n\r\n{meta}\r\n"
        "--b\r\ncontent-type: application/pdf\r\n\r\n%PDF\r\n--b--\r\n"
    ).encode()
    with pytest.raises(InvalidRequest, match="Conversion from application/pdf"):
        await http.post(
            "upload/drive/v3/files",
            params={"uploadType": "multipart", "supportsAllDrives": "true"},
            content=body,
            headers={"content-type": "multipart/related; boundary=b"},
        )


async def test_large_markdown_goes_up_in_a_resumable_session(world: World, conn: Conn) -> None:
    st, _, folder = await _folder(world, conn)
    connector, _ = conn
    data = b"# Big\n\n" + b"word " * (SIMPLE_LIMIT // 5 + 10)
    made = await connector.import_document(folder, "Big", data)
    assert st.files[made.id]["mimeType"] == DOC and st.exports[made.id][MARKDOWN] == data
    opened = next(r for r in world.standin.log if dict(r.query).get("uploadType") == "resumable")
    assert opened.headers["x-upload-content-type"] == MARKDOWN


async def test_the_folder_sync_imports_an_edited_export_once(
    world: World, conn: Conn, tmp_path: Path
) -> None:
    st, docs, _ = await _folder(world, conn)
    connector, _ = conn
    plan = st.add_doc("Plan", docs, {MARKDOWN: b"# Plan\n", PDF: b"%PDF-1.7"})["id"]
    spec = LinkSpec(folder="docs", service="google", remote="/Docs")
    async with Store.open(tmp_path / "t.db") as store:
        sync = DocSync(
            store, connector, spec, tmp_path / "ws", importer=connector, import_docs=True
        )
        r = await sync.sync()
        assert r.pulled == ["Plan.md"] and r.stopped is None
        local = tmp_path / "ws" / "docs" / "Plan.md"
        os.chmod(local, 0o644)
        local.write_bytes(b"# Plan\n\nedited in the editor\n")
        r = await sync.sync()
        assert r.pushed == ["Plan.md"] and r.stopped is None and r.conflicts == []
        assert st.exports[plan][MARKDOWN] == b"# Plan\n\nedited in the editor\n"
        world.standin.reset_log()
        for _ in range(2):
            r = await sync.sync()
            assert not r.changed and r.stopped is None
        assert not [r for r in world.standin.log if r.path.endswith("/export")]
        assert not [r for r in world.standin.log if r.path.startswith("/upload/")]
