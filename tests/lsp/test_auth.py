"""Signing in and out from the editor (``tieline/auth/*``). The device flow itself is proven
against a real OAuth server in tests/auth; here: consent first, clear failures, sign-out."""

from __future__ import annotations

from keyring.backends import fail
from pydantic import SecretStr
from pytest_lsp import LanguageClient

from connectors.sdk.registry import default_registry
from server.hub.vault import Credentials, open_vault
from tests.lsp.conftest import TOKEN, Env, start_client
from tests.lsp.raw import raw_request
from tests.lsp.test_features import wait_synced


async def test_sign_in_needs_a_client_id_and_says_so(client: LanguageClient, env: Env) -> None:
    await wait_synced(client)
    result = await raw_request(client, "tieline/auth/signIn", {"connector": "github"})
    assert result["state"] == "failed"
    assert "clientId" in result["message"] and "--with-token" in result["message"]


async def test_consent_comes_first_and_a_refusal_stops_everything(env: Env) -> None:
    client = await start_client(env, TIELINE_CONNECTORS__GITHUB__CLIENT_ID="Iv1.test")
    try:
        await wait_synced(client)
        client.prompt_answer = "Cancel"  # type: ignore[attr-defined]
        result = await raw_request(client, "tieline/auth/signIn", {"connector": "github"})
        assert result["state"] == "cancelled"
        (prompt,) = [m for m in client.messages if "asks GitHub" in m.message]
        assert "repo:" in prompt.message and "read:org:" in prompt.message  # scopes and why
    finally:
        await client.shutdown_session()


async def test_status_and_sign_out_of_a_vault_account(env: Env) -> None:
    vault = open_vault(
        "file", keyring_backend=fail.Keyring(),
        env={"TIELINE_VAULT_PASSPHRASE": "e2e-passphrase"},
    )  # fmt: skip
    vault.save(
        Credentials(
            connector="github",
            host="github.com",
            login="octocat",
            access_token=SecretStr(TOKEN),
            method="device",
        )
    )
    client = await start_client(env)
    try:
        await wait_synced(client)
        status = await raw_request(client, "tieline/auth/status", {})
        (acct,) = status["accounts"]
        assert (acct["account"], acct["method"], acct["signedIn"]) == ("octocat", "device", True)
        out = await raw_request(client, "tieline/auth/signOut", {"connector": "github"})
        # A device-flow token is Tieline's own: it is ended at GitHub, not only forgotten.
        assert out == {"signedOut": True, "revoked": True}
        assert TOKEN in env.github.state.revoked
        assert vault.accounts("github") == []
        items = await raw_request(client, "tieline/panel/items", {"panelId": "work"})
        # Every installed connector that could serve this workspace offers to sign in; those
        # attached to a site (Jira, Jenkins) need the site configured first, so they do not,
        # and those that need no sign-in (arXiv, Crossref) have nothing to offer.
        offered = [i["id"].rpartition("/")[2] for i in items["items"]]
        assert {"github", "gitlab", "linear"} <= set(offered) and "jira" not in offered
        assert offered == sorted(
            m.id
            for m in default_registry().manifests()
            if m.attach.kind != "site" and not m.auth.anonymous
        )
    finally:
        await client.shutdown_session()
