"""Re-poll benchmark: what does an unchanged poll of 5,000 mirrored issues cost?

Seeds the GitHub stand-in with 5,000 open issues, mirrors them through the real HTTP stack
and connector (every page), then polls again with revalidation, the way the sync does: ask
for the first page sorted by ``updated``; if the cache says it is unchanged (304), nothing
newer exists and paging stops. Prints requests and primary rate-limit points; no assertions.

    python -m bench.repoll
"""

from __future__ import annotations

import asyncio
import time

from server.hub.health import HealthTracker
from server.hub.http import revalidate
from tests.standin.github import GitHubStandIn, State
from tests.standin.harness import REPO, connect

ISSUES = 5000


async def mirror(gh: object, *, stop_when_unchanged: bool) -> tuple[int, int]:
    """Return (items seen, pages fetched)."""
    from connectors.github.connector import GitHubConnector

    assert isinstance(gh, GitHubConnector)
    cursor = None
    items = pages = 0
    while True:
        page = await gh.list_issues("open", scope=REPO.full_name, cursor=cursor)
        pages += 1
        items += len(page.items)
        if stop_when_unchanged and page.unchanged:
            break
        if (cursor := page.next_cursor) is None:
            break
    return items, pages


async def main() -> None:
    state = State()
    state.seed({"bulk_issues": [{"repo": "o/r", "count": ISSUES}]})
    # validate=False: contract checks are the tests' job; here we measure the stack.
    with GitHubStandIn(state, validate=False) as server:
        tracker = HealthTracker("github", "octocat")
        gh, http = connect(server.url, tracker=tracker)

        t0 = time.perf_counter()
        items, pages = await mirror(gh, stop_when_unchanged=False)
        t1 = time.perf_counter()
        print(
            f"initial mirror: {items} issues in {pages} pages, {len(server.log)} requests, "
            f"{server.spent()} rate-limit points, {t1 - t0:.2f} s"
        )

        server.reset_log()
        before = server.spent()
        with revalidate():
            t2 = time.perf_counter()
            _, pages = await mirror(gh, stop_when_unchanged=True)
            t3 = time.perf_counter()
        statuses = [e.status for e in server.log]
        print(
            f"unchanged re-poll: {len(server.log)} requests ({statuses.count(304)} x 304), "
            f"{server.spent() - before} rate-limit points, {pages} page(s) read, "
            f"{(t3 - t2) * 1000:.1f} ms"
        )

        server.reset_log()
        before = server.spent()
        t4 = time.perf_counter()
        await mirror(gh, stop_when_unchanged=True)
        t5 = time.perf_counter()
        print(
            f"re-poll within max-age (no revalidation): {len(server.log)} requests, "
            f"{server.spent() - before} rate-limit points, {(t5 - t4) * 1000:.1f} ms"
        )

        snap = tracker.snapshot()
        print(
            f"health: {snap.state}, calls {snap.calls}, wire {snap.wire_requests}, "
            f"304s {snap.not_modified}, cache hit rate {snap.cache_hit_rate:.0%}"
        )
        await http.aclose()


if __name__ == "__main__":
    asyncio.run(main())
