"""The team hub end to end, as a team runs it: a signed GitHub webhook reaches one of two
``tieline hub serve`` nodes sharing a database; three editors' own Tieline servers (over
stdio, each driven by a pytest-lsp client, each with its own home, vault and store) follow
the hub, two on one node and one on the other, and their My Work panels show the change with
polls an hour apart -- the push, not a poll, brought it. Then the node one editor follows is
stopped and restarted on the same port: the editor falls back, reconnects, resumes from its
``Last-Event-ID`` and gets what the team received meanwhile, missing nothing.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any
from unittest import mock

from pytest_lsp import LanguageClient

from server.hub.vault import open_vault
from tests.lsp.conftest import Env, env, start_client
from tests.lsp.raw import raw_request
from tests.lsp.test_features import items, wait_synced
from tests.standin.github import GitHubStandIn
from tests.teamhub.conftest import Cluster, HubProc, send
from tests.teamlink.conftest import until

STREAM = "/api/v1/events/stream"
VAULT = {"TIELINE_VAULT_BACKEND": "file", "TIELINE_VAULT_PASSPHRASE": "e2e-passphrase"}


def review_requested(number: int, title: str, host: str = "github.com") -> dict[str, Any]:
    """GitHub's ``pull_request`` delivery, action ``review_requested`` (trimmed to what the
    hub's mapping reads, as GitHub's webhook payload reference shapes it)."""
    repo = {"full_name": "octo/app", "html_url": f"https://{host}/octo/app"}
    return {
        "action": "review_requested",
        "number": number,
        "pull_request": {"number": number, "title": title, "merged": False, "state": "open",
                         "html_url": f"https://{host}/octo/app/pull/{number}",
                         "user": {"login": "hubot"}},
        "requested_reviewer": {"login": "octocat"},
        "repository": repo,
        "sender": {"login": "hubot"},
    }  # fmt: skip


def keep_token(home: Path, token: str) -> None:
    """Put the hub's token in the vault of the Tieline that runs with ``home``."""
    home.mkdir(parents=True, exist_ok=True)
    with mock.patch.dict(os.environ, {"TIELINE_HOME": str(home)}):  # where the vault lives
        open_vault(env=VAULT).set_secret("teamhub:127.0.0.1", token)


async def editor(env: Env, home: Path, node: HubProc, token: str) -> LanguageClient:
    """One person's Tieline following ``node``: its own home, the hub's token in its vault."""
    keep_token(home, token)
    mine = Env(root=env.root, github=env.github, home=home)
    client = await start_client(
        mine,
        TIELINE_TEAM_HUB__ENABLED="true",
        TIELINE_TEAM_HUB__URL=node.url + STREAM,
        TIELINE_SYNC__POLL_INTERVAL="3600",
    )
    await wait_synced(client)
    return client


async def link(client: LanguageClient) -> dict[str, Any]:
    status = await raw_request(client, "tieline/status")
    hub = status.get("teamHub") if isinstance(status, dict) else None
    return hub or {}


async def connected(client: LanguageClient) -> dict[str, Any] | None:
    hub = await link(client)
    return hub if hub.get("state") == "connected" else None


async def reviews(client: LanguageClient) -> list[str]:
    return [str(_get(i, "label")) for i in await items(client, "work", "work/review")]


def _get(obj: Any, key: str) -> Any:
    return obj[key] if isinstance(obj, dict) else getattr(obj, key)


async def shows(client: LanguageClient, title: str) -> bool:
    return any(title in t for t in await reviews(client))


async def test_a_webhook_received_once_reaches_every_editor_and_a_restart_loses_nothing(
    cluster: Cluster, env: Env, github: GitHubStandIn, tmp_path: Path
) -> None:
    a, b = cluster.start(), cluster.start()
    tokens = [await cluster.token(node, "alpha") for node in (a, a, b)]
    follows = [a, a, b]
    clients: list[LanguageClient] = []
    try:
        for n, (node, token) in enumerate(zip(follows, tokens, strict=True)):
            clients.append(await editor(env, tmp_path / f"home{n}", node, token))
        for c in clients:
            await until(lambda c=c: connected(c), timeout=30)
            assert not await shows(c, "Hot fix")

        # One delivery, to node a only: every editor, on either node, sees it.
        pr = github.state.add_pull(
            "octo/app", "Hot fix", head="hotfix", author="hubot", requested_reviewers=["octocat"]
        )
        r = await send(a, "github", review_requested(_number(pr), "Hot fix"))
        assert r.status_code == 200, r.text
        for c in clients:
            await until(lambda c=c: shows(c, "Hot fix"), timeout=30, every=0.1)
        first = {int((await link(c))["lastEventId"]) for c in clients}
        assert len(first) == 1  # the same event id on both nodes: one log

        # The same delivery again (a sender's retry or a replay), to the other node: refused.
        again = review_requested(_number(pr), "Hot fix")
        assert (await send(b, "github", again, delivery="dup-1")).status_code == 200
        assert (await send(a, "github", again, delivery="dup-1")).status_code == 409

        # Node b goes down; its editor falls back while the team receives another change.
        port = b.url.rsplit(":", 1)[1]
        assert b.terminate() == 0
        third = clients[2]
        await until(lambda: _state(third, "fallback"), timeout=30)
        pr2 = github.state.add_pull(
            "octo/app", "Second fix", head="fix2", author="hubot", requested_reviewers=["octocat"]
        )
        delivery = str(uuid.uuid4())
        r = await send(a, "github", review_requested(_number(pr2), "Second fix"), delivery=delivery)
        assert r.status_code == 200, r.text
        for c in clients[:2]:
            await until(lambda c=c: shows(c, "Second fix"), timeout=30, every=0.1)
        newest = int((await link(clients[0]))["lastEventId"])

        # Node b is back on its port: the editor resumes from its last id and catches up.
        cluster.start(TIELINE_HUB_PORT=port)
        await until(lambda: connected(third), timeout=60)
        await until(lambda: shows(third, "Second fix"), timeout=30, every=0.1)
        await until(lambda: _caught_up(third, newest), timeout=30)
    finally:
        for c in clients:
            await c.shutdown_session()


async def _state(client: LanguageClient, state: str) -> bool:
    return (await link(client)).get("state") == state


async def _caught_up(client: LanguageClient, newest: int) -> bool:
    return int((await link(client)).get("lastEventId") or 0) == newest


def _number(pr: Any) -> int:
    return int(pr["number"] if isinstance(pr, dict) else pr.number)


__all__ = ["env"]  # the workspace fixture, shared with the LSP suite
