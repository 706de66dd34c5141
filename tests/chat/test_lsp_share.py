"""Share selection to chat end to end: the real server over stdio with the fake chat service
and the fake code host installed through an entry point (as third-party connectors are),
signed in by environment tokens, in a clone of ``octo/app`` on the fake host. The code
action, ``tieline.shareSelection`` with the channel picked in ``showMessageRequest``, the
post's code block linked to its lines at the commit, "Open in Fake Chat" opening the post
with ``window/showDocument``, and a selection holding a secret refused unless confirmed.

The fake service is in memory in the server process, so what was sent is read back from the
command's answer (the post as built and the message as the service answered it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.chat.conftest import REMOTE
from tests.lsp.conftest import Env, any_answer, installed_connectors, server_env, start_prompted
from tests.lsp.raw import raw_request
from tests.lsp.test_features import raw_request_error

SECRET = "fkc-" + "Q" * 20
SOURCE = f"def main():\n    return 1\n\nTOKEN = '{SECRET}'\n"
DEV = "#dev — Fake Chat (acme)"


@dataclass
class Command:
    command: str
    arguments: list[Any]


@dataclass
class World:
    root: Path
    sha: str
    env: dict[str, str]


@pytest.fixture
def world(tmp_path: Path, tieline_home: Path) -> World:
    root = tmp_path / "app"
    repo = git.Repo.init(root, initial_branch="feature")
    repo.create_remote("origin", REMOTE)
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text(SOURCE)
    repo.index.add(["src/app.py"])
    sha = repo.index.commit("first").hexsha
    site = installed_connectors(
        tmp_path / "site",
        "tieline-chat-fakes",
        {
            "fakechat": "tests.chat.fakechat.connector:FakeChat",
            "fakehost": "tests.chat.fakehost.connector:FakeHost",
        },
    )
    env = server_env(
        Env(root=root, github=None, home=tieline_home),
        PYTHONPATH=f"{site}:{Path.cwd()}",
        TIELINE_GITHUB_TOKEN="",
        TIELINE_FAKECHAT_TOKEN="tok-chat",
        TIELINE_FAKEHOST_TOKEN="tok-host",
    )
    return World(root, sha, env)


@pytest.fixture
async def client(world: World) -> AsyncIterator[LanguageClient]:
    c = await start_prompted(world.env, world.root, answering=any_answer, answers=[], folder="app")
    yield c
    await c.shutdown_session()


def _open(client: LanguageClient, world: World) -> str:
    uri = (world.root / "src" / "app.py").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=SOURCE
            )
        )
    )
    return uri


async def _share_action(client: LanguageClient, uri: str, rng: types.Range) -> Command:
    """The code action's command, once the chat session is open (it is offered only then).
    Raw JSON: lsprotocol's client-side union (Command | CodeAction) misreads CodeActions."""
    params = {
        "textDocument": {"uri": uri},
        "range": {
            "start": {"line": rng.start.line, "character": rng.start.character},
            "end": {"line": rng.end.line, "character": rng.end.character},
        },
        "context": {"diagnostics": []},
    }
    async with asyncio.timeout(30):
        while True:
            got = await raw_request(client, "textDocument/codeAction", params)
            for a in got or []:
                if a["title"] == "Share selection to chat…":
                    return Command(a["command"]["command"], list(a["command"]["arguments"]))
            await asyncio.sleep(0.2)


async def test_share_the_selection_to_a_picked_channel(
    client: LanguageClient, world: World
) -> None:
    uri = _open(client, world)
    lines_1_2 = types.Range(start=types.Position(0, 0), end=types.Position(2, 0))
    command = await _share_action(client, uri, lines_1_2)
    assert command.command == "tieline.shareSelection"
    client.answers = [DEV, "Open in Fake Chat"]  # type: ignore[attr-defined]
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
    )
    assert result["sent"] is True and result["channel"] == DEV
    assert result["url"] == "https://chat.example.test/C2/p1"
    code = result["post"]["code"]
    assert code["body"] == "def main():\n    return 1"
    assert (code["language"], code["path"], code["line"], code["end_line"]) == (
        "python", "src/app.py", 1, 2,
    )  # fmt: skip
    assert code["url"] == f"https://code.example.test/octo/app/blob/{world.sha}/src/app.py#L1-L2"
    picker = client.prompts[0]  # type: ignore[attr-defined]
    assert [a.title for a in picker.actions or []] == [
        "#general — Fake Chat (acme)", DEV, "#random — Fake Chat (acme)",
    ]  # fmt: skip
    async with asyncio.timeout(10):
        while not client.shown_documents:
            await asyncio.sleep(0.05)
    [opened] = client.shown_documents
    assert opened.uri == "https://chat.example.test/C2/p1" and opened.external

    # The channel used last is offered first next time; a message goes with the code.
    client.answers = [DEV]  # type: ignore[attr-defined]
    again = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command=command.command, arguments=[uri, command.arguments[1], "see"]
        )  # type: ignore[index]
    )
    assert again["sent"] and again["post"]["text"] == "see"
    picker = client.prompts[2]  # type: ignore[attr-defined]
    assert picker.actions and picker.actions[0].title == DEV


async def test_a_secret_is_refused_unless_confirmed(client: LanguageClient, world: World) -> None:
    uri = _open(client, world)
    line_4 = types.Range(start=types.Position(3, 0), end=types.Position(3, 30))
    command = await _share_action(client, uri, line_4)
    client.answers = ["Cancel"]  # type: ignore[attr-defined]
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
    )
    assert result["cancelled"] is True
    assert any("Fake Chat token" in f for f in result["secrets"])
    [warning] = client.prompts  # type: ignore[attr-defined]
    assert "secret" in warning.message and SECRET not in warning.message
    client.answers = ["Share Anyway", DEV]  # type: ignore[attr-defined]
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command.command, arguments=command.arguments)
    )
    assert result["sent"] is True


async def test_a_named_channel_that_is_not_there_is_an_invalid_argument(
    client: LanguageClient, world: World
) -> None:
    uri = _open(client, world)
    rng = types.Range(start=types.Position(0, 0), end=types.Position(1, 5))
    command = await _share_action(client, uri, rng)
    with pytest.raises(Exception, match="no channel '#nope'"):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command=command.command,
                arguments=[uri, command.arguments[1], {"channel": "#nope"}],  # type: ignore[index]
            )
        )


async def test_an_instant_meeting_is_started_and_its_link_shared(
    client: LanguageClient, world: World
) -> None:
    """``tieline.startMeeting``: the meeting on the signed-in OnlineMeetings service, then
    its link offered: Share to chat… posts it to the channel picked, Join opens it."""
    await _share_action(  # offered once the chat session is open
        client, _open(client, world), types.Range(types.Position(0, 0), types.Position(1, 0))
    )
    client.answers = ["Share to chat…", DEV]  # type: ignore[attr-defined]
    got = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="tieline.startMeeting", arguments=[{"topic": "Pairing", "minutes": 20}]
        )
    )
    assert got["url"] == "https://meet.example.test/1"
    shared = got["shared"]
    assert shared["sent"] is True and shared["channel"] == DEV
    assert shared["post"]["text"] == "Join me: Pairing https://meet.example.test/1"
    [ready] = [q for q in client.prompts if "is ready" in q.message]  # type: ignore[attr-defined]
    assert "Pairing" in ready.message and [a.title for a in ready.actions or []] == [
        "Join", "Share to chat…",
    ]  # fmt: skip

    client.answers = ["Join"]  # type: ignore[attr-defined]
    joined = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="tieline.startMeeting", arguments=[])
    )
    assert joined["joined"] is True and joined["url"] == "https://meet.example.test/2"
    async with asyncio.timeout(10):
        while not any(d.uri == joined["url"] for d in client.shown_documents):
            await asyncio.sleep(0.05)
    bad = await raw_request_error(
        client,
        "workspace/executeCommand",
        {"command": "tieline.startMeeting", "arguments": [{"minutes": 0}]},
    )
    assert "1-1440" in str(bad)
