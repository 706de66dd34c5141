"""The SQL of the webhook tables, in one place (the migration is ``0006_webhooks.sql``).

Functions take the :class:`~server.hub.store.Database` and join an open transaction when the
caller holds one (the database's own rule), so a caller composes them atomically.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from ..store.database import Database
from .errors import UnknownEndpoint
from .models import Attempt, Endpoint, Message, MessageState


async def insert_endpoint(
    db: Database,
    *,
    id: str,
    url: str,
    url_ref: str,
    description: str,
    event_types: Sequence[str],
    template: str | None,
    secret_ref: str,
    now: float,
) -> Endpoint:
    row = await db.fetchone(
        "INSERT INTO webhook_endpoints (id, url, url_ref, description, event_types, template,"
        " secret_ref, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (
            id,
            url,
            url_ref,
            description,
            json.dumps(list(event_types)),
            template,
            secret_ref,
            now,
            now,
        ),
    )
    assert row is not None
    return Endpoint.from_row(row)


async def get_endpoint(db: Database, endpoint_id: str) -> Endpoint:
    row = await db.fetchone("SELECT * FROM webhook_endpoints WHERE id = ?", (endpoint_id,))
    if row is None:
        raise UnknownEndpoint(f"no webhook endpoint {endpoint_id!r} (see: tieline webhooks list)")
    return Endpoint.from_row(row)


async def list_endpoints(db: Database, *, enabled_only: bool = False) -> list[Endpoint]:
    where = " WHERE enabled = 1" if enabled_only else ""
    rows = await db.fetchall(f"SELECT * FROM webhook_endpoints{where} ORDER BY created_at, id")  # noqa: S608
    return [Endpoint.from_row(r) for r in rows]


async def endpoints_by_id(db: Database, ids: Iterable[str]) -> dict[str, Endpoint]:
    rows = await db.fetchall(
        f"SELECT * FROM webhook_endpoints WHERE {db.dialect.in_list('id')}",  # noqa: S608
        (db.dialect.list_param(sorted(set(ids))),),
    )
    return {r["id"]: Endpoint.from_row(r) for r in rows}


async def delete_endpoint(db: Database, endpoint_id: str) -> bool:
    return await db.execute("DELETE FROM webhook_endpoints WHERE id = ?", (endpoint_id,)) == 1


async def set_enabled(
    db: Database, endpoint_id: str, enabled: bool, reason: str | None, now: float
) -> Endpoint:
    row = await db.fetchone(
        "UPDATE webhook_endpoints SET enabled = ?, disabled_reason = ?, updated_at = ?,"
        " failing_since = CASE WHEN ? = 1 THEN NULL ELSE failing_since END"
        " WHERE id = ? RETURNING *",
        (int(enabled), None if enabled else reason, now, int(enabled), endpoint_id),
    )
    if row is None:
        raise UnknownEndpoint(f"no webhook endpoint {endpoint_id!r} (see: tieline webhooks list)")
    return Endpoint.from_row(row)


async def set_secret_refs(
    db: Database,
    endpoint_id: str,
    *,
    current: str,
    previous: str | None,
    previous_expires_at: float | None,
    now: float,
) -> Endpoint:
    row = await db.fetchone(
        "UPDATE webhook_endpoints SET secret_ref = ?, previous_secret_ref = ?,"
        " previous_expires_at = ?, updated_at = ? WHERE id = ? RETURNING *",
        (current, previous, previous_expires_at, now, endpoint_id),
    )
    if row is None:
        raise UnknownEndpoint(f"no webhook endpoint {endpoint_id!r}")
    return Endpoint.from_row(row)


_INSERT_MESSAGE = (
    "INSERT INTO webhook_messages (id, endpoint_id, event_type, envelope, body, state,"
    " next_attempt_at, last_error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


async def insert_messages(db: Database, rows: Sequence[tuple[Any, ...]]) -> None:
    """Rows as ``_INSERT_MESSAGE`` takes them."""
    await db.executemany(_INSERT_MESSAGE, rows)


async def get_message(db: Database, message_id: str) -> Message:
    row = await db.fetchone("SELECT * FROM webhook_messages WHERE id = ?", (message_id,))
    if row is None:
        raise UnknownEndpoint(f"no webhook message {message_id!r} (see: tieline webhooks log)")
    return Message.from_row(row)


async def messages_by_id(db: Database, ids: Iterable[str]) -> dict[str, Message]:
    rows = await db.fetchall(
        f"SELECT * FROM webhook_messages WHERE {db.dialect.in_list('id')}",  # noqa: S608
        (db.dialect.list_param(sorted(set(ids))),),
    )
    return {r["id"]: Message.from_row(r) for r in rows}


async def list_messages(
    db: Database,
    endpoint_id: str,
    *,
    state: MessageState | None = None,
    since: float | None = None,
    limit: int = 50,
) -> list[Message]:
    rows = await db.fetchall(
        "SELECT * FROM webhook_messages WHERE endpoint_id = ?"
        " AND (CAST(? AS TEXT) IS NULL OR state = ?)"
        " AND (CAST(? AS DOUBLE PRECISION) IS NULL OR created_at >= ?)"
        " ORDER BY created_at DESC, id DESC LIMIT ?",
        (endpoint_id, state, state, since, since, limit),
    )
    return [Message.from_row(r) for r in rows]


async def attempts_of(db: Database, message_ids: Sequence[str]) -> dict[str, list[Attempt]]:
    rows = await db.fetchall(
        f"SELECT * FROM webhook_attempts WHERE {db.dialect.in_list('message_id')}"  # noqa: S608
        " ORDER BY id",
        (db.dialect.list_param(list(message_ids)),),
    )
    out: dict[str, list[Attempt]] = {m: [] for m in message_ids}
    for r in rows:
        out.setdefault(r["message_id"], []).append(Attempt.from_row(r))
    return out
