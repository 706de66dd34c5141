"""The store's mirror of synced items: written after each sync, read back at start-up so
hovers and lenses work before the first sync of a new run -- and the project/team keys a
key-based tracker has, so ``PROJ-7`` gets its card before the first sync too."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from connectors.sdk.models import Issue, PullRequest

from .store import Item, Store

SCOPES = "scopes"  # the checkpoint stream that holds a tracker's known keys
VIEW = "view:"  # streams of the index's parts, by syncer (``view:pulls``, ``view:pipelines``)


class Mirror:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def save_scopes(self, connector: str, account: str, scopes: Iterable[str]) -> None:
        await self.store.set_checkpoint(connector, account, SCOPES, json.dumps(sorted(scopes)))

    async def load_scopes(self, connector: str, account: str) -> frozenset[str] | None:
        row = await self.store.get_checkpoint(connector, account, SCOPES)
        if row is None:
            return None
        try:
            keys = json.loads(row.cursor)
        except ValueError:
            return None  # written by another version: the next sync replaces it
        return frozenset(str(k) for k in keys) if isinstance(keys, list) else None

    async def save_view(
        self, connector: str, account: str, view: str, data: Mapping[str, Any]
    ) -> None:
        """One syncer's part of a session's index (its lists, a branch's pipelines), stamped
        with the time it was synced."""
        await self.store.set_checkpoint(
            connector, account, VIEW + view, json.dumps(data, separators=(",", ":"))
        )

    async def load_view(
        self, connector: str, account: str, view: str, *, max_age: float
    ) -> dict[str, Any] | None:
        """The part saved last, when it was synced at most ``max_age`` seconds ago."""
        row = await self.store.get_checkpoint(connector, account, VIEW + view)
        if row is None or time.time() - row.updated_at.timestamp() > max_age:
            return None
        try:
            data = json.loads(row.cursor)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    async def save(self, connector: str, account: str, items: Sequence[Issue]) -> None:
        rows = [
            Item(
                connector=connector,
                account=account,
                kind="pull_request" if it.is_pull_request else "issue",
                key=it.key,
                data=it.model_dump(mode="json"),
                updated_at=it.updated_at,
            )
            for it in items
        ]
        if rows:
            await self.store.upsert_items(rows)

    async def load(self, connector: str, account: str) -> list[Issue]:
        loaded: list[Issue] = []
        for kind, model in (("issue", Issue), ("pull_request", PullRequest)):
            for row in await self.store.list_items(connector, account, kind):
                try:
                    loaded.append(model.model_validate(row.data))
                except ValueError:
                    continue  # written by another version: the next sync replaces it
        return loaded
