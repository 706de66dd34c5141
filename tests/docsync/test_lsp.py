"""Folder sync end to end: the real server over stdio with a Drive connector installed
through an entry point, whose "service" is a JSON file the test edits. *Link Folder to
Drive…* writes the link to ``.tieline.toml`` and syncs it; a file changed on both sides is
a conflict the server tells with keep mine / theirs / both, and answering *Keep theirs*
resolves it; *Show Conflicts* and *Sync Now* (with ``$/progress``) answer in their shapes;
linking from the palette asks for the folder, and a drive folder the service has not stops
that link's round with a message.

The drive's shapes are the sdk's own (:mod:`connectors.sdk.drive`); no published contract is
involved, as no real service is."""

from __future__ import annotations

import contextlib
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

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


@dataclass
class World:
    env: dict[str, str]
    root: Path
    drive_file: Path

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
        TIELINE_DRIVEFAKE_TOKEN="tok-drivefake-abcdefgh12",
        TIELINE_DOCSYNC__INTERVAL="3600",
    )
    del env["TIELINE_GITHUB_TOKEN"]
    yield World(env, root, drive_file)


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
