"""The encrypted-file backend: round trip, permissions, no plaintext, tamper and key errors."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from keyring.backends import fail
from pydantic import SecretStr

from connectors.sdk.errors import AuthError, ConfigError
from server.hub.vault import AccountRef, Credentials, EncryptedFileVault, open_vault

CANARY = "canary-tok-7f3a9b1e5d"
N = 2**10  # scrypt cost for tests only: the format and code path are the same as 2**17


def _vault(path: Path, passphrase: str | None = "correct horse") -> EncryptedFileVault:
    env = {"TIELINE_VAULT_PASSPHRASE": passphrase} if passphrase else {}
    vault = open_vault("auto", keyring_backend=fail.Keyring(), env=env, file=path, scrypt_n=N)
    assert isinstance(vault, EncryptedFileVault)
    return vault


def _creds(login: str = "alice", host: str = "github.com", token: str = CANARY) -> Credentials:
    return Credentials(
        connector="github", host=host, login=login, access_token=SecretStr(token),
        refresh_token=SecretStr(token + "-refresh"), expires_at=1_900_000_000.0,
        scopes=("repo", "read:org"), method="pkce",
    )  # fmt: skip


def test_round_trip_several_accounts_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "vault.json"
    vault = _vault(path)
    assert "no usable keyring" in vault.describe()
    assert "key from passphrase" in vault.describe()
    accounts = [
        _creds("alice"),
        _creds("alice-work", token=CANARY + "w"),
        _creds("alice", host="ghe.example.com", token=CANARY + "e"),
    ]
    for c in accounts:
        vault.save(c)
    reopened = _vault(path)
    for c in accounts:
        assert reopened.load(c.account) == c
    assert {(a.host, a.login) for a in reopened.accounts("github")} == {
        ("github.com", "alice"),
        ("github.com", "alice-work"),
        ("ghe.example.com", "alice"),
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(vault.index.path.stat().st_mode) == 0o600
    assert reopened.forget(accounts[0].account)
    assert reopened.load(accounts[0].account) is None
    # No stray temp files from atomic writes.
    # No temp file is left behind; the empty lock file beside the vault holds no data.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".vault.json.lock", "vault.json"]
    assert (tmp_path / ".vault.json.lock").stat().st_size == 0


def test_file_holds_no_plaintext(tmp_path: Path) -> None:
    path = tmp_path / "vault.json"
    vault = _vault(path, passphrase="pass-canary-phrase")
    vault.save(_creds())
    data = path.read_bytes() + vault.index.path.read_bytes()
    for needle in (CANARY, CANARY + "-refresh", "pass-canary-phrase"):
        assert needle.encode() not in data
        assert base64.b64encode(needle.encode()) not in data
    # nonces are fresh per write: saving the same record again changes its ciphertext
    first = json.loads(path.read_bytes())["records"]["github:github.com:alice"]
    vault.save(_creds())
    second = json.loads(path.read_bytes())["records"]["github:github.com:alice"]
    assert first["nonce"] != second["nonce"] and first["ct"] != second["ct"]


def test_tampered_ciphertext_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "vault.json"
    _vault(path).save(_creds())
    doc = json.loads(path.read_bytes())
    rec = doc["records"]["github:github.com:alice"]
    ct = bytearray(base64.b64decode(rec["ct"]))
    ct[3] ^= 0x01
    rec["ct"] = base64.b64encode(bytes(ct)).decode()
    path.write_text(json.dumps(doc))
    with pytest.raises(AuthError, match="failed its integrity check") as err:
        _vault(path).load(AccountRef("github", "github.com", "alice"))
    assert CANARY not in str(err.value)


def test_record_swapped_onto_another_identity_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "vault.json"
    vault = _vault(path)
    vault.save(_creds("alice"))
    vault.save(_creds("mallory", token="mallory-token-xyz"))
    doc = json.loads(path.read_bytes())
    doc["records"]["github:github.com:alice"] = doc["records"]["github:github.com:mallory"]
    path.write_text(json.dumps(doc))
    with pytest.raises(AuthError, match="copied from another account"):
        _vault(path).load(AccountRef("github", "github.com", "alice"))


def test_wrong_passphrase_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "vault.json"
    _vault(path, "right one").save(_creds())
    with pytest.raises(ConfigError, match="wrong TIELINE_VAULT_PASSPHRASE") as err:
        _vault(path, "wrong one").load(AccountRef("github", "github.com", "alice"))
    assert "wrong one" not in str(err.value) and "right one" not in str(err.value)
    # and a wrong passphrase cannot add records that nobody could read
    with pytest.raises(ConfigError, match="wrong TIELINE_VAULT_PASSPHRASE"):
        _vault(path, "wrong one").save(_creds("bob"))


def test_no_keyring_and_no_passphrase(tmp_path: Path) -> None:
    vault = _vault(tmp_path / "vault.json", passphrase=None)
    with pytest.raises(ConfigError, match="set TIELINE_VAULT_PASSPHRASE"):
        vault.save(_creds())
    path = tmp_path / "v2.json"
    _vault(path).save(_creds())
    with pytest.raises(ConfigError, match="protected by a passphrase: set TIELINE_VAULT_PASS"):
        _vault(path, passphrase=None).load(AccountRef("github", "github.com", "alice"))


def test_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "vault.json"
    path.write_text("not json")
    with pytest.raises(ConfigError, match="damaged"):
        _vault(path).load(AccountRef("github", "github.com", "alice"))


def test_credentials_repr_hides_tokens() -> None:
    c = _creds()
    assert CANARY not in repr(c) and CANARY not in str(c)
    assert CANARY not in c.model_dump_json()
