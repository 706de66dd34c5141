"""Runs job handlers by kind: claims, keeps the lease alive, acks, or fails with the right retry.

How a handler's exception decides the job's fate (the HTTP stack already turned responses into
:mod:`connectors.sdk.errors`):

- :class:`RateLimited` -> retried at the service's reset time, not by backoff;
- a request that cannot succeed by retrying (:class:`InvalidRequest`,
  :class:`PermissionDenied`, :class:`NotFound`, :class:`AuthError`, configuration and
  capability errors) -> dead at once, to be retried by hand (``retry_dead``) after the user
  fixes the cause, e.g. signs in again;
- anything else -> retried with exponential backoff and jitter, dead after ``max_attempts``.

A handler that returns normally is acked (unless it already acked through ``ctx.atomic()``).

An idle worker waits in :meth:`JobQueue.wait_for_work` for at most ``poll_interval``: on
SQLite it wakes early only for enqueues in its own process, on PostgreSQL for an enqueue on
any machine (``LISTEN/NOTIFY``), so workers there can poll rarely and still start at once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from connectors.sdk.errors import (
    AuthError,
    CapabilityError,
    ConfigError,
    InvalidRequest,
    LeaseLost,
    ManifestError,
    NotFound,
    PermissionDenied,
    RateLimited,
)

from .context import JobContext
from .models import Job
from .queue import DEFAULT_LEASE, JobQueue

Handler = Callable[[JobContext], Coroutine[Any, Any, None]]

#: Errors that no retry can fix; the job goes straight to the dead-letter state.
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (
    InvalidRequest,
    PermissionDenied,
    NotFound,
    AuthError,
    ConfigError,
    CapabilityError,
    ManifestError,
)

log = logging.getLogger("tieline.jobs")


def default_worker_id() -> str:
    """Host, process and a random suffix: unique even when a pid is reused."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    """Claims jobs of the kinds it has handlers for and runs them, ``concurrency`` at a time."""

    def __init__(
        self,
        queue: JobQueue,
        handlers: Mapping[str, Handler],
        *,
        worker_id: str | None = None,
        lease_seconds: float = DEFAULT_LEASE,
        poll_interval: float = 1.0,
        concurrency: int = 1,
        reap_interval: float = 60.0,
    ) -> None:
        self.queue = queue
        self.handlers = dict(handlers)
        self.worker_id = worker_id or default_worker_id()
        self.lease_seconds = lease_seconds
        self.poll_interval = poll_interval
        self.concurrency = concurrency
        self.reap_interval = reap_interval
        self._stopping = False
        self._last_reap = float("-inf")

    async def run_once(self) -> Job | None:
        """Claim one due job and run it to its end; return it, or ``None`` if none was due."""
        job = await self.queue.claim(self.worker_id, self.handlers, self.lease_seconds)
        if job is not None:
            await self._process(job)
        return job

    async def drain(self) -> int:
        """Run jobs until none is due right now; return how many ran."""
        n = 0
        while await self.run_once() is not None:
            n += 1
        return n

    async def run(self) -> None:
        """Work until :meth:`stop` is called or the task is cancelled.

        Cancellation gives each unfinished job back to the queue without using up an attempt.
        """
        self._stopping = False
        async with asyncio.TaskGroup() as tg:
            for _ in range(self.concurrency):
                tg.create_task(self._loop())

    def stop(self) -> None:
        """Finish the jobs in hand, then return from :meth:`run` (within ``poll_interval``)."""
        self._stopping = True

    async def _loop(self) -> None:
        while not self._stopping:
            now = self.queue.clock()
            if now - self._last_reap >= self.reap_interval:
                self._last_reap = now
                dead = await self.queue.reap()
                if dead:
                    log.warning("%d job(s) died with their worker on their last attempt", dead)
            if await self.run_once() is None:
                await self.queue.wait_for_work(self.poll_interval)

    async def _process(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        if handler is None:  # only reachable if handlers change under a running worker
            await self._fail(job, f"no handler for job kind {job.kind!r}", permanent=True)
            return
        ctx = JobContext(job, self.queue)
        try:
            await self._run_leased(handler, ctx)
        except asyncio.CancelledError:
            if not ctx.acked:
                await asyncio.shield(self.queue.release(job))
            raise
        except LeaseLost as exc:
            log.warning("job %d (%s): %s", job.id, job.kind, exc.message)
        except RateLimited as exc:
            await self._fail(job, exc, retry_at=exc.retry_at)
        except PERMANENT_ERRORS as exc:
            await self._fail(job, exc, permanent=True)
        except Exception as exc:
            log.warning(
                "job %d (%s) attempt %d failed", job.id, job.kind, job.attempts, exc_info=exc
            )
            await self._fail(job, exc)
        else:
            if not ctx.acked:
                try:
                    await self.queue.ack(job)
                except LeaseLost as exc:
                    log.warning("job %d (%s): %s", job.id, job.kind, exc.message)

    async def _run_leased(self, handler: Handler, ctx: JobContext) -> None:
        """Run the handler in its own task, renewing the lease every third of its length."""
        task = asyncio.create_task(handler(ctx), name=f"job-{ctx.job.id}-{ctx.job.kind}")
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=self.lease_seconds / 3)
                if done:
                    break
                if ctx.acked:
                    continue
                if not await self.queue.renew(ctx.job, self.lease_seconds):
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
                    raise LeaseLost(f"job {ctx.job.id} ({ctx.job.kind}) lost its lease")
        except asyncio.CancelledError:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            raise
        task.result()

    async def _fail(
        self,
        job: Job,
        error: BaseException | str,
        *,
        retry_at: float | None = None,
        permanent: bool = False,
    ) -> None:
        try:
            after = await self.queue.fail(job, error, retry_at=retry_at, permanent=permanent)
        except LeaseLost as exc:
            log.warning("job %d (%s): %s", job.id, job.kind, exc.message)
            return
        if after.state == "dead":
            log.error(
                "job %d (%s) is dead after %d attempt(s): %s",
                *(job.id, job.kind, after.attempts, after.last_error),
            )
