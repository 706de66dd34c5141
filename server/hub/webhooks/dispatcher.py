"""Delivering messages: delivery jobs claimed in batches, sent concurrently, results recorded
in one transaction per batch.

A delivery job (kind :data:`DELIVER_JOB`) names one message and which attempt it is::

    {"message": "msg_...", "number": 3, "trigger": "scheduled"}

under the idempotency key ``webhook:<message>:<number>`` (``...:replay:<n>`` for a replay),
so a producer that repeats itself after a crash adds nothing. What a crash can do, and what
follows:

- killed *before* the POST: the lease runs out, the job is claimed again, the POST goes once;
- killed *after* the POST but before the batch commits: the POST goes again on the next
  claim, with the same ``webhook-id`` (at least once, as the standard expects receivers to
  deduplicate on it);
- the commit itself is atomic: the job's ack, the attempt's row, the message's new state and
  the next attempt's job are written together or not at all, fenced by the lease (a worker
  that lost its job writes nothing).

Retries follow :mod:`.schedule`. A 410 Gone disables the endpoint at once; an endpoint whose
every attempt has failed for ``disable_after`` (5 days) is disabled too. Messages for a
disabled endpoint are marked failed without a request (``recover`` sends them later).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..jobs import JobContext, JobQueue
from ..jobs.models import Job
from ..jobs.worker import default_worker_id
from ..store.database import Database
from . import repository as repo
from .claims import ack_batch, claim_batch, defer_batch
from .errors import WebhookError
from .keys import Keys
from .models import Endpoint, Message, MessageState, Outcome, Trigger
from .schedule import SVIX_SCHEDULE, retry_delay
from .sender import Result, Sender
from .signing import headers as signed_headers

log = logging.getLogger("tieline.webhooks")

DELIVER_JOB = "webhooks.deliver"
#: Crashes a delivery job survives (expired leases count as attempts on the job queue);
#: unrelated to the retry schedule, which makes a new job per attempt.
JOB_ATTEMPTS = 5
DISABLE_AFTER = 5 * 24 * 3600.0


def job_key(message_id: str, number: int, trigger: Trigger = Trigger.SCHEDULED) -> str:
    if trigger in (Trigger.SCHEDULED, Trigger.TEST):
        return f"webhook:{message_id}:{number}"
    return f"webhook:{message_id}:{trigger.value}:{number}"


def origin(url: str) -> str:
    """Scheme and host of a URL: what logs and errors may show (a path can hold a token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}"


@dataclass
class Policy:
    """What the dispatcher does with outcomes; injectable for tests."""

    schedule: Sequence[float] = SVIX_SCHEDULE
    disable_after: float = DISABLE_AFTER
    #: Jobs claimed per statement.
    batch_size: int = 64
    #: Deliveries :meth:`Dispatcher.run` keeps in flight at once.
    max_in_flight: int = 256
    #: Of those, at most this many are sent to one endpoint at once, and as many more wait
    #: in line for it; the rest go back to the queue for ``hold_back`` seconds. So a hanging
    #: receiver with a backlog holds a few slots until its timeouts, not the pipeline. (A
    #: waiting delivery starts within one timeout, so its lease, two timeouts, still holds.)
    per_endpoint: int = 32
    hold_back: float = 1.0
    poll_interval: float = 1.0
    #: Added to twice the timeout to make a batch's lease: how long a crashed worker's
    #: deliveries wait before another worker sends them again.
    lease_margin: float = 30.0


@dataclass
class _Delivery:
    job: Job
    message: Message | None
    endpoint: Endpoint | None
    number: int
    trigger: Trigger
    result: Result | None = None
    started_at: float = 0.0
    skip_reason: str | None = None
    keys: list[bytes] = field(default_factory=list)


class Dispatcher:
    """Claims delivery jobs, sends them, and records what happened."""

    def __init__(
        self,
        db: Database,
        queue: JobQueue,
        keys: Keys,
        sender: Callable[[], Sender],
        *,
        policy: Policy | None = None,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
        worker_id: str | None = None,
        on_disable: Callable[[], None] = lambda: None,
    ) -> None:
        self.db = db
        #: Called after an endpoint is disabled (the fan-out drops its cached list).
        self.on_disable = on_disable
        self.queue = queue
        self.keys = keys
        self.sender = sender
        self.policy = policy or Policy()
        self.clock = clock
        self.rng = rng
        self.worker_id = worker_id or default_worker_id()
        self._stopping = False

    # -- running ----------------------------------------------------------------------------

    def lease(self) -> float:
        """Long enough for every delivery of a batch to hit its deadline, and commit."""
        return 2 * self.sender().timeout + self.policy.lease_margin

    async def run_once(self, limit: int | None = None) -> int:
        """Claim one batch of due jobs, deliver it, record it; return how many jobs ran."""
        jobs = await claim_batch(
            self.db,
            DELIVER_JOB,
            self.worker_id,
            now=self.clock(),
            lease=self.lease(),
            limit=limit or self.policy.batch_size,
        )
        if not jobs:
            return 0
        batch = await self._load(jobs)
        try:
            await asyncio.gather(*(self._send(d) for d in batch))
        except asyncio.CancelledError:
            for d in batch:  # give the jobs back unharmed (best effort)
                with contextlib.suppress(Exception):
                    await asyncio.shield(self.queue.release(d.job))
            raise
        async with self.db.transaction():
            await self._record(batch, ack=True)
        return len(jobs)

    async def drain(self) -> int:
        """Run batches until none is due now; return how many jobs ran."""
        total = 0
        while n := await self.run_once():
            total += n
        return total

    async def run(self) -> None:
        """Deliver until :meth:`stop` (or cancellation), as a pipeline.

        One task claims batches while fewer than ``max_in_flight`` deliveries are out; each
        delivery is its own task; one committer writes whatever finished since its last
        commit in one transaction (group commit). So a slow receiver holds only its own
        deliveries' slots, not a batch's commit, and under load a commit covers many
        deliveries. No endpoint has more than ``per_endpoint`` sending and as many waiting
        (see :class:`Policy`).
        """
        self._stopping = False
        finished: list[_Delivery] = []
        ready = asyncio.Event()
        freed = asyncio.Event()
        in_flight = 0
        tasks: set[asyncio.Task[None]] = set()
        outstanding: dict[int, Job] = {}  # claimed, not yet recorded
        sending: Counter[str] = Counter()  # per endpoint
        waiting: dict[str, deque[_Delivery]] = {}

        def start(d: _Delivery) -> None:
            if d.endpoint is not None:
                sending[d.endpoint.id] += 1
            task = asyncio.create_task(deliver(d))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        async def deliver(d: _Delivery) -> None:
            try:
                await self._send(d)
            finally:
                finished.append(d)
                ready.set()
                if d.endpoint is not None:
                    eid = d.endpoint.id
                    sending[eid] -= 1
                    line = waiting.get(eid)
                    if line:
                        start(line.popleft())
                    if not line:
                        waiting.pop(eid, None)

        async def admit(loaded: list[_Delivery]) -> int:
            """Start, line up or give back each delivery; return how many were given back."""
            held: list[Job] = []
            for d in loaded:
                eid = d.endpoint.id if d.endpoint is not None else None
                if eid is None or sending[eid] < self.policy.per_endpoint:
                    start(d)
                elif len(line := waiting.setdefault(eid, deque())) < self.policy.per_endpoint:
                    line.append(d)
                else:
                    held.append(d.job)
            if held:
                now = self.clock()
                await defer_batch(self.db, held, now=now, until=now + self.policy.hold_back)
                for job in held:
                    outstanding.pop(job.id, None)
            return len(held)

        async def commit() -> None:
            nonlocal in_flight
            while True:
                await ready.wait()
                ready.clear()
                batch = finished[:]
                del finished[:]
                if batch:
                    try:
                        async with self.db.transaction():
                            await self._record(batch, ack=True)
                    except Exception:  # pragma: no cover - leases bring the jobs back
                        log.exception("recording %d webhook deliveries failed", len(batch))
                    for d in batch:
                        outstanding.pop(d.job.id, None)
                    in_flight -= len(batch)
                    freed.set()
                if self._stopping and in_flight == 0:
                    return

        async def claim() -> None:
            nonlocal in_flight
            while not self._stopping:
                free = self.policy.max_in_flight - in_flight
                if free < min(self.policy.batch_size, self.policy.max_in_flight):
                    freed.clear()
                    await freed.wait()
                    continue
                try:
                    jobs = await claim_batch(
                        self.db,
                        DELIVER_JOB,
                        self.worker_id,
                        now=self.clock(),
                        lease=self.lease(),
                        limit=min(free, self.policy.batch_size),
                    )
                    outstanding.update((j.id, j) for j in jobs)
                    loaded = await self._load(jobs) if jobs else []
                except Exception:  # pragma: no cover - a locked database: try again soon
                    log.exception("claiming webhook deliveries failed")
                    jobs, loaded = [], []
                if not loaded:
                    await self._idle()
                    continue
                held = await admit(loaded)
                in_flight += len(loaded) - held
                if held:  # busy endpoints: claim again once a delivery is done
                    freed.clear()
                    await self._idle(freed)
            ready.set()  # let the committer see the stop

        committer = asyncio.create_task(commit())
        try:
            await claim()
            await committer
        except asyncio.CancelledError:
            for t in list(tasks):
                t.cancel()
            committer.cancel()
            await asyncio.gather(*tasks, committer, return_exceptions=True)
            for job in outstanding.values():  # give them back unharmed (at least once)
                with contextlib.suppress(Exception):
                    await asyncio.shield(self.queue.release(job))
            raise

    def stop(self) -> None:
        self._stopping = True

    async def _idle(self, freed: asyncio.Event | None = None) -> None:
        """Wait for new work (or ``poll_interval``); a cancellation is never lost there
        (``JobQueue.wait_for_work`` says why). With ``freed``, wait for that instead."""
        if freed is None:
            await self.queue.wait_for_work(self.policy.poll_interval)
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.policy.poll_interval):
                await freed.wait()

    async def handle(self, ctx: JobContext) -> None:
        """The hub worker's handler for one delivery job (same steps, a batch of one)."""
        (d,) = await self._load([ctx.job])
        await self._send(d)
        async with ctx.atomic():
            await self._record([d], ack=False)

    # -- steps ------------------------------------------------------------------------------

    async def _load(self, jobs: Sequence[Job]) -> list[_Delivery]:
        ids = [str(j.payload.get("message", "")) for j in jobs]
        messages = await repo.messages_by_id(self.db, ids)
        endpoints = await repo.endpoints_by_id(self.db, {m.endpoint_id for m in messages.values()})
        out = []
        for job, mid in zip(jobs, ids, strict=True):
            msg = messages.get(mid)
            out.append(
                _Delivery(
                    job=job,
                    message=msg,
                    endpoint=endpoints.get(msg.endpoint_id) if msg else None,
                    number=int(job.payload.get("number", 1)),
                    trigger=Trigger(job.payload.get("trigger", Trigger.SCHEDULED)),
                )
            )
        return out

    async def _send(self, d: _Delivery) -> None:
        msg, ep = d.message, d.endpoint
        if msg is None or ep is None:
            return  # the endpoint was removed: nothing to send, the job is acked
        if d.trigger is Trigger.SCHEDULED and msg.state is not MessageState.PENDING:
            return  # delivered meanwhile (a replay), or already failed for good
        if not ep.enabled:
            d.skip_reason = f"endpoint disabled: {ep.disabled_reason or 'by hand'}"
            return
        if msg.body is None:
            d.skip_reason = msg.last_error or "the template failed on this event"
            return
        now = self.clock()
        d.started_at = now
        try:
            keys = await self.keys.keys(ep.secret_refs(now))
            url = await self.keys.url(ep.url_ref)
        except WebhookError as exc:
            d.result = Result(Outcome.ERROR, None, 0.0, error=exc.message)
            return
        body = msg.body.encode("utf-8")
        hdrs = signed_headers(keys, msg.id, int(now), body)
        d.result = await self.sender().post(url, hdrs, body)

    async def _record(self, batch: Sequence[_Delivery], *, ack: bool) -> None:
        """Write a batch's outcomes (inside the caller's transaction)."""
        now = self.clock()
        if ack:
            acked = await ack_batch(self.db, [d.job for d in batch], now=now)
            live = [d for d in batch if d.job.id in acked]
            if len(live) < len(batch):
                log.warning("%d webhook job(s) lost their lease", len(batch) - len(live))
        else:
            live = list(batch)
        attempts: list[tuple[object, ...]] = []
        updates: list[tuple[object, ...]] = []
        ok_endpoints: set[str] = set()
        failed_endpoints: set[str] = set()
        gone: dict[str, str] = {}
        for d in live:
            msg, ep, res = d.message, d.endpoint, d.result
            if msg is None or ep is None:
                continue
            if res is None:
                if d.skip_reason is not None:
                    kept = msg.state is MessageState.DELIVERED
                    state = MessageState.DELIVERED if kept else MessageState.FAILED
                    updates.append((state.value, 0, None, None, d.skip_reason, now, None, msg.id))
                continue
            attempts.append(
                (
                    msg.id,
                    ep.id,
                    d.trigger.value,
                    d.started_at,
                    res.latency_ms,
                    res.status,
                    res.outcome.value,
                    res.response,
                    res.error,
                )
            )
            if res.ok:
                ok_endpoints.add(ep.id)
                updates.append(
                    (MessageState.DELIVERED.value, 1, None, res.status, None, now, now, msg.id)
                )
                continue
            failed_endpoints.add(ep.id)
            state, next_at = MessageState.FAILED, None
            if res.status == 410:
                gone[ep.id] = f"the endpoint answered 410 Gone (message {msg.id})"
            elif d.trigger in (Trigger.SCHEDULED, Trigger.TEST):
                delay = retry_delay(d.number, schedule=self.policy.schedule, rng=self.rng)
                if delay is not None:
                    state, next_at = MessageState.PENDING, now + delay
                    await self.queue.enqueue(
                        DELIVER_JOB,
                        {"message": msg.id, "number": d.number + 1, "trigger": "scheduled"},
                        idempotency_key=job_key(msg.id, d.number + 1),
                        run_at=next_at,
                        max_attempts=JOB_ATTEMPTS,
                    )
            if msg.state is MessageState.DELIVERED and state is MessageState.FAILED:
                state = MessageState.DELIVERED  # a failed replay does not undo a delivery
            updates.append(
                (state.value, 1, next_at, res.status, res.error, now, msg.delivered_at, msg.id)
            )
        if attempts:
            await self.db.executemany(
                "INSERT INTO webhook_attempts (message_id, endpoint_id, trigger, started_at,"
                " latency_ms, status, outcome, response, error)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                attempts,
            )
        if updates:
            await self.db.executemany(
                "UPDATE webhook_messages SET state = ?, attempts = attempts + ?,"
                " next_attempt_at = ?, last_status = coalesce(?, last_status), last_error = ?,"
                " updated_at = ?, delivered_at = coalesce(?, delivered_at) WHERE id = ?",
                updates,
            )
        for eid in ok_endpoints - failed_endpoints:
            await self.db.execute(
                "UPDATE webhook_endpoints SET failing_since = NULL"
                " WHERE id = ? AND failing_since IS NOT NULL",
                (eid,),
            )
        for eid in failed_endpoints - ok_endpoints:
            await self._note_failure(eid, now, gone.get(eid))
        for eid in gone.keys() & ok_endpoints:
            await self._note_failure(eid, now, gone[eid])

    async def _note_failure(self, endpoint_id: str, now: float, gone: str | None) -> None:
        row = await self.db.fetchone(
            "UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, ?)"
            " WHERE id = ? RETURNING failing_since, enabled, url",
            (now, endpoint_id),
        )
        if row is None or not row["enabled"]:
            return
        reason = gone
        if reason is None and now - float(row["failing_since"]) >= self.policy.disable_after:
            days = self.policy.disable_after / 86400
            reason = f"every delivery failed for {days:g} days"
        if reason is not None:
            await repo.set_enabled(self.db, endpoint_id, False, reason, now)
            self.on_disable()
            where = origin(row["url"])
            log.warning("webhook endpoint %s (%s) disabled: %s", endpoint_id, where, reason)


def envelope_json(envelope: dict[str, object]) -> str:
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False, default=str)
