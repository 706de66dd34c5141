"""A linked folder (``docs`` of a workspace) against the in-memory drive, with a store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from server.hub.docsync.engine import DocSync, LinkSpec
from server.hub.docsync.localfs import Ignore
from server.hub.store import Store
from tests.docsync.fakedrive import FakeDrive

WHEN = datetime(2026, 12, 2, 14, 30)


@dataclass
class World:
    drive: FakeDrive
    sync: DocSync
    docs: Path

    def write(self, rel: str, text: str) -> None:
        p = self.docs / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)

    def read(self, rel: str) -> str:
        return (self.docs / rel).read_text()

    def local(self) -> dict[str, str]:
        return {
            p.relative_to(self.docs).as_posix(): p.read_text()
            for p in sorted(self.docs.rglob("*"))
            if p.is_file()
        }

    def remote(self) -> dict[str, str]:
        return {k: v.decode() for k, v in self.drive.files().items()}


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with Store.open(tmp_path / "t.db") as s:
        yield s


@pytest.fixture
def world(tmp_path: Path, store: Store) -> World:
    root = tmp_path / "ws"
    (root / "docs").mkdir(parents=True)
    drive = FakeDrive()
    spec = LinkSpec(folder="docs", service="fakedrive", remote=FakeDrive.ROOT.path)
    ignore = Ignore([".git", ".DS_Store", "*~"])
    sync = DocSync(store, drive, spec, root, ignore=ignore, now=lambda: WHEN)
    return World(drive, sync, root / "docs")
