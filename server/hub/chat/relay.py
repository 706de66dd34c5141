"""Domain events posted to a chat channel, as the ``chat.notify`` setting routes them.

A rule names an event kind (or a glob: ``ci.*``), a channel and optionally the chat
connector; every event of the bus that matches is formatted as a short :class:`Post` (what
happened, to what, with its link) and sent there. The same event reaching the bus twice (two
accounts that both see a review request, a sync repeated after a restart within the
process) is sent once per rule.

A failing rule (no such channel, no chat session, the service refusing) is logged once when
it starts failing -- by the error's words, which never hold a secret -- and reported once to
``on_failure`` (the editor shows it); it is not repeated on every event until it has worked
again.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from connectors.sdk.capabilities import Messaging
from connectors.sdk.chat import Post
from connectors.sdk.errors import TielineError
from connectors.sdk.redact import redact

from ..events import Event, EventKind
from .channels import destinations, find, send

if TYPE_CHECKING:
    from ..config import ChatNotifyRule
    from ..events import Subscription
    from ..hub import Hub

log = logging.getLogger("tieline.chat")

#: Events remembered for deduplication.
REMEMBER = 1000

HEADLINES: dict[str, str] = {
    EventKind.CI_FAILED: "CI failed on {subject}: {title}",
    EventKind.CI_SUCCEEDED: "CI passed on {subject}: {title}",
    EventKind.CHECK_SUITE_FAILED: "Checks failed: {subject} {title}",
    EventKind.PULL_REQUEST_REVIEW_REQUESTED: "Review requested from me: {subject} {title}",
    EventKind.PULL_REQUEST_MERGED: "Merged: {subject} {title}",
    EventKind.ISSUE_ASSIGNED: "Assigned to me: {subject} {title}",
    EventKind.ISSUE_CLOSED: "Closed: {subject} {title}",
    EventKind.MESSAGE_MENTIONED: "Mentioned in {subject}: {title}",
}


def format_post(event: Event) -> Post:
    """``CI failed on octo/app@feature: build #12`` and the link, as plain text (each
    service renders its own markup from it)."""
    title = str(event.payload.get("title") or "")
    template = HEADLINES.get(event.kind, "{kind}: {subject} {title}")
    text = template.format(kind=event.kind, subject=event.subject, title=title).strip()
    job = event.payload.get("failed_job_name")
    if job:
        text += f" (job {job})"
    url = event.payload.get("url")
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        text += f"\n{url}"
    return Post(text=text)


def event_key(event: Event) -> tuple[object, ...]:
    p = event.payload
    return (event.kind, event.subject, p.get("title"), p.get("url"), p.get("pipeline"))


class Relay:
    """Subscribed to every event while the hub runs; reads the rules at each event, so a
    settings change takes effect at once."""

    def __init__(self, hub: Hub, on_failure: Callable[[str], None] | None = None) -> None:
        self.hub = hub
        self.on_failure = on_failure
        self._sent: OrderedDict[tuple[object, ...], None] = OrderedDict()
        self._failing: dict[int, str] = {}
        self._sub: Subscription | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        if self._sub is None:
            self._sub = self.hub.bus.subscribe("*", self.on_event)

    def stop(self) -> None:
        if self._sub is not None:
            self.hub.bus.unsubscribe(self._sub)
            self._sub = None

    def _first_time(self, key: tuple[object, ...]) -> bool:
        if key in self._sent:
            return False
        self._sent[key] = None
        while len(self._sent) > REMEMBER:
            self._sent.popitem(last=False)
        return True

    def on_event(self, event: Event) -> None:
        """Sends in the background: a sync publishing its changes must not wait for a chat
        service (or for its rate limit)."""
        if not any(fnmatch.fnmatchcase(event.kind, r.event) for r in self.hub.config.chat.notify):
            return
        task = asyncio.ensure_future(self.relay(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for the posts under way (tests; a shutdown that wants them out)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def relay(self, event: Event) -> None:
        """Post ``event`` to every rule's channel it matches, once per rule."""
        rules = self.hub.config.chat.notify
        for i, rule in enumerate(rules):
            if not fnmatch.fnmatchcase(event.kind, rule.event):
                continue
            if not self._first_time((i, rule.channel, rule.service, *event_key(event))):
                continue
            try:
                await self._send(rule, event)
            except TielineError as exc:
                self._failed(i, rule, exc.message)
            else:
                if self._failing.pop(i, None) is not None:
                    log.info("chat.notify %s -> %s works again", rule.event, rule.channel)

    async def _send(self, rule: ChatNotifyRule, event: Event) -> None:
        if not self.hub.sessions_with(Messaging):
            raise TielineError("no chat service is signed in")
        name = rule.channel.lstrip("#@")
        dest = find(await destinations(self.hub, name), rule.channel, rule.service)
        if dest is None:
            where = f" on {rule.service}" if rule.service else ""
            raise TielineError(f"no channel {rule.channel}{where}")
        await send(dest, format_post(event))

    def _failed(self, i: int, rule: ChatNotifyRule, reason: str) -> None:
        said = redact(reason)
        if self._failing.get(i) == said:
            return  # told already: once when it starts failing, not on every event
        self._failing[i] = said
        text = f"chat.notify: could not post {rule.event} to {rule.channel}: {said}"
        log.warning("%s", text)
        if self.on_failure is not None:
            self.on_failure(text)


__all__ = ["HEADLINES", "Relay", "event_key", "format_post"]
