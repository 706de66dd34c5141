"""Reviewers' presence for a pull request's hover card, never at the cost of the hover.

Presence is asked by e-mail (what the code host and the chat service both know of a person):
the address the code host shows (:attr:`~connectors.sdk.models.User.email`, a public e-mail)
first, since it is the person's own word; else the ``chat.reviewer_emails`` setting, for
those who show none (and for Bitbucket, which never does); else the login when it is an
address. Every Presence session is asked at once; the first that knows a person wins.

Answers are kept ``ttl`` seconds (presence changes, but not between two hovers), and a hover
waits at most ``timeout`` for what is not cached: past that it shows the card without
presence, while the lookup carries on in the background and fills the cache for the next
hover. One lookup per person is in flight at a time.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from connectors.sdk.capabilities import Presence
from connectors.sdk.chat import PresenceStatus
from connectors.sdk.errors import TielineError
from connectors.sdk.models import User

if TYPE_CHECKING:
    from ..hub import Hub
    from ..sessions import Session

log = logging.getLogger("tieline.chat")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def email_of(user: User, known: Mapping[str, str]) -> str | None:
    """The reviewer's e-mail: the one the code host shows, else the setting's (by login, any
    case), else the login itself when it is an address."""
    if user.email and _EMAIL.match(user.email):
        return user.email.lower()
    lowered = {k.lower(): v for k, v in known.items()}
    mapped = lowered.get(user.login.lower())
    if mapped:
        return mapped.lower()
    return user.login.lower() if _EMAIL.match(user.login) else None


class PresenceCache:
    """E-mail -> presence (``None``: no service knows them), each for ``ttl`` seconds."""

    def __init__(self, hub: Hub, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.hub = hub
        self._clock = clock
        self._known: dict[str, tuple[float, PresenceStatus | None]] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}

    def cached(self, email: str, ttl: float) -> tuple[bool, PresenceStatus | None]:
        hit = self._known.get(email)
        if hit is None or self._clock() - hit[0] > ttl:
            return False, None
        return True, hit[1]

    def known(self, ttl: float) -> dict[str, PresenceStatus]:
        """Every address whose presence was read at most ``ttl`` seconds ago and is known:
        what a presence widget shows without asking any service."""
        now = self._clock()
        return {e: s for e, (at, s) in self._known.items() if s is not None and now - at <= ttl}

    async def _ask(self, session: Session, emails: Sequence[str]) -> Mapping[str, PresenceStatus]:
        source: Presence = session.connector.capability(Presence)
        try:
            got = await source.presence_of(list(emails))
        except TielineError as exc:
            log.warning("presence from %s: %s", session.key, exc.message)
            return {}
        return {k.lower(): v for k, v in got.items()}

    async def _fetch(self, emails: Sequence[str]) -> None:
        sessions = self.hub.sessions_with(Presence, ask=False)
        answers = await asyncio.gather(*(self._ask(s, emails) for s in sessions))
        now = self._clock()
        for e in emails:
            found = next((a[e] for a in answers if e in a), None)
            self._known[e] = (now, found)

    def _start(self, emails: list[str]) -> list[asyncio.Task[None]]:
        missing = [e for e in emails if e not in self._pending]
        if missing:
            task = asyncio.ensure_future(self._fetch(missing))
            for e in missing:
                self._pending[e] = task
            task.add_done_callback(functools.partial(self._done, tuple(missing)))
        return list({id(t): t for t in (self._pending[e] for e in emails)}.values())

    def _done(self, emails: Iterable[str], _task: asyncio.Task[None]) -> None:
        for e in emails:
            self._pending.pop(e, None)

    async def lookup(
        self, emails: Iterable[str], *, ttl: float, patience: float
    ) -> dict[str, PresenceStatus]:
        """Presence of each address a service knows, within ``patience`` seconds."""
        want = sorted({e.lower() for e in emails})
        out: dict[str, PresenceStatus] = {}
        stale: list[str] = []
        for e in want:
            fresh, status = self.cached(e, ttl)
            if not fresh:
                stale.append(e)
            elif status is not None:
                out[e] = status
        if stale and self.hub.sessions_with(Presence, ask=False):
            tasks = self._start(stale)
            # shield: a hover that gives up must not cancel the lookup the next hover reads.
            done = asyncio.gather(*(asyncio.shield(t) for t in tasks))
            try:
                await asyncio.wait_for(done, patience)
            except TimeoutError:
                log.debug("presence of %d reviewer(s) not in %.1f s", len(stale), patience)
            except Exception:  # one service's bug must not cost the hover
                log.exception("presence lookup failed")
            for e in stale:
                fresh, status = self.cached(e, ttl)
                if fresh and status is not None:
                    out[e] = status
        return out


async def reviewers_presence(
    hub: Hub, cache: PresenceCache, reviewers: Sequence[User]
) -> list[tuple[User, PresenceStatus]]:
    """Each reviewer whose presence is known now (within the configured time box)."""
    cfg = hub.config.chat
    known = {p.login: p.email for p in cfg.reviewer_emails}
    emails = {u.login: email_of(u, known) for u in reviewers}
    wanted = [e for e in emails.values() if e]
    if not wanted or not hub.sessions_with(Presence, ask=False):
        return []
    found = await cache.lookup(wanted, ttl=cfg.presence_ttl, patience=cfg.presence_timeout)
    return [(u, found[e]) for u in reviewers if (e := emails[u.login]) and e in found]


__all__ = ["PresenceCache", "email_of", "reviewers_presence"]
