"""Folder sync end to end: the real server over stdio with a Drive connector installed
through an entry point, whose "service" is a JSON file the test edits. *Link Folder to
Drive…* writes the link to ``.tieline.toml`` and syncs it; a file changed on both sides is
a conflict the server tells with keep mine / theirs / both, and answering *Keep theirs*
resolves it; *Show Conflicts* and *Sync Now* (with ``$/progress``) answer in their shapes;
linking from the palette asks for the folder, and a drive folder the service has not stops
that link's round with a message. ``tieline/status`` says where the links stand (absent
before any is linked; syncing while a round runs, then idle with the conflicts it found), and
``tieline/status/changed`` says when that changes.

The drive's shapes are the sdk's own (:mod:`connectors.sdk.drive`); no published contract is
involved, as no real service is."""

from __future__ import annotations

import asyncio
import contextlib
import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from server.lsp import tieline_protocol as p
from tests.docsync.fakedrive import FakeDrive
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


@dataclass
class World:
    env: dict[str, str]
    root: Path
    drive_file: Path
    gate: Path

    def drive(self) -> FakeDrive:
        return FakeDrive.load(self.drive_file)


@pytest.fixture
def world(tmp_path: Path, tieline_home: Path) -> Iterator[World]:
    root = tmp_path / "notes"
    (root / "docs").mkdir(parents=True)
    site = installed_connectors(
        tmp_path / "site",
        "tieline-docsync-drive",
        {"drivefake": "tests.docsync.connector:FileDrive"},
    )
    drive_file = tmp_path / "drive.json"
    FakeDrive(path=drive_file).save()
    env = server_env(
        Env(root=root, github=None, home=tieline_home),
        PYTHONPATH=f"{site}:{Path.cwd()}",
        DRIVEFAKE_FILE=str(drive_file),
        DRIVEFAKE_GATE=str(tmp_path / "gate"),
        TIELINE_DRIVEFAKE_TOKEN="tok-drivefake-abcdefgh12",
        TIELINE_DOCSYNC__INTERVAL="3600",
    )
    del env["TIELINE_GITHUB_TOKEN"]
    yield World(env, root, drive_file, tmp_path / "gate")


async def start(w: World) -> LanguageClient:
    return await start_prompted(w.env, w.root, answering=named_answer, answer=None)


async def test_link_sync_now_and_a_conflict_resolved_from_its_message(world: World) -> None:
    docs = world.root / "docs"
    (docs / "guide.md").write_text("base")
    d = world.drive()
    d.put("remote.md", "from the drive")
    c = await start(world)
    try:
        caps = c.init_result.capabilities  # type: ignore[attr-defined]
        assert {
            "tieline.docsync.link",
            "tieline.docsync.syncNow",
            "tieline.docsync.showConflicts",
            "tieline.docsync.resolve",
        } <= set(caps.execute_command_provider.commands)

        async def linked() -> Any:
            with contextlib.suppress(Exception):
                return await run_command(c, "tieline.docsync.link", "docs", "", "/Documents/docs")
            return None

        got = await until(linked)  # once the drive's session is open
        assert got["linked"] is True
        written = tomllib.loads((world.root / ".tieline.toml").read_text())
        assert written["docsync"]["links"] == [
            {"folder": "docs", "service": "drivefake", "remote": "/Documents/docs"}
        ]
        assert (docs / "remote.md").read_text() == "from the drive"
        assert world.drive().files()["guide.md"] == b"base"

        # Both sides change the same file: the server tells, with the three ways out.
        (docs / "guide.md").write_text("mine")
        d = world.drive()
        d.put("guide.md", "theirs")
        c.answer = "Keep theirs"  # type: ignore[attr-defined]
        c.progress_reports.clear()
        got = await run_command(c, "tieline.docsync.syncNow")
        (link,) = got["links"]
        assert link["conflicts"] == ["guide.md"] and link["stopped"] is None
        assert any(
            isinstance(r, types.WorkDoneProgressBegin)
            for rs in c.progress_reports.values()
            for r in rs
        )

        async def asked() -> Any:
            return [p for p in c.prompts if "guide.md" in p.message]  # type: ignore[attr-defined]

        (prompt,) = await until(asked)
        assert [a.title for a in prompt.actions or []] == [
            "Keep mine",
            "Keep theirs",
            "Keep both",
            "Later",
        ]
        assert "drivefake" in prompt.message

        async def resolved() -> bool:
            got = await run_command(c, "tieline.docsync.showConflicts")
            return not got["conflicts"]

        await until(resolved)
        assert (docs / "guide.md").read_text() == "theirs"
        assert sorted(p.name for p in docs.iterdir()) == ["guide.md", "remote.md"]
        got = await run_command(c, "tieline.docsync.syncNow")
        assert got["links"][0]["pushed"] == [] and world.drive().files()["guide.md"] == b"theirs"

        # From the command palette (no arguments): the folder is asked for, the one drive
        # taken, the drive folder named after it -- which this drive has not: the round
        # stops and says so, once.
        (world.root / "more").mkdir()
        c.answer = "more"  # type: ignore[attr-defined]
        got = await run_command(c, "tieline.docsync.link")
        assert got["linked"] is True
        more = next(lk for lk in got["links"] if lk["folder"] == "more")
        assert "no folder /more in the drive" in more["stopped"]

        async def warned() -> bool:
            return any("no folder /more" in m.message for m in c.messages)

        await until(warned)
    finally:
        with contextlib.suppress(Exception):
            await c.shutdown_session()


async def _docsync(c: LanguageClient) -> Any:
    got = await raw_request(c, "tieline/status", None)
    schema = json.loads(p.SCHEMA_PATH.read_text(encoding="utf-8"))
    ref = schema["methods"][p.STATUS]["result"]["$ref"]
    jsonschema.Draft202012Validator({"$ref": ref, "$defs": schema["$defs"]}).validate(got)
    return got.get("docsync")


async def test_the_status_says_where_the_links_stand_and_when_that_changes(
    world: World,
) -> None:
    docs = world.root / "docs"
    (docs / "guide.md").write_text("base")
    (docs / "drafts").mkdir()  # an empty folder is mirrored too
    c = await start(world)
    try:
        assert await _docsync(c) is None  # nothing linked: no item in a status bar

        async def linked() -> Any:
            with contextlib.suppress(Exception):
                return await run_command(c, "tieline.docsync.link", "docs", "", "/Documents/docs")
            return None

        got = await until(linked)
        assert got["links"][0]["madeThere"] == ["drafts"]
        assert world.drive().folders() == {"drafts"}
        first = await _docsync(c)
        assert (first["state"], first["linked"], first["conflicts"]) == ("idle", 1, 0)
        assert first["lastSync"] and first.get("lastError") is None
        (link,) = first["links"]
        assert (link["folder"], link["service"], link["state"]) == ("docs", "drivefake", "idle")

        # A round held at the drive: the status says syncing, and then idle with the
        # conflict it found; each change is announced.
        (docs / "guide.md").write_text("mine")
        world.drive().put("guide.md", "theirs")
        world.gate.write_text("held")
        c.status_changes.clear()  # type: ignore[attr-defined]
        running = asyncio.ensure_future(run_command(c, "tieline.docsync.syncNow"))

        async def syncing() -> Any:
            got = await _docsync(c)
            return got if got["state"] == "syncing" else None

        held = await until(syncing)
        assert held["links"][0]["state"] == "syncing" and held["conflicts"] == 0
        assert await until(lambda: c.status_changes)  # type: ignore[attr-defined]
        world.gate.unlink()
        got = await running
        assert got["links"][0]["conflicts"] == ["guide.md"]

        async def settled() -> Any:
            got = await _docsync(c)
            return got if got["state"] == "idle" else None

        after = await until(settled)
        assert after["conflicts"] == 1 and after["links"][0]["conflicts"] == 1
        assert after["lastSync"] >= first["lastSync"]
        assert {ch.part for ch in c.status_changes} == {"docsync"}  # type: ignore[attr-defined]
        assert len(c.status_changes) >= 2  # type: ignore[attr-defined]  # syncing, then idle

        # Resolving the conflict brings the count down, and says so.
        c.status_changes.clear()  # type: ignore[attr-defined]
        await run_command(c, "tieline.docsync.resolve", "docs", "guide.md", "mine")
        assert (await _docsync(c))["conflicts"] == 0
        assert await until(lambda: c.status_changes)  # type: ignore[attr-defined]
    finally:
        with contextlib.suppress(Exception):
            await c.shutdown_session()
