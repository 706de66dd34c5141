"""An in-memory code host: a CodeHost session that serves the clone's remote, so the chat
features can link shared code to its lines. It lists no pull requests; the line link comes
from its manifest's ``web_urls.lines`` alone."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from connectors.sdk import CheckResult, Connector
from connectors.sdk.capabilities import PullFilter
from connectors.sdk.errors import NotFound
from connectors.sdk.models import ItemRef, PullRequest


class FakeHost(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    async def check(self) -> CheckResult:
        return CheckResult(ok=True, account="ada")

    async def get_pull_request(self, ref: ItemRef) -> PullRequest:
        raise NotFound(f"{ref.label}: no such pull request", status=404, service="fakehost")

    async def list_pull_requests(
        self, which: PullFilter, *, scope: str | None = None, branch: str | None = None
    ) -> Sequence[PullRequest]:
        return []
