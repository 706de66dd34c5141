"""*Import PDF Annotations…* end to end: the real server over stdio, started in a workspace
holding generated PDFs. From the palette (no arguments) it asks which PDF, reports its
progress, and writes a script-free note beside it; run again on a PDF changed in a viewer,
it merges; a password-protected PDF is an error that names it, and nothing is written."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lsprotocol import types
from pypdf import PdfReader, PdfWriter
from pytest_lsp import LanguageClient

from tests.lsp.conftest import Env, named_answer, run_command, server_env, start_prompted
from tests.pdfnotes import pdfs
from tests.pdfnotes.test_render import assert_inert

COMMAND = "tieline.importPdfAnnotations"


@pytest.fixture
async def client(tmp_path: Path, tieline_home: Path) -> AsyncIterator[LanguageClient]:
    root = tmp_path / "ws"
    (root / "papers").mkdir(parents=True)
    (root / "papers" / "fox.pdf").write_bytes(pdfs.paper())
    (root / "other.pdf").write_bytes(pdfs.base())
    env = server_env(Env(root=root, github=None, home=tieline_home))
    del env["TIELINE_GITHUB_TOKEN"]
    c = await start_prompted(
        env, root, answering=named_answer, answer="papers/fox.pdf", folder="ws", ws=root
    )
    c.edits: list[types.ApplyWorkspaceEditParams] = []  # type: ignore[misc]

    @c.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        c.edits.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    yield c
    await c.shutdown_session()


async def test_import_from_the_palette_then_merge_a_changed_pdf(client: LanguageClient) -> None:
    root: Path = client.ws  # type: ignore[attr-defined]
    caps = client.init_result.capabilities  # type: ignore[attr-defined]
    assert COMMAND in caps.execute_command_provider.commands
    got = await run_command(client, COMMAND)
    asked = client.prompts  # type: ignore[attr-defined]
    assert len(asked) == 1 and {a.title for a in asked[0].actions or []} == {
        "papers/fox.pdf",
        "other.pdf",
    }
    note = root / "papers" / "fox.annotations.md"
    assert got["note"] == note.as_uri() and got["written"] and got["added"] == 7
    text = note.read_text()
    assert "**[Page 1](fox.pdf#page=1)** · highlight · green · Ada" in text
    assert f"> {pdfs.MARKED}" in text and f"> {pdfs.PASSAGE}" in text
    assert_inert(text, "fox.pdf")
    # $/progress while the highlights' pages were read, page by page
    (mine,) = [
        r
        for r in client.progress_reports.values()
        if r and getattr(r[0], "title", "") == "Importing annotations of fox.pdf"
    ]
    assert isinstance(mine[-1], types.WorkDoneProgressEnd)
    assert any(getattr(r, "message", "") == "page 2 (2/2)" for r in mine)
    assert any("fox.annotations.md" in m.message for m in client.messages)

    # The user writes under the first entry; the PDF is changed in a viewer; import again,
    # this time by path and into the same note.
    end = "<!-- /tieline-pdf -->"
    note.write_text(text.replace(end, end + "\n\nMine, kept.", 1))
    w = PdfWriter(clone_from=PdfReader(io.BytesIO((root / "papers" / "fox.pdf").read_bytes())))
    pdfs.delete(w, 0, "circled")
    pdfs.sticky(w, 0, "A new <script>x</script> note", (300, 530, 320, 550), nm="new-1")
    (root / "papers" / "fox.pdf").write_bytes(pdfs.saved(w))
    got = await run_command(client, COMMAND, "papers/fox.pdf", "papers/fox.annotations.md")
    assert (got["added"], got["removed"], got["unchanged"]) == (1, 1, 6)
    text = note.read_text()
    assert f"{end}\n\nMine, kept.\n" in text and "Removed from the PDF" in text
    assert "A new \\<script\\>x\\</script\\> note" in text
    assert_inert(text, "fox.pdf")


async def test_a_locked_pdf_is_an_error_and_writes_nothing(client: LanguageClient) -> None:
    root: Path = client.ws  # type: ignore[attr-defined]
    w = PdfWriter(clone_from=PdfReader(io.BytesIO(pdfs.paper())))
    w.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    (root / "locked.pdf").write_bytes(pdfs.saved(w))
    with pytest.raises(Exception, match=r"locked\.pdf is encrypted with a password"):
        await run_command(client, COMMAND, (root / "locked.pdf").as_uri())
    assert not (root / "locked.annotations.md").exists()
    with pytest.raises(Exception, match="inside a workspace folder"):
        await run_command(client, COMMAND, "other.pdf", "/tmp/elsewhere.md")


async def test_an_open_note_is_merged_from_its_buffer(client: LanguageClient) -> None:
    root: Path = client.ws  # type: ignore[attr-defined]
    await run_command(client, COMMAND, "other.pdf")
    note = root / "other.annotations.md"
    on_disk = note.read_text()
    unsaved = on_disk + "\nTyped, not saved yet.\n"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=note.as_uri(), language_id="markdown", version=1, text=unsaved
            )
        )
    )
    w = PdfWriter(clone_from=PdfReader(io.BytesIO((root / "other.pdf").read_bytes())))
    pdfs.delete(w, 0, "Boxed words")
    (root / "other.pdf").write_bytes(pdfs.saved(w))
    got = await run_command(client, COMMAND, (root / "other.pdf").as_uri())
    assert got["applied"] and not got["written"] and got["removed"] == 1
    assert note.read_text() == on_disk  # the editor saves it, with the user's words
    (edit,) = client.edits  # type: ignore[attr-defined]
    (change,) = (edit.edit.changes or {})[note.as_uri()]
    assert "Typed, not saved yet." in change.new_text
    assert "Removed from the PDF" in change.new_text


def test_the_pdf_may_be_named_as_vs_code_passes_it_from_the_explorer(tmp_path: Path) -> None:
    from server.lsp.features.pdfnotes import _as_path, workspace_pdfs

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "y.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "z.pdf").write_bytes(b"%PDF-1.4")
    x = tmp_path / "a" / "x.pdf"
    folders = [tmp_path]
    uri_json = {"$mid": 1, "scheme": "file", "path": str(x), "fsPath": str(x)}
    assert _as_path(uri_json, folders) == x
    assert _as_path({"scheme": "file", "path": str(x)}, folders) == x
    assert _as_path({"scheme": "untitled", "path": "x.pdf"}, folders) is None
    assert _as_path(x.as_uri(), folders) == x
    assert _as_path("a/x.pdf", folders) == x
    assert _as_path(None, folders) is None
    assert workspace_pdfs(folders) == [x]  # hidden and dependency folders are not looked in
