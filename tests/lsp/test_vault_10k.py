"""The vault features over stdio on a generated vault of 10,000 notes (the benchmark's
generator, ``bench.vault``): the server indexes it in the background, then completion in
``[[`` finds a note among them, references list every backlink the index holds (none lost
to a limit), a rename edits every link to the note, and an open note's links all resolve
(no broken-link warning, as the generator writes only links that exist). The reference
answers come from an index built here in process from the same files. Timings are the
benchmark's business (``python -m bench.vault``), not this test's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types

from bench import vault as gen
from server.hub.mdnotes import VaultIndex
from server.hub.mdnotes.rename import plan_rename
from server.hub.mdnotes.vaults import read_chunk, walk
from tests.lsp.conftest import until
from tests.lsp.test_vault import file_of, open_note, start

NOTES = 10_000


def _index(root: Path) -> VaultIndex:
    index = VaultIndex()
    for rel, note in read_chunk(root, walk(root)):
        if note is None:
            index.put_file(rel)
        else:
            index.put(rel, note)
    return index


async def _when(answer: Any, ok: Any) -> Any:
    got = await answer
    return got if ok(got) else None


async def test_ten_thousand_notes_over_stdio(tmp_path: Path, tieline_home: Path) -> None:
    root = tmp_path / "vault"
    paths = gen.generate(root, NOTES)
    index = _index(root)
    assert len(index) == NOTES
    # The first bare [[name]] link of the first note, and the note it resolves to.
    source = paths[0]
    text = (root / source).read_text()
    link = next(
        k for k in index.notes[source].links if k.kind == "wiki" and not k.heading and not k.embed
    )
    hit = index.target(link, source)
    assert hit is not None and hit.found
    pos = types.Position(line=link.line, character=link.start + 2)
    client = await start(root, tieline_home, "visual-studio-code")
    try:
        uri = open_note(client, root / source)

        async def refs() -> list[types.Location] | None:
            got = await client.text_document_references_async(
                types.ReferenceParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    position=pos,
                    context=types.ReferenceContext(include_declaration=False),
                )
            )
            return list(got) if got else None

        # Every backlink the in-process index has for that note, once the server's index
        # is built (until then it knows the open note only).
        want = sorted((rel, k.line, k.start) for rel, k in index.backlinks(hit.path))
        assert len(want) > 1
        found = await until(
            lambda: _when(refs(), lambda got: got is not None and len(got) >= len(want)),
            timeout=120,
        )
        got = sorted(
            (
                file_of(r.uri).relative_to(root).as_posix(),
                r.range.start.line,
                r.range.start.character,
            )
            for r in found
        )
        assert got == want

        # Completion inside "[[" lists the note by a prefix of its name.
        prefix = Path(hit.path).stem[:6].rstrip()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[
                    types.TextDocumentContentChangeWholeDocument(
                        text=text + f"\n[[No such note here]]\n[[{prefix}"
                    )
                ],
            )
        )
        last = len(text.split("\n")) + 1
        listed = await client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=last, character=2 + len(prefix)),
            )
        )
        assert isinstance(listed, types.CompletionList)
        assert listed.items and all(
            i.label.casefold().startswith(prefix.casefold())
            or prefix.casefold() in i.label.casefold()
            for i in listed.items
        )

        # A rename edits every link to the note, as the in-process plan says.
        plan = plan_rename(index, hit.path, hit.path[:-3] + " renamed.md")
        edit = await client.text_document_rename_async(
            types.RenameParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=pos,
                new_name=Path(hit.path).stem + " renamed",
            )
        )
        assert edit is not None and edit.document_changes
        edits = sum(
            len(c.edits) for c in edit.document_changes if isinstance(c, types.TextDocumentEdit)
        )
        assert edits == plan.count
        renames = [c for c in edit.document_changes if isinstance(c, types.RenameFile)]
        assert len(renames) == 1

        # The one broken link of the open note is the one added (the generator writes only
        # links that resolve; the unclosed "[[prefix" is no link).
        def broken() -> list[str]:
            return [d.message for d in client.diagnostics.get(uri, []) if d.code == "broken-link"]

        assert await until(broken, timeout=60) == [
            "No note or file named 'No such note here' in this vault."
        ]
    finally:
        await client.shutdown_session()
