"""``Webhooks``: what the hub and the command line use -- endpoints, secrets, the delivery
log, replay and recovery -- composed from the modules beside it.

The hub builds one per process (:meth:`Webhooks.attach` subscribes it to the event bus and
registers its job handler with the hub's worker); ``run`` delivers until stopped. Settings
are read through a callable, so a reconfigured hub is followed without a restart: a change
of timeout or allowed networks takes a new connection pool.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..events import Event, EventBus
from ..jobs import Job, JobQueue, Worker
from ..store.database import Database
from . import repository as repo
from .dispatcher import DELIVER_JOB, JOB_ATTEMPTS, Dispatcher, Policy, job_key
from .errors import AddressRefused, InvalidEndpoint
from .fanout import TEST_EVENT, Fanout
from .ids import endpoint_id
from .keys import Keys, SecretStore, shown_url
from .models import Attempt, Endpoint, Message, MessageState, Trigger
from .sender import Sender
from .ssrf import AddressPolicy, Guard, Resolver, system_resolver
from .template import Template

if TYPE_CHECKING:
    from ..config import WebhookSettings

#: How long the previous secret keeps signing after a rotation.
ROTATION_OVERLAP = 24 * 3600.0


@dataclass(frozen=True)
class Created:
    """An endpoint just made, with its secret: shown once, never again."""

    endpoint: Endpoint
    secret: str


@dataclass(frozen=True)
class LogEntry:
    message: Message
    attempts: list[Attempt]

    def to_json(self) -> dict[str, Any]:
        return {**self.message.to_json(), "history": [a.to_json() for a in self.attempts]}


def check_url(url: str) -> str:
    """A URL webhooks can be sent to (http or https, a host, no credentials in it, printable
    ASCII only: what goes on the request line must not carry a space or a line break)."""
    text = url.strip()
    if any(ord(c) <= 0x20 or ord(c) >= 0x7F for c in text):
        raise InvalidEndpoint(
            "a webhook URL may hold printable ASCII only: percent-encode spaces and other"
            " characters, and write an international host name in punycode (xn--...)"
        )
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise InvalidEndpoint("a webhook URL must start with http:// or https://")
    if not parts.hostname:
        raise InvalidEndpoint("a webhook URL must name a host")
    if parts.username is not None or parts.password is not None:
        raise InvalidEndpoint("a webhook URL may not carry a user name or password")
    try:
        _ = parts.port
    except ValueError:
        raise InvalidEndpoint("the webhook URL's port is not a number from 0 to 65535") from None
    return text


class Webhooks:
    def __init__(
        self,
        db: Database,
        queue: JobQueue,
        *,
        vault: Callable[[], SecretStore],
        settings: Callable[[], WebhookSettings],
        ca_bundle: Callable[[], Path | None] = lambda: None,
        resolver: Resolver = system_resolver,
        policy: Policy | None = None,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] | None = None,
    ) -> None:
        self.db = db
        self.queue = queue
        self.settings = settings
        self.ca_bundle = ca_bundle
        self.resolver = resolver
        self.clock = clock
        self.keys = Keys(vault)
        self.fanout = Fanout(db, queue, clock=clock)
        extra: dict[str, Any] = {"rng": rng} if rng is not None else {}
        self.dispatcher = Dispatcher(
            db,
            queue,
            self.keys,
            self.sender,
            policy=policy,
            clock=clock,
            on_disable=self.fanout.invalidate,
            **extra,
        )
        self._sender: Sender | None = None
        self._sender_key: object = None
        self._old_senders: list[Sender] = []

    # -- wiring -----------------------------------------------------------------------------

    def attach(self, bus: EventBus, worker: Worker) -> None:
        """Subscribe to every event and let ``worker`` run delivery jobs too."""
        bus.subscribe("*", self.on_event)
        worker.handlers[DELIVER_JOB] = self.dispatcher.handle

    async def on_event(self, event: Event) -> None:
        if self.settings().enabled:
            await self.fanout.on_event(event)

    async def run(self) -> None:
        """Deliver until stopped; returns at once when webhooks are turned off."""
        if self.settings().enabled:
            await self.forget_expired_secrets()
            await self.dispatcher.run()

    async def forget_expired_secrets(self) -> int:
        """Delete the previous secrets whose rotation overlap has ended; return how many."""
        now = self.clock()
        async with self.db.transaction():
            rows = await self.db.fetchall(
                "SELECT id, previous_secret_ref FROM webhook_endpoints"
                " WHERE previous_secret_ref IS NOT NULL AND previous_expires_at <= ?",
                (now,),
            )
            await self.db.executemany(
                "UPDATE webhook_endpoints SET previous_secret_ref = NULL,"
                " previous_expires_at = NULL WHERE id = ?",
                [(r["id"],) for r in rows],
            )
        await self.keys.delete(r["previous_secret_ref"] for r in rows)
        return len(rows)

    def stop(self) -> None:
        self.dispatcher.stop()

    async def aclose(self) -> None:
        self.stop()
        for s in [*self._old_senders, *([self._sender] if self._sender else [])]:
            await s.aclose()
        self._old_senders.clear()
        self._sender = None

    def guard(self) -> Guard:
        cfg = self.settings()
        return Guard(AddressPolicy.from_cidrs(cfg.allow_private_networks), self.resolver)

    def sender(self) -> Sender:
        """The connection pool for the current settings (a new one when they change)."""
        cfg = self.settings()
        key = (cfg.timeout, tuple(cfg.allow_private_networks), self.ca_bundle())
        if self._sender is None or key != self._sender_key:
            if self._sender is not None:
                self._old_senders.append(self._sender)
            self._sender = Sender(self.guard(), timeout=cfg.timeout, ca_bundle=self.ca_bundle())
            self._sender_key = key
        return self._sender

    # -- endpoints --------------------------------------------------------------------------

    async def add(
        self,
        url: str,
        *,
        event_types: list[str] | None = None,
        template: str | None = None,
        description: str = "",
    ) -> Created:
        """Register an endpoint and make its secret (in the vault; returned once)."""
        url = check_url(url)
        types = [t.strip() for t in (event_types or ["*"]) if t.strip()]
        if not types:
            raise InvalidEndpoint("give at least one event type (or '*' for all)")
        if template is not None:
            template = Template.compile(template).expression
        parts = urlsplit(url)
        try:  # refuse what is surely refused now; a name that does not resolve yet may later
            port = parts.port or (443 if parts.scheme == "https" else 80)
            await self.guard().vet(parts.hostname or "", port)
        except AddressRefused as exc:
            if "does not resolve" not in exc.message:
                raise
        eid = endpoint_id()
        ref, secret = await self.keys.create(eid)
        url_ref = await self.keys.put_url(eid, url)
        try:
            ep = await repo.insert_endpoint(
                self.db,
                id=eid,
                url=shown_url(url),
                url_ref=url_ref,
                description=description,
                event_types=types,
                template=template,
                secret_ref=ref,
                now=self.clock(),
            )
        except BaseException:
            await self.keys.delete([ref, url_ref])
            raise
        self.fanout.invalidate()
        return Created(ep, secret)

    async def endpoints(self) -> list[Endpoint]:
        return await repo.list_endpoints(self.db)

    async def get(self, endpoint_id: str) -> Endpoint:
        return await repo.get_endpoint(self.db, endpoint_id)

    async def remove(self, endpoint_id: str) -> None:
        """Delete an endpoint, its log and its secrets; its queued jobs end as no-ops."""
        ep = await repo.get_endpoint(self.db, endpoint_id)
        await repo.delete_endpoint(self.db, endpoint_id)
        await self.keys.delete([ep.secret_ref, ep.previous_secret_ref, ep.url_ref])
        self.fanout.invalidate()

    async def enable(self, endpoint_id: str) -> Endpoint:
        ep = await repo.set_enabled(self.db, endpoint_id, True, None, self.clock())
        self.fanout.invalidate()
        return ep

    async def disable(self, endpoint_id: str, reason: str = "disabled by hand") -> Endpoint:
        ep = await repo.set_enabled(self.db, endpoint_id, False, reason, self.clock())
        self.fanout.invalidate()
        return ep

    async def rotate_secret(self, endpoint_id: str, *, overlap: float = ROTATION_OVERLAP) -> str:
        """A new secret; the current one keeps signing (a second signature) for ``overlap``
        seconds, so receivers can switch without losing a message. Returned once."""
        ep = await repo.get_endpoint(self.db, endpoint_id)
        ref, secret = await self.keys.create(endpoint_id)
        now = self.clock()
        await repo.set_secret_refs(
            self.db,
            endpoint_id,
            current=ref,
            previous=ep.secret_ref,
            previous_expires_at=now + overlap,
            now=now,
        )
        await self.keys.delete([ep.previous_secret_ref])  # a rotation during an overlap
        return secret

    # -- messages ---------------------------------------------------------------------------

    async def send_test(self, endpoint_id: str) -> str:
        """Queue a ``webhook.test`` message for one endpoint (its filter notwithstanding)."""
        ep = await repo.get_endpoint(self.db, endpoint_id)
        envelope = {
            "type": TEST_EVENT,
            "timestamp": _iso(self.clock()),
            "data": {"endpoint": ep.id, "message": "a test event from Tieline"},
        }
        (mid,) = await self.fanout.enqueue(envelope, [ep], Trigger.TEST)
        return mid

    async def deliver_now(self, message_id: str) -> LogEntry:
        """Run the due jobs of one message here and now (``test`` from the command line)."""
        while await self._run_message_jobs(message_id):
            pass
        return await self.entry(message_id)

    async def _run_message_jobs(self, message_id: str) -> int:
        message = self.db.dialect.json_text("payload", "message")
        rows = await self.db.fetchall(
            "SELECT id FROM jobs WHERE kind = ? AND state = 'queued' AND run_at <= ?"  # noqa: S608
            f" AND {message} = ?",
            (DELIVER_JOB, self.clock(), message_id),
        )
        if not rows:
            return 0
        return await self.dispatcher.run_once()

    async def replay(self, message_id: str) -> Job:
        """Send a message once more, now, whatever its state (same id, same body)."""
        msg = await repo.get_message(self.db, message_id)
        return await self._resend(msg, Trigger.REPLAY)

    async def recover(self, endpoint_id: str, *, since: float) -> int:
        """Send again every failed message of an endpoint created since ``since``."""
        await repo.get_endpoint(self.db, endpoint_id)
        failed = await repo.list_messages(
            self.db, endpoint_id, state=MessageState.FAILED, since=since, limit=1_000_000
        )
        async with self.db.transaction():
            for msg in failed:
                await self._resend(msg, Trigger.RECOVER)
        return len(failed)

    async def _resend(self, msg: Message, trigger: Trigger) -> Job:
        n = msg.attempts + 1
        return await self.queue.enqueue(
            DELIVER_JOB,
            {"message": msg.id, "number": n, "trigger": trigger.value},
            idempotency_key=job_key(msg.id, n, trigger),
            max_attempts=JOB_ATTEMPTS,
        )

    async def log(self, endpoint_id: str, *, limit: int = 20) -> list[LogEntry]:
        """The newest messages of an endpoint with their attempts, newest first."""
        await repo.get_endpoint(self.db, endpoint_id)
        msgs = await repo.list_messages(self.db, endpoint_id, limit=limit)
        attempts = await repo.attempts_of(self.db, [m.id for m in msgs])
        return [LogEntry(m, attempts.get(m.id, [])) for m in msgs]

    async def entry(self, message_id: str) -> LogEntry:
        msg = await repo.get_message(self.db, message_id)
        attempts = await repo.attempts_of(self.db, [msg.id])
        return LogEntry(msg, attempts.get(msg.id, []))


def _iso(ts: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).isoformat()
