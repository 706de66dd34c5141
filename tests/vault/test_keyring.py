"""The keyring backend against a real Secret Service (gnome-keyring on a private D-Bus)."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from keyring.backends import SecretService, fail, null
from pydantic import SecretStr

from server.hub.vault import (
    AccountRef,
    Credentials,
    EncryptedFileVault,
    KeyringVault,
    keyring_usable,
    open_vault,
)
from tests.vault.conftest import SecretServiceSession


def _ready_keyring() -> SecretService.Keyring:
    """gnome-keyring registers on the bus shortly after it starts: wait until a probe works."""
    backend = SecretService.Keyring()
    reason = ""
    for _ in range(100):
        usable, reason = keyring_usable(backend)
        if usable:
            return backend
        time.sleep(0.1)
    raise AssertionError(f"Secret Service never became usable: {reason}")


def _creds(login: str, token: str) -> Credentials:
    return Credentials(
        connector="github", host="github.com", login=login, access_token=SecretStr(token),
        refresh_token=SecretStr(token + "-refresh"), expires_at=2_000_000_000.0,
        scopes=("repo",), method="device",
    )  # fmt: skip


def test_keyring_set_get_delete_with_real_secret_service(
    secret_service: SecretServiceSession,
) -> None:
    backend = _ready_keyring()
    vault = open_vault("auto", keyring_backend=backend)
    assert isinstance(vault, KeyringVault)
    assert vault.describe() == "keyring: SecretService"

    personal, work = _creds("alice", "canary-personal-123"), _creds("alice-work", "canary-work-456")
    vault.save(personal)
    vault.save(work)
    assert vault.load(personal.account) == personal
    assert vault.load(work.account) == work
    assert [a.login for a in vault.accounts("github")] == ["alice", "alice-work"]

    if shutil.which("secret-tool"):
        out = subprocess.run(
            ["secret-tool", "lookup", "service", "tieline", "username", "github:github.com:alice"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert "canary-personal-123" in out.stdout

    assert vault.forget(personal.account) is True
    assert vault.load(personal.account) is None
    assert vault.forget(personal.account) is False
    assert [a.login for a in vault.accounts()] == ["alice-work"]
    # The index holds no secret.
    assert "canary" not in vault.index.path.read_text()


def test_file_vault_key_from_real_keyring(
    secret_service: SecretServiceSession, tmp_path: Path
) -> None:
    backend = _ready_keyring()
    vault = open_vault("file", keyring_backend=backend, file=tmp_path / "vault.json")
    assert isinstance(vault, EncryptedFileVault)
    vault.save(_creds("bob", "canary-bob-789"))
    assert "key from keyring" in vault.describe()
    again = open_vault("file", keyring_backend=backend, file=tmp_path / "vault.json")
    loaded = again.load(AccountRef("github", "github.com", "bob"))
    assert loaded is not None and loaded.access_token.get_secret_value() == "canary-bob-789"
    assert b"canary" not in (tmp_path / "vault.json").read_bytes()


def test_unusable_keyrings_are_detected() -> None:
    assert keyring_usable(fail.Keyring())[0] is False
    assert keyring_usable(null.Keyring())[0] is False
