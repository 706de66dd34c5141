"""Revalidation after a change: one full answer, then free 304s again.

A poller revalidates every time (``revalidate()``); when the resource changed, GitHub answers
200 with a new ETag and the next poll must send *that* ETag. hishel kept the old entry beside
the new one and revalidated with the first stored, which cost two more full answers (two
rate-limit points) per change; ``AccountKeyedCache`` now drops the superseded entries.
"""

from __future__ import annotations

from server.hub.http import revalidate
from tests.standin.github import GitHubStandIn
from tests.standin.harness import REPO, connect


async def test_after_a_change_the_next_poll_is_a_304_again(github: GitHubStandIn) -> None:
    github.state.add_issue("o/r", "first")
    gh, http = connect(github.url)
    async with http:
        await gh.list_issues("open", scope=REPO.full_name)
        github.state.add_issue("o/r", "second")
        github.reset_log()
        spent = github.spent()
        with revalidate():
            changed = await gh.list_issues("open", scope=REPO.full_name)
            again = [await gh.list_issues("open", scope=REPO.full_name) for _ in range(3)]
    assert not changed.unchanged and len(changed.items) == 2
    assert all(p.unchanged and p.items == changed.items for p in again)
    assert [e.status for e in github.log] == [200, 304, 304, 304]
    assert github.spent() == spent + 1
