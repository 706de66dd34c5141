"""The store's mirror of synced items: written after each sync, read back at start-up so
hovers and lenses work before the first sync of a new run."""

from __future__ import annotations

from collections.abc import Sequence

from connectors.sdk.models import Issue, PullRequest

from .store import Item, Store


class Mirror:
    def __init__(self, store: Store) -> None:
        self.store = store

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
