"""Three services of three shapes in one workspace, end to end over stdio: a clone whose
remote is on GitHub, a Jira site and a Linear workspace configured beside it. References
resolve to their own service (``PROJ-7`` is Jira's, ``ENG-12`` Linear's), words that only
look like keys (``UTF-8``, ``SHA-256``, ``ISO-8601``) are no references, and the "My work"
panel merges all three. Every stand-in checks each request against its service's contract."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import git
import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import Env, open_doc, start_client
from tests.lsp.raw import raw_request
from tests.lsp.test_features import find, hover_at, items, wait_synced
from tests.scenarios import GITHUB_TOKEN, JIRA_EMAIL, JIRA_TOKEN, LINEAR_TOKEN, Services, started
from tests.standin.github import GitHubStandIn
from tests.standin.jira import JiraStandIn
from tests.standin.kit.fixtures import require_contract
from tests.standin.linear import LinearStandIn

NOTES = """# Plan

Jira PROJ-7 and Linear ENG-12 and GitHub #1.
Not references: UTF-8, SHA-256, ISO-8601. ENG-999999 is a key of a known team, but no item.
"""


def written(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if p.is_file()]


@pytest.fixture
def services() -> Iterator[Services]:
    for cls in (GitHubStandIn, JiraStandIn, LinearStandIn):
        require_contract(cls)
    with started() as s:
        yield s
        assert not s.violations(), "requests a contract rejects:\n" + "\n".join(s.violations())


@pytest.fixture
async def client(
    services: Services, tmp_path: Path, tieline_home: Path
) -> AsyncIterator[LanguageClient]:
    """A server using all three services; after the test, no secret is in any file it
    wrote (database, HTTP cache, log) or anything it said."""
    root = tmp_path / "app"
    repo = git.Repo.init(root, initial_branch="main")
    (root / "NOTES.md").write_text(NOTES)
    repo.create_remote("origin", "https://github.com/octo/app.git")
    env = Env(root=root, github=services.github, home=tieline_home)
    c = await start_client(env, **services.server_env())
    c.notes = root / "NOTES.md"  # type: ignore[attr-defined]
    yield c
    await c.shutdown_session()
    files = written(tieline_home)
    assert any(p.name == "tieline.log" for p in files) and any(p.suffix == ".db" for p in files)
    basic = base64.b64encode(f"{JIRA_EMAIL}:{JIRA_TOKEN}".encode()).decode()
    for secret in (GITHUB_TOKEN, JIRA_TOKEN, LINEAR_TOKEN, basic):
        for p in files:
            assert secret.encode() not in p.read_bytes(), (secret[:8], p)
        assert all(secret not in m.message for m in c.messages)


async def test_each_key_resolves_to_its_own_service(client: LanguageClient) -> None:
    await wait_synced(client, timeout=60)
    notes: Path = client.notes  # type: ignore[attr-defined]
    uri = open_doc(client, notes, "markdown")

    jira = await hover_at(client, uri, *find(notes, "PROJ-7"))
    assert jira is not None
    assert "Checkout times out on slow networks" in jira
    assert "*In Progress*" in jira and "Bug" in jira and "priority High" in jira
    assert "sprint Sprint 31" in jira and "(Jira)" not in jira  # no service name on hovers
    assert "https://acme.atlassian.net/browse/PROJ-7" in jira

    linear = await hover_at(client, uri, *find(notes, "ENG-12"))
    assert linear is not None and "Flaky login on Safari" in linear and "In Progress" in linear
    assert "https://linear.app/" in linear and "/issue/ENG-12" in linear

    github = await hover_at(client, uri, *find(notes, "#1"))
    assert github is not None and "Crash on start" in github

    for word in ("UTF-8", "SHA-256", "ISO-8601"):
        assert await hover_at(client, uri, *find(notes, word)) is None, word
    missing = await hover_at(client, uri, *find(notes, "ENG-999999"))
    assert missing is not None and "no such item" in missing
    links = await client.text_document_document_link_async(
        types.DocumentLinkParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    targets = sorted(link.target or "" for link in links or [])
    assert "https://acme.atlassian.net/browse/PROJ-7" in targets
    assert not any(w in t for t in targets for w in ("UTF-8", "SHA-256", "ISO-8601"))
    # VS Code declares tooltipSupport; the client here is VS Code's capabilities.
    assert all(link.tooltip for link in links or [])


async def test_my_work_merges_every_service(client: LanguageClient) -> None:
    await wait_synced(client, timeout=60)
    assigned = await items(client, "work", "work/assigned")
    by_service = {i["service"]: i for i in assigned}
    assert set(by_service) == {"github", "jira", "linear"}
    assert by_service["jira"]["label"] == "Checkout times out on slow networks"
    assert by_service["jira"]["description"].startswith("Jira · PROJ-7")
    assert by_service["linear"]["key"] == "ENG-12"
    review = await items(client, "work", "work/review")
    assert [i["service"] for i in review] == ["github"]

    connectors = await raw_request(client, "tieline/connectors", None)
    ids = {c["id"]: c for c in connectors["connectors"]}
    assert {"github", "gitlab", "jira", "linear"} <= set(ids)
    assert ids["jira"]["hosts"] == ["acme.atlassian.net"] and ids["jira"]["accounts"]
    assert {o["method"] for o in ids["jira"]["auth"]} == {"basic", "token"}  # no client id
    assert [a["account"] for a in ids["linear"]["accounts"]] == ["acme/ada@acme.test"]
    assert not ids["gitlab"]["accounts"]


async def test_lenses_and_no_secret_in_any_message(client: LanguageClient) -> None:
    await wait_synced(client, timeout=60)
    notes: Path = client.notes  # type: ignore[attr-defined]
    uri = open_doc(client, notes, "markdown")
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    titles = [lens.command.title for lens in lenses or [] if lens.command]
    assert "PROJ-7 In Progress · High · Mia Krystof" in titles
    assert any(t.startswith("ENG-12 In Progress") for t in titles)
    said = " ".join(m.message for m in client.messages) + " ".join(
        str(m.message) for m in client.log_messages
    )
    for secret in (GITHUB_TOKEN, JIRA_TOKEN, LINEAR_TOKEN):
        assert secret not in said


async def test_start_work_moves_a_tracker_item_to_in_progress(client: LanguageClient) -> None:
    """Start work on a Jira and a Linear item: a branch named by its key, and the move into
    the workflow's first "in progress" status (the trackers' own transitions)."""
    await wait_synced(client, timeout=60)
    jira = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="tieline.startWork", arguments=["jira:acme.atlassian.net:PROJ-6"]
        )
    )
    assert jira["branch"] == "PROJ-6-older-work-6" and jira["status"] == "In Progress"
    linear = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="tieline.startWork", arguments=["linear:linear.app:ENG-11"]
        )
    )
    assert linear["branch"] == "ENG-11-backlog-item-11" and linear["status"] == "In Progress"
    root: Path = client.notes.parent  # type: ignore[attr-defined]
    assert git.Repo(root).active_branch.name == "ENG-11-backlog-item-11"


async def test_a_todo_asks_which_tracker_and_names_the_new_item(
    client: LanguageClient, services: Services
) -> None:
    await wait_synced(client, timeout=60)
    notes: Path = client.notes  # type: ignore[attr-defined]
    src = notes.with_name("main.py")
    src.write_text("x = 1  # TODO: retry the upload when the network drops\n")
    uri = open_doc(client, src, "python")
    # Raw JSON: lsprotocol's client-side union (Command | CodeAction) misreads CodeActions.
    actions = await raw_request(
        client,
        "textDocument/codeAction",
        {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": []},
        },
    )
    (todo,) = [a for a in actions if "TODO" in a["title"]]
    assert todo["title"] == "Create issue from this TODO…"
    client.prompt_answer = "Jira PROJ"  # type: ignore[attr-defined]
    made = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command=todo["command"]["command"], arguments=todo["command"]["arguments"]
        )
    )
    question = next(m.message for m in client.messages if "Where should the issue" in m.message)
    assert "retry the upload" in question
    assert made["id"].startswith("jira:acme.atlassian.net:PROJ-") and made["key"] == "PROJ-8"
    (edit,) = client.applied_edits  # type: ignore[attr-defined]
    (change,) = edit.edit.changes[uri]
    assert change.new_text == "(PROJ-8)"
    assert services.jira.state.issues["PROJ-8"].summary == "retry the upload when the network drops"


async def test_sign_in_to_linear_with_an_api_key_from_the_editor(
    services: Services, tmp_path: Path, tieline_home: Path
) -> None:
    """No environment key: ``tieline/auth/signIn`` with a pasted API key signs in, names the
    account by Linear's own answer, and its items join My Work."""
    root = tmp_path / "plain"
    root.mkdir()
    env = Env(root=root, github=services.github, home=tieline_home)
    without = {k: v for k, v in services.server_env().items() if k != "TIELINE_LINEAR_TOKEN"}
    client = await start_client(env, **without)
    try:
        wrong = await raw_request(
            client, "tieline/auth/signIn",
            {"connector": "linear", "method": "api_key", "token": "lin_api_" + "w" * 40},
        )  # fmt: skip
        assert wrong["state"] == "failed" and "w" * 40 not in wrong["message"]
        done = await raw_request(
            client, "tieline/auth/signIn",
            {"connector": "linear", "method": "api_key", "token": LINEAR_TOKEN},
        )  # fmt: skip
        assert done == {"state": "signedIn", "account": "acme/ada@acme.test"}
        async with asyncio.timeout(30):
            while not any(
                i.get("key") == "ENG-12" for i in await items(client, "work", "work/assigned")
            ):
                await asyncio.sleep(0.2)
        status = await raw_request(client, "tieline/auth/status", {"connector": "linear"})
        assert [(a["account"], a["method"]) for a in status["accounts"]] == [
            ("acme/ada@acme.test", "api_key")
        ]
    finally:
        await client.shutdown_session()
