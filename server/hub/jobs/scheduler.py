"""Periodic jobs that run only while someone is looking, and debounced manual refreshes.

Polling a service costs its rate-limit budget and the user's battery, so a periodic sync is
enqueued only while its ``listening()`` predicate is true: typically a :class:`Listeners`
count of open documents or visible panels that need that data (Home Assistant's coordinator
does the same). A periodic entry that falls due while nobody listens stays due, so the
first listener to arrive gets fresh data at once instead of waiting a whole interval.

Intervals carry jitter so that many integrations started together do not poll in lockstep.
Every enqueue is *coalesced*: a tick or a refresh request while the same sync is still
queued returns that job instead of adding another, so a slow sync never piles up work, and
a burst of refresh clicks within the debounce window becomes one job.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .models import Job
from .queue import JobQueue

#: Refresh requests closer together than this (seconds) are served by one job.
DEFAULT_DEBOUNCE = 0.5
_MAX_SLEEP = 60.0


class Listeners:
    """Reference counts of who needs which data (an open document, a visible panel ...)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._watchers: list[Callable[[], None]] = []

    def acquire(self, topic: str) -> Callable[[], None]:
        """Count one more listener of ``topic``; call the returned function (once) to leave."""
        self._counts[topic] += 1
        self._changed()
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            self._counts[topic] -= 1
            if self._counts[topic] <= 0:
                del self._counts[topic]
            self._changed()

        return release

    def count(self, topic: str) -> int:
        return self._counts[topic]

    def listening(self, topic: str | None = None) -> bool:
        """Whether anyone listens to ``topic`` (to anything, when ``topic`` is ``None``)."""
        return bool(self._counts) if topic is None else self._counts[topic] > 0

    def predicate(self, topic: str | None = None) -> Callable[[], bool]:
        """A ``listening()`` predicate for :meth:`Scheduler.every`."""
        return lambda: self.listening(topic)

    def watch(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever a count changes (the scheduler wakes up on it)."""
        self._watchers.append(callback)

    def _changed(self) -> None:
        for cb in self._watchers:
            cb()


def _always() -> bool:
    return True


@dataclass
class Periodic:
    """One periodic job: what to enqueue, how often, and when it is next due."""

    name: str
    kind: str
    interval: float
    payload: dict[str, Any] = field(default_factory=dict)
    jitter: float = 0.1
    listening: Callable[[], bool] = _always
    coalesce_key: str = ""
    next_at: float = 0.0


class Scheduler:
    """Enqueues periodic jobs while they are listened to, and debounced refreshes on demand."""

    def __init__(
        self,
        queue: JobQueue,
        *,
        listeners: Listeners | None = None,
        debounce: float = DEFAULT_DEBOUNCE,
    ) -> None:
        self.queue = queue
        self.debounce = debounce
        self._periodic: dict[str, Periodic] = {}
        self._wake = asyncio.Event()
        if listeners is not None:
            listeners.watch(self.wake)

    def every(
        self,
        name: str,
        interval: float,
        kind: str,
        payload: Mapping[str, Any] | None = None,
        *,
        jitter: float = 0.1,
        listening: Callable[[], bool] | None = None,
        coalesce_key: str | None = None,
        first_in: float = 0.0,
    ) -> Periodic:
        """Enqueue ``kind`` every ``interval`` seconds (± ``jitter`` as a fraction), first now
        -- or ``first_in`` seconds from now, when the caller runs the first one itself.

        Use the same ``coalesce_key`` as :meth:`refresh` for the same sync, so that a manual
        refresh and a periodic tick that meet in the queue make a single job.
        """
        if interval <= 0 or not 0 <= jitter < 1:
            raise ValueError("interval must be positive and jitter in [0, 1)")
        entry = Periodic(
            name=name,
            kind=kind,
            interval=interval,
            payload=dict(payload or {}),
            jitter=jitter,
            listening=listening or _always,
            coalesce_key=coalesce_key or f"periodic:{name}",
            next_at=self.queue.clock() + max(0.0, first_in),
        )
        self._periodic[name] = entry
        self.wake()
        return entry

    def retime(self, name: str, interval: float, *, due_in: float | None = None) -> bool:
        """Give a periodic job a new interval, counted from now (a push link stretching a
        poll to a safety net, or restoring it); ``due_in``: it falls due that many seconds
        from now instead (0: at once). Returns whether the job exists."""
        entry = self._periodic.get(name)
        if entry is None or interval <= 0:
            return False
        entry.interval = interval
        entry.next_at = self.queue.clock() + (interval if due_in is None else max(0.0, due_in))
        self.wake()
        return True

    def interval(self, name: str) -> float | None:
        """A periodic job's current interval, or ``None`` when there is none by ``name``."""
        entry = self._periodic.get(name)
        return entry.interval if entry is not None else None

    def cancel(self, name: str) -> bool:
        """Stop a periodic job; return whether it existed."""
        return self._periodic.pop(name, None) is not None

    async def tick(self) -> list[Job]:
        """Enqueue every periodic job that is due and listened to; return those jobs."""
        now = self.queue.clock()
        out: list[Job] = []
        for entry in list(self._periodic.values()):
            if entry.next_at > now or not entry.listening():
                continue
            out.append(
                await self.queue.enqueue_coalesced(
                    entry.kind, entry.payload, coalesce_key=entry.coalesce_key
                )
            )
            spread = 1 + entry.jitter * (2 * self.queue.rng() - 1)
            entry.next_at = now + entry.interval * spread
        return out

    async def refresh(
        self,
        kind: str,
        payload: Mapping[str, Any] | None = None,
        *,
        key: str,
        window: float | None = None,
    ) -> Job:
        """Ask for a refresh now-ish: requests with the same ``key`` within the debounce
        ``window`` (and any time before the job starts) are served by the same job."""
        delay = self.debounce if window is None else window
        return await self.queue.enqueue_coalesced(kind, payload, coalesce_key=key, delay=delay)

    def next_wakeup(self) -> float | None:
        """When the next listened-to periodic job is due (Unix seconds), or ``None``."""
        due = [p.next_at for p in self._periodic.values() if p.listening()]
        return min(due) if due else None

    def wake(self) -> None:
        """Re-evaluate now (a listener arrived, a schedule changed)."""
        self._wake.set()

    async def run(self) -> None:
        """Tick whenever something falls due or a listener arrives, until cancelled."""
        while True:
            self._wake.clear()
            await self.tick()
            due = self.next_wakeup()
            now = self.queue.clock()
            sleep = _MAX_SLEEP if due is None else min(_MAX_SLEEP, max(0.0, due - now))
            # Not ``wait_for``: on Python 3.11 it returns a wait that finished as the task was
            # cancelled, swallowing the cancellation (a wake just before a hub closes).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(sleep):
                    await self._wake.wait()
