"""Issues and pull requests as the API lists them: every item the hub's mirror holds (what
the last sync of each session wrote, :class:`~server.hub.mirror.Mirror`), in the command
line's item shape (:func:`server.verbs.items.item_json`), with the My Work groups the live
sessions put them in, newest change first, cut into pages by an opaque keyset cursor.

The listing is rebuilt only when the mirror or a session's index changed (one small query
per request tells), so paging through a thousand items does not re-read them each time.
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from connectors.sdk.models import Issue as SdkIssue
from connectors.sdk.models import PullRequest as SdkPullRequest
from server.hub.sync.syncers import Issues, PullRequests
from server.verbs.items import item_json, merged

from . import models
from .problems import ApiError

if TYPE_CHECKING:
    from server.hub.hub import Hub

_SIGNATURE = (
    "SELECT count(*), max(fetched_at), max(updated_at) FROM items"
    " WHERE kind IN ('issue', 'pull_request')"
)
_ACCOUNTS = "SELECT DISTINCT connector, account FROM items WHERE kind IN ('issue', 'pull_request')"


@dataclass(frozen=True)
class Entry:
    """One listed item: the sdk's model, its API shape, and its place in the order."""

    item: SdkIssue
    out: models.Issue
    sort: tuple[float, str]


@dataclass(frozen=True)
class Listing:
    issues: list[Entry]
    pulls: list[Entry]
    by_id: dict[str, Entry]


def is_pull(it: SdkIssue) -> bool:
    return isinstance(it, SdkPullRequest) or it.is_pull_request


def _sort_key(it: SdkIssue) -> tuple[float, str]:
    ts = it.updated_at.timestamp() if it.updated_at is not None else 0.0
    return (-ts, it.key)


class Items:
    """The hub's mirrored items, kept as a listing until they change."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._key: object = None
        self._listing = Listing([], [], {})

    async def listing(self) -> Listing:
        row = await self.hub.store.fetchone(_SIGNATURE)
        sessions = list(self.hub.sessions.values())
        key = (
            tuple(row) if row else None,
            tuple((s.key, s.coordinator.index.version) for s in sessions),
        )
        if key != self._key:
            self._listing = await self._build(sessions)
            self._key = key
        return self._listing

    async def _build(self, sessions: Sequence[Any]) -> Listing:
        hub = self.hub
        loaded: dict[str, SdkIssue] = {}
        for connector, account in await hub.store.fetchall(_ACCOUNTS):
            for it in await hub.mirror.load(connector, account):
                loaded.setdefault(it.key, it)
        groups: dict[str, list[str]] = {}
        for it, gs in merged(sessions, [*Issues.groups, *PullRequests.groups]):
            groups[it.key] = gs
            loaded.setdefault(it.key, it)
        issues: list[Entry] = []
        pulls: list[Entry] = []
        by_id: dict[str, Entry] = {}
        for it in loaded.values():
            data = item_json(hub, it, groups.get(it.key, ()))
            if is_pull(it):
                data = {**_pr_defaults(), **data}
                entry = Entry(it, models.PullRequest.model_validate(data), _sort_key(it))
                pulls.append(entry)
            else:
                entry = Entry(it, models.Issue.model_validate(data), _sort_key(it))
                issues.append(entry)
            by_id[it.key] = entry
        issues.sort(key=lambda e: e.sort)
        pulls.sort(key=lambda e: e.sort)
        return Listing(issues, pulls, by_id)


def _pr_defaults() -> dict[str, Any]:
    """A pull request mirrored as an issue-shaped item (a tracker's list) lacks these."""
    return {"draft": False, "merged": False, "head": None, "base": None, "review": "none",
            "approvals": 0, "checks": None}  # fmt: skip


def matches(q: models.IssueQuery) -> Callable[[Entry], bool]:
    def keep(e: Entry) -> bool:
        it = e.item
        if q.connector is not None and it.connector != q.connector:
            return False
        if q.scope is not None and it.ref.scope != q.scope:
            return False
        if q.state is not None and it.state.value != q.state:
            return False
        return q.assignee is None or any(
            u.login.lower() == q.assignee.lower() for u in it.assignees
        )

    return keep


def encode_cursor(sort: tuple[float, str]) -> str:
    raw = f"{sort[0]!r}|{sort[1]}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, str]:
    """A cursor back into the position it names; 422 for one this server did not give."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        ts, sep, key = raw.partition("|")
        if not sep or not key:
            raise ValueError(cursor)
        return (float(ts), key)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError("validation", "cursor is not one a page of this list gave") from None


def page(entries: Sequence[Entry], q: models.IssueQuery) -> tuple[list[Entry], str | None]:
    """The page of ``entries`` (already in order) after ``q.cursor``, and the next cursor."""
    keep = matches(q)
    start = 0
    if q.cursor:
        position = decode_cursor(q.cursor)
        start = bisect_right([e.sort for e in entries], position)
    out: list[Entry] = []
    more = False
    for e in entries[start:]:
        if not keep(e):
            continue
        if len(out) == q.limit:
            more = True
            break
        out.append(e)
    return out, encode_cursor(out[-1].sort) if more and out else None


def detail(entry_item: SdkIssue, base: models.Issue) -> dict[str, Any]:
    """An item's listed shape with its body and comment count (``tieline issue --json``)."""
    return {**base.model_dump(), "body": entry_item.body, "comments": entry_item.comments}


__all__ = ["Entry", "Items", "Listing", "decode_cursor", "detail", "encode_cursor", "page"]
