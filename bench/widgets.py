"""Embeddable widgets: how long each kind takes to render, and to read from a large mirror.

Run: ``python -m bench.widgets [--samples N] [--items N]``. Prints p50 / p99 in ms of:

* render -- the pure renderer of each kind from models in memory: a pull request and an
  issue with a 1,200-character Markdown body (sanitized, rendered, cleaned by nh3 again),
  an agenda of 12 events, a presence card of 20 people, and a CI badge;
* read+render -- the same card read first through :class:`WidgetSource` from a store
  mirroring ``--items`` (5,000) items and a CI view of 50 branches, as a route does it.

Figures are printed, never asserted. Goal: every card p99 <= 10 ms, a badge <= 1 ms, so a
README preview re-rendering on each keystroke never waits on a widget.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.client import percentiles
from connectors.sdk.calendar import CalendarEvent
from connectors.sdk.chat import Availability, PresenceStatus
from server.hub.store import Store
from server.hub.widgets import (
    PresenceEntry,
    WidgetSource,
    agenda_card,
    ci_badge,
    issue_card,
    pr_card,
    presence_card,
)
from tests.widgets import data

SAMPLES = 500
ITEMS = 5000
BODY = (
    "## What\n\nThis makes the **cache** faster by batching reads; see "
    "[the design](https://example.test/design) and `Cache.get_many()`.\n\n"
    "- [x] batch reads\n- [ ] batch writes <img src=x onerror=alert(1)>\n\n"
    "```python\nfor key in keys:\n    value = cache.get(key)  # < 1 ms\n```\n\n"
    "| case | before | after |\n|---|---|---|\n| cold | 12 ms | 4 ms |\n| warm | 3 ms | 1 ms |\n\n"
    "> Note: <script>alert(1)</script> is text here.\n\n" + "More detail. " * 40
)
DAY = date(2026, 12, 3)


def _time(fn: Callable[[], object], n: int) -> tuple[float, float]:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return percentiles(samples)


async def _atime(fn: Callable[[], Awaitable[object]], n: int) -> tuple[float, float]:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - t)
    return percentiles(samples)


def _row(kind: str, what: str, p: tuple[float, float]) -> None:
    print(f"  {kind:<10} {what:<12} p50 {p[0]:7.3f} ms   p99 {p[1]:7.3f} ms", flush=True)


def _events() -> list[CalendarEvent]:
    start = datetime(2026, 12, 3, 8, tzinfo=UTC)
    return [
        data.event(
            f"Meeting {n}",
            start + timedelta(minutes=45 * n),
            location="Room 4",
            join="https://zoom.us/j/123" if n % 2 else None,
        )
        for n in range(12)
    ]


def _people() -> list[PresenceEntry]:
    kinds = list(Availability)
    return [
        PresenceEntry(
            f"person{n}@example.test",
            PresenceStatus(availability=kinds[n % len(kinds)], text="In a meeting", emoji=":x:"),
        )
        for n in range(20)
    ]


def render(samples: int) -> None:
    pr, issue = data.pull(body=BODY), data.issue(body=BODY)
    events, people, checks = _events(), _people(), data.checks(failed=1)
    _row("pr", "render", _time(lambda: pr_card(pr), samples))
    _row("issue", "render", _time(lambda: issue_card(issue), samples))
    _row("agenda", "render", _time(lambda: agenda_card(events, DAY), samples))
    _row("presence", "render", _time(lambda: presence_card(people), samples))
    _row("ci", "render", _time(lambda: ci_badge(checks, where="octo/app@main"), samples))


async def read_and_render(samples: int, items: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with Store.open(Path(tmp) / "tieline.db") as store:
            half = items // 2
            mirrored = [data.pull(n, body=BODY) for n in range(1, half + 1)]
            mirrored += [data.issue(n, body=BODY) for n in range(half + 1, items + 1)]
            branches = {f"octo/app@b{n}": data.checks(failed=n % 2) for n in range(50)}
            await data.mirror(store, mirrored, branch_checks=branches)
            events = _events()
            source = WidgetSource(store, events=lambda: events, zone=UTC)
            mid = str(half // 2)

            async def pr() -> str:
                return pr_card(await source.pull_request("github", "octo/app", mid))

            async def issue() -> str:
                return issue_card(await source.issue("github", "octo/app", str(items - 1)))

            async def badge() -> str:
                got = await source.ci("github", "octo/app", "b25")
                return ci_badge(got.summary)

            async def agenda() -> str:
                day, got = source.agenda(DAY)
                return agenda_card(got, day)

            _row("pr", "read+render", await _atime(pr, samples))
            _row("issue", "read+render", await _atime(issue, samples))
            _row("ci", "read+render", await _atime(badge, samples))
            _row("agenda", "read+render", await _atime(agenda, samples))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.widgets")
    parser.add_argument("--samples", type=int, default=SAMPLES)
    parser.add_argument("--items", type=int, default=ITEMS)
    args = parser.parse_args(argv)
    print(f"widgets: {args.samples} renders per kind; mirror of {args.items} items", flush=True)
    render(args.samples)
    asyncio.run(read_and_render(args.samples, args.items))


if __name__ == "__main__":
    main()
