"""The recent events the API serves: a bounded ring fed by the hub's event bus.

Every event gets the next integer id (from 1, per process), which ``GET /events?since=``
and the SSE stream's ``Last-Event-ID`` resume from. The ring keeps the newest ``size``
events; a client that fell further behind gets what is left, and ``gap`` tells it so.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from server.hub.events import Event, EventBus, Subscription

DEFAULT_SIZE = 1000


@dataclass(frozen=True)
class Numbered:
    id: int
    event: Event


class EventRing:
    """The newest events with their ids; waiters wake on each new one."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._ring: deque[Numbered] = deque(maxlen=size)
        self._last = 0
        self._changed = asyncio.Event()
        self._sub: Subscription | None = None
        self._bus: EventBus | None = None

    def attach(self, bus: EventBus) -> None:
        """Receive every event the bus publishes from now on."""
        if self._sub is None:
            self._bus = bus
            self._sub = bus.subscribe("*", self.add)

    def detach(self) -> None:
        if self._sub is not None and self._bus is not None:
            self._bus.unsubscribe(self._sub)
        self._sub = None

    @property
    def last_id(self) -> int:
        return self._last

    @property
    def first_id(self) -> int:
        """The oldest id still kept (``last_id + 1`` when empty)."""
        return self._ring[0].id if self._ring else self._last + 1

    def add(self, event: Event) -> None:
        self._last += 1
        self._ring.append(Numbered(self._last, event))
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def since(self, after: int, limit: int | None = None) -> list[Numbered]:
        """Events with an id above ``after``, oldest first."""
        out: Iterable[Numbered] = (n for n in self._ring if n.id > after)
        got = list(out)
        return got[:limit] if limit is not None else got

    def gap(self, after: int) -> bool:
        """Whether events after ``after`` were dropped before the client read them."""
        return after < self.first_id - 1

    async def wait(self, after: int, seconds: float) -> bool:
        """Wait until an event above ``after`` is kept or ``seconds`` pass; whether one is."""
        if self._last > after:
            return True
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), seconds)
        return self._last > after


__all__ = ["DEFAULT_SIZE", "EventRing", "Numbered"]
