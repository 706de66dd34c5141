"""The durable job queue, its workers and the scheduler of periodic syncs.

Typical wiring::

    queue = JobQueue(store)
    worker = Worker(queue, {"sync.github": sync_github})
    scheduler = Scheduler(queue, listeners=listeners)
    scheduler.every("github:octocat", 300, "sync.github", {"account": "octocat"},
                    listening=listeners.predicate("github:octocat"),
                    coalesce_key="sync:github:octocat")
"""

from __future__ import annotations

from .backoff import backoff_delay
from .context import JobContext
from .models import Job, JobState
from .queue import JobQueue
from .scheduler import Listeners, Periodic, Scheduler
from .worker import PERMANENT_ERRORS, Handler, Worker

__all__ = [
    "PERMANENT_ERRORS",
    "Handler",
    "Job",
    "JobContext",
    "JobQueue",
    "JobState",
    "Listeners",
    "Periodic",
    "Scheduler",
    "Worker",
    "backoff_delay",
]
