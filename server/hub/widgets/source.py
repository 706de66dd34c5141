"""What widgets read: only what Tieline already mirrors, never the service.

A widget may be shown often (a README preview re-rendered on every keystroke, a dashboard
refreshing, several webviews at once), so no view costs a request to GitHub or Jira:

* pull requests and issues come from the store's ``items`` table, where
  :class:`~server.hub.mirror.Mirror` keeps every synced item;
* a branch's CI from the mirrored ``checks`` and ``pipelines`` views (the
  :class:`~server.hub.sync.syncers.Checks` and :class:`~.PipelineRuns` parts of each session's
  index, as :meth:`Mirror.save_view` writes them after each sync), merged as the status bar
  merges them (:meth:`Index.branch_state`);
* the agenda from the sessions' in-memory indexes (:func:`server.hub.calendar.merged`), which
  the Agenda syncer keeps fresh;
* presence from the :class:`~server.hub.chat.presence.PresenceCache`'s answers still fresh.

What is not mirrored is :class:`~.errors.NotMirrored` -- a 404 that says so -- rather than a
fetch: a widget shows what the editor would show, as of the last sync.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from connectors.sdk.calendar import CalendarEvent
from connectors.sdk.chat import PresenceStatus
from connectors.sdk.models import CheckSummary, Issue, ItemKind, PullRequest

from ..mirror import VIEW
from ..store import Store
from ..sync.syncers import Checks, Index, PipelineRuns
from .cards import PresenceEntry
from .errors import BadAddress, NotMirrored

if TYPE_CHECKING:
    from ..chat.presence import PresenceCache
    from ..hub import Hub


@dataclass(frozen=True)
class BranchCI:
    """A branch's CI as mirrored: the merged summary and when the newest part was synced."""

    connector: str
    scope: str
    branch: str
    summary: CheckSummary
    synced_at: datetime


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _keys(kind: ItemKind, scope: str, key: str) -> list[str]:
    """The keys an address may mean: ``7`` is ``#7`` (and, for a merge request, ``!7``);
    a key with a sigil or a project key (``PROJ-7``) is itself."""
    if key.isdigit():
        return ["#" + key, "!" + key] if kind is ItemKind.PULL_REQUEST else ["#" + key]
    return [key]


class WidgetSource:
    """Reads the hub's mirror for widgets; see the module docstring for where each part
    comes from. ``events`` and ``presence`` are the in-memory parts (callables, so each view
    reads them as they are now); ``zone`` is where "today" is (default: this computer's)."""

    def __init__(
        self,
        store: Store,
        *,
        events: Callable[[], Iterable[CalendarEvent]] = tuple,
        presence: Callable[[], Mapping[str, PresenceStatus]] = dict,
        zone: tzinfo | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self._events = events
        self._presence = presence
        self.zone = zone
        self._clock = clock

    @classmethod
    def of_hub(cls, hub: Hub, *, presence: PresenceCache | None = None) -> WidgetSource:
        """The source for a running hub: its store, its sessions' agenda and, when given,
        the presence cache the editor's hovers fill."""
        from ..calendar import merged

        ttl = hub.config.chat.presence_ttl
        return cls(
            hub.store,
            events=lambda: merged(hub),
            presence=(lambda: presence.known(ttl)) if presence is not None else dict,
        )

    # -- items --------------------------------------------------------------------------

    async def _item(
        self, kind: ItemKind, connector: str, scope: str, key: str, host: str | None
    ) -> dict[str, Any]:
        if not connector or not scope or not key:
            raise BadAddress("a widget's address names a connector, a scope and a key")
        for k in _keys(kind, scope, key):
            label = scope + k if not k[0].isalnum() else k
            if host:
                found = [
                    (account, f"{connector}:{host}:{label}")
                    for account in await self._accounts(connector)
                ]
            else:
                # Any host of the connector (the key is ``connector:host:label``). Only the
                # keys are matched, which the ``items_by_update`` index holds: the bodies are
                # read for the one or two rows found, not for every item (5,000 items: 2 ms
                # instead of 30).
                pattern = f"{_like_escape(connector)}:%:{_like_escape(label)}"
                rows = await self.store.fetchall(
                    "SELECT account, key FROM items WHERE connector = ? AND kind = ?"
                    " AND key LIKE ? ESCAPE '\\'",
                    (connector, kind.value, pattern),
                )
                found = [(r["account"], r["key"]) for r in rows]
            candidates = []
            for account, item_key in found:
                row = await self.store.get_item(connector, account, kind.value, item_key)
                if row is None:
                    continue
                ref = row.data.get("ref", {})
                if isinstance(ref, dict) and ref.get("scope") == scope and ref.get("key") == k:
                    candidates.append(row)
            if candidates:  # the same item through two accounts: the copy synced last
                newest = max(
                    candidates, key=lambda r: (r.updated_at is not None, r.updated_at, r.fetched_at)
                )
                return dict(newest.data)
        what = "pull request" if kind is ItemKind.PULL_REQUEST else "issue"
        raise NotMirrored(
            f"No {what} {key} of {scope} on {connector} is in Tieline's mirror: it has not been"
            " synced (only items a sync has listed are), or it does not exist."
        )

    async def pull_request(
        self, connector: str, scope: str, key: str, *, host: str | None = None
    ) -> PullRequest:
        """A mirrored pull (merge) request; ``key`` is ``7``, ``#7`` or ``!7``."""
        data = await self._item(ItemKind.PULL_REQUEST, connector, scope, key, host)
        try:
            return PullRequest.model_validate(data)
        except ValueError as exc:
            raise NotMirrored(f"{scope} {key} was mirrored by another version of Tieline") from exc

    async def issue(
        self, connector: str, scope: str, key: str, *, host: str | None = None
    ) -> Issue:
        """A mirrored issue; ``key`` is ``7``, ``#7`` or a project key (``PROJ-7``)."""
        data = await self._item(ItemKind.ISSUE, connector, scope, key, host)
        try:
            return Issue.model_validate(data)
        except ValueError as exc:
            raise NotMirrored(f"{scope} {key} was mirrored by another version of Tieline") from exc

    async def _accounts(self, connector: str) -> list[str]:
        rows = await self.store.fetchall(
            "SELECT DISTINCT account FROM items WHERE connector = ?", (connector,)
        )
        return [str(r["account"]) for r in rows]

    # -- CI -----------------------------------------------------------------------------

    async def ci(self, connector: str, scope: str, branch: str) -> BranchCI:
        """A branch's CI from the mirrored checks and pipelines of every account of
        ``connector`` (the first that knows the branch)."""
        if not connector or not scope or not branch:
            raise BadAddress("a CI badge's address names a connector, a repository and a branch")
        rows = await self.store.fetchall(
            "SELECT account, stream, cursor, updated_at FROM checkpoints"
            " WHERE connector = ? AND stream IN (?, ?) ORDER BY account, stream",
            (connector, VIEW + Checks.view, VIEW + PipelineRuns.view),
        )
        by_account: dict[str, list[Any]] = {}
        for row in rows:
            by_account.setdefault(row["account"], []).append(row)
        key = f"{scope}@{branch}"
        for parts in by_account.values():
            index = Index()
            newest = 0.0
            for row in parts:
                try:
                    data = json.loads(row["cursor"])
                except ValueError:
                    continue
                syncer = Checks() if row["stream"] == VIEW + Checks.view else PipelineRuns()
                if isinstance(data, dict) and syncer.load(index, data):
                    newest = max(newest, float(row["updated_at"]))
            summary = index.branch_state(key)
            if summary is not None:
                return BranchCI(
                    connector, scope, branch, summary, datetime.fromtimestamp(newest, UTC)
                )
        raise NotMirrored(
            f"No CI of {scope} at {branch} on {connector} is in Tieline's mirror: CI is kept for"
            " the branches checked out in the editor's workspace folders."
        )

    # -- agenda and presence ------------------------------------------------------------

    def today(self) -> date:
        return self._clock().astimezone(self.zone).date()

    def agenda(self, day: date | None = None) -> tuple[date, list[CalendarEvent]]:
        """The events of ``day`` (default today, in :attr:`zone`) from every calendar, each
        meeting once; an event running over midnight shows on both days."""
        day = day or self.today()
        zone = self.zone or datetime.now().astimezone().tzinfo
        start = datetime.combine(day, time(), zone)
        end = start + timedelta(days=1)
        return day, [e for e in self._events() if e.overlaps(start, end)]

    def presence(self) -> list[PresenceEntry]:
        """Everyone whose presence a service told the hub lately (the reviewers the editor's
        hovers looked up), as the cache has it."""
        return [PresenceEntry(who, s) for who, s in sorted(self._presence().items())]

    @staticmethod
    def parse_day(text: str | None) -> date | None:
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise BadAddress(f"day={text!r} is not a date (YYYY-MM-DD)") from exc


__all__ = ["BranchCI", "WidgetSource"]
