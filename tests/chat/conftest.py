"""A hub for the chat features: a clone of ``octo/app`` on the fake code host, signed in
(by environment tokens) to the fake code host and the fake chat service, both in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import git
import pytest

from connectors.sdk.registry import Registry
from server.hub.credentials import EnvCredentials
from server.hub.hub import Hub
from server.hub.store import Store
from tests.chat.fakechat import connector as fakechat
from tests.chat.fakechat.connector import FakeChat
from tests.chat.fakehost.connector import FakeHost

ROOT = Path(__file__).resolve().parents[2]
REMOTE = "https://code.example.test/octo/app.git"
TOKENS = {"TIELINE_FAKECHAT_TOKEN": "tok-chat", "TIELINE_FAKEHOST_TOKEN": "tok-host"}


@dataclass
class Clone:
    root: Path
    sha: str


@pytest.fixture
def world() -> fakechat.World:
    return fakechat.reset()


@pytest.fixture
def clone(tmp_path: Path) -> Clone:
    root = tmp_path / "app"
    repo = git.Repo.init(root, initial_branch="feature")
    repo.create_remote("origin", REMOTE)
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("def main():\n    return 1\n")
    repo.index.add(["src/app.py"])
    commit = repo.index.commit("first")
    return Clone(root, commit.hexsha)


def registry() -> Registry:
    r = Registry()
    r.add(FakeChat)
    r.add(FakeHost)
    return r


async def open_hub(root: Path, db: Path, **environ: str) -> Hub:
    env = {**TOKENS, **environ}
    store = await Store.open(db)
    hub = Hub(
        store=store, root=root, registry=registry(), credentials=EnvCredentials(env), environ=env
    )
    await hub.connect()
    return hub


@pytest.fixture
async def hub(clone: Clone, tmp_path: Path, world: fakechat.World) -> AsyncIterator[Hub]:
    h = await open_hub(clone.root, tmp_path / "tieline.db")
    yield h
    await h.close()
