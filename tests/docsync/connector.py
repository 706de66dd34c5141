"""The folder sync tests' Drive connector, written only against ``connectors.sdk``: a
:class:`FakeDrive` whose state is the JSON file ``$DRIVEFAKE_FILE``, read at every call and
written after every change, so the server process and the test share one "service". While
the file ``$DRIVEFAKE_GATE`` exists, ``changes`` waits: a test holds a round there to see
what the server says while it runs."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from connectors.sdk import CheckResult, Connector
from connectors.sdk.drive import DriveChanges, DriveFolder, DriveItem

from .fakedrive import FakeDrive


def _drive() -> FakeDrive:
    return FakeDrive.load(Path(os.environ["DRIVEFAKE_FILE"]))


def _held() -> bool:
    gate = os.environ.get("DRIVEFAKE_GATE")
    return bool(gate) and Path(gate).exists()


class FileDrive(Connector):
    manifest_path = Path(__file__).with_name("drivefake.toml")

    async def check(self) -> CheckResult:
        return CheckResult(ok=True, account="ada")

    async def find_folder(self, path: str) -> DriveFolder:
        return await _drive().find_folder(path)

    async def changes(self, folder: DriveFolder, cursor: str | None = None) -> DriveChanges:
        while _held():
            await asyncio.sleep(0.02)
        return await _drive().changes(folder, cursor)

    async def download(self, item: DriveItem, *, export: str | None = None) -> bytes:
        return await _drive().download(item, export=export)

    async def upload(
        self, folder: DriveFolder, path: str, data: bytes, *, if_match: str | None = None
    ) -> DriveItem:
        return await _drive().upload(folder, path, data, if_match=if_match)

    async def create_folder(self, folder: DriveFolder, path: str) -> DriveItem:
        return await _drive().create_folder(folder, path)

    async def move(
        self, folder: DriveFolder, item: DriveItem, path: str, *, if_match: str | None = None
    ) -> DriveItem:
        return await _drive().move(folder, item, path, if_match=if_match)

    async def delete(self, item: DriveItem, *, if_match: str | None = None) -> None:
        await _drive().delete(item, if_match=if_match)

    async def import_document(
        self,
        folder: DriveFolder,
        path: str,
        data: bytes,
        *,
        source: str = "text/markdown",
        replace: DriveItem | None = None,
        if_match: str | None = None,
    ) -> DriveItem:
        return await _drive().import_document(
            folder, path, data, source=source, replace=replace, if_match=if_match
        )
