"""Consent grants, recorded in the store's ``grants`` table (the auth layer's GrantRecorder).

Each call opens the database briefly rather than holding a connection, so the CLI (one
command, one event loop) and the server (a long-lived hub with its own store) record into
the same table the same way.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from .store import Grant, Store


class StoreGrants:
    def __init__(self, store: Store | None = None, *, path: Path | str | None = None) -> None:
        self._store = store
        self._path = path

    async def record_grant(self, connector: str, account: str, scopes: Collection[str]) -> None:
        if self._store is not None:
            await self._store.record_grant(connector, account, scopes)
            await self._store.audit(
                "user", "grant", f"{connector}:{account}", {"scopes": sorted(scopes)}
            )
            return
        async with Store.open(self._path) as store:
            await StoreGrants(store).record_grant(connector, account, scopes)

    async def get_grant(self, connector: str, account: str) -> Collection[str] | None:
        if self._store is not None:
            grant = await self._store.get_grant(connector, account)
            return None if grant is None else grant.scopes
        async with Store.open(self._path) as store:
            return await StoreGrants(store).get_grant(connector, account)

    async def list_grants(self, connector: str | None = None) -> list[Grant]:
        """Every grant recorded, or those of one ``connector``."""
        if self._store is not None:
            grants = await self._store.list_grants()
            return [g for g in grants if connector is None or g.connector == connector]
        async with Store.open(self._path) as store:
            return await StoreGrants(store).list_grants(connector)

    async def revoke_grant(self, connector: str, account: str) -> bool:
        """Forget a grant (audited); whether there was one."""
        if self._store is not None:
            gone = await self._store.revoke_grant(connector, account)
            if gone:
                await self._store.audit("user", "revoke_grant", f"{connector}:{account}")
            return gone
        async with Store.open(self._path) as store:
            return await StoreGrants(store).revoke_grant(connector, account)
