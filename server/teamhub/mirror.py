"""The team hub's shared mirror (table ``hub_items``, migration 0010): each item a team's
webhooks spoke of, at the state the newest event about it told.

Why beside the event log: the log says what *happened*, in order, and is what streams
resume from; the mirror says where things *stand*. An editor back from a week away reads
one page of changed items (``GET /api/v1/items?since=<its last event id>``) instead of
replaying every event, and a tool with no stream (a dashboard, a script) sees the team's
open work without a token to each service. Only what the webhooks carried is here -- the
mapped payload's title, URL and details, never anything fetched with someone's
credentials -- so every reader of the team may see all of it.

Written in the transaction that appends the events (:meth:`SharedMirror.record`), so the
mirror is never ahead of or behind the log it came from. An update carries its event id and
applies only when newer than the row's (two nodes may commit a team's deliveries in either
order); a title or URL an event lacks keeps the one before. The SQL is portable.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from pydantic import BaseModel, Field

from server.hub.eventlog import item_keys
from server.hub.events import Event

#: Items one page gives at most.
PAGE = 500

_UPSERT = (
    "INSERT INTO hub_items (team, item_key, connector, subject, title, url, last_kind,"
    " payload, last_event_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (team, item_key) DO UPDATE SET"
    " title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE hub_items.title END,"
    " url = CASE WHEN excluded.url <> '' THEN excluded.url ELSE hub_items.url END,"
    " last_kind = excluded.last_kind, payload = excluded.payload,"
    " last_event_id = excluded.last_event_id, updated_at = excluded.updated_at"
    " WHERE hub_items.last_event_id < excluded.last_event_id"
)
_SELECT = (
    "SELECT item_key, connector, subject, title, url, last_kind, payload, last_event_id,"
    " updated_at FROM hub_items WHERE team = ? AND last_event_id > ?"
)


class _Db(Protocol):
    async def execute(self, sql: str, params: Sequence[Any] = ...) -> int: ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ...) -> list[Any]: ...


class HubItem(BaseModel):
    """One item of the mirror, as ``GET /api/v1/items`` lists it."""

    key: str = Field(description="``<connector>:<subject>``, as events' ``item_keys`` name it")
    connector: str
    subject: str = Field(description="In the connector's reference syntax: ``octo/app#7``")
    title: str = Field(description="The last title an event carried; empty if none did")
    url: str = Field(description="The last web URL an event carried; empty if none did")
    last_kind: str = Field(description="The newest event's kind: ``pull_request.merged``")
    payload: dict[str, Any] = Field(description="The newest event's mapped payload")
    last_event_id: int = Field(description="The log id of the newest event about it")
    updated_at: float = Field(description="When that event was received (Unix seconds)")


class ItemPage(BaseModel):
    """A page of items changed after ``since``, oldest change first."""

    items: list[HubItem]
    next_since: int = Field(
        description="Ask again with this as ``since`` for the rest (the last item's event id)"
    )
    more: bool = Field(description="Whether a full page came: ask again for the rest")


class ItemQuery(BaseModel):
    since: int = Field(default=0, ge=0, description="Items changed after this event id")
    limit: int = Field(default=100, ge=1, le=PAGE)
    connector: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_-]{0,31}$")


class SharedMirror:
    """Record events into ``hub_items`` and read a team's changed items."""

    def __init__(self, db: _Db, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    async def record(self, team: str, events: Sequence[Event], ids: Sequence[int]) -> None:
        """Update each event's own item (its subject's key) from it; join the caller's
        transaction -- the one that appended ``events`` with log ids ``ids``."""
        now = self.clock()
        for event, event_id in zip(events, ids, strict=True):
            keys = item_keys(event)
            if not keys or not event.subject:
                continue
            p = event.payload
            await self.db.execute(
                _UPSERT,
                (
                    team,
                    keys[0],
                    event.connector,
                    event.subject,
                    _text(p.get("title")),
                    _text(p.get("url")),
                    event.kind,
                    json.dumps(p, separators=(",", ":"), default=str),
                    int(event_id),
                    now,
                ),
            )

    async def changed(self, team: str, query: ItemQuery) -> ItemPage:
        """``team``'s items whose newest event came after ``query.since``."""
        sql = _SELECT
        params: list[Any] = [team, query.since]
        if query.connector is not None:
            sql += " AND connector = ?"
            params.append(query.connector)
        sql += " ORDER BY last_event_id LIMIT ?"
        params.append(query.limit)
        items = [_item(r) for r in await self.db.fetchall(sql, params)]
        last = items[-1].last_event_id if items else query.since
        return ItemPage(items=items, next_since=last, more=len(items) >= query.limit)

    async def purge(self, older_than: float) -> int:
        """Forget items no event touched since ``older_than`` (the hub's retention)."""
        return await self.db.execute("DELETE FROM hub_items WHERE updated_at < ?", (older_than,))


def _item(r: Any) -> HubItem:
    return HubItem(
        key=r["item_key"],
        connector=r["connector"],
        subject=r["subject"],
        title=r["title"],
        url=r["url"],
        last_kind=r["last_kind"],
        payload=_object(r["payload"]),
        last_event_id=int(r["last_event_id"]),
        updated_at=float(r["updated_at"]),
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _object(raw: str) -> dict[str, Any]:
    value = json.loads(raw)
    return value if isinstance(value, dict) else {}


__all__ = ["PAGE", "HubItem", "ItemPage", "ItemQuery", "SharedMirror"]
