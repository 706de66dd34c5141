"""Citations end to end: the real server over stdio, a workspace with a ``.bib`` file (one
entry hostile, one broken), a Markdown and a LaTeX document. ``@``/``\\cite{`` complete
citekeys, a hover shows a sanitized card, unknown keys and the broken entry are warnings,
and ``tieline.addReference`` appends a DOI's entry (from a ``Papers`` connector installed
through an entry point) to the ``.bib`` file, which then completes.

The shapes are the sdk's own (:mod:`connectors.sdk.papers`); no real service is involved."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.lsp.conftest import (
    Env,
    installed_connectors,
    open_doc,
    queued_answer,
    run_command,
    server_env,
    start_prompted,
    until,
)
from tests.lsp.raw import raw_request
from tests.standin.zotero import ZoteroStandIn

BIB = r"""% the group's references
@article{knuth1984,
  author = {Knuth, Donald E.},
  title = {Literate Programming},
  journal = {The Computer Journal},
  year = 1984,
  doi = {10.1093/comjnl/27.2.97}
}

@misc{evil2020,
  author = {<img src=x onerror=alert(1)>, Mallory},
  title = {Click <script>alert(2)</script> [me](javascript:alert(3))},
  year = 2020
}

@book{broken, title = {unclosed

@misc{lamport1994, author = {Lamport, Leslie}, year = 1994,
  title = {{\LaTeX}: A Document Preparation System}}
"""

MD = """---
title: Paper
---
As shown by [@knuth1984; @nobody2000] and @lamport1994.
See [@
Also https://doi.org/10.1145/3368089.3409741 and doi:10.1093/comjnl/27.2.97.
"""

TEX = "\\documentclass{article}\n\\begin{document}\nText \\citep{knuth1984, }.\n\\end{document}\n"

PAPER = {
    "id": {"scheme": "doi", "value": "10.1145/3368089.3409741"},
    "title": "A Study of Things",
    "authors": ["Hopper, Grace", "Lovelace, Ada"],
    "year": 2020,
    "venue": "ESEC/FSE",
    "doi": "10.1145/3368089.3409741",
    "entry_type": "inproceedings",
    "source": "Fake",
}


@dataclass
class World:
    env: dict[str, str]
    root: Path


@pytest.fixture
def world(tmp_path: Path, tieline_home: Path) -> World:
    root = tmp_path / "paper"
    root.mkdir()
    (root / "refs.bib").write_text(BIB)
    (root / "paper.md").write_text(MD)
    (root / "paper.tex").write_text(TEX)
    papers = tmp_path / "papers.json"
    papers.write_text(json.dumps({PAPER["doi"]: PAPER}))
    site = installed_connectors(
        tmp_path / "site",
        "tieline-papers-fake",
        {"papersfake": "tests.references.connector:PapersFake"},
    )
    env = server_env(
        Env(root=root, github=None, home=tieline_home),
        PYTHONPATH=f"{site}:{Path.cwd()}",
        PAPERSFAKE_FILE=str(papers),
        TIELINE_PAPERSFAKE_TOKEN="tok-papersfake-abcdefgh12",
    )
    del env["TIELINE_GITHUB_TOKEN"]
    return World(env, root)


@pytest.fixture
async def client(world: World) -> AsyncIterator[LanguageClient]:
    c = await start_prompted(
        world.env, world.root, answering=queued_answer, answers=[], folder="paper"
    )
    yield c
    await c.shutdown_session()


async def _complete(c: LanguageClient, uri: str, line: int, col: int, ch: str | None) -> list[str]:
    got = await c.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line, col),
            context=types.CompletionContext(
                trigger_kind=types.CompletionTriggerKind.TriggerCharacter
                if ch
                else types.CompletionTriggerKind.Invoked,
                trigger_character=ch,
            ),
        )
    )
    assert isinstance(got, types.CompletionList)
    return [i.label for i in got.items]


async def test_completion_hover_and_warnings(client: LanguageClient, world: World) -> None:
    md = open_doc(client, world.root / "paper.md", "markdown")
    tex = open_doc(client, world.root / "paper.tex", "latex")
    labels = await _complete(client, md, 4, 6, "@")
    assert labels == ["evil2020", "knuth1984", "lamport1994"]
    line = TEX.splitlines()[2]
    labels = await _complete(client, tex, 2, line.index("}"), ",")
    assert "knuth1984" in labels and "lamport1994" in labels

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=md), position=types.Position(3, 17)
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "Literate Programming" in text and "Knuth, Donald E." in text and "1984" in text
    assert "The Computer Journal" in text
    assert "(https://doi.org/10.1093/comjnl/27.2.97)" in text

    md_lines = MD.splitlines()
    (world.root / "cite-evil.md").write_text("[@evil2020]\n")
    evil_uri = open_doc(client, world.root / "cite-evil.md", "markdown")
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=evil_uri),
            position=types.Position(0, 4),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    card = hover.contents.value
    # Shown as text: every "<" and link bracket escaped, so nothing renders as HTML or a link.
    assert "Click" in card and "Mallory" in card
    assert not re.search(r"(?<!\\)[<>]", card) and "](javascript:" not in card

    def warned() -> list[types.Diagnostic]:
        return [d for d in client.diagnostics.get(md, []) if d.code == "unknown-citekey"]

    found = await until(warned)
    assert [d.message for d in found] == [
        "No BibTeX entry or library item has the key 'nobody2000'"
    ]
    start = md_lines[3].index("nobody2000")
    assert found[0].range.start == types.Position(3, start)

    bib_uri = (world.root / "refs.bib").resolve().as_uri()
    broken = await until(lambda: client.diagnostics.get(bib_uri))
    assert [d.range.start.line for d in broken] == [15]
    assert "cannot read this entry" in broken[0].message

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=tex),
            position=types.Position(2, line.index("knuth") + 2),
        )
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "Literate Programming" in hover.contents.value

    # A bare "@" in a document that cites nothing is a mention: left to other completions.
    (world.root / "chat.md").write_text("Thanks @\n")
    chat = open_doc(client, world.root / "chat.md", "markdown")
    got = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=chat), position=types.Position(0, 8)
        )
    )
    items = got.items if isinstance(got, types.CompletionList) else got or []
    assert not [i for i in items if i.label == "knuth1984"]

    # The broken entry mended: its warning goes once the files are read again.
    (world.root / "refs.bib").write_text(BIB.replace("title = {unclosed", "title = {now closed}}"))

    async def mended() -> bool:
        await _complete(client, md, 4, 6, "@")  # a request reads the files again
        return not client.diagnostics.get(bib_uri)

    assert await until(mended, every=0.5)


async def test_add_reference_by_doi(client: LanguageClient, world: World) -> None:
    caps = client.init_result.capabilities  # type: ignore[attr-defined]
    assert "tieline.addReference" in caps.execute_command_provider.commands
    md = open_doc(client, world.root / "paper.md", "markdown")
    await _complete(client, md, 4, 6, "@")  # the index is built
    # raw: pygls' client would read a CodeAction with a command as a Command
    actions = await raw_request(
        client,
        "textDocument/codeAction",
        {
            "textDocument": {"uri": md},
            "range": {"start": {"line": 5, "character": 0}, "end": {"line": 5, "character": 80}},
            "context": {"diagnostics": []},
        },
    )
    adds = [a for a in actions or [] if a["title"].startswith("Add ref")]
    # The second DOI is knuth1984's: cited already, so not offered.
    assert [a["title"] for a in adds] == ["Add reference for doi:10.1145/3368089.3409741"]
    command = adds[0]["command"]
    assert command == {
        "title": "Add reference for doi:10.1145/3368089.3409741",
        "command": "tieline.addReference",
        "arguments": ["10.1145/3368089.3409741"],
    }
    # From a palette, no argument: the one DOI written and not cited yet is the one added.
    got = await until(lambda: run_command(client, "tieline.addReference"))
    assert got["added"] is True and got["citekey"] == "hopper2020study"
    text = (world.root / "refs.bib").read_text()
    assert text.startswith(BIB)  # nothing of the file rewritten
    assert "@inproceedings{hopper2020study," in text and "ESEC/FSE" in text
    labels = await _complete(client, md, 4, 6, "@")
    assert "hopper2020study" in labels
    again = await run_command(client, "tieline.addReference", "10.1145/3368089.3409741")
    assert again["added"] is False and again["citekey"] == "hopper2020study"
    assert (world.root / "refs.bib").read_text() == text
    # From a palette, no argument: every DOI of the open documents is cited now.
    with pytest.raises(JsonRpcException, match="no open document names one"):
        await run_command(client, "tieline.addReference")


@pytest.fixture
def zotero_world(tmp_path: Path, tieline_home: Path) -> Iterator[tuple[World, ZoteroStandIn]]:
    """No .bib file: the citations come from a Zotero library (the stand-in, user 4711),
    signed in with a key from the environment."""
    from tests.zotero.conftest import KEY, seed

    standin = ZoteroStandIn().start()
    seed(standin)
    root = tmp_path / "thesis"
    root.mkdir()
    (root / "ch1.md").write_text("Cited [@knuth1984] and [@ghost].\n")
    papers = tmp_path / "papers.json"
    papers.write_text(json.dumps({PAPER["doi"]: PAPER}))
    connectors = {"papersfake": "tests.references.connector:PapersFake"}
    installed = {ep.name for ep in entry_points(group="tieline.connectors")}
    if "zotero" not in installed:  # an install from before the connector: found here instead
        connectors["zotero"] = "connectors.zotero.connector:ZoteroConnector"
    site = installed_connectors(tmp_path / "site", "tieline-references-test", connectors)
    env = server_env(
        Env(root=root, github=None, home=tieline_home),
        PYTHONPATH=f"{site}:{Path.cwd()}",
        PAPERSFAKE_FILE=str(papers),
        TIELINE_PAPERSFAKE_TOKEN="tok-papersfake-abcdefgh12",
        TIELINE_ZOTERO_TOKEN=KEY,
        TIELINE_CONNECTORS__ZOTERO__API_URL=standin.url,
    )
    del env["TIELINE_GITHUB_TOKEN"]
    try:
        yield World(env, root), standin
    finally:
        standin.stop()


async def test_a_zotero_library_cites_and_takes_new_works(
    zotero_world: tuple[World, ZoteroStandIn],
) -> None:
    world, standin = zotero_world
    c = await start_prompted(
        world.env, world.root, answering=queued_answer, answers=[], folder="thesis"
    )
    try:
        md = open_doc(c, world.root / "ch1.md", "markdown")

        async def labels() -> list[str]:
            return await _complete(c, md, 0, 8, None)

        got = await until(labels)
        assert got == ["knuth1984", "vaswani2017"]
        hover = await c.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=md),
                position=types.Position(0, 10),
            )
        )
        assert hover is not None and isinstance(hover.contents, types.MarkupContent)
        assert "Literate Programming" in hover.contents.value
        assert "Zotero" in hover.contents.value

        def warned() -> list[str]:
            return [d.message for d in c.diagnostics.get(md, []) if d.code == "unknown-citekey"]

        assert await until(warned) == ["No BibTeX entry or library item has the key 'ghost'"]

        made = await run_command(c, "tieline.addReference", PAPER["doi"], "zotero")
        assert made["added"] is True and made["citekey"] == "hopper2020study"
        items = standin.state.libraries["users/4711"].items.values()
        new = next(i for i in items if i["title"] == "A Study of Things")
        assert new["itemType"] == "conferencePaper" and new["DOI"] == PAPER["doi"]
        assert "Citation Key: hopper2020study" in new["extra"]
        assert "hopper2020study" in await labels()
    finally:
        await c.shutdown_session()
