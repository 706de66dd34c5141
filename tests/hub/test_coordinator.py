"""The sync coordinator over a connector that implements the sdk protocols."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from connectors.sdk.capabilities import IssueFilter, PullFilter
from connectors.sdk.connector import Connector
from connectors.sdk.manifest import Manifest
from connectors.sdk.models import (
    CheckConclusion,
    CheckRun,
    CheckSummary,
    Comment,
    Issue,
    ItemRef,
    ItemState,
    Page,
    PullRequest,
    RepoRef,
    User,
)
from server.hub.sync import changes as ch
from server.hub.sync.coordinator import Coordinator
from server.hub.sync.syncers import Watch
from tests.factories import numbered

REPO = RepoRef(host="github.com", owner="octo", name="app")


MANIFEST = Manifest.parse(
    {
        "id": "fakehost",
        "name": "Fake host",
        "capabilities": ["IssueTracker", "CodeHost", "CIProvider"],
        "api_url": "https://fake.test",
        "attach": {"kind": "remote", "hosts": ["github.com"]},
        "auth": {"methods": ["token"]},
    }
)


class FakeHost(Connector):
    """Implements IssueTracker, CodeHost and CIProvider in memory, counting calls."""

    _manifest = MANIFEST

    def __init__(self) -> None:
        self.issues = {
            n: Issue(
                repo=REPO, ref=numbered(REPO, n), title=f"i{n}", state=ItemState.OPEN, url=f"u{n}"
            )
            for n in range(1, 8)
        }
        self.review: list[PullRequest] = []
        self.calls: list[str] = []
        self.get_issue_calls = 0
        self.failing = False

    async def get_issue(self, ref: ItemRef) -> Issue:
        self.get_issue_calls += 1
        await asyncio.sleep(0.01)
        if ref.number == 99:
            return Issue(
                repo=REPO,
                ref=numbered(REPO, 99),
                title="pr",
                state=ItemState.OPEN,
                url="p",
                is_pull_request=True,
            )
        assert ref.number is not None
        return self.issues[ref.number]

    async def list_issues(
        self, which: IssueFilter, *, scope: str | None = None, cursor: str | None = None
    ) -> Page:
        self.calls.append(f"issues:{which}:{cursor}")
        items = sorted(self.issues.values(), key=lambda i: i.number or 0)
        if which != "open":
            items = items[:1] if which == "assigned" else []
        start = int(cursor or 0)
        page = items[start : start + 3]
        # the next page repeats the last item, as an offset page does when items move
        nxt = str(start + 2) if start + 3 < len(items) else None
        return Page(items=tuple(page), next_cursor=nxt)

    async def create_issue(
        self, scope: str, title: str, body: str = "", labels: Sequence[str] = ()
    ) -> Issue:
        raise NotImplementedError

    async def add_comment(self, ref: ItemRef, body: str) -> Comment:
        raise NotImplementedError

    async def search_users(self, scope: str | None, prefix: str) -> Sequence[User]:
        return []

    async def get_pull_request(self, ref: ItemRef) -> PullRequest:
        assert ref.number is not None
        return PullRequest(
            repo=REPO,
            ref=numbered(REPO, ref.number, pull=True),
            title="pr",
            state=ItemState.OPEN,
            url="p",
            head_sha="abc",
        )

    async def list_pull_requests(
        self, which: PullFilter, *, scope: str | None = None, branch: str | None = None
    ) -> Sequence[PullRequest]:
        self.calls.append(f"pulls:{which}")
        if which == "review_requested":
            return self.review
        if which == "mine":
            return [
                PullRequest(
                    repo=REPO,
                    ref=numbered(REPO, 50, pull=True),
                    title="mine",
                    state=ItemState.OPEN,
                    url="m",
                    head_sha="sha50",
                )
            ]
        return []

    async def get_checks(self, scope: str, ref: str) -> CheckSummary:
        conclusion = CheckConclusion.FAILURE if self.failing else CheckConclusion.SUCCESS
        run = CheckRun(name="ci", status="completed", conclusion=conclusion)
        return CheckSummary.from_runs(ref, (run,))


async def test_sync_mirrors_lists_and_announces_changes() -> None:
    host = FakeHost()
    mirrored: list[str] = []
    published: list[ch.Change] = []

    async def mirror(items: Sequence[Issue]) -> None:
        mirrored.extend(i.key for i in items)

    async def publish(change: ch.Change) -> None:
        published.append(change)

    coord = Coordinator(host, Watch.of(REPO, "main"), mirror=mirror, publish=publish)
    assert await coord.sync() == []  # baseline
    assert [i.number for i in coord.index.list("issues.open")] == [1, 2, 3, 4, 5, 6, 7]
    assert [i.number for i in coord.index.list("issues.assigned")] == [1]
    assert coord.index.max_number["octo/app"] == 50
    assert coord.index.branch_checks["octo/app@main"].overall == CheckConclusion.SUCCESS
    assert "github:github.com:octo/app#1" in mirrored

    host.review = [
        PullRequest(
            repo=REPO,
            ref=numbered(REPO, 60, pull=True),
            title="review me",
            state=ItemState.OPEN,
            url="r",
        )
    ]
    host.failing = True
    kinds = sorted(c.kind for c in await coord.sync())
    assert kinds == sorted([ch.REVIEW_REQUESTED, ch.CHECK_SUITE_FAILED, ch.CHECK_SUITE_FAILED])
    assert [c.kind for c in published].count(ch.REVIEW_REQUESTED) == 1
    assert [i.number for i in coord.index.list("pulls.ci_failing")] == [50]


async def test_lookup_is_single_flight_and_upgrades_pull_requests() -> None:
    host = FakeHost()
    coord = Coordinator(host, Watch.of(REPO, None))
    got = await asyncio.gather(*(coord.lookup(numbered(REPO, 3)) for _ in range(10)))
    assert {g.number for g in got} == {3}
    assert host.get_issue_calls == 1
    pr = await coord.lookup(numbered(REPO, 99))
    assert isinstance(pr, PullRequest) and pr.checks is not None
    assert await coord.lookup(numbered(REPO, 3)) is got[0]  # now from the index
    assert host.get_issue_calls == 2
