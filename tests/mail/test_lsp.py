"""Mail end to end over stdio: the real server with the fake mail-and-tracker connector
installed through an entry point (as a third-party package would be), its mailbox seeded in
the server process (:mod:`tests.mail.fake.served`). The Inbox panel pages by "More…", a
hostile message opens as a sanitised ``tieline-mail:`` document read with
``workspace/textDocumentContent``, its code action makes an issue and offers to open it, and
a reply with a selection holding a token is refused while a clean one is sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.lsp.conftest import Env, installed_connectors, run_command, server_env, start_prompted
from tests.lsp.raw import raw_request
from tests.lsp.test_features import items, raw_request_error, wait_synced


async def _start(tmp_path: Path, home: Path, *, content: bool) -> LanguageClient:
    """The server for a folder that is no clone, signed in to the fake through its token;
    ``content``: the client reads ``workspace/textDocumentContent``."""
    root = tmp_path / "notes"
    root.mkdir()
    site = installed_connectors(
        tmp_path / "site",
        "tieline-fakemail",
        {"fakemail": "tests.mail.fake.served:FakeMailConnector"},
    )
    env = server_env(
        Env(root=root, github=None, home=home),
        PYTHONPATH=f"{site}:{Path.cwd()}",
        TIELINE_FAKEMAIL_TOKEN="tok-fakemail-ada",
    )
    del env["TIELINE_GITHUB_TOKEN"]
    caps = client_capabilities("visual-studio-code")
    assert caps.workspace is not None
    if content:
        caps.workspace.text_document_content = types.TextDocumentContentClientCapabilities()
    return await start_prompted(env, root, caps=caps)


@pytest.fixture
async def client(tmp_path: Path, tieline_home: Path) -> AsyncIterator[LanguageClient]:
    c = await _start(tmp_path, tieline_home, content=True)
    yield c
    await c.shutdown_session()


def _open(client: LanguageClient, uri: str, text: str, language: str) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=1, text=text
            )
        )
    )


async def _actions(
    client: LanguageClient, uri: str, start: tuple[int, int], end: tuple[int, int]
) -> list[dict[str, Any]]:
    """Raw: pygls' client would read a CodeAction with a command as a Command."""
    got = await raw_request(
        client,
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": {
                "start": {"line": start[0], "character": start[1]},
                "end": {"line": end[0], "character": end[1]},
            },
            "context": {"diagnostics": []},
        },
    )
    return list(got or [])


def _progress_titles(client: LanguageClient) -> list[str]:
    return [
        r.title
        for reports in client.progress_reports.values()
        for r in reports
        if isinstance(r, types.WorkDoneProgressBegin)
    ]


async def test_inbox_read_make_an_issue_and_reply(client: LanguageClient) -> None:
    caps = client.init_result.capabilities  # type: ignore[attr-defined]
    assert "tieline-mail" in caps.workspace.text_document_content.schemes
    await wait_synced(client)
    panels = await raw_request(client, "tieline/panels", None)
    assert {"id": "inbox", "title": "Inbox", "icon": "mail"}.items() <= next(
        p for p in panels["panels"] if p["id"] == "inbox"
    ).items()
    groups = await items(client, "inbox")
    assert [g["id"] for g in groups] == ["inbox/unread", "inbox/flagged", "inbox/inbox"]

    # Newest first, three a page (the service's page), then "More…" for the rest.
    first = await items(client, "inbox", "inbox/inbox")
    rows, more = first[:-1], first[-1]
    assert [r["label"] for r in rows] == ["Outage <b>now</b>", "Message 4", "Message 3"]
    assert more["label"] == "More…" and more["hasChildren"] is True
    outage = rows[0]
    assert outage["description"].startswith("Sender 5 · ") and outage["description"].endswith("● ⚑")
    assert outage["icon"] == "mail" and outage["command"]["command"] == "tieline.mail.open"
    assert outage["contextValue"] == "mail.unread.flagged"
    rest = await items(client, "inbox", more["id"])
    assert [r["label"] for r in rest] == ["Message 2", "Message 1"]
    flagged = await items(client, "inbox", "inbox/flagged")
    assert [r["label"] for r in flagged] == ["Outage <b>now</b>"]

    refreshed = await run_command(client, "tieline.mail.refresh")
    assert refreshed == {"refreshed": True, "changed": []}  # asked again, nothing new
    assert "Refreshing the Inbox" in _progress_titles(client)

    # Reading it: a sanitised document, no script in any form, no pixel fetched.
    opened = await run_command(client, "tieline.mail.open", outage["key"])
    uri = opened["uri"]
    assert uri.startswith("tieline-mail:/") and uri.endswith("/Outage-b-now-b.md")
    assert any(d.uri == uri for d in client.shown_documents)
    text = (await raw_request(client, "workspace/textDocumentContent", {"uri": uri}))["text"]
    assert text.startswith("# Outage \\<b\\>now\\</b\\>\n")
    assert "**From:** Sender 5 \\<sender5@example.test\\>" in text
    assert "[the runbook](<https://docs.example.test/runbook>)" in text
    assert "[ops](<mailto:ops@example.test>)" in text
    assert "pixel.gif" not in text and "javascript" not in text.lower()
    assert "<script" not in text.lower() and "onload" not in text and "srcdoc" not in text

    # Its code action: the issue on the workspace's tracker, then an offer to open it.
    _open(client, uri, text, "markdown")
    (create,) = [a for a in await _actions(client, uri, (0, 0), (0, 0)) if "issue" in a["title"]]
    assert create["title"] == "Create an issue from this email…"
    made = await run_command(client, create["command"]["command"], *create["command"]["arguments"])
    assert made["key"] == "OPS-1" and made["url"] == "https://mail.example.test/OPS/1"
    assert made["opened"] is True
    assert any(d.uri == made["url"] and d.external for d in client.shown_documents)
    assert "Creating the issue on Fake Mail OPS" in _progress_titles(client)
    offer = client.prompts[-1]  # type: ignore[attr-defined]
    assert offer.message == "Created OPS-1: Outage <b>now</b>"
    assert [a.title for a in offer.actions or []] == ["Open Issue"]

    # Reply with a selection: a token in it is refused, clean code is sent.
    code = "def fix():\n    TOKEN = 'tok-fakemail-abcdefgh12'\n    return 1\n"
    _open(client, "untitled:fix.py", code, "python")
    (answer,) = [
        a
        for a in await _actions(client, "untitled:fix.py", (0, 0), (3, 0))
        if "Reply" in a["title"]
    ]
    assert answer["title"] == "Reply to “Outage <b>now</b>” with the selection…"
    refused = await run_command(
        client, answer["command"]["command"], *answer["command"]["arguments"]
    )
    assert refused == {"sent": False, "secrets": ["a Fake Mail token (line 3)"]}
    assert any("Not sent" in m.message for m in client.messages)
    assert not any("tok-fakemail-abcdefgh12" in m.message for m in client.messages)
    args = list(answer["command"]["arguments"])
    args[1] = {**args[1], "range": {"start": {"line": 0, "character": 0},
                                    "end": {"line": 1, "character": 0}}}  # fmt: skip
    sent = await run_command(client, "tieline.mail.reply", args[0], args[1], {"all": True})
    assert sent == {"sent": True, "all": True}
    async with asyncio.timeout(5):
        while not any(m.message.startswith("Replied to all") for m in client.messages):
            await asyncio.sleep(0.05)

    # Reply with a snippet, from the mail document: the library's newest are offered.
    (reply_snippet,) = [
        a for a in await _actions(client, uri, (0, 0), (0, 0)) if "snippet" in a["title"]
    ]
    err = await raw_request_error(client, "workspace/executeCommand", reply_snippet["command"])
    assert "snippet library is empty" in str(err)
    saved = await run_command(
        client, "tieline.snippets.saveSelection", "untitled:fix.py", args[1]["range"]
    )
    assert saved["title"]
    sent = await run_command(
        client, reply_snippet["command"]["command"], *reply_snippet["command"]["arguments"]
    )
    assert sent == {"sent": True, "all": False}
    asked = [p.message for p in client.prompts[-2:]]  # type: ignore[attr-defined]
    assert asked == [
        "Reply with which snippet?",
        "Reply to “Outage <b>now</b>” with the code block?",
    ]


async def test_without_document_content_a_message_opens_as_a_private_copy(
    tmp_path: Path, tieline_home: Path
) -> None:
    """A client that cannot read ``tieline-mail:`` gets a copy in the data directory
    (readable by its owner only), and the copy offers the same code action."""
    client = await _start(tmp_path, tieline_home, content=False)
    try:
        await wait_synced(client)
        rows = await items(client, "inbox", "inbox/flagged")
        opened = await run_command(client, "tieline.mail.open", rows[0]["key"])
        copy = Path(unquote(urlsplit(opened["file"]).path))
        mode = (await asyncio.to_thread(copy.stat)).st_mode
        assert copy.is_relative_to(tieline_home) and mode & 0o777 == 0o600
        text = await asyncio.to_thread(copy.read_text, encoding="utf-8")
        assert "[the runbook](<https://docs.example.test/runbook>)" in text
        assert "<script" not in text.lower() and "pixel.gif" not in text
        assert any(d.uri == opened["file"] for d in client.shown_documents)
        _open(client, opened["file"], text, "markdown")
        actions = await _actions(client, opened["file"], (0, 0), (0, 0))
        (create,) = [a for a in actions if "issue" in a["title"]]
        made = await run_command(
            client, create["command"]["command"], *create["command"]["arguments"]
        )
        assert made["key"] == "OPS-1"
    finally:
        await client.shutdown_session()
