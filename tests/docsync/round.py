"""Run one sync round in a process of its own, so a test can kill it with ``kill -9``.

``python -m tests.docsync.round DB WORKSPACE DRIVE_FILE [hang]``: the drive's state lives in
``DRIVE_FILE`` (see :class:`FakeDrive`), the sync's in the store ``DB``. ``hang`` is where
the process stops dead, for the test to kill it there: ``upload-before`` (an upload sent,
not yet taken by the service), ``upload-after`` (taken, not yet answered), and the same for
a folder made at the drive (``folder-before``, ``folder-after``) -- it writes
``DRIVE_FILE.hung`` first. The round's report is printed as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from server.hub.docsync.engine import DocSync, LinkSpec
from server.hub.store import Store
from tests.docsync.fakedrive import FakeDrive


def _hang(marker: Path) -> None:
    marker.write_text("hung")
    while True:
        time.sleep(60)


async def main(db: Path, root: Path, drive_file: Path, hang: str) -> None:
    drive = FakeDrive.load(drive_file)
    marker = drive_file.with_suffix(".hung")
    if hang == "upload-before":
        drive.fail = lambda name: _hang(marker) if name == "upload" else None
    elif hang == "upload-after":
        drive.during_upload = lambda path: _hang(marker)
    elif hang == "folder-before":
        drive.fail = lambda name: _hang(marker) if name == "create_folder" else None
    elif hang == "folder-after":
        drive.during_create_folder = lambda path: _hang(marker)
    spec = LinkSpec(folder="docs", service="fakedrive", remote=FakeDrive.ROOT.path)
    async with Store.open(db) as store:
        report = await DocSync(store, drive, spec, root).sync()
    print(json.dumps({"pushed": report.pushed, "pulled": report.pulled, "stopped": report.stopped}))


if __name__ == "__main__":
    asyncio.run(
        main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), *sys.argv[4:5] or [""])
    )
