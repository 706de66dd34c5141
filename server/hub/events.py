"""The in-process event bus: connectors and syncs publish domain events, and the editor
(notifications, panel refresh), presence rules, outgoing webhooks and the public API
subscribe to them.

Patterns are shell-style globs on the event kind (``pull_request.*``, ``*.failed``, ``*``).
Subscribers are isolated from each other and from the publisher: one that raises is logged
(once per failure, with its pattern) and the others still receive the event, and
``publish`` itself never raises because of a subscriber.

Event kinds are ``<subject>.<what happened>``, lower case, and listed in :class:`EventKind`
so that publishers and subscribers agree on spelling; a third-party connector may publish
kinds of its own (any string), but should namespace them (``<connector>.<subject>.<what>``).
"""

from __future__ import annotations

import asyncio
import enum
import fnmatch
import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("tieline.events")


class EventKind(enum.StrEnum):
    """Every event kind Tieline itself publishes."""

    PULL_REQUEST_OPENED = "pull_request.opened"
    PULL_REQUEST_CLOSED = "pull_request.closed"
    PULL_REQUEST_REOPENED = "pull_request.reopened"
    PULL_REQUEST_MERGED = "pull_request.merged"
    PULL_REQUEST_REVIEW_REQUESTED = "pull_request.review_requested"
    PULL_REQUEST_REVIEWED = "pull_request.reviewed"
    PULL_REQUEST_COMMENTED = "pull_request.commented"
    ISSUE_OPENED = "issue.opened"
    ISSUE_CLOSED = "issue.closed"
    ISSUE_REOPENED = "issue.reopened"
    ISSUE_UPDATED = "issue.updated"
    ISSUE_ASSIGNED = "issue.assigned"
    ISSUE_COMMENTED = "issue.commented"
    CHECK_SUITE_FAILED = "check_suite.failed"
    CHECK_SUITE_SUCCEEDED = "check_suite.succeeded"
    CI_FAILED = "ci.failed"
    CI_SUCCEEDED = "ci.succeeded"
    MESSAGE_RECEIVED = "message.received"
    MESSAGE_MENTIONED = "message.mentioned"
    SNIPPET_CREATED = "snippet.created"
    CALENDAR_MEETING_STARTING = "calendar.meeting_starting"
    CALENDAR_MEETING_STARTED = "calendar.meeting_started"
    PRESENCE_CHANGED = "presence.changed"
    SYNC_COMPLETED = "sync.completed"
    SYNC_FAILED = "sync.failed"
    INTEGRATION_HEALTH_CHANGED = "integration.health_changed"
    AUTH_REQUIRED = "auth.required"
    AUTH_CONSENT_REQUIRED = "auth.consent_required"


#: ``payload["via"]`` of an event a verified webhook delivery published (``server/web``). Such
#: an event is about anyone's item -- a pull request of the organisation, any branch's run --
#: and the delivery also asks for a sync, which publishes the person's own events as a poll
#: would. Subscribers that speak to the person (notifications) therefore skip pushed events;
#: those that forward everything (outgoing webhooks, the API's stream) keep them.
VIA_WEBHOOK = "webhook"


def pushed(event: Event) -> bool:
    """Whether ``event`` came from a webhook delivery rather than from a sync of the
    person's own account (see :data:`VIA_WEBHOOK`)."""
    return event.payload.get("via") == VIA_WEBHOOK


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened in a service (or in the hub) that someone may care about.

    ``subject`` is the key of the thing it is about, in the connector's reference syntax
    (``octocat/hello-world#42``, ``PROJ-123``), so a subscriber can match it to an item.
    """

    kind: str
    connector: str
    account: str
    subject: str
    payload: dict[str, Any] = field(default_factory=dict)
    time: datetime = field(default_factory=_now)


Subscriber = Callable[[Event], Awaitable[None] | None]


@dataclass(frozen=True, eq=False)
class Subscription:
    """A handle returned by :meth:`EventBus.subscribe`; pass it to ``unsubscribe``."""

    pattern: str
    handler: Subscriber
    _regex: re.Pattern[str]

    def matches(self, kind: str) -> bool:
        return self._regex.fullmatch(kind) is not None


class EventBus:
    """Publish/subscribe within the process, with glob patterns and failure isolation."""

    def __init__(self) -> None:
        self._subs: list[Subscription] = []
        self._background: set[asyncio.Task[int]] = set()

    def subscribe(self, pattern: str, handler: Subscriber) -> Subscription:
        """Call ``handler`` (sync or async) for every event whose kind matches ``pattern``."""
        sub = Subscription(pattern, handler, re.compile(fnmatch.translate(pattern)))
        self._subs.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> bool:
        """Stop a subscription; return whether it was active."""
        try:
            self._subs.remove(sub)
        except ValueError:
            return False
        return True

    def subscribers(self, kind: str) -> list[Subscription]:
        """The subscriptions an event of ``kind`` would reach, in subscription order."""
        return [s for s in self._subs if s.matches(kind)]

    async def publish(self, event: Event) -> int:
        """Deliver ``event`` to every matching subscriber concurrently; wait for them all.

        Returns how many subscribers handled it without raising. Never raises because of a
        subscriber (cancellation of the publisher itself still propagates).
        """
        subs = self.subscribers(event.kind)
        if not subs:
            return 0
        results = await asyncio.gather(*(self._deliver(s, event) for s in subs))
        return sum(results)

    def emit(self, event: Event) -> asyncio.Task[int]:
        """Publish without waiting (from code that must not block on subscribers)."""
        task = asyncio.get_running_loop().create_task(self.publish(event))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def _deliver(self, sub: Subscription, event: Event) -> bool:
        try:
            result = sub.handler(event)
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception(
                "subscriber %r for %r failed on %s (%s:%s %s)",
                getattr(sub.handler, "__qualname__", sub.handler),
                sub.pattern,
                event.kind,
                event.connector,
                event.account,
                event.subject,
            )
            return False
        return True
