"""Meetings end to end: the real server over stdio, signed in to a real Radicale (htpasswd)
through environment credentials, with a folder that is no git clone at all. The Agenda
panel, the next meeting in ``tieline/status``, the reminder with its Join action, and the
"Join next meeting" command, each opening the join link with ``window/showDocument``
``external: true``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.caldav.radicale import Account, Radicale, start
from tests.lsp.conftest import Env, pick, server_env, start_prompted
from tests.lsp.raw import raw_request
from tests.lsp.test_features import items, raw_request_error, wait_synced

MEET = "https://meet.google.com/abc-defg-hij"


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    server = start(tmp_path_factory.mktemp("radicale-lsp"))
    yield server
    server.stop()


def _ics(uid: str, title: str, start: datetime, minutes: int, extra: str = "") -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    end = start + timedelta(minutes=minutes)
    return (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//tieline tests//EN\nBEGIN:VEVENT\n"
        f"UID:{uid}\nDTSTAMP:20260101T000000Z\nDTSTART:{start:{fmt}}\nDTEND:{end:{fmt}}\n"
        f"SUMMARY:{title}\n{extra}END:VEVENT\nEND:VCALENDAR\n"
    )


@pytest.fixture
def account(radicale: Radicale) -> Account:
    a = radicale.user()
    work = a.make_calendar("work", "Work")
    # Whole minutes from now, so "in N min" is stable within the test's run.
    soon = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=4)
    a.put(
        work,
        "standup",
        _ics("standup-1", "Standup", soon, 15, f"DESCRIPTION:Join: {MEET}\n"),
    )
    a.put(work, "later", _ics("later-1", "Roadmap", soon + timedelta(days=1), 60))
    return a


async def _start(
    account: Account, root: Path, home: Path, *, signed_in: bool = True
) -> LanguageClient:
    """The server for a folder that is no clone, the CalDAV site configured; signed in
    through environment credentials unless ``signed_in`` is false."""
    await asyncio.to_thread(root.mkdir, exist_ok=True)
    creds = (
        {"TIELINE_CALDAV_USER": account.user, "TIELINE_CALDAV_TOKEN": account.password}
        if signed_in
        else {}
    )
    env = server_env(
        Env(root=root, github=None, home=home),
        TIELINE_CONNECTORS__CALDAV__SITE=account.url,
        TIELINE_CALENDAR__NOTIFY_BEFORE="10",
        **creds,
    )
    del env["TIELINE_GITHUB_TOKEN"]  # calendars only
    return await start_prompted(env, root, answering=lambda c, p: pick(p, "Join"))


@pytest.fixture
async def client(
    account: Account, tmp_path: Path, tieline_home: Path
) -> AsyncIterator[LanguageClient]:
    c = await _start(account, tmp_path / "notes", tieline_home)
    yield c
    await c.shutdown_session()


async def _until(predicate: Any, timeout: float = 20.0) -> Any:
    async with asyncio.timeout(timeout):
        while not (got := predicate()):
            await asyncio.sleep(0.1)
        return got


def _joined(client: LanguageClient) -> list[types.ShowDocumentParams]:
    return [d for d in client.shown_documents if d.uri == MEET]


async def test_a_reminder_joins_and_the_agenda_and_status_show_the_next_meeting(
    client: LanguageClient,
) -> None:
    await wait_synced(client)
    # The reminder: ten minutes ahead, with Join, which opens the link outside the editor.
    prompt = await _until(lambda: client.prompts)  # type: ignore[attr-defined]
    assert prompt[0].message.startswith("Standup starts in ")
    assert prompt[0].message.endswith("(Google Meet)")
    assert [a.title for a in prompt[0].actions] == ["Join", "Dismiss"]
    (shown,) = await _until(lambda: _joined(client))
    assert shown.external is True

    panels = await raw_request(client, "tieline/panels", None)
    assert {"id": "agenda", "title": "Agenda", "icon": "calendar"}.items() <= next(
        p for p in panels["panels"] if p["id"] == "agenda"
    ).items()
    top = await items(client, "agenda")
    assert top[0]["label"] == "Next: Standup"
    assert "Google Meet" in top[0]["description"] and "in " in top[0]["description"]
    assert top[0]["command"]["command"] == "tieline.joinMeeting"
    days = [t for t in top if t.get("hasChildren")]
    by_day = {d["label"]: await items(client, "agenda", d["id"]) for d in days}
    (day,) = [
        label for label, events in by_day.items() if any(t["label"] == "Standup" for t in events)
    ]
    # Four minutes from now is today, unless the test runs in the last minutes of a day.
    soon = datetime.now().astimezone() + timedelta(minutes=4)
    assert day.startswith("Today · " if soon.date() == datetime.now().date() else "Tomorrow · ")
    standup = next(t for t in by_day[day] if t["label"] == "Standup")
    assert standup["service"] == "caldav" and standup["url"] == MEET
    assert [a["id"] for a in standup["actions"]] == ["join"]
    assert any(t["label"] == "Roadmap" for label, ts in by_day.items() if label != day for t in ts)

    status = await raw_request(client, "tieline/status", None)
    nxt = status["nextMeeting"]
    assert nxt["title"] == "Standup" and nxt["joinUrl"] == MEET
    assert nxt["provider"] == "meet" and nxt["providerName"] == "Google Meet"
    assert nxt["until"].startswith("in ") and nxt["service"] == "caldav"
    assert any(c["connector"] == "caldav" for c in status["connectors"])

    # Join next meeting: the same link again.
    got = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="tieline.joinNextMeeting", arguments=[])
    )
    assert got["url"] == MEET and got["opened"] is True and got["provider"] == "meet"
    assert len(_joined(client)) == 2
    assert len(client.prompts) == 1  # type: ignore[attr-defined]  # reminded once only

    # An event the agenda does not hold, or no id at all: a clear error, nothing opened.
    for arguments, says in ((["caldav:127.0.0.1:nope"], "no event"), ([], "event id")):
        err = await raw_request_error(
            client,
            "workspace/executeCommand",
            {"command": "tieline.joinMeeting", "arguments": arguments},
        )
        assert type(err).__name__ == "JsonRpcInvalidParams" and says in str(err), err
    assert len(_joined(client)) == 2


async def test_signing_in_with_an_app_password_from_the_editor(
    account: Account, tmp_path: Path, tieline_home: Path
) -> None:
    """No environment credentials: ``tieline/auth/signIn`` (basic) refuses a wrong app
    password without repeating it, takes the right one, and the agenda fills."""
    client = await _start(account, tmp_path / "notes", tieline_home, signed_in=False)
    try:
        async with asyncio.timeout(30):  # nobody signed in: the panel offers it
            while "integrations/sign-in/caldav" not in [
                t["id"] for t in await items(client, "agenda")
            ]:
                await asyncio.sleep(0.2)
        wrong = await raw_request(
            client, "tieline/auth/signIn",
            {"connector": "caldav", "method": "basic", "username": account.user,
             "token": "wrong-app-password-123"},
        )  # fmt: skip
        assert wrong["state"] == "failed"
        assert "wrong-app-password-123" not in str(wrong)
        done = await raw_request(
            client, "tieline/auth/signIn",
            {"connector": "caldav", "method": "basic", "username": account.user,
             "token": account.password},
        )  # fmt: skip
        assert done["state"] == "signedIn" and account.user in done["account"]
        async with asyncio.timeout(30):
            while not any(t["label"] == "Next: Standup" for t in await items(client, "agenda")):
                await asyncio.sleep(0.2)
    finally:
        await client.shutdown_session()
