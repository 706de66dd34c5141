"""Several accounts per service: each workspace uses the one that matches its remote's host
and owner, overridable in ``.tieline.toml``; a token in the environment is the fallback."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest
from keyring.backends import fail
from pydantic import SecretStr

from server.hub.credentials import VaultCredentials
from server.hub.hub import Hub
from server.hub.vault import Credentials, Vault, open_vault
from tests.standin.github import GitHubStandIn


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    v = open_vault(
        "file", keyring_backend=fail.Keyring(), file=tmp_path / "vault.json",
        env={"TIELINE_VAULT_PASSPHRASE": "accounts test"}, scrypt_n=2**10,
    )  # fmt: skip
    for login in ("alice", "bob"):
        v.save(
            Credentials(
                connector="github",
                host="github.com",
                login=login,
                access_token=SecretStr(f"tok-{login}"),
                method="token",
            )
        )
    v.save(
        Credentials(
            connector="github",
            host="ghe.example.com",
            login="carol",
            access_token=SecretStr("tok-carol"),
            method="token",
        )
    )
    return v


def _clone(path: Path, remote: str) -> Path:
    repo = git.Repo.init(path, initial_branch="main")
    repo.create_remote("origin", remote)
    return path


async def _session_login(
    root: Path, gh: GitHubStandIn, vault: Vault, tmp_path: Path, **env: str
) -> str | None:
    environ = {"TIELINE_CONNECTORS__GITHUB__API_URL": gh.url, **env}
    hub = await Hub.open(
        root=root, store_path=tmp_path / f"{root.name}.db", cache_dir=None, environ=environ,
        credentials=VaultCredentials(environ, vault=vault),
    )  # fmt: skip
    try:
        sessions = await hub.connect()
        if not sessions:
            return None
        [session] = sessions  # one remote on github.com: one session
        await hub.sync_now(session)
        return session.login
    finally:
        await hub.close()


async def test_rules_pick_the_account_for_an_owner(
    github: GitHubStandIn, vault: Vault, tmp_path: Path
) -> None:
    github.state.tokens.update({"tok-alice": "alice", "tok-bob": "bob"})
    rules = json.dumps([{"host": "github.com", "owner": "acme", "account": "bob"}])
    work = _clone(tmp_path / "work", "git@github.com:acme/app.git")
    personal = _clone(tmp_path / "personal", "https://github.com/alice/dotfiles.git")

    assert (
        await _session_login(
            work, github, vault, tmp_path, TIELINE_CONNECTORS__GITHUB__ACCOUNTS=rules
        )
        == "bob"
    )
    assert github.spent("bob") > 0 and github.spent("alice") == 0
    # No rule for alice's own repository: the account named like the owner serves it.
    assert (
        await _session_login(
            personal, github, vault, tmp_path, TIELINE_CONNECTORS__GITHUB__ACCOUNTS=rules
        )
        == "alice"
    )
    assert github.spent("alice") > 0


async def test_workspace_file_overrides_and_hosts_stay_apart(
    github: GitHubStandIn, vault: Vault, tmp_path: Path
) -> None:
    github.state.tokens.update({"tok-alice": "alice", "tok-bob": "bob"})
    work = _clone(tmp_path / "work", "https://github.com/acme/app.git")
    (work / ".tieline.toml").write_text('[connectors.github]\naccount = "alice"\n')
    assert await _session_login(work, github, vault, tmp_path) == "alice"
    # A GitHub Enterprise remote is served by the account signed in on that host only.
    creds = VaultCredentials({}, vault=vault)
    chosen = creds.choose("github", "ghe.example.com", owner="acme", preferred=None)
    assert chosen is not None and chosen.login == "carol"
    assert creds.choose("github", "gitlab.com", owner="acme", preferred=None) is None


async def test_environment_token_is_the_fallback(github: GitHubStandIn, tmp_path: Path) -> None:
    github.state.tokens["tok-env"] = "octocat"
    empty = open_vault(
        "file", keyring_backend=fail.Keyring(), file=tmp_path / "empty.json",
        env={"TIELINE_VAULT_PASSPHRASE": "x"}, scrypt_n=2**10,
    )  # fmt: skip
    root = _clone(tmp_path / "r", "https://github.com/octo/app.git")
    assert (
        await _session_login(root, github, empty, tmp_path, TIELINE_GITHUB_TOKEN="tok-env")
        == "octocat"
    )
    assert await _session_login(root, github, empty, tmp_path) is None


async def test_items_state_changes_with_every_index_and_session_change(
    github: GitHubStandIn, vault: Vault, tmp_path: Path
) -> None:
    """Lenses and links are reused while :meth:`Hub.items_state` stays equal: it must change
    whenever what :meth:`Hub.cached` answers could."""
    github.state.tokens.update({"tok-alice": "alice", "tok-bob": "bob"})
    root = _clone(tmp_path / "r", "https://github.com/alice/app.git")
    environ = {"TIELINE_CONNECTORS__GITHUB__API_URL": github.url}
    hub = await Hub.open(
        root=root, store_path=tmp_path / "s.db", cache_dir=None, environ=environ,
        credentials=VaultCredentials(environ, vault=vault),
    )  # fmt: skip
    try:
        empty = hub.items_state()
        [session] = await hub.connect()
        opened = hub.items_state()
        assert opened != empty and hub.items_state() == opened
        await hub.sync_now(session)
        synced = hub.items_state()
        assert synced != opened and hub.items_state() == synced
        session.coordinator.index.put([])
        assert hub.items_state() != synced
        before = hub.items_state()
        await hub.reconfigure({"connectors": {"github": {"account": "alice"}}})
        assert hub.items_state() != before
        await hub.drop_sessions("github", "github.com")
        assert hub.items_state() != before and not hub.sessions
    finally:
        await hub.close()
