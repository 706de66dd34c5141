"""A hub with a GitHub session (the contract-checked stand-in) beside a stand-in team hub,
and a link between them whose waits are short and whose jitter is pinned."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
import pytest

from server.hub.hub import Hub
from server.hub.store import Store
from server.hub.teamlink import TeamLink
from tests.lsp.conftest import REPO, TOKEN, seed
from tests.lsp.conftest import until as lsp_until
from tests.standin.github import GitHubStandIn
from tests.teamlink.standin import HubStandIn


class MemoryVault:
    """The part of a vault the link reads: secrets by record id."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.reads = 0

    def get_secret(self, record_id: str) -> str | None:
        self.reads += 1
        return self.secrets.get(record_id)


@dataclass
class World:
    hub: Hub
    github: GitHubStandIn
    teamhub: HubStandIn
    vault: MemoryVault
    root: Path

    def link(self) -> TeamLink:
        return self.hub.teamlink

    def session_key(self) -> str:
        (key,) = self.hub.sessions
        return key

    async def jobs(self, state: str = "queued") -> list[tuple[str, str]]:
        rows = await self.hub.store.fetchall(
            "SELECT kind, coalesce_key FROM jobs WHERE state = ? ORDER BY id", (state,)
        )
        return [(r["kind"], r["coalesce_key"]) for r in rows]

    async def clear_jobs(self) -> None:
        await self.hub.store.execute("DELETE FROM jobs")


def make_repo(root: Path) -> Path:
    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "T")
        cw.set_value("user", "email", "t@example.com")
    (root / "NOTES.md").write_text("See #3 and #4.\n")
    repo.index.add(["NOTES.md"])
    repo.index.commit("init")
    repo.git.checkout("-b", "feature")
    repo.create_remote("origin", f"https://github.com/{REPO}.git")
    return root


async def until(predicate: Any, timeout: float = 20.0, every: float = 0.02) -> Any:
    """The LSP suite's :func:`tests.lsp.conftest.until`, polling more often (the link's
    stand-in answers in milliseconds)."""
    return await lsp_until(predicate, timeout=timeout, every=every)


@pytest.fixture
async def teamhub() -> AsyncIterator[HubStandIn]:
    h = HubStandIn()
    await h.start()
    yield h
    await h.stop()


@pytest.fixture
async def world(
    github: GitHubStandIn, teamhub: HubStandIn, tmp_path: Path, tieline_home: Path
) -> AsyncIterator[World]:
    seed(github)
    root = make_repo(tmp_path / "app")
    environ = {
        "TIELINE_HOME": str(tieline_home),
        "TIELINE_GITHUB_TOKEN": TOKEN,
        "TIELINE_CONNECTORS__GITHUB__API_URL": github.url,
        "TIELINE_TEAM_HUB__ENABLED": "true",
        "TIELINE_TEAM_HUB__URL": teamhub.url,
    }
    store = await Store.open(tmp_path / "tieline.db")
    hub = Hub(store=store, root=root, environ=environ)
    vault = MemoryVault()
    vault.secrets["teamhub:127.0.0.1"] = teamhub.token
    hub.teamlink = TeamLink(
        hub, vault=lambda: vault, rng=lambda: 0.5, max_backoff=0.2, token_recheck=0.05
    )
    try:
        for session in await hub.connect():
            await hub.sync_now(session)
        yield World(hub, github, teamhub, vault, root)
    finally:
        await hub.close()
