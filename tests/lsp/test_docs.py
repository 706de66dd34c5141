"""Docs look-up end to end: a real server over stdio, with the Python standard library (this
interpreter's index), a Sphinx inventory fetched once from a docs site on 127.0.0.1 through
the server's HTTP stack, and a Dash docset doc2dash made -- hover, the commands, the panel."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from server.hub.docs import stdlib
from tests.docs.sets import Built, built, site, stdlib_index, with_stdlib
from tests.lsp.conftest import NOTES, Env, open_doc, start_client
from tests.lsp.raw import plain, raw_request
from tests.lsp.test_features import find, hover_at, items, raw_request_error
from tests.standin.docs_site import DocsSite

__all__ = ["built", "site", "stdlib_index"]  # the fixtures, imported for pytest

DEMO = """\
import json
import os.path
from spam import eggs as fry
import spam.tins as tins

data = json.loads("{}")
where = os.path.join("a", "b")
fry(2)
tins.open_tin(None)
print(len(data))
label = "🙂 naïve"; print(json.dumps(label))
"""


def toml(site: DocsSite, docsets: Path) -> str:
    return f"""
[docs]
docset_dirs = ["{docsets}"]

[[docs.sets]]
id = "spam"
kind = "inventory"
url = "{site.url}/spam/2.1/"
languages = ["python"]
"""


async def first_hover(client: LanguageClient, uri: str, line: int, ch: int) -> str:
    """The first hover loads the sets, waiting up to 10 s and then answering nothing (a busy
    machine): asked again, as an editor would, until they are in."""
    async with asyncio.timeout(90):
        while (text := await hover_at(client, uri, line, ch)) is None:
            await asyncio.sleep(0.1)
    return text


@pytest.fixture
def env(tmp_path: Path, tieline_home: Path) -> Env:
    """A folder with no git remote: no service is attached, only the docs."""
    root = tmp_path / "app"
    root.mkdir()
    (root / "NOTES.md").write_text(NOTES)
    return Env(root=root, github=None, home=tieline_home)


@pytest.fixture
async def docs_client(env: Env, built: Built, site: DocsSite, stdlib_index: Path) -> Any:
    import shutil

    site.publish("spam/2.1/objects.inv", built.inventory)
    docsets = env.root.parent / "docsets"
    docsets.mkdir()
    shutil.copytree(built.docset, docsets / "spam.docset")
    with_stdlib(env.home / "data", stdlib_index)
    (env.root / ".tieline.toml").write_text(toml(site, docsets))
    (env.root / "demo.py").write_text(DEMO)
    client = await start_client(env, TIELINE_DOCS__STDLIB="interpreter", TIELINE_GITHUB_TOKEN="")
    client.panel_changes = []  # type: ignore[attr-defined]

    @client.feature("tieline/panel/changed")
    def changed(params: Any) -> None:
        client.panel_changes.append(params)  # type: ignore[attr-defined]

    yield client
    await client.shutdown_session()


async def test_hover_shows_the_docs_of_the_name_under_the_cursor(
    docs_client: LanguageClient, env: Env, site: DocsSite
) -> None:
    path = env.root / "demo.py"
    uri = open_doc(docs_client, path, "python")
    root = stdlib.docs_root()

    loads = await first_hover(docs_client, uri, *find(path, "loads("))
    assert loads.startswith("`json.loads` · function · *Python standard library*")
    assert "Deserialize" in loads
    assert f"[Open documentation]({root}library/json.html#json.loads)" in loads

    join = await hover_at(docs_client, uri, *find(path, "join("))
    assert join is not None and f"({root}library/os.path.html#os.path.join)" in join

    # "from spam import eggs as fry": the spam inventory, fetched once from its site.
    fry = await hover_at(docs_client, uri, *find(path, "fry(2)"))
    assert fry is not None and fry.startswith("`spam.eggs` · function · *Spam*")
    assert f"({site.url}/spam/2.1/index.html#spam.eggs)" in fry
    tin = await hover_at(docs_client, uri, *find(path, "open_tin"))
    assert tin is not None and tin.startswith("`spam.tins.open_tin`")

    builtin = await hover_at(docs_client, uri, *find(path, "len("))
    assert builtin is not None and f"({root}library/functions.html#len)" in builtin
    assert await hover_at(docs_client, uri, *find(path, "data =")) is None  # a variable
    assert await hover_at(docs_client, uri, *find(path, " = json")) is None  # "="
    assert site.fetches("spam/2.1/objects.inv") == [200]

    # A Markdown file: no set serves it, so no docs hover (the card hovers still work).
    notes = open_doc(docs_client, env.root / "NOTES.md", "markdown")
    assert await hover_at(docs_client, notes, *find(env.root / "NOTES.md", "Notes")) is None

    # The range is the whole dotted name, in UTF-16 units.
    line, ch = find(path, "join(")
    h = await docs_client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=ch),
        )
    )
    assert h is not None and h.range is not None
    text = path.read_text().splitlines()[line]
    assert text[h.range.start.character : h.range.end.character] == "os.path.join"

    # After an astral character, positions are UTF-16 units both ways (as this client says).
    line, ch = find(path, "dumps(")
    text = path.read_text().splitlines()[line]
    units = len(text[:ch].encode("utf-16-le")) // 2
    h = await docs_client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=units),
        )
    )
    assert h is not None and h.range is not None
    assert isinstance(h.contents, types.MarkupContent)
    assert h.contents.value.startswith("`json.dumps`")
    start = len(text[: text.index("json.dumps")].encode("utf-16-le")) // 2
    assert (h.range.start.character, h.range.end.character) == (start, start + len("json.dumps"))


async def test_commands_and_the_docs_panel(
    docs_client: LanguageClient, env: Env, built: Built, site: DocsSite
) -> None:
    path = env.root / "demo.py"
    uri = open_doc(docs_client, path, "python")

    # Before any look-up the panel names the sets; nothing is loaded (or fetched) for it.
    before = await items(docs_client, "docs")
    assert [i["id"] for i in before] == [
        "docs/unloaded",
        "docs/set/python",
        "docs/set/spam",
        "docs/set/spam-docset",
    ]
    assert before[2]["description"] == "inventory · python"
    assert site.fetches("spam/2.1/objects.inv") == []

    panels = await raw_request(docs_client, "tieline/panels", {})
    assert {"id": "docs", "title": "Docs", "icon": "book"}.items() <= next(
        p for p in panels["panels"] if p["id"] == "docs"
    ).items()

    # Look Up Docs on a name: its page is opened in the browser.
    line, ch = find(path, "loads(")
    found = await docs_client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="tieline.lookUpDocs", arguments=[uri, {"line": line, "character": ch}]
        )
    )
    assert found["symbol"] == "json.loads" and found["opened"] is True
    assert found["result"]["url"].endswith("/library/json.html#json.loads")
    shown = docs_client.shown_documents[-1]
    assert shown.uri == found["result"]["url"] and shown.external is True

    # Search Docs: every set; the results fill the panel's Results group.
    result = await docs_client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="tieline.searchDocs", arguments=["heat"])
    )
    got = [(r["name"], r["setId"]) for r in result["results"]]
    assert got[:2] == [("spam.Pan.heat", "spam"), ("spam.Pan.heat", "spam-docset")]
    async with asyncio.timeout(10):
        while not any(
            plain(c) == {"panelId": "docs"}
            for c in docs_client.panel_changes  # type: ignore[attr-defined]
        ):
            await asyncio.sleep(0.05)
    top = await items(docs_client, "docs")
    assert top[0]["id"] == "docs/results" and top[0]["label"] == "Results for 'heat'"
    sets = {i["id"]: i for i in top[1:]}
    assert set(sets) == {"docs/set/python", "docs/set/spam", "docs/set/spam-docset"}
    assert sets["docs/set/spam"]["description"].endswith("entries · python")
    found_items = await items(docs_client, "docs", "docs/results")
    local = next(i for i in found_items if "spam.docset" in i["url"])
    assert local["label"] == "spam.Pan.heat" and local["command"]["command"] == "tieline.openDocs"
    assert "`spam.Pan.heat` · method" in local["tooltip"]

    # Open a local docset page: in the browser, and named for a shell's preview.
    opened = await docs_client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="tieline.openDocs", arguments=local["command"]["arguments"]
        )
    )
    assert opened["opened"] is True and opened["local"] == local["url"]
    assert opened["local"].startswith("file://") and str(built.docset.name) in opened["local"]
    assert docs_client.shown_documents[-1].uri == local["url"]

    # The same page for a shell's preview: sanitised HTML that still reads as the page.
    page = await docs_client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="tieline.docs.page", arguments=[local["url"]])
    )
    assert page["local"] == local["url"] and page["title"]
    assert "heat" in page["html"] and "<script" not in page["html"].lower()
    bad = await raw_request_error(
        docs_client,
        "workspace/executeCommand",
        {"command": "tieline.docs.page", "arguments": ["file:///etc/passwd"]},
    )
    assert "no installed documentation set" in bad.message

    # Only installed pages are opened.
    bad = await raw_request_error(
        docs_client,
        "workspace/executeCommand",
        {"command": "tieline.openDocs", "arguments": ["file:///etc/passwd"]},
    )
    assert "no installed documentation set" in bad.message
    bad = await raw_request_error(
        docs_client, "workspace/executeCommand", {"command": "tieline.searchDocs", "arguments": []}
    )
    assert bad.code == -32602
    bad = await raw_request_error(
        docs_client,
        "workspace/executeCommand",
        {"command": "tieline.lookUpDocs", "arguments": [uri, {"line": "one"}]},
    )
    assert bad.code == -32602 and "position" in bad.message

    # A name no set has: the panel shows what matches it instead.
    missing = await docs_client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="tieline.lookUpDocs", arguments=["Pan"])
    )
    assert missing["opened"] is False and missing["results"][0]["name"] == "spam.Pan"

    updated = await docs_client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="tieline.updateDocs", arguments=["spam"])
    )
    assert [s["id"] for s in updated["sets"]] == ["python", "spam", "spam-docset"]


async def test_editor_settings_change_the_sets(
    docs_client: LanguageClient, env: Env, built: Built
) -> None:
    path = env.root / "demo.py"
    uri = open_doc(docs_client, path, "python")
    await first_hover(docs_client, uri, *find(path, "fry(2)"))

    # The editor's docs.sets replace the workspace file's: the "spam" inventory goes, "extra"
    # comes, and the docset, no longer sharing its name with a set, is "spam" itself.
    extra = {
        "id": "extra",
        "kind": "inventory",
        "index": str(built.inventory),
        "url": "https://extra.example/",
        "languages": ["python"],
    }
    docs_client.set_configuration({"docs": {"sets": [extra]}}, section="tieline")
    docs_client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None)
    )

    async def sets() -> set[str]:
        found = await docs_client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="tieline.searchDocs", arguments=["spam.eggs"])
        )
        return {r["setId"] for r in found["results"]}

    async with asyncio.timeout(20):
        while await sets() != {"extra", "spam"}:
            await asyncio.sleep(0.1)
    fry = await hover_at(docs_client, uri, *find(path, "fry(2)"))
    assert fry is not None and "(https://extra.example/index.html#spam.eggs)" in fry
    top = await items(docs_client, "docs")
    assert [i["id"] for i in top[-2:]] == ["docs/set/extra", "docs/set/spam"]
    assert "dash:" in top[-1]["tooltip"]

    docs_client.set_configuration({"docs": {"hover": False}}, section="tieline")
    docs_client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None)
    )
    async with asyncio.timeout(20):
        while await hover_at(docs_client, uri, *find(path, "loads(")) is not None:
            await asyncio.sleep(0.1)
