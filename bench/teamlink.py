"""Requests per user per hour to the services: polling alone versus the team hub link up.

The same simulated editor hour, twice, against the GitHub stand-in through the real hub,
connector and HTTP stack (ETag revalidation included, so an unchanged list costs a 304):
twelve changes land during the hour (pull requests opened and reviewed, issues filed, a CI
run), each at its minute.

- Polling alone: a full sync every ``sync.poll_interval`` (60 s) while the editor shows
  service data.
- Link up: a full sync only every ``team_hub.safety_interval`` (1800 s), and each change's
  pushed event runs the narrow refresh the link maps it to (:mod:`server.hub.teamlink.
  refresh`: the session and streams it names, as the worker runs the coalesced job).

Prints both totals, the rate-limit points they spend, and the ratio; no assertions.

    python -m bench.teamlink
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from server.hub.config import SyncSettings, TeamHubSettings
from server.hub.hub import Hub
from server.hub.store import Store
from server.hub.teamlink.refresh import streams_for, syncers_of, targets
from tests.lsp.conftest import REPO, TOKEN, seed
from tests.standin.github import GitHubStandIn, State
from tests.teamlink.conftest import make_repo

HOUR = 3600
#: (minute, event kind) of the simulated hour's changes.
CHANGES = [
    (3, "pull_request.opened"),
    (7, "issue.opened"),
    (12, "pull_request.review_requested"),
    (15, "ci.failed"),
    (21, "issue.commented"),
    (26, "pull_request.reviewed"),
    (33, "issue.opened"),
    (38, "pull_request.opened"),
    (44, "ci.succeeded"),
    (49, "issue.closed"),
    (53, "pull_request.merged"),
    (58, "issue.assigned"),
]


def change(gh: GitHubStandIn, n: int, kind: str) -> str:
    """Make the change in the service; return the event's subject."""
    st = gh.state
    if kind.startswith("pull_request"):
        pr = st.add_pull(REPO, f"Change {n}", head=f"b{n}", author="hubot")
        number = pr["number"] if isinstance(pr, dict) else pr.number
        return f"{REPO}#{number}"
    if kind.startswith("issue"):
        issue = st.add_issue(REPO, f"Issue {n}", author="hubot", assignees=["octocat"])
        number = issue["number"] if isinstance(issue, dict) else issue.number
        return f"{REPO}#{number}"
    st.add_check_run(REPO, "a" * 40, f"job{n}", conclusion="failure")
    return f"{REPO}@feature"


async def session_hour(link_up: bool, *, seconds: int = HOUR) -> tuple[int, int, int]:
    """(requests, rate-limit points, requests of the periodic syncs) of one simulated hour
    (or its first ``seconds``)."""
    state = State()
    with tempfile.TemporaryDirectory() as tmp, GitHubStandIn(state, validate=False) as gh:
        seed(gh)
        root = make_repo(Path(tmp) / "app")
        environ = {
            "TIELINE_HOME": tmp,
            "TIELINE_GITHUB_TOKEN": TOKEN,
            "TIELINE_CONNECTORS__GITHUB__API_URL": gh.url,
        }
        store = await Store.open(Path(tmp) / "tieline.db")
        hub = Hub(store=store, root=root, environ=environ, cache_dir=Path(tmp) / "cache")
        try:
            (session,) = await hub.connect()
            await hub.sync_now(session)  # the editor opened: the first sync, either way
            gh.reset_log()
            before = gh.spent()
            interval = (
                TeamHubSettings().safety_interval if link_up else SyncSettings().poll_interval
            )
            polls = set(range(int(interval), seconds + 1, int(interval)))
            changes = {m * 60: kind for m, kind in CHANGES}
            polling = 0
            for second in range(1, seconds + 1):
                kind = changes.get(second)
                if kind is not None:
                    change(gh, second, kind)
                    if link_up:
                        payload = {"host": "github.com"}
                        for t in targets(
                            "github", "", payload, streams_for(kind, payload), hub.sessions.items()
                        ):
                            await hub.sync_part(
                                hub.sessions[t.session], syncers_of(t.stream), announce=True
                            )
                if second in polls:
                    made = len(gh.log)
                    await hub.sync_now(session)
                    polling += len(gh.log) - made
            return len(gh.log), gh.spent() - before, polling
        finally:
            await hub.close()


async def main() -> None:
    polled, polled_points, _ = await session_hour(link_up=False)
    pushed, pushed_points, safety = await session_hour(link_up=True)
    print(
        f"polling alone:   {polled} requests/user/hour ({polled_points} rate-limit points), "
        f"a full sync every {SyncSettings().poll_interval:.0f} s"
    )
    print(
        f"team hub link:   {pushed} requests/user/hour ({pushed_points} rate-limit points), "
        f"{len(CHANGES)} pushed events + a safety sync every "
        f"{TeamHubSettings().safety_interval:.0f} s"
    )
    print(
        f"  of which:      {safety} by the safety syncs (polling), {pushed - safety} by the"
        f" {len(CHANGES)} events' narrow refreshes"
    )
    if pushed:
        print(f"ratio:           {polled / pushed:.1f}x fewer requests with the link up")


if __name__ == "__main__":
    asyncio.run(main())
