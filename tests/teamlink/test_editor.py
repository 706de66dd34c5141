"""End to end over stdio: an editor's My Work panel changes after the team hub pushes an
event, with polls an hour apart -- the push, not a poll, brought the change."""

from __future__ import annotations

from typing import Any

from server.hub.vault import open_vault
from tests.lsp.conftest import Env, env, start_client
from tests.lsp.raw import raw_request
from tests.lsp.test_features import items, wait_synced
from tests.standin.github import GitHubStandIn
from tests.teamlink.conftest import until
from tests.teamlink.standin import HubStandIn


async def test_a_pushed_event_changes_the_panel_without_waiting_for_a_poll(
    env: Env, teamhub: HubStandIn, github: GitHubStandIn
) -> None:
    server_env = {
        "TIELINE_TEAM_HUB__ENABLED": "true",
        "TIELINE_TEAM_HUB__URL": teamhub.url,
        "TIELINE_SYNC__POLL_INTERVAL": "3600",
    }
    vault_env = {"TIELINE_VAULT_BACKEND": "file", "TIELINE_VAULT_PASSPHRASE": "e2e-passphrase"}
    open_vault(env=vault_env).set_secret("teamhub:127.0.0.1", teamhub.token)
    client = await start_client(env, **server_env)
    try:
        await wait_synced(client)
        changes: list[Any] = []

        @client.feature("tieline/panel/changed")
        def panel_changed(params: Any) -> None:
            changes.append(params)

        async def status() -> Any:
            return await raw_request(client, "tieline/status")

        got = await until(lambda: _connected(status), timeout=30)
        assert got["teamHub"]["url"] == teamhub.url

        async def review_titles() -> list[str]:
            return [str(_get(i, "label")) for i in await items(client, "work", "work/review")]

        before = await review_titles()
        assert not any("Hot fix" in t for t in before)

        pr = github.state.add_pull(
            "octo/app", "Hot fix", head="hotfix", author="hubot", requested_reviewers=["octocat"]
        )
        number = pr["number"] if isinstance(pr, dict) else pr.number
        teamhub.add(
            "pull_request.review_requested", f"octo/app#{number}", requested_reviewer="octocat"
        )

        async def shown() -> bool:
            return any("Hot fix" in t for t in await review_titles())

        await until(shown, timeout=30, every=0.1)
        # The shell is told to redraw, not left to its next look. The notification follows
        # the write the request above read, so it may still be on its way: wait for it.
        await until(lambda: changes, timeout=10)
        st = await status()
        assert st["teamHub"]["lastEventId"] == "1"
        # The push is the person's own news too: the narrow sync announced it once.
        await until(lambda: any("Hot fix" in m.message for m in client.messages), timeout=10)
        assert sum("Hot fix" in m.message for m in client.messages) == 1
    finally:
        await client.shutdown_session()


async def _connected(status: Any) -> Any:
    st = await status()
    hub = st.get("teamHub") if isinstance(st, dict) else None
    return st if hub and hub.get("state") == "connected" else None


def _get(obj: Any, key: str) -> Any:
    return obj[key] if isinstance(obj, dict) else getattr(obj, key)


__all__ = ["env"]  # the workspace fixture, shared with the LSP suite
