"""Snippets end to end over stdio: save the selection (code action, asking title and tags,
flagging a secret), insert by completion after the trigger prefix (as a snippet where the
client declares ``snippetSupport``, as plain text where it does not), and the Snippets panel
with search, edit (by command and by saving the edit copy) and delete."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.lsp.conftest import Env, open_doc, start_client
from tests.lsp.raw import raw_request

RETRY_PY = """import time


def retry(fn, attempts=3):
    for n in range(attempts):
        try:
            return fn()
        except OSError:
            time.sleep(2 ** n)
    raise RuntimeError("gave up")

x = snip:
"""
TOKEN_IN_TEXT = "gh" + "p_" + "Secr3tSecr3tSecr3tSecr3tSecr3tSecr3t"


def rng(l1: int, c1: int, l2: int, c2: int) -> types.Range:
    return types.Range(start=types.Position(l1, c1), end=types.Position(l2, c2))


async def run(client: LanguageClient, command: str, *args: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=list(args))
    )


async def complete(client: LanguageClient, uri: str, line: int, ch: int) -> types.CompletionList:
    got = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line, ch),
            context=types.CompletionContext(trigger_kind=types.CompletionTriggerKind.Invoked),
        )
    )
    assert isinstance(got, types.CompletionList)
    return got


async def panel(client: LanguageClient) -> list[dict[str, Any]]:
    result = await raw_request(client, "tieline/panel/items", {"panelId": "snippets"})
    return list(result["items"])


def read(path: Path) -> str:
    return path.read_text()


def write_file(path: Path, text: str) -> None:
    path.write_text(text)


def write(env: Env, name: str, text: str) -> Path:
    path = env.root / name
    path.write_text(text)
    return path


async def test_save_selection_then_complete_it(client: LanguageClient, env: Env) -> None:
    uri = open_doc(client, write(env, "retry.py", RETRY_PY), "python")

    async def code_actions(r: dict[str, Any]) -> list[dict[str, Any]]:
        # raw: pygls' client would read a CodeAction with a command as a Command
        got = await raw_request(
            client,
            "textDocument/codeAction",
            {"textDocument": {"uri": uri}, "range": r, "context": {"diagnostics": []}},
        )
        return list(got or [])

    selection = {"start": {"line": 3, "character": 0}, "end": {"line": 9, "character": 30}}
    save = next(a for a in await code_actions(selection) if "snippet" in a["title"])
    assert save["title"] == "Save selection as snippet…"
    cursor = {"start": {"line": 3, "character": 2}, "end": {"line": 3, "character": 2}}
    assert not any("snippet" in a["title"] for a in await code_actions(cursor))

    asked = len(client.messages)
    saved = await run(client, save["command"]["command"], *save["command"]["arguments"])
    questions = [m.message for m in client.messages[asked:]]
    assert questions[0] == "Title for the new snippet?"  # answered with the first: "retry"
    assert questions[1] == "Tags for “retry”?"  # answered with the language
    assert saved["title"] == "retry" and saved["tags"] == ["python"]
    assert saved["language"] == "python"
    assert saved["body"].startswith("def retry(fn, attempts=3):\n    for n")
    assert saved["source"]["uri"] == uri and saved["source"]["startLine"] == 3

    listed = await complete(client, uri, 11, len("x = snip:"))
    assert [i.label for i in listed.items] == ["retry"]
    item = listed.items[0]
    assert item.insert_text_format == types.InsertTextFormat.Snippet
    assert item.kind == types.CompletionItemKind.Snippet
    assert isinstance(item.text_edit, types.TextEdit)
    assert item.text_edit.range == rng(11, 4, 11, 9)  # replaces the prefix
    assert item.text_edit.new_text == saved["body"]

    narrowed = await complete(client, uri, 11, len("x = snip:"))  # same with a word typed
    assert narrowed.items
    md = open_doc(client, write(env, "n.md", "see snip:ret\n"), "markdown")
    assert list((await complete(client, md, 0, len("see snip:ret"))).items) == []  # python only


async def test_plain_text_for_a_client_without_snippet_support(env: Env) -> None:
    client = await start_client(env, preset="neovim@v0.7.0")
    try:
        uri = open_doc(client, write(env, "log.py", "import logging\nlog = snip:lo\n"), "python")
        saved = await run(
            client,
            "tieline.snippets.saveSelection",
            uri,
            {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 14}},
            {"title": "Logger", "tags": "log, setup"},
        )
        assert saved["tags"] == ["log", "setup"] and saved["body"] == "import logging"
        await run(
            client,
            "tieline.snippets.edit",
            saved["id"],
            {
                "body": "log = logging.getLogger(${1:__name__})  # $TM_FILENAME$0",
                "prefix": "logger",
            },
        )
        got = await complete(client, uri, 1, len("log = snip:lo"))
        assert [i.label for i in got.items] == ["logger"]
        item = got.items[0]
        assert item.insert_text_format == types.InsertTextFormat.PlainText
        assert isinstance(item.text_edit, types.TextEdit)
        assert item.text_edit.new_text == "log = logging.getLogger(__name__)  # log.py"
    finally:
        await client.shutdown_session()


async def test_a_secret_is_flagged_before_saving(client: LanguageClient, env: Env) -> None:
    text = f'import os\nTOKEN = "{TOKEN_IN_TEXT}"\n'
    uri = open_doc(client, write(env, "cfg.py", text), "python")
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 60}}
    client.prompt_answer = "Cancel"  # type: ignore[attr-defined]
    refused = await run(
        client, "tieline.snippets.saveSelection", uri, whole, {"title": "cfg", "tags": []}
    )
    assert refused["cancelled"] and refused["secrets"] == ["a GitHub token (line 2)"]
    warning = client.messages[-1]
    assert (
        warning.type == types.MessageType.Warning and "a GitHub token (line 2)" in warning.message
    )
    assert all(TOKEN_IN_TEXT not in m.message for m in client.messages)
    assert [i["id"] for i in await panel(client)] == ["snippets/search"]

    client.prompt_answer = "Save Anyway"  # type: ignore[attr-defined]
    kept = await run(
        client, "tieline.snippets.saveSelection", uri, whole, {"title": "cfg", "tags": []}
    )
    assert kept["title"] == "cfg" and TOKEN_IN_TEXT in kept["body"]


async def test_panel_search_edit_delete(client: LanguageClient, env: Env) -> None:
    changed: list[Any] = []
    client.feature("tieline/panel/changed")(lambda params: changed.append(params))
    panels = await raw_request(client, "tieline/panels", {})
    assert {"id": "snippets", "title": "Snippets", "icon": "symbol-snippet"}.items() <= next(
        p for p in panels["panels"] if p["id"] == "snippets"
    ).items()
    uri = open_doc(client, write(env, "a.py", "alpha = 1\nbeta = 2\n"), "python")
    one = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 9}}
    two = {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 8}}
    a = await run(
        client, "tieline.snippets.saveSelection", uri, one, {"title": "Alpha", "tags": ["x"]}
    )
    b = await run(client, "tieline.snippets.saveSelection", uri, two, {"title": "Beta", "tags": []})
    items = await panel(client)
    assert items[0]["label"] == "Search snippets…" and items[0]["description"] == "2 saved"
    assert {i["label"] for i in items[1:]} == {"Alpha", "Beta"}
    alpha = next(i for i in items if i["label"] == "Alpha")
    assert alpha["description"] == "python · #x" and "alpha = 1" in alpha["tooltip"]
    assert {x["id"] for x in alpha["actions"]} == {"edit", "delete", "share"}

    found = await run(client, "tieline.snippets.search", "bet")
    assert [s["id"] for s in found] == [b["id"]]
    items = await panel(client)
    assert items[0]["label"] == "Search: bet" and [i["label"] for i in items[1:]] == ["Beta"]
    await run(client, "tieline.snippets.search", "")

    renamed = await run(
        client, "tieline.snippets.edit", a["id"], {"title": "Alpha one", "tags": ["y"]}
    )
    assert renamed["title"] == "Alpha one" and renamed["tags"] == ["y"]
    with pytest.raises(JsonRpcException, match="no field"):
        await run(client, "tieline.snippets.edit", a["id"], {"colour": "red"})

    client.prompt_answer = "Delete"  # type: ignore[attr-defined]
    assert (await run(client, "tieline.snippets.delete", b["id"]))["deleted"] == b["id"]
    assert [i["label"] for i in (await panel(client))[1:]] == ["Alpha one"]
    with pytest.raises(JsonRpcException, match="no snippet"):
        await run(client, "tieline.snippets.show", b["id"])
    assert changed  # the panel was told to refetch
    # only the library's own changes refresh this panel (a sync refreshes the others)
    assert "snippets" in {getattr(c, "panelId", None) or c["panelId"] for c in changed}


async def test_edit_copy_saved_in_the_editor_saves_the_snippet(
    client: LanguageClient, env: Env
) -> None:
    uri = open_doc(client, write(env, "b.py", "print('hi')\n"), "python")
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 11}}
    s = await run(client, "tieline.snippets.saveSelection", uri, whole, {"title": "Hi", "tags": []})
    opened = await run(client, "tieline.snippets.edit", s["id"])
    assert client.shown_documents[-1].uri == opened["uri"]
    path = Path(opened["uri"].removeprefix("file://"))
    assert read(path) == "print('hi')" and str(path).startswith(str(env.home))
    edited = "print('${1:hello}')"
    write_file(path, edited)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=opened["uri"], language_id="python", version=1, text=edited
            )
        )
    )
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=opened["uri"])
        )
    )
    for _ in range(100):  # didSave is a notification: poll until it has been handled
        if (await run(client, "tieline.snippets.show", s["id"]))["body"] == "print('${1:hello}')":
            break
        await asyncio.sleep(0.05)
    assert (await run(client, "tieline.snippets.show", s["id"]))["body"] == "print('${1:hello}')"


async def test_bad_arguments_get_a_clear_error(client: LanguageClient, env: Env) -> None:
    uri = open_doc(client, write(env, "c.py", "x = 1\n"), "python")
    with pytest.raises(JsonRpcException, match="selection is empty"):
        await run(
            client,
            "tieline.snippets.saveSelection",
            uri,
            {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 1}},
        )
    with pytest.raises(JsonRpcException, match="range"):
        await run(client, "tieline.snippets.saveSelection", uri, "all of it")
    with pytest.raises(JsonRpcException, match="no such open document"):
        await run(
            client,
            "tieline.snippets.saveSelection",
            "file:///nope.py",
            {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}},
        )
    with pytest.raises(JsonRpcException, match="no snippet"):
        await run(client, "tieline.snippets.delete", "missing")


async def test_share_sync_and_a_conflict_shown_in_the_panel(
    client: LanguageClient, env: Env
) -> None:
    from tests.lsp.test_features import wait_synced

    await wait_synced(client)  # the GitHub session is open
    assert env.github is not None
    gists = env.github.state.gists
    uri = open_doc(client, write(env, "d.py", "print('v1')\n"), "python")
    whole = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 11}}
    s = await run(client, "tieline.snippets.saveSelection", uri, whole, {"title": "V", "tags": []})
    assert gists.gists == {}  # saving uploads nothing
    shared = await run(client, "tieline.snippets.share", s["id"])
    assert shared["visibility"] == "secret" and gists.gists[shared["id"]]["public"] is False

    await run(client, "tieline.snippets.edit", s["id"], {"body": "print('mine')"})
    gists.edit(shared["id"], None, {"V.py": {"content": "print('theirs')"}})
    report = await run(client, "tieline.snippets.sync")
    [(label, r)] = list(report.items())
    assert label == "GitHub (octocat@github.com)" and r["conflicts"] == [s["id"]]
    assert any("nothing was overwritten" in m.message for m in client.messages)
    assert gists.gists[shared["id"]]["files"]["V.py"] == "print('theirs')"
    assert (await run(client, "tieline.snippets.show", s["id"]))["body"] == "print('mine')"
    item = next(i for i in await panel(client) if i.get("key") == s["id"])
    assert item["description"].startswith("conflict with github") and item["icon"] == "warning"
    assert "resolve" in {x["id"] for x in item["actions"]}

    kept = await run(client, "tieline.snippets.resolve", s["id"], "host")
    assert kept == {"kept": "host", "host": label}
    assert (await run(client, "tieline.snippets.show", s["id"]))["body"] == "print('theirs')"
    item = next(i for i in await panel(client) if i.get("key") == s["id"])
    assert not item["description"].startswith("conflict")
