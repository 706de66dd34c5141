"""What watching one branch's CI costs per hour: the shape every ``bench.*_poll`` shares.

A provider's module seeds its stand-in with a finished pipeline on the watched branch and
says how a new pipeline starts and how each of its jobs finishes (:class:`Setup`); this runs
the server's own poll -- the Pipelines syncer (``PipelineRuns``) under ``revalidate()``, as a
session's sync runs it every poll interval -- through a simulated hour, twice:

* idle: the newest pipeline finished and nothing changes (after one poll that fills the
  cache, as a session's first sync does);
* while a pipeline runs: a new one with ``jobs`` jobs, which finish one by one over the hour,
  the last at its end (the pipeline with it).

Polls run back to back, without sleeping: the figures are per hour at the given interval.
Before each poll the client's token bucket is full again, as the interval between two polls
would leave it (else the client-side pace, not the service, sets how long this takes).
Counted from what the stand-in saw and what came back: requests, 200s and 304s, and the
rate-limit points the service's own headers show spent -- the drop of the remaining count
from one answer to the next -- or, where its headers carry no count (Bitbucket), the
stand-in's ledger of the service's documented rule. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.sdk import Connector
from connectors.sdk.manifest import Budget
from connectors.sdk.models import RepoRef
from server.hub.http import HubClient, revalidate
from server.hub.http.ratelimit import TokenBucket
from server.hub.sync.changes import Snapshot
from server.hub.sync.syncers import Index, PipelineRuns, Watch, Watched
from tests.standin.harness import wire
from tests.standin.kit import StandIn

Finish = Callable[[], None]


class Recorder(httpx.AsyncBaseTransport):
    """The network layer under the hub's stack, keeping every answer's headers in order
    (304s included: the cache above turns those into the stored answer)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.headers: list[httpx.Headers] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.headers.append(response.headers)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def connect(cls: type[Any], url: str, **kw: Any) -> tuple[Any, HubClient, Recorder]:
    """``wire`` (the hub's real HTTP stack) with a :class:`Recorder` as its network layer."""
    recorder = Recorder()
    connector, http = wire(cls, url, transport=recorder, **kw)
    return connector, http, recorder


@dataclass
class Setup:
    """One provider, seeded and wired: a finished pipeline on ``branch`` of ``repo``."""

    name: str  # "GitLab CI"
    standin: StandIn
    connector: Connector
    http: HubClient
    recorder: Recorder
    repo: RepoRef
    branch: str
    #: A new pipeline with this many running jobs on the branch; one finisher per job, in
    #: order (the last one finishes the pipeline).
    start: Callable[[int], Sequence[Finish]]
    #: The budget, as the service documents it ("2,000 a minute").
    budget: str
    #: What the service says about conditional requests, when it does not answer 304s.
    no_etags: str = ""
    #: False: the service documents no rate limit and sends no headers (Jenkins).
    limited: bool = True


@dataclass
class Hour:
    """One simulated hour's counts."""

    polls: int
    requests: int = 0
    ok: int = 0  # 200s
    not_modified: int = 0  # 304s
    points: int = 0
    changes: int = 0
    seconds: float = 0.0
    by_headers: bool = True  # points read from the service's headers, else its ledger


@dataclass
class _Pass:
    """What ``PipelineRuns`` reads of a session's sync (``syncers.Pass``), and no more."""

    connector: Any
    watch: Watch
    index: Index = field(default_factory=Index)
    snap: Snapshot = field(default_factory=Snapshot)
    lists: dict[str, list[str]] = field(default_factory=dict)

    async def repo_part(self, work: Any, empty: Any) -> Any:
        return await work

    async def detailed(self, pr: Any) -> Any:
        return pr


class Poller:
    """The branch as a session follows it: one ``PipelineRuns`` pass per :meth:`poll`."""

    def __init__(self, s: Setup) -> None:
        self.s = s
        markers = frozenset(s.connector.manifest().attach.markers)
        self.p = _Pass(s.connector, Watch((Watched(s.repo, s.branch, markers),)))
        self.shown: object = None
        self.changes = 0

    async def poll(self) -> None:
        limiter = self.s.http.stack.limiter
        limiter.bucket = TokenBucket(limiter.policy.requests_per_second, limiter.policy.burst)
        self.p.snap = Snapshot()
        with revalidate():
            await PipelineRuns().run(self.p)
        shown = self.p.index.branch_pipelines
        if shown != self.shown:
            self.changes += 1
            self.shown = dict(shown)


def header_points(
    seen: Sequence[httpx.Headers], before: httpx.Headers | None, budget: Budget
) -> int | None:
    """Points the answers ``seen`` spent by the service's own count: each drop of the
    ``remaining`` header from the answer before (the first compared with ``before``, the
    last answer ahead of them). A new window -- the count rose, or an absolute reset time
    moved -- spends ``limit - remaining`` from a full one. ``None``: no count in the answers."""
    name = (budget.remaining_header or "").lower()
    if not name or not any(name in h for h in seen):
        return None
    # A reset given as seconds from now changes with every answer: only an instant names a window.
    reset = (budget.reset_header or "").lower() if budget.reset_format.startswith("epoch") else ""
    limit = (budget.limit_header or "").lower()
    points = 0
    prev = before if before is not None and name in before else None
    for h in seen:
        if name not in h:
            continue
        left = int(h[name])
        if prev is not None:
            was = int(prev[name])
            same = (not reset or prev.get(reset) == h.get(reset)) and left <= was
            points += was - left if same else int(h.get(limit) or left) - left
        prev = h
    return points


async def hour(s: Setup, poller: Poller, polls: int, finish_at: dict[int, Finish]) -> Hour:
    """``polls`` polls back to back, running ``finish_at[n]`` just before poll ``n``."""
    log_start, seen_start = len(s.standin.log), len(s.recorder.headers)
    before = s.recorder.headers[-1] if s.recorder.headers else None
    ledger = s.standin.spent()
    changes = poller.changes
    t0 = time.perf_counter()
    for n in range(polls):
        if n in finish_at:
            with s.standin.lock:
                finish_at[n]()
        await poller.poll()
    out = Hour(polls, seconds=time.perf_counter() - t0, changes=poller.changes - changes)
    statuses = [e.status for e in s.standin.log[log_start:]]
    out.requests, out.ok, out.not_modified = len(statuses), statuses.count(200), statuses.count(304)
    budget = s.connector.manifest().rate_limit.primary
    got = header_points(s.recorder.headers[seen_start:], before, budget)
    if got is None:
        out.points, out.by_headers = s.standin.spent() - ledger, False
    else:
        out.points = got
    return out


async def measure(s: Setup, *, interval: float, jobs: int) -> tuple[Hour, Hour]:
    """The idle hour and the hour a pipeline of ``jobs`` jobs runs, at ``interval`` s."""
    polls = max(1, int(3600 / interval))
    poller = Poller(s)
    async with s.http:
        await poller.poll()  # the session's first sync: every answer a 200, into the cache
        idle = await hour(s, poller, polls, {})
        finishers = list(s.start(jobs))
        at = {
            max(0, round(polls * (k + 1) / len(finishers)) - 1): f for k, f in enumerate(finishers)
        }
        running = await hour(s, poller, polls, at)
    return idle, running


def report(s: Setup, interval: float, jobs: int, idle: Hour, running: Hour) -> None:
    def line(what: str, h: Hour) -> str:
        cond = (
            f"{h.ok} 200s, {h.not_modified} 304s"
            if s.standin.etags
            else f"all {h.ok} 200s: {s.no_etags or 'no ETags'}"
        )
        source = "by its rate-limit headers" if h.by_headers else "by its documented rule"
        points = f"{h.points} points/hour {source} (budget {s.budget})" if s.limited else s.budget
        return (
            f"  {what:<29} {h.requests:4} requests/hour ({cond}); {points};"
            f" {h.changes} change(s) seen; simulated in {h.seconds:.2f} s"
        )

    print(f"{s.name}, one watched branch, {idle.polls} polls an hour at {interval:g} s:")
    print(line("idle (nothing changes):", idle))
    print(line(f"a pipeline runs ({jobs} jobs):", running))


def default_interval() -> float:
    """The poll interval a session runs at unless configured (``sync.poll_interval``)."""
    from server.hub.config import SyncSettings

    return float(SyncSettings().poll_interval)


async def run(
    setup: Callable[[contextlib.ExitStack], Setup], *, interval: float, jobs: int
) -> tuple[Hour, Hour]:
    """Seed, measure and print; the figures are returned for a test to read."""
    with contextlib.ExitStack() as stack:
        s = setup(stack)
        idle, running = await measure(s, interval=interval, jobs=jobs)
    report(s, interval, jobs, idle, running)
    return idle, running


def main(setup: Callable[[contextlib.ExitStack], Setup], doc: str, argv: list[str] | None) -> None:
    """A provider module's command line: ``[--interval S] [--jobs N]``."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument(
        "--interval", type=float, default=default_interval(), help="seconds between polls"
    )
    ap.add_argument("--jobs", type=int, default=4, help="jobs of the running pipeline")
    args = ap.parse_args(argv)
    asyncio.run(run(setup, interval=args.interval, jobs=args.jobs))
