"""From events to messages: the event bus subscriber that makes one message per matching
endpoint and enqueues its first delivery, in one transaction per event.

The envelope follows the Standard Webhooks payload shape::

    {"type": "ci.failed", "timestamp": "2026-12-03T14:00:00+00:00",
     "data": {"connector": "github", "account": "...", "subject": "octo/app#7", "payload": {...}}}

and is the body unless the endpoint has a template. The list of enabled endpoints is cached
for ``ttl`` seconds (every event would otherwise read it), and dropped at once when this
process changes an endpoint; a change made by another process (the command line) is seen
within ``ttl``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..events import Event
from ..jobs import JobQueue
from ..store.database import Database
from . import repository as repo
from .dispatcher import DELIVER_JOB, JOB_ATTEMPTS, envelope_json, job_key
from .errors import TemplateError
from .ids import message_id
from .models import Endpoint, MessageState, Trigger
from .template import Template, render_body

TEST_EVENT = "webhook.test"


def envelope_of(event: Event) -> dict[str, Any]:
    return {
        "type": event.kind,
        "timestamp": event.time.isoformat(),
        "data": {
            "connector": event.connector,
            "account": event.account,
            "subject": event.subject,
            "payload": event.payload,
        },
    }


class Fanout:
    def __init__(
        self,
        db: Database,
        queue: JobQueue,
        *,
        clock: Callable[[], float] = time.time,
        ttl: float = 2.0,
    ) -> None:
        self.db = db
        self.queue = queue
        self.clock = clock
        self.ttl = ttl
        self._endpoints: list[Endpoint] | None = None
        self._loaded_at = 0.0
        self._templates: dict[str, Template | TemplateError] = {}

    def invalidate(self) -> None:
        self._endpoints = None

    async def endpoints(self) -> list[Endpoint]:
        now = time.monotonic()
        if self._endpoints is None or now - self._loaded_at > self.ttl:
            self._endpoints = await repo.list_endpoints(self.db, enabled_only=True)
            self._loaded_at = now
        return self._endpoints

    def _template(self, expression: str) -> Template | TemplateError:
        got = self._templates.get(expression)
        if got is None:
            try:
                got = Template.compile(expression)
            except TemplateError as exc:
                got = exc
            self._templates[expression] = got
        return got

    async def on_event(self, event: Event) -> int:
        """Make the messages an event calls for; return how many."""
        targets = [e for e in await self.endpoints() if e.wants(event.kind)]
        if not targets:
            return 0
        return len(await self.enqueue(envelope_of(event), targets, Trigger.SCHEDULED))

    async def enqueue(
        self, envelope: dict[str, Any], targets: list[Endpoint], trigger: Trigger
    ) -> list[str]:
        """One message per endpoint with its first delivery job, atomically."""
        now = self.clock()
        env_text = envelope_json(envelope)
        rows: list[tuple[Any, ...]] = []
        for ep in targets:
            body: str | None
            error: str | None = None
            state = MessageState.PENDING
            template = self._template(ep.template) if ep.template else None
            try:
                if isinstance(template, TemplateError):
                    raise template
                body = render_body(envelope, template)
            except TemplateError as exc:
                body, error, state = None, f"template: {exc.message}", MessageState.FAILED
            mid = message_id(now)
            next_at = now if state is MessageState.PENDING else None
            kind = envelope["type"]
            rows.append((mid, ep.id, kind, env_text, body, state.value, next_at, error, now, now))
        async with self.db.transaction():
            await repo.insert_messages(self.db, rows)
            for r in rows:
                if r[5] == MessageState.PENDING.value:
                    await self.queue.enqueue(
                        DELIVER_JOB,
                        {"message": r[0], "number": 1, "trigger": trigger.value},
                        idempotency_key=job_key(r[0], 1, trigger),
                        run_at=now,
                        max_attempts=JOB_ATTEMPTS,
                    )
        return [r[0] for r in rows]
