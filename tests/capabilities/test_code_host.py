"""CodeHost and CIProvider, the same tests for every connector that declares them."""

from __future__ import annotations

from connectors.sdk import CIProvider, CodeHost, provides
from connectors.sdk.models import CheckConclusion, PullRequest

from .conftest import Subject


async def test_review_requests_and_my_requests(code_host: Subject) -> None:
    c = code_host.connector
    assert provides(c, CodeHost)
    review = await c.list_pull_requests("review_requested")
    assert [p.title for p in review] == [code_host.review_title]
    mine = await c.list_pull_requests("mine")
    assert [p.title for p in mine] == [code_host.mine_title]
    full = await c.get_pull_request(mine[0].ref)
    assert isinstance(full, PullRequest) and full.head_sha and full.head_ref == code_host.branch
    on_branch = await c.list_pull_requests("branch", scope=code_host.scope, branch="mine")
    assert [p.title for p in on_branch] == [code_host.mine_title]


async def test_a_failing_check_on_my_branch(code_host: Subject) -> None:
    c = code_host.connector
    if not provides(c, CIProvider):
        return
    assert code_host.branch is not None
    summary = await c.get_checks(code_host.scope, code_host.branch)
    assert summary.overall is CheckConclusion.FAILURE
    assert summary.failed == 1 and summary.total >= 2
    assert {r.name for r in summary.runs} >= {"build", "lint"}
