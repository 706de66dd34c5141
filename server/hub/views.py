"""What a one-shot reader -- the command line -- sees of the sessions' lists and CI.

A new process has no sync behind it. It opens the sessions the workspace calls for (with
the same accounts, credentials and mirror as the server) and, for each part of the index it
needs (:attr:`~.sync.syncers.Syncer.view`: ``pulls``, ``issues``, ``checks``,
``pipelines``), reads what the server mirrored when that was synced recently enough, else
syncs just that part through the session now (and mirrors it, so the next command is
quick too). A session that fails does not stop the others: its failure is reported beside
what the rest answered.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from connectors.sdk.errors import AuthError, TielineError

from .sync.syncers import SYNCERS, Syncer

if TYPE_CHECKING:
    from .hub import Hub
    from .sessions import Session

log = logging.getLogger("tieline.views")


@dataclass(frozen=True)
class Problem:
    """A session that could not answer: which, and why (``auth``: its credentials were
    refused, so signing in again is the fix)."""

    connector: str
    account: str
    message: str
    auth: bool = False


@dataclass
class Gathered:
    """The sessions that answered, and the ones that could not."""

    sessions: list[Session] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: Parts synced now (``connector:account:view``); the others came from the mirror.
    fetched: list[str] = field(default_factory=list)


def syncers_for(views: Sequence[str]) -> list[Syncer]:
    return [s for s in SYNCERS if s.view and s.view in views]


async def gather(
    hub: Hub, views: Sequence[str], *, max_age: float, force: bool = False
) -> Gathered:
    """Every session with a syncer of ``views``, each part from the mirror when synced at
    most ``max_age`` seconds ago (never when ``force``), else synced now."""
    out = Gathered()
    wanted = syncers_for(views)
    if not hub.sessions:  # only the connectors that can answer: no other's code loads
        await hub.connect(sorted({x.capability.__name__ for x in wanted}))
        for w, exc in hub.unconnected:
            out.problems.append(
                Problem(w.connector, w.host, exc.message, isinstance(exc, AuthError))
            )
    for s in list(hub.sessions.values()):
        mine = [x for x in wanted if x.applies(s.connector)]
        if not mine:
            continue
        stale: list[Syncer] = []
        for x in mine:
            data = (
                None
                if force
                else await hub.mirror.load_view(s.connector_id, s.account, x.view, max_age=max_age)
            )
            if data is None or not x.load(s.coordinator.index, data):
                stale.append(x)
        if stale:
            try:
                await hub.sync_part(s, stale)
            except TielineError as exc:
                log.debug("%s could not sync: %s", s.key, exc.message)
                out.problems.append(
                    Problem(s.connector_id, s.account, exc.message, isinstance(exc, AuthError))
                )
                continue
            out.fetched += [f"{s.key}:{x.view}" for x in stale]
        out.sessions.append(s)
    return out


async def known_scopes(hub: Hub) -> None:
    """Make sure key-based trackers' project/team keys are known (``PROJ-7`` is a reference
    only when the site has ``PROJ``): synced for sessions whose mirror has none yet."""
    from .sync.syncers import Scopes

    for s in list(hub.sessions.values()):
        if s.coordinator.index.scopes is None and Scopes().applies(s.connector):
            try:
                await hub.sync_part(s, [Scopes()])
            except TielineError as exc:
                log.debug("%s keys could not be read: %s", s.key, exc.message)


__all__ = ["Gathered", "Problem", "gather", "known_scopes", "syncers_for"]
