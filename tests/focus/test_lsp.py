"""Focus mode end to end: the real server over stdio with two chat connectors installed
through an entry point (one with Focus, one with Presence only), whose "service" is a file
that outlasts the process. Start focus (the duration asked with showMessageRequest), extend
it, see it in ``tieline/status``, ``kill -9`` the server mid-focus and start it again
(focus goes on, no new snapshot), stop it (the status comes back exactly); then a crash
whose restart comes after the period's end: the status is restored at once, and said so.

The chat services' shapes are the sdk's own (:mod:`connectors.sdk.chat`); no published
contract is involved, as no real service is."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pytest_lsp import LanguageClient

from server.lsp import tieline_protocol as p
from tests.focus.connector import FOCUS_EMOJI
from tests.lsp.conftest import (
    Env,
    installed_connectors,
    named_answer,
    run_command,
    server_env,
    start_prompted,
    until,
)
from tests.lsp.raw import raw_request

ORIGINAL = {"text": "In the zone", "emoji": ":surfer:", "expires": None, "dnd_until": None}


@dataclass
class World:
    env: dict[str, str]
    root: Path
    chat: Path
    db: Path

    def service(self, connector: str = "focusfake") -> dict[str, Any]:
        path = self.chat / f"{connector}.json"
        return json.loads(path.read_text()) if path.exists() else {"calls": []}

    def calls(self, connector: str = "focusfake") -> list[str]:
        return [c[0] for c in self.service(connector)["calls"]]

    def shown(self) -> dict[str, Any]:
        return {k: self.service()[k] for k in ORIGINAL}

    def calendar(self, *events: dict[str, Any]) -> None:
        (self.chat / "calendar.json").write_text(json.dumps(list(events)))


@pytest.fixture
def world(tmp_path: Path, tieline_home: Path) -> Iterator[World]:
    root, chat = tmp_path / "notes", tmp_path / "chat"
    root.mkdir()
    chat.mkdir()
    site = installed_connectors(
        tmp_path / "site",
        "tieline-focus-chat",
        {
            "focusfake": "tests.focus.connector:FocusChat",
            "presencefake": "tests.focus.connector:PresenceChat",
            "calfake": "tests.focus.connector:FileCalendar",
        },
    )
    env = server_env(
        Env(root=root, github=None, home=tieline_home),
        PYTHONPATH=f"{site}:{Path.cwd()}",
        FOCUSFAKE_DIR=str(chat),
        TIELINE_FOCUSFAKE_TOKEN="tok-focusfake-abcdefgh12",
        TIELINE_PRESENCEFAKE_TOKEN="tok-presencefake-abcdefgh12",
        TIELINE_CALFAKE_TOKEN="tok-calfake-abcdefgh12",
        TIELINE_SYNC__REFRESH_DEBOUNCE="0",
    )
    del env["TIELINE_GITHUB_TOKEN"]
    yield World(env, root, chat, tieline_home / "data" / "tieline.db")


async def start(w: World) -> LanguageClient:
    # The action to pick, if offered: c.answer.
    return await start_prompted(w.env, w.root, answering=named_answer, answer="25 minutes")


async def kill(c: LanguageClient) -> None:
    """``kill -9``: no shutdown, no exit, nothing flushed but what SQLite committed."""
    proc = c._server
    assert proc is not None
    os.kill(proc.pid, signal.SIGKILL)
    await proc.wait()
    with contextlib.suppress(Exception):
        await c.stop()


async def status(c: LanguageClient) -> dict[str, Any]:
    got: dict[str, Any] = await raw_request(c, "tieline/status", None)
    schema = json.loads(p.SCHEMA_PATH.read_text(encoding="utf-8"))
    ref = schema["methods"][p.STATUS]["result"]["$ref"]
    jsonschema.Draft202012Validator({"$ref": ref, "$defs": schema["$defs"]}).validate(got)
    return got


async def focusing(c: LanguageClient) -> dict[str, Any] | None:
    focus = (await status(c)).get("focus")
    if focus and all(a["state"] == "focusing" for a in focus["accounts"]) and focus["accounts"]:
        return dict(focus)
    return None


async def test_focus_from_the_editor_survives_kill_9_and_restores_exactly(world: World) -> None:
    c = await start(world)
    try:
        # Connected: the focus account is there to be held.
        await until(lambda: _has_session(c))
        before = datetime.now().astimezone()
        got = await run_command(c, "tieline.startFocus")
        (asked,) = c.prompts  # type: ignore[attr-defined]
        assert [a.title for a in asked.actions or []][:3] == [
            "50 minutes",
            "25 minutes",
            "90 minutes",
        ]
        assert got["focusing"] is True and got["reason"] == "manual"
        ends = datetime.fromisoformat(got["until"])
        assert before + timedelta(minutes=25) <= ends <= before + timedelta(minutes=26)
        assert world.service()["emoji"] == FOCUS_EMOJI
        assert world.service()["text"] == "Focusing"
        assert world.calls("presencefake") == []  # presence only: left alone

        focus = await status(c)
        assert focus["focus"]["untilText"].startswith("until ")
        assert focus["focus"]["why"] == "started in the editor"
        assert focus["focus"]["statusText"] == "Focusing"
        assert [(a["connector"], a["state"]) for a in focus["focus"]["accounts"]] == [
            ("focusfake", "focusing")
        ]

        # Again, longer: the period is extended, the first snapshot kept.
        got = await run_command(c, "tieline.startFocus", 50)
        assert datetime.fromisoformat(got["until"]) >= ends + timedelta(minutes=24)
        assert world.calls() == ["focus_snapshot", "start_focus", "start_focus"]
        await kill(c)
    finally:
        with contextlib.suppress(Exception):
            await c.shutdown_session()

    rows = _rows(world)
    assert [r["connector"] for r in rows] == ["focusfake"]
    assert json.loads(rows[0]["state"])["state"] == ORIGINAL

    # A new process within the period: focus goes on, the service is not touched.
    c = await start(world)
    try:
        focus = await until(lambda: focusing(c))
        assert focus["reason"] == "manual"
        assert world.calls() == ["focus_snapshot", "start_focus", "start_focus"]
        got = await run_command(c, "tieline.stopFocus")
        assert got == {"focusing": False}
        assert world.shown() == ORIGINAL
        assert world.calls()[-1] == "end_focus"
        assert _rows(world) == []
        assert "focus" not in await status(c)

        # Bad arguments are refused, nothing started.
        with pytest.raises(Exception, match="minutes"):
            await run_command(c, "tieline.startFocus", "soon")
        assert world.calls()[-1] == "end_focus"

        # Focus again, then a crash that lasts past the period's end.
        await run_command(c, "tieline.startFocus", 25)
        assert world.service()["emoji"] == FOCUS_EMOJI
        await kill(c)
    finally:
        with contextlib.suppress(Exception):
            await c.shutdown_session()

    _move_period_to_the_past(world)
    c = await start(world)
    try:
        await until(lambda: _restored(world))
        assert world.calls().count("focus_snapshot") == 2  # one per focus, none on restart
        said = await until(lambda: _said(c, "Focus ended"))
        assert said
        assert "focus" not in await status(c)
        assert _rows(world) == []
    finally:
        await c.shutdown_session()


async def _has_session(c: LanguageClient) -> bool:
    got = await status(c)
    return any(x["connector"] == "focusfake" for x in got["connectors"])


async def _restored(w: World) -> bool:
    return w.shown() == ORIGINAL


async def _said(c: LanguageClient, text: str) -> bool:
    return any(text in m.message for m in c.messages)


def _rows(w: World) -> list[sqlite3.Row]:
    with contextlib.closing(sqlite3.connect(w.db)) as db:
        db.row_factory = sqlite3.Row
        return list(db.execute("SELECT * FROM focus_snapshots"))


def _move_period_to_the_past(w: World) -> None:
    """As if the server had stayed down past the period's end."""
    with contextlib.closing(sqlite3.connect(w.db)) as db, db:
        past = (datetime.now() - timedelta(minutes=1)).timestamp()
        db.execute("UPDATE focus_snapshots SET until = ?", (past,))
        db.execute("UPDATE focus_requests SET until = ?", (past,))


def _block(uid: str, title: str, start: datetime, end: datetime, **kw: str) -> dict[str, Any]:
    return {"uid": uid, "title": title, "start": start.isoformat(), "end": end.isoformat(), **kw}


async def test_calendar_focus_blocks_start_and_end_focus_by_themselves(world: World) -> None:
    """A focus block on at start: focus starts by itself, says so with a Stop button; the
    block shortened moves the end, cancelled restores at once; a block stopped from the
    message stays stopped."""
    now = datetime.now().astimezone().replace(microsecond=0)
    deep = _block("deep", "Deep work", now - timedelta(minutes=5), now + timedelta(minutes=30))
    world.calendar(deep)
    c = await start(world)
    c.answer = None  # type: ignore[attr-defined]  # the message is only read
    try:
        focus = await until(lambda: focusing(c))
        assert focus["reason"] == "calendar" and focus["why"] == "Deep work (calendar)"
        assert datetime.fromisoformat(focus["until"]) == now + timedelta(minutes=30)
        (said,) = [m for m in c.prompts if m.message.startswith("Focus on until ")]  # type: ignore[attr-defined]
        assert said.message.endswith("(Deep work): notifications are held.")
        assert [a.title for a in said.actions or []] == ["Stop Focus"]
        assert world.calls("presencefake") == []

        # The organiser shortens it: the service is told the new end.
        shorter = now + timedelta(minutes=10)
        world.calendar({**deep, "end": shorter.isoformat()})
        await run_command(c, "tieline.refresh")
        await until(lambda: _dnd_until(world, shorter))
        assert world.calls().count("focus_snapshot") == 1

        # Then cancels it: restored now.
        world.calendar({**deep, "end": shorter.isoformat(), "status": "cancelled"})
        await run_command(c, "tieline.refresh")
        await until(lambda: _restored(world))
        await until(lambda: _said(c, "Focus ended"))
        assert "focus" not in await status(c)

        # Another block, stopped from its message: it stays stopped for that block.
        c.answer = "Stop Focus"  # type: ignore[attr-defined]
        world.calendar(
            _block("hd", "Heads down", now - timedelta(minutes=1), now + timedelta(hours=1))
        )
        await run_command(c, "tieline.refresh")
        await until(lambda: _stopped_after(world, 2))
        await run_command(c, "tieline.refresh")
        await asyncio.sleep(1.0)
        assert world.calls().count("focus_snapshot") == 2
        assert world.shown() == ORIGINAL and "focus" not in await status(c)

        # Focus until the next meeting, chosen from the question.
        standup = now + timedelta(minutes=40)
        world.calendar(
            _block("hd", "Heads down", now - timedelta(minutes=1), now + timedelta(hours=1)),
            _block("su", "Standup", standup, standup + timedelta(minutes=15)),
        )
        await run_command(c, "tieline.refresh")
        c.answer = "Until the next meeting"  # type: ignore[attr-defined]
        got = await until(lambda: _start_until_next(c))
        assert datetime.fromisoformat(got["until"]) == standup
        assert got["why"] == "until Standup" and got["reason"] == "manual"
        assert world.calls().count("focus_snapshot") == 3
        await run_command(c, "tieline.stopFocus")
        assert world.shown() == ORIGINAL
    finally:
        await c.shutdown_session()


async def _dnd_until(w: World, when: datetime) -> bool:
    got = w.service().get("dnd_until")
    return got is not None and datetime.fromisoformat(got) == when


async def _stopped_after(w: World, snapshots: int) -> bool:
    calls = w.calls()
    return calls.count("focus_snapshot") == snapshots and calls[-1] == "end_focus"


async def _start_until_next(c: LanguageClient) -> dict[str, Any] | None:
    """Start focus with the question answered "until the next meeting", once the refreshed
    agenda holds one (the question offers it only then)."""
    got = await run_command(c, "tieline.startFocus")
    return dict(got) if got.get("focusing") else None
