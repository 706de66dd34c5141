"""A whole hub on a temporary folder for end-to-end tests: its own store file and an
encrypted-file vault (no keyring needed), with its background work (deliveries, syncs)
running, closed when the test ends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from server.hub.hub import Hub


def file_vault_env(passphrase: str) -> dict[str, str]:
    return {"TIELINE_VAULT_BACKEND": "file", "TIELINE_VAULT_PASSPHRASE": passphrase}


@asynccontextmanager
async def running_hub(folder: Path, passphrase: str = "end to end") -> AsyncIterator[Hub]:
    env = file_vault_env(passphrase)
    hub = await Hub.open(root=folder, store_path=folder / "t.db", environ=env)
    hub.start_background()
    try:
        yield hub
    finally:
        await hub.close()
