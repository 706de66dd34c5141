"""Replay protection for incoming webhooks: signed timestamps must be recent, and a
delivery id is accepted once within the window.

This guard keeps the ids in memory, the quick first check. Behind it, the hub's database
keeps them too (:mod:`server.web.hooks.ledger`), so a restart forgets none, and for the
senders that sign no timestamp (GitHub, GitLab's secret token, Jira), whose id is the only
replay check, for days rather than the window.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from .errors import Replayed, StaleDelivery

#: Ids remembered at most (oldest forgotten first), so a flood cannot grow memory unbounded.
MAX_REMEMBERED = 50_000


class ReplayGuard:
    def __init__(
        self,
        window: Callable[[], float],
        *,
        clock: Callable[[], float] = time.time,
        limit: int = MAX_REMEMBERED,
    ) -> None:
        self.window = window
        self.clock = clock
        self.limit = limit
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()

    def check_timestamp(self, timestamp: float) -> None:
        """Refuse a signed timestamp further than the window from now (either side: a clock
        far ahead is as suspicious as a message far behind)."""
        skew = self.clock() - timestamp
        if abs(skew) > self.window():
            word = "old" if skew > 0 else "far in the future"
            raise StaleDelivery(f"the delivery's signed timestamp is too {word}")

    def accept(self, source: str, delivery_id: str) -> None:
        """Record ``delivery_id`` as accepted, or raise :class:`Replayed` if it already was
        within the window. Call only after the signature checked out, so an unsigned request
        cannot burn a real delivery's id."""
        now = self.clock()
        key = (source, delivery_id)
        with self._lock:
            self._expire(now)
            if key in self._seen:
                raise Replayed(f"delivery {delivery_id!r} was already accepted")
            self._seen[key] = now
            while len(self._seen) > self.limit:
                self._seen.popitem(last=False)

    def _expire(self, now: float) -> None:
        horizon = now - self.window()
        while self._seen:
            key, at = next(iter(self._seen.items()))
            if at >= horizon:
                break
            del self._seen[key]
