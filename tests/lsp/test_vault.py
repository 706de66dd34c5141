"""Markdown vaults end to end over stdio: a temporary folder with ``.obsidian/`` and a few
notes, driven by pytest-lsp's client as VS Code (resource operations, insert/replace
completion) and as Neovim 0.7 (neither). Completion inside ``[[`` and after ``#``, go to a
note and a heading, a sanitized hover preview, backlinks, a rename whose edits are applied
and then found by the index, broken-link warnings that clear once the quick fix made the
note, and a file created behind the editor's back announced by a watched-files event, or,
for an editor that cannot watch files for the server, found by polling."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from server.hub.refs.positions import index_of, split_lines
from tests.lsp.conftest import Env, run_command, server_env, until
from tests.lsp.raw import raw_request

HOME = """---
tags: [home]
---
# Home

Plans live in [[Project plan#Goals|the goals]] and [[Project plan]]; see also [[Pro
Broken: [[Missing note]] and [[Project plan#No such part]].
#ideas and #ho
"""
PLAN = """# Project plan

Intro text.

## Goals

Ship it. <script>alert(1)</script> <img src=x onerror=alert(1)>

## Later

Not now. ^later-1
"""
JOURNAL = """# Journal

Worked on [[Project plan]] today, see [the goals](../Project%20plan.md#goals). #ideas
"""


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    (root / ".obsidian").mkdir(parents=True)
    (root / "daily").mkdir()
    (root / "Home.md").write_text(HOME)
    (root / "Project plan.md").write_text(PLAN)
    (root / "daily" / "Journal.md").write_text(JOURNAL)
    (root / "notes.txt").write_text("not a note")
    return root


async def start(root: Path, home: Path, preset: str, **extra: str) -> LanguageClient:
    env = server_env(Env(root=root, github=None, home=home), TIELINE_GITHUB_TOKEN="", **extra)
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "server", "serve"], server_env=env
    )
    client: LanguageClient = await config.start()  # type: ignore[assignment]
    client.applied_edits: list[types.ApplyWorkspaceEditParams] = []  # type: ignore[misc]
    client.registrations: list[types.Registration] = []  # type: ignore[misc]

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        client.applied_edits.append(params)  # type: ignore[attr-defined]
        apply(params.edit)
        return types.ApplyWorkspaceEditResult(applied=True)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def lens_refresh(params: Any) -> None:
        return None

    client.init_result = await client.initialize_session(  # type: ignore[attr-defined]
        types.InitializeParams(
            capabilities=client_capabilities(preset),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="vault")],
        )
    )
    return client


@pytest.fixture
async def code(vault: Path, tieline_home: Path) -> AsyncIterator[LanguageClient]:
    c = await start(vault, tieline_home, "visual-studio-code")
    yield c
    await c.shutdown_session()


def file_of(uri: str) -> Path:
    return Path(unquote(urlsplit(uri).path))


def edit_file(path: Path, edits: list[types.TextEdit]) -> None:
    lines = split_lines(path.read_text())
    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character))[::-1]:
        n = e.range.start.line
        line = lines[n]
        a, b = index_of(line, e.range.start.character), index_of(line, e.range.end.character)
        lines[n] = line[:a] + e.new_text + line[b:]
    path.write_text("\n".join(lines))


def apply(edit: types.WorkspaceEdit) -> None:
    """A workspace edit made on disk, the way an editor makes it (edits, then renames)."""
    for uri, edits in (edit.changes or {}).items():
        edit_file(file_of(uri), list(edits))
    for change in edit.document_changes or []:
        if isinstance(change, types.TextDocumentEdit):
            edit_file(file_of(change.text_document.uri), list(change.edits))  # type: ignore[arg-type]
        elif isinstance(change, types.RenameFile):
            new = file_of(change.new_uri)
            new.parent.mkdir(parents=True, exist_ok=True)
            file_of(change.old_uri).rename(new)


def open_note(client: LanguageClient, path: Path, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="markdown", version=version, text=path.read_text()
            )
        )
    )
    return uri


def at(path: Path, needle: str, offset: int = 0) -> types.Position:
    for n, line in enumerate(path.read_text().split("\n")):
        i = line.find(needle)
        if i >= 0:
            return types.Position(line=n, character=i + offset)
    raise AssertionError(f"{needle!r} not in {path}")


async def complete(client: LanguageClient, uri: str, pos: types.Position) -> types.CompletionList:
    got = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pos)
    )
    assert isinstance(got, types.CompletionList)
    return got


async def indexed(client: LanguageClient, uri: str) -> types.CompletionList:
    """Until the vault's index answers (it is built after the hub opens): line 5 of HOME
    ends in "[[Pro", where completion lists the notes once they are indexed."""
    line = HOME.split("\n")[5]
    pos = types.Position(line=5, character=len(line))

    async def ready() -> Any:
        got = await client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=pos
            )
        )
        ok = isinstance(got, types.CompletionList)
        return got if ok and any(i.label == "Project plan" for i in got.items) else None

    return await until(ready)  # type: ignore[no-any-return]


async def test_completion_definition_hover(code: LanguageClient, vault: Path) -> None:
    home = vault / "Home.md"
    uri = open_note(code, home)
    got = await indexed(code, uri)
    item = next(i for i in got.items if i.label == "Project plan")
    assert isinstance(item.text_edit, types.InsertReplaceEdit)  # VS Code declares it
    assert item.text_edit.new_text == "Project plan]]"
    assert item.insert_text_format in (None, types.InsertTextFormat.PlainText)
    declared = client_capabilities("visual-studio-code").text_document
    assert declared is not None and declared.completion and declared.completion.completion_item
    if declared.completion.completion_item.label_details_support:
        assert item.label_details is not None and item.label_details.description == "/"
    else:  # a field the client did not declare is not sent
        assert item.label_details is None and item.detail == "/"
    assert all(i.label != "notes" for i in got.items)  # only notes, outside embeds
    resolved = await code.completion_item_resolve_async(item)
    assert resolved.documentation is not None and "Intro text" in str(resolved.documentation)

    # Headings of the note after "#": change the line to "[[Project plan#".
    code.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=5, character=len(HOME.split("\n")[5]) - 3),
                        end=types.Position(line=5, character=len(HOME.split("\n")[5])),
                    ),
                    text="Project plan#Go",
                )
            ],
        )
    )
    line5 = HOME.split("\n")[5][:-3] + "Project plan#Go"
    heads = await complete(code, uri, types.Position(line=5, character=len(line5)))
    assert [i.label for i in heads.items] == ["Project plan", "Goals", "Later"]
    goals = heads.items[1]
    assert isinstance(goals.text_edit, types.InsertReplaceEdit)
    assert goals.text_edit.new_text == "Goals]]"
    assert goals.text_edit.insert.start.character == len(line5) - 2

    # Tags after "#" at a word's start.
    tags = await complete(code, uri, types.Position(line=7, character=len("#ideas and #ho")))
    assert {i.label for i in tags.items} >= {"#home", "#ideas"}

    # Go to the heading, and to the note.
    plan = vault / "Project plan.md"
    loc = await code.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=at(home, "[[Project plan#", 3),
        )
    )
    assert isinstance(loc, types.Location)
    assert loc.uri == plan.as_uri() and loc.range.start.line == 4

    # Hover: the Goals section, with the HTML made harmless.
    hover = await code.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=at(home, "[[Project plan#", 3),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "Goals" in text and "Ship it" in text and "Later" not in text
    assert "<script" not in text and "onerror" not in text


async def test_backlinks_and_rename(code: LanguageClient, vault: Path) -> None:
    home = vault / "Home.md"
    uri = open_note(code, home)
    await indexed(code, uri)
    refs = await code.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=at(home, "[[Project plan]]", 3),
            context=types.ReferenceContext(include_declaration=False),
        )
    )
    assert refs is not None
    where = sorted((file_of(r.uri).name, r.range.start.line) for r in refs)
    assert where == [
        ("Home.md", 5),
        ("Home.md", 5),
        ("Home.md", 6),
        ("Journal.md", 2),
        ("Journal.md", 2),
    ]

    # Backlinks of one heading: Home's [[Project plan#Goals|...]] and Journal's Markdown link.
    plan_uri = open_note(code, vault / "Project plan.md")
    heading_refs = await code.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(uri=plan_uri),
            position=types.Position(line=4, character=4),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert heading_refs is not None
    assert sorted((file_of(r.uri).name, r.range.start.line) for r in heading_refs) == [
        ("Home.md", 5),
        ("Journal.md", 2),
        ("Project plan.md", 4),
    ]

    pos = at(home, "[[Project plan]]", 4)
    prep = await code.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pos)
    )
    assert isinstance(prep, types.PrepareRenamePlaceholder) and prep.placeholder == "Project plan"
    edit = await code.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=pos, new_name="Roadmap"
        )
    )
    assert edit is not None and edit.document_changes
    assert isinstance(edit.document_changes[-1], types.RenameFile)
    versions = {
        c.text_document.uri: c.text_document.version
        for c in edit.document_changes
        if isinstance(c, types.TextDocumentEdit)
    }
    assert versions[uri] == 1 and versions[(vault / "daily" / "Journal.md").as_uri()] is None
    apply(edit)
    assert (vault / "Roadmap.md").exists() and not (vault / "Project plan.md").exists()
    assert "[[Roadmap#Goals|the goals]] and [[Roadmap]]" in home.read_text()
    assert "[the goals](../Roadmap.md#goals)" in (vault / "daily" / "Journal.md").read_text()

    # The editor tells the server what changed (its own edits of open notes, the watcher).
    registered = [r.method for r in code.registrations]  # type: ignore[attr-defined]
    assert types.WORKSPACE_DID_CHANGE_WATCHED_FILES in registered
    code.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    code.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=plan_uri))
    )
    (vault / "daily" / "Fresh idea.md").write_text("# Fresh idea\n")
    code.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(uri=plan_uri, type=types.FileChangeType.Deleted),
                types.FileEvent(
                    uri=(vault / "Roadmap.md").as_uri(), type=types.FileChangeType.Created
                ),
                types.FileEvent(
                    uri=(vault / "daily" / "Journal.md").as_uri(), type=types.FileChangeType.Changed
                ),
                types.FileEvent(
                    uri=(vault / "daily" / "Fresh idea.md").as_uri(),
                    type=types.FileChangeType.Created,
                ),
            ]
        )
    )
    uri = open_note(code, home, version=3)

    async def found() -> Any:
        loc = await code.text_document_definition_async(
            types.DefinitionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=at(home, "[[Roadmap]]", 3),
            )
        )
        return loc

    loc = await until(found)
    assert loc.uri == (vault / "Roadmap.md").as_uri()
    listed = await complete(code, uri, types.Position(line=5, character=len(HOME.split("\n")[5])))
    labels = {i.label for i in listed.items}
    assert "Fresh idea" not in labels  # "[[Pro" does not match it
    symbols = await code.workspace_symbol_async(types.WorkspaceSymbolParams(query="fresh"))
    assert symbols and [s.name for s in symbols] == ["Fresh idea"]
    tagged = await run_command(code, "tieline.notes.byTag", "ideas")
    assert sorted(n["name"] for n in tagged["notes"]) == ["Home", "Journal"]


async def test_broken_links_warn_until_the_note_exists(code: LanguageClient, vault: Path) -> None:
    home = vault / "Home.md"
    uri = open_note(code, home)
    await indexed(code, uri)

    def broken() -> list[types.Diagnostic]:
        return [d for d in code.diagnostics.get(uri, []) if d.code == "broken-link"]

    found = await until(lambda: broken() if len(broken()) == 2 else None)
    assert {d.severity for d in found} == {types.DiagnosticSeverity.Warning}
    missing = next(d for d in found if "Missing note" in d.message)
    assert any("No such part" in d.message for d in found)
    # raw: pygls' client would read a CodeAction with a command as a Command
    sent = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=missing.range,
        context=types.CodeActionContext(diagnostics=[missing]),
    )
    actions = await raw_request(
        code, "textDocument/codeAction", code.protocol._converter.unstructure(sent)
    )
    (create,) = [a for a in actions if a["title"].startswith("Create note")]
    assert create["kind"] == "quickfix" and create["isPreferred"]
    command = create["command"]
    made = await run_command(code, command["command"], *command["arguments"])
    assert (vault / "Missing note.md").exists() and made["path"] == "Missing note.md"
    await until(lambda: len(broken()) == 1)
    assert (
        code.shown_documents
        and code.shown_documents[-1].uri == (vault / "Missing note.md").as_uri()
    )


async def test_polling_finds_changes_where_the_editor_cannot_watch_files(
    vault: Path, tieline_home: Path
) -> None:
    """Neovim 0.7 declares no ``didChangeWatchedFiles``: the server looks at the vault itself
    every ``notes.poll_seconds``, so a note made or removed behind the editor's back (a
    ``git pull``) mends or breaks links in the open notes."""
    client = await start(vault, tieline_home, "neovim@v0.7.0", TIELINE_NOTES__POLL_SECONDS="0.2")
    try:
        home = vault / "Home.md"
        uri = open_note(client, home)
        await indexed(client, uri)

        def broken() -> list[str]:
            return [d.message for d in client.diagnostics.get(uri, []) if d.code == "broken-link"]

        await until(lambda: len(broken()) == 2)
        (vault / "Missing note.md").write_text("# Missing note\n")
        await until(lambda: len(broken()) == 1)
        assert not any("Missing note" in m for m in broken())
        (vault / "Project plan.md").unlink()
        await until(lambda: any("'Project plan'" in m for m in broken()))
        registered = [r.method for r in client.registrations]  # type: ignore[attr-defined]
        assert types.WORKSPACE_DID_CHANGE_WATCHED_FILES not in registered
    finally:
        await client.shutdown_session()


async def test_rename_command_where_the_editor_cannot_rename_files(
    vault: Path, tieline_home: Path
) -> None:
    client = await start(vault, tieline_home, "neovim@v0.7.0")
    try:
        home = vault / "Home.md"
        uri = open_note(client, home)
        got = await indexed(client, uri)
        item = next(i for i in got.items if i.label == "Project plan")
        # Neovim 0.7 declares neither insertReplaceSupport nor labelDetailsSupport.
        assert isinstance(item.text_edit, types.TextEdit) and item.label_details is None
        assert item.text_edit.new_text == "Project plan]]" and item.detail == "/"
        with pytest.raises(Exception, match=r"tieline\.notes\.rename"):
            await client.text_document_rename_async(
                types.RenameParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    position=at(home, "[[Project plan]]", 4),
                    new_name="Roadmap",
                )
            )
        got = await run_command(
            client, "tieline.notes.rename", (vault / "Project plan.md").as_uri(), "plans/Roadmap"
        )
        assert got["links"] == 5  # three in Home, two in Journal
        assert (vault / "plans" / "Roadmap.md").exists()
        assert not (vault / "Project plan.md").exists()
        (applied,) = client.applied_edits  # type: ignore[attr-defined]
        assert applied.edit.changes and not applied.edit.document_changes
        assert "[[Roadmap#Goals|the goals]] and [[Roadmap]]" in home.read_text()
        journal = (vault / "daily" / "Journal.md").read_text()
        assert "[the goals](../plans/Roadmap.md#goals)" in journal
    finally:
        await client.shutdown_session()


async def test_editor_renames_and_tags(code: LanguageClient, vault: Path) -> None:
    """VS Code's Explorer renames a note itself: ``workspace/willRenameFiles`` answers the
    link edits to make first (no file operation in them). Tags: hover, symbols."""
    caps = code.init_result.capabilities  # type: ignore[attr-defined]
    will = caps.workspace.file_operations.will_rename
    assert will is not None and will.filters[0].pattern.glob == "**/*.md"
    home = vault / "Home.md"
    uri = open_note(code, home)
    await indexed(code, uri)
    edit = await code.workspace_will_rename_files_async(
        types.RenameFilesParams(
            files=[
                types.FileRename(
                    old_uri=(vault / "Project plan.md").as_uri(),
                    new_uri=(vault / "archive" / "Old plan.md").as_uri(),
                )
            ]
        )
    )
    assert edit is not None and edit.document_changes
    assert not any(isinstance(c, types.RenameFile) for c in edit.document_changes)
    apply(edit)
    assert "[[Old plan#Goals|the goals]] and [[Old plan]]" in home.read_text()
    journal = (vault / "daily" / "Journal.md").read_text()
    assert "[the goals](../archive/Old%20plan.md#goals)" in journal

    hover = await code.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=at(home, "#ideas", 2)
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "2 notes" in hover.contents.value and "Journal" in hover.contents.value
    symbols = await code.workspace_symbol_async(types.WorkspaceSymbolParams(query="#home"))
    assert symbols and [s.name for s in symbols] == ["Home"]


async def test_rename_a_heading(code: LanguageClient, vault: Path) -> None:
    """Rename on a heading's text renames it and every link to it, with no file moved."""
    plan = vault / "Project plan.md"
    uri = open_note(code, plan)
    await indexed(code, open_note(code, vault / "Home.md"))
    pos = types.Position(line=4, character=5)  # "## Goals"
    prep = await code.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pos)
    )
    assert isinstance(prep, types.PrepareRenamePlaceholder) and prep.placeholder == "Goals"
    assert (prep.range.start.character, prep.range.end.character) == (3, 8)
    edit = await code.text_document_rename_async(
        types.RenameParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=pos, new_name="Aims"
        )
    )
    assert edit is not None and edit.document_changes
    assert not any(isinstance(c, types.RenameFile) for c in edit.document_changes)
    apply(edit)
    assert "## Aims" in plan.read_text()
    assert "[[Project plan#Aims|the goals]]" in (vault / "Home.md").read_text()
    assert "(../Project%20plan.md#aims)" in (vault / "daily" / "Journal.md").read_text()
