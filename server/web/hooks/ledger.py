"""The durable record of incoming deliveries accepted: a second line behind the in-memory
:class:`~server.web.replay.ReplayGuard`.

The guard alone forgets every id when the process restarts, and forgets any id once the
replay window has passed. That is enough where the sender signs a timestamp (Slack,
Standard Webhooks, GitLab's signing tokens): an old delivery fails its timestamp check
whatever is remembered. GitHub, GitLab's secret token and Jira sign none, so for them a
captured delivery could be sent again after a restart or after the window; the ledger keeps
their ids for :data:`UNSIGNED_KEEP` (GitHub lets its own deliveries be redelivered for three
days), and the others' for the window, in the hub's database (migration 0008).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from ..errors import Replayed

#: How long an id is kept for a sender that signs no timestamp: longer than GitHub's three
#: days of redelivery, so no delivery it still holds can be accepted twice.
UNSIGNED_KEEP = 7 * 24 * 3600.0


class _Db(Protocol):
    async def execute(self, sql: str, params: tuple[object, ...] = ...) -> int: ...


class DeliveryLedger:
    """Accepted delivery ids in the store; :meth:`accept` refuses one already there."""

    def __init__(self, db: _Db, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    async def accept(self, source: str, delivery_id: str, *, keep: float) -> None:
        """Record ``delivery_id`` for ``keep`` seconds, or raise :class:`Replayed` if it is
        already recorded and not yet expired. Call after the signature checked out."""
        now = self.clock()
        await self.db.execute("DELETE FROM webhook_inbox_seen WHERE keep_until < ?", (now,))
        added = await self.db.execute(
            "INSERT INTO webhook_inbox_seen (source, delivery_id, seen_at, keep_until)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (source, delivery_id) DO NOTHING",
            (source, delivery_id, now, now + keep),
        )
        if added == 0:
            raise Replayed(f"delivery {delivery_id!r} was already accepted")


__all__ = ["UNSIGNED_KEEP", "DeliveryLedger"]
