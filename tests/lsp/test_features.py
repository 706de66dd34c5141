"""Every LSP feature end to end: a real server over stdio, a git checkout with a github.com
remote, and the contract-checked GitHub stand-in answering its requests."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import git
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import TOKEN, Env, open_doc, start_client
from tests.lsp.raw import raw_request


async def wait_synced(client: LanguageClient, timeout: float = 30.0) -> None:
    """Until the first sync's ``$/progress`` has ended."""
    async with asyncio.timeout(timeout):
        while True:
            for reports in client.progress_reports.values():
                if any(isinstance(r, types.WorkDoneProgressEnd) for r in reports):
                    return
            await asyncio.sleep(0.05)


def find(path: Path, needle: str) -> tuple[int, int]:
    """(line, character) one past the start of ``needle``'s first occurrence in ``path``."""
    for n, line in enumerate(path.read_text().splitlines()):
        if needle in line:
            return n, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in {path}")


def pos(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


async def hover_at(client: LanguageClient, uri: str, line: int, ch: int) -> str | None:
    h = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=pos(line, ch)
        )
    )
    if h is None:
        return None
    assert isinstance(h.contents, types.MarkupContent)
    return h.contents.value


async def items(client: LanguageClient, panel: str, parent: str | None = None) -> list[Any]:
    params = {"panelId": panel} | ({"parentId": parent} if parent else {})
    result = await raw_request(client, "tieline/panel/items", params)
    return list(result["items"]) if isinstance(result, dict) else list(result.items)


def _get(obj: Any, key: str) -> Any:
    return obj[key] if isinstance(obj, dict) else getattr(obj, key)


async def test_capabilities_and_first_sync_progress(client: LanguageClient, env: Env) -> None:
    caps = client.init_result.capabilities  # type: ignore[attr-defined]
    assert caps.hover_provider and caps.document_link_provider and caps.code_lens_provider
    assert set(caps.completion_provider.trigger_characters) == {"#", "@", ":", "[", "{", ","}
    assert {"tieline.refresh", "tieline.startWork", "tieline.createIssueFromTodo"} <= set(
        caps.execute_command_provider.commands
    )
    await wait_synced(client)
    (reports,) = [r for r in client.progress_reports.values() if r]
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert "GitHub" in reports[0].title


async def test_hover_cards_links_and_lenses(client: LanguageClient, env: Env) -> None:
    await wait_synced(client)
    notes = open_doc(client, env.root / "NOTES.md", "markdown")
    path = env.root / "NOTES.md"
    card = await hover_at(client, notes, *find(path, "#1;"))
    assert card is not None and "Crash on start" in card
    assert "<script>" not in card and "onerror" not in card  # sanitized
    assert "bug" in card and "@hubot" in card and "@octocat" in card
    pr = await hover_at(client, notes, *find(path, "#3"))  # approved, 1 of 2 checks failing
    assert pr is not None and "Add the loader" in pr
    assert "approved" in pr.lower() and "1" in pr
    tracker = await hover_at(client, notes, *find(path, "ABC-42"))  # from .tieline.toml
    assert tracker is not None and "https://tracker.example.com/ABC-42" in tracker

    links = await client.text_document_document_link_async(
        types.DocumentLinkParams(text_document=types.TextDocumentIdentifier(uri=notes))
    )
    targets = {link.target for link in links or []}
    assert "https://github.com/octo/app/issues/1" in targets
    assert "https://tracker.example.com/ABC-42" in targets
    assert not any("999999" in (t or "") for t in targets)  # a bare #N beyond this repo

    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=notes))
    )
    titles = [lens.command.title for lens in lenses or [] if lens.command]
    assert any(t.startswith("#1 open") and "bug" in t for t in titles), titles
    assert any(t.startswith("PR #3") and "✗" in t for t in titles), titles


async def test_code_versus_comments(client: LanguageClient, env: Env) -> None:
    await wait_synced(client)
    main = open_doc(client, env.root / "main.py", "python")
    path = env.root / "main.py"
    comment = await hover_at(client, main, *find(path, "#1 once"))
    assert comment is not None and "Crash on start" in comment
    in_string = await hover_at(client, main, *find(path, "#2"))  # inside a string
    assert in_string is not None and "Write the docs" in in_string
    links = await client.text_document_document_link_async(
        types.DocumentLinkParams(text_document=types.TextDocumentIdentifier(uri=main))
    )
    assert {link.range.start.line for link in links or []} == {2, 4, 5}


async def test_completion_of_issues_and_people(client: LanguageClient, env: Env) -> None:
    await wait_synced(client)
    path = env.root / "NOTES.md"
    path.write_text("Fixes #\nThanks @\n")
    uri = open_doc(client, path, "markdown")
    got = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=pos(0, 7)
        )
    )
    assert isinstance(got, types.CompletionList)
    labels = {i.label for i in got.items}
    assert {"#1", "#2"} <= labels and "#5" not in labels  # #5 is closed
    first = next(i for i in got.items if i.label == "#1")
    assert isinstance(first.text_edit, types.TextEdit) and first.text_edit.new_text == "#1"
    people = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=pos(1, 8)
        )
    )
    assert isinstance(people, types.CompletionList)
    assert {"@hubot", "@alice"} <= {i.label for i in people.items}
    code = open_doc(client, env.root / "main.py", "python")
    none = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=code), position=pos(0, 6)
        )  # "import os": code, not prose
    )
    assert none is None or not getattr(none, "items", None)


async def test_todo_becomes_an_issue(client: LanguageClient, env: Env) -> None:
    await wait_synced(client)
    main = open_doc(client, env.root / "main.py", "python")
    # Raw JSON: lsprotocol's client-side union (Command | CodeAction) misreads CodeActions.
    actions = await raw_request(
        client,
        "textDocument/codeAction",
        {
            "textDocument": {"uri": main},
            "range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 0}},
            "context": {"diagnostics": []},
        },
    )
    (todo,) = [a for a in actions if "TODO" in a["title"]]
    assert todo["kind"] == "quickfix"
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command=todo["command"]["command"], arguments=todo["command"]["arguments"]
        )
    )
    number = result["number"]
    created = env.github.state.repo("octo/app").issues[number]
    assert created["title"] == "handle the empty config case"
    (edit,) = client.applied_edits  # type: ignore[attr-defined]
    (change,) = edit.edit.changes[main]
    line = (env.root / "main.py").read_text().splitlines()[3]
    assert change.new_text == f"(#{number})"
    assert change.range.start == pos(3, line.index("TODO") + len("TODO"))  # → TODO(#6):


async def test_commands_open_and_start_work(client: LanguageClient, env: Env) -> None:
    await wait_synced(client)
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="tieline.openInBrowser", arguments=["https://github.com/octo/app/issues/1"]
        )
    )
    assert client.shown_documents[-1].uri == "https://github.com/octo/app/issues/1"
    assert client.shown_documents[-1].external
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="tieline.startWork", arguments=[1])
    )
    assert result["branch"] == "1-crash-on-start-script-alert-1-script"
    assert git.Repo(env.root).active_branch.name == result["branch"]


async def test_panels_and_status(client: LanguageClient, env: Env) -> None:
    await wait_synced(client)
    panels = await raw_request(client, "tieline/panels", {})
    assert [p["id"] for p in panels["panels"]] == [
        "work",
        "ci",
        "agenda",
        "inbox",
        "tasks",
        "snippets",
        "docs",
        "integrations",
    ]

    groups = [_get(g, "id") for g in await items(client, "work")]
    assert groups == [
        "work/review", "work/mine", "work/ci_failing", "work/assigned", "work/mentioned",
        "work/created",
    ]  # fmt: skip
    review = await items(client, "work", "work/review")
    assert [_get(i, "label") for i in review] == ["Refactor config"]
    assert review[0]["service"] == "github" and review[0]["description"].startswith("GitHub")
    failing = await items(client, "work", "work/ci_failing")
    assert [_get(i, "label") for i in failing] == ["Add the loader"]
    first = failing[0]
    assert first["url"].endswith("/pull/3") and first["command"]["command"]
    assert {a["id"] for a in first["actions"]} == {"open", "checkout"}

    assigned = await items(client, "work", "work/assigned")
    assert [i["label"] for i in assigned] == ["Crash on start <script>alert(1)</script>"[:120]]
    mentioned = await items(client, "work", "work/mentioned")
    assert [i["label"] for i in mentioned] == ["Write the docs"]

    (branch,) = await items(client, "ci")
    assert branch["label"] == "feature" and branch["icon"] == "error"
    runs = await items(client, "ci", branch["id"])
    assert {(r["label"], r.get("description")) for r in runs} == {
        ("build", "success"),
        ("lint", "failure"),
    }

    status = await raw_request(client, "tieline/status", None)
    (gh,) = status["connectors"]
    assert gh["connector"] == "github" and gh["account"] == "octocat"
    assert gh["state"] == "healthy" and gh["requests"] > 0
    assert gh["rateLimitRemaining"] is not None
    integrations = await items(client, "integrations")
    assert integrations[0]["icon"] == "pass"

    bad = await raw_request_error(client, "tieline/panel/items", {"panelId": "nope"})
    assert bad.code == -32602 and "unknown panel" in bad.message


async def raw_request_error(client: LanguageClient, method: str, params: Any) -> Any:
    try:
        await raw_request(client, method, params)
    except Exception as exc:
        return exc
    raise AssertionError("expected an error")


async def test_refresh_announces_a_new_review_request(env: Env) -> None:
    client = await start_client(env, TIELINE_SYNC__REFRESH_DEBOUNCE="0")
    try:
        await wait_synced(client)
        env.github.state.add_pull(
            "octo/app", "Please look", head="x", author="hubot", requested_reviewers=["octocat"]
        )
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="tieline.refresh", arguments=[])
        )
        async with asyncio.timeout(20):
            while not any("Review requested" in m.message for m in client.messages):
                await asyncio.sleep(0.05)
        review = await items(client, "work", "work/review")
        assert "Please look" in {i["label"] for i in review}
    finally:
        await client.shutdown_session()


async def test_no_secret_reaches_disk_or_messages(env: Env) -> None:
    client = await start_client(env)
    try:
        await wait_synced(client)
        open_doc(client, env.root / "NOTES.md", "markdown")
        await raw_request(client, "tieline/status", None)
    finally:
        await client.shutdown_session()
    files = [p for p in env.home.rglob("*") if p.is_file()] + [env.root / ".tieline.toml"]
    (log,) = [p for p in files if p.name == "tieline.log"]
    assert log.stat().st_mode & 0o777 == 0o600  # issue titles are the user's business
    assert any(p.suffix == ".db" for p in files)
    for p in files:
        assert TOKEN.encode() not in p.read_bytes(), p
    for m in client.messages:
        assert TOKEN not in m.message
