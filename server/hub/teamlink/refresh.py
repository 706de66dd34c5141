"""Which local refresh a pushed event calls for: the narrowest one this Tieline offers.

A session syncs in parts (:data:`server.hub.sync.syncers.SYNCERS`); a *stream* here names
the parts one kind of change can touch. A pull request event re-reads the pull request
lists (whose detailed reads cost 304s when nothing else changed), an issue event the issue
lists, a CI event the branch checks and pipelines (and the pull requests, whose cards carry
their checks), and an item the session's index holds that the event names is fetched again
on its own (:data:`ITEM`). Each refresh is one coalesced job per session and stream, so a burst of
events about one repository costs one sync of that part, and it runs with the session's own
credentials: the hub never needs the person's tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..sync.syncers import SYNCERS, Syncer

#: Stream name -> the syncer views (``Syncer.view``) it refreshes.
STREAMS: dict[str, tuple[str, ...]] = {
    "pulls": ("pulls",),
    "issues": ("issues",),
    "ci": ("checks", "pipelines"),
}

#: Event kind prefix (``<subject>.``) -> the streams such an event can change.
KIND_STREAMS: dict[str, tuple[str, ...]] = {
    "pull_request": ("pulls",),
    "issue": ("issues",),
    "check_suite": ("ci", "pulls"),
    "check_run": ("ci", "pulls"),
    "ci": ("ci", "pulls"),
}


#: The stream of one item's refresh: the event's subject, fetched again where the editor
#: shows it (a lens on someone else's pull request is in no list a sync re-reads).
ITEM = "item"


def syncers_of(stream: str) -> list[Syncer]:
    """The syncers a stream runs, in sync order (none for a name this version lacks)."""
    views = STREAMS.get(stream, ())
    return [s for s in SYNCERS if s.view and s.view in views]


def streams_for(kind: str, payload: Mapping[str, Any]) -> tuple[str, ...]:
    """The streams an event of ``kind`` touches: the payload's own ``streams`` when the hub
    names them (unknown names are dropped), else by the kind's subject, else none (an event
    no local list shows, such as ``github.star.created``)."""
    named = payload.get("streams")
    if isinstance(named, list):
        return tuple(dict.fromkeys(s for s in named if isinstance(s, str) and s in STREAMS))
    subject = kind.split(".", 1)[0]
    return KIND_STREAMS.get(subject, ())


@dataclass(frozen=True)
class Target:
    """One refresh to enqueue: a session (by key) and a stream (for :data:`ITEM`, the item's
    key in the session's index)."""

    session: str
    stream: str
    item: str = ""

    @property
    def coalesce_key(self) -> str:
        tail = f":{self.item}" if self.item else ""
        return f"teamhub:{self.session}:{self.stream}{tail}"


def known_item(index_items: Mapping[str, Any], subject: str) -> str | None:
    """The index key of the item ``subject`` names (``octo/app#7``, ``PROJ-7``), when the
    session's index holds it: the editor may be showing it."""
    if not subject:
        return None
    for key, item in index_items.items():
        if item.ref.label == subject:
            return str(key)
    return None


def targets(
    connector: str,
    account: str,
    payload: Mapping[str, Any],
    streams: Sequence[str],
    sessions: Iterable[tuple[str, Any]],
) -> list[Target]:
    """The local sessions an event concerns and the streams to refresh in each: sessions of
    the event's connector, on its ``payload["host"]`` when the hub names one, and of its
    ``account`` (``login@host``) when the event is about one person's account."""
    if not streams:
        return []
    host = payload.get("host")
    host = host.lower() if isinstance(host, str) and host else None
    login, at, acct_host = account.rpartition("@")
    out: list[Target] = []
    for key, s in sessions:
        if s.connector_id != connector:
            continue
        if host is not None and s.host.lower() != host:
            continue
        if at and login and (s.login.lower(), s.host.lower()) != (login.lower(), acct_host.lower()):
            continue
        out.extend(Target(key, stream) for stream in streams)
    return out


__all__ = [
    "ITEM",
    "KIND_STREAMS",
    "STREAMS",
    "Target",
    "known_item",
    "streams_for",
    "syncers_of",
    "targets",
]
